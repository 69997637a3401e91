"""KPI engine: ratios of sums, no-value handling, comparisons, targets, drivers, pacing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.data.exports import read_export
from bot.insight.kpi import KPI_KEYS, build_report, kpi_table, kpis
from tests import export_fixtures as fx


def frame(recs, platform="巨量引擎"):
    df = pd.DataFrame(recs)
    df["date"] = pd.to_datetime(df["date"])
    df["platform"] = df.get("platform", platform)
    for c in ("impressions", "clicks", "spend", "conversions", "revenue"):
        df[c] = df[c].astype("float64") if c in df else np.nan
    return df


def test_ratio_of_sums_not_mean_of_ratios():
    rows = frame([
        {"date": "2026-03-01", "campaign": "a", "impressions": 100, "clicks": 10, "spend": 10, "conversions": 1},
        {"date": "2026-03-02", "campaign": "a", "impressions": 10_000, "clicks": 100, "spend": 50, "conversions": 1},
    ])
    k = kpis(rows)
    assert k["ctr"] == pytest.approx(110 / 10_100)  # 1.089 %
    assert round(k["ctr"] * 100, 3) == 1.089
    assert k["ctr"] != pytest.approx(0.055)  # the mean of daily CTRs
    assert k["cpc"] == pytest.approx(60 / 110)
    assert k["cpm"] == pytest.approx(60 / 10_100 * 1000)
    assert k["cvr"] == pytest.approx(2 / 110) and k["cpa"] == pytest.approx(30)


def test_zero_denominators_give_none():
    rows = frame([{"date": "2026-03-01", "campaign": "a", "impressions": 0, "clicks": 0, "spend": 0,
                   "conversions": 0}])
    k = kpis(rows)
    assert set(k) == set(KPI_KEYS)
    for key in ("ctr", "cpc", "cpm", "cvr", "cpa", "roas", "profit_roi"):
        assert k[key] is None, key
    assert k["revenue"] is None  # no revenue column: no value, never 0
    assert k["spend"] == 0.0
    empty = kpis(rows.iloc[:0])
    assert all(v is None for v in empty.values())


def test_no_nan_or_inf_leaks():
    rows = frame([{"date": "2026-03-01", "campaign": "a", "impressions": 10, "clicks": 5, "spend": 0,
                   "conversions": 0, "revenue": 5}])
    k = kpis(rows)
    assert k["roas"] is None and k["profit_roi"] is None  # revenue over zero spend
    assert k["cpa"] is None and k["cpc"] == 0.0  # 0 conversions: no CPA; 0 spend / 5 clicks = 0
    for v in k.values():
        assert v is None or math.isfinite(v)


def test_ratio_only_over_rows_with_both_counts():
    a = read_export(fx.tencent_csv().data, name="t.csv").rows  # has revenue
    b = read_export(fx.baidu_csv().data, name="b.csv").rows  # no revenue
    k = kpis(pd.concat([a, b]))
    assert k["revenue"] == pytest.approx(a["revenue"].sum())
    assert k["roas"] == pytest.approx(a["revenue"].sum() / a["spend"].sum())  # not diluted by Baidu spend
    assert k["spend"] == pytest.approx(a["spend"].sum() + b["spend"].sum())


rows_strategy = st.lists(
    st.tuples(
        st.integers(1, 28), st.sampled_from(["a", "b", "c"]), st.sampled_from(["巨量引擎", "百度"]),
        st.integers(0, 10**6), st.integers(0, 10**4), st.integers(0, 10**6), st.integers(0, 500),
    ),
    min_size=1, max_size=40,
)


@given(rows_strategy)
def test_property_group_totals_agree(data):
    rows = frame([{"date": f"2026-03-{d:02d}", "campaign": c, "platform": p, "impressions": i, "clicks": k,
                   "spend": s / 100, "conversions": v} for d, c, p, i, k, s, v in data])
    total = kpis(rows)
    by_campaign = kpi_table(rows, ["platform", "campaign"])
    by_day = kpi_table(rows, "date")
    for key in ("impressions", "clicks", "spend", "conversions"):
        assert by_campaign[key].sum() == pytest.approx(total[key])
        assert by_day[key].sum() == pytest.approx(total[key])
    # Ratios from summed groups equal the overall ratio.
    s = by_day[["clicks", "impressions"]].sum()
    if s["impressions"]:
        assert total["ctr"] == pytest.approx(s["clicks"] / s["impressions"])
    else:
        assert total["ctr"] is None


def _month(recs_seed, month, days=10, campaigns=("a", "b")):
    start = pd.Timestamp(f"{month}-01").date()
    return frame(fx.records(list(campaigns), days=days, seed=recs_seed, start=start))


def test_build_report_changes_attainment_drivers_pacing():
    cur = _month(1, "2026-03", days=15)
    prev = _month(2, "2026-02", days=28, campaigns=("a", "c"))
    other = _month(3, "2026-04", days=3)  # outside the period: ignored
    rep = build_report("2026-03", pd.concat([cur, other]), prev,
                       targets={"ctr": 0.03, "cpa": 500.0, "spend": 1e9, "roi": 1.0},
                       budget=2_000_000, as_of=pd.Timestamp("2026-03-15"))
    assert rep.totals == kpis(cur)
    assert rep.previous == kpis(prev)
    ch = rep.changes["ctr"]
    assert ch.points == pytest.approx(rep.totals["ctr"] - rep.previous["ctr"])
    assert ch.relative == pytest.approx((rep.totals["ctr"] - rep.previous["ctr"]) / rep.previous["ctr"])
    assert rep.changes["spend"].points is None
    cpa = rep.changes["cpa"]
    assert cpa.good == (cpa.direction == "down")
    assert rep.attainment["spend"].met is True
    assert rep.attainment["cpa"].met == (rep.totals["cpa"] <= 500)
    assert rep.attainment["ctr"].gap == pytest.approx(rep.totals["ctr"] - 0.03)
    assert rep.attainment["roi"].actual == rep.roi()
    kinds = {(d.level, d.key) for d in rep.drivers}
    assert ("campaign", "spend") in kinds and ("platform", "spend") in kinds
    assert len([d for d in rep.drivers if d.level == "campaign" and d.key == "spend"]) == 3
    top = max((d for d in rep.drivers if d.level == "campaign" and d.key == "spend"), key=lambda d: abs(d.delta))
    assert top.delta == pytest.approx(top.current - top.previous)
    p = rep.pacing
    assert p.share_elapsed == pytest.approx(15 / 31)
    assert p.projected == pytest.approx(rep.totals["spend"] / 15 * 31)
    assert p.status in {"on_track", "over", "under"}
    assert list(rep.by_platform.columns) == list(KPI_KEYS)
    assert list(rep.by_campaign.columns[:2]) == ["platform", "campaign"]
    assert len(rep.daily) == 15 and rep.daily.index.max() == pd.Timestamp("2026-03-15")


def test_report_without_previous_and_no_revenue():
    cur = _month(4, "2026-03").drop(columns=["revenue"])
    rep = build_report("2026-03", cur, None, budget=1.0)
    assert rep.previous is None and rep.drivers == []
    assert rep.changes["ctr"].direction == "n/a"
    assert rep.totals["revenue"] is None and rep.totals["roas"] is None and rep.roi() is None
    assert rep.pacing.status == "over"  # as_of defaults to the last day in the data


def test_unknown_target_key():
    with pytest.raises(ValueError, match="unknown KPI target"):
        build_report("2026-03", _month(5, "2026-03"), None, targets={"ctrr": 0.1})


# --- partial coverage, like-for-like changes, pacing ------------------------------------------

def _two_platforms(month: str, *, tencent_revenue=True, ocean_revenue=False, ocean_conversions=True, scale=1.0):
    """Ocean Engine spends 8,000 a day, Tencent 2,000; revenue and conversions only where asked."""
    recs = []
    for day in (1, 2):
        recs.append({"date": f"{month}-{day:02d}", "campaign": "o", "platform": "巨量引擎", "impressions": 100_000,
                     "clicks": 1_000, "spend": 8_000 * scale, "conversions": 100 if ocean_conversions else np.nan,
                     "revenue": 12_000.0 * scale if ocean_revenue else np.nan})
        recs.append({"date": f"{month}-{day:02d}", "campaign": "t", "platform": "腾讯广告", "impressions": 20_000,
                     "clicks": 400, "spend": 2_000.0, "conversions": 20,
                     "revenue": 5_000.0 if tencent_revenue else np.nan})
    return frame(recs)


def test_partial_revenue_coverage_names_the_rows_it_covers():
    rep = build_report("2026-03", _two_platforms("2026-03"), None)
    assert rep.totals["roas"] == pytest.approx(2.5)  # 10,000 / 4,000: Tencent's spend only
    cov = rep.coverage["roas"]
    assert cov.platforms == ("腾讯广告",) and cov.only and cov.all_platforms == ("巨量引擎", "腾讯广告")
    assert cov.basis == "spend" and cov.share == pytest.approx(0.2)
    assert cov.sums["revenue"] == 10_000 and cov.sums["spend"] == 4_000  # the same rows as the ratio
    assert rep.coverage["revenue"].share == pytest.approx(0.2)
    assert "profit_roi" in rep.coverage
    for key in ("spend", "clicks", "ctr", "cpc", "cpm", "cvr", "cpa", "conversions"):
        assert key not in rep.coverage, key  # every active row carries these


def test_partial_conversions_coverage():
    rep = build_report("2026-03", _two_platforms("2026-03", ocean_conversions=False), None,
                       targets={"cpa": 50.0})
    assert rep.totals["cpa"] == pytest.approx(4_000 / 40)
    for key in ("conversions", "cvr", "cpa"):
        assert rep.coverage[key].platforms == ("腾讯广告",), key
    assert rep.coverage["cvr"].share == pytest.approx(0.2)  # of spend, the most telling basis
    assert rep.attainment["cpa"].coverage is rep.coverage["cpa"]  # the verdict can say so
    from bot.insight.draft import draft_data_section
    from handlers.render import kpi_fields

    fields = kpi_fields(rep, "zh-CN")
    cpa = next(f for f in fields if "CPA" in f)
    assert cpa.startswith("*转化成本 CPA*\n100.00 元 · 仅腾讯广告，占消耗 20%\n消耗 4,000.00 元 ÷ 转化 40")
    assert "❌" in cpa  # the verdict sits beside the rows it judged
    conv = next(f for f in fields if f.startswith("*转化*"))
    assert conv.startswith("*转化*\n40 · 仅腾讯广告，占消耗 20%")
    assert "转化 40；仅统计腾讯广告平台，占消耗 20%" in draft_data_section(rep, "zh-CN")


def test_coverage_within_one_platform_and_inactive_rows():
    rows = _two_platforms("2026-03", ocean_revenue=True)
    rows.loc[(rows["platform"] == "巨量引擎") & (rows["date"] == "2026-03-02"), "revenue"] = np.nan
    zero = frame([{"date": "2026-03-03", "campaign": "o", "platform": "百度", "impressions": 0, "clicks": 0,
                   "spend": 0, "conversions": 0}])  # no activity: not left out of anything
    rep = build_report("2026-03", pd.concat([rows, zero]), None)
    cov = rep.coverage["roas"]
    assert set(cov.platforms) == {"巨量引擎", "腾讯广告"} and not cov.only
    assert cov.partial_platforms == ("巨量引擎",) and cov.full_platforms == ("腾讯广告",)
    assert cov.share == pytest.approx(12_000 / 20_000)
    assert build_report("2026-03", _two_platforms("2026-03", ocean_revenue=True), None).coverage == {}


def test_changes_compare_like_with_like():
    # Last month both platforms reported revenue; this month only Tencent does.
    prev = _two_platforms("2026-02", ocean_revenue=True)
    rep = build_report("2026-03", _two_platforms("2026-03"), prev)
    ch = rep.changes["roas"]
    assert ch.scope == ("腾讯广告",) and ch.comparable
    assert ch.previous == pytest.approx(2.5) and ch.direction == "flat"  # Tencent vs Tencent
    assert rep.changes["revenue"].scope == ("腾讯广告",)
    assert rep.changes["spend"].scope is None  # complete both months
    # The same coverage both months: compared as is.
    same = build_report("2026-03", _two_platforms("2026-03"), _two_platforms("2026-02"))
    assert same.changes["roas"].scope is None and same.changes["roas"].direction == "flat"
    # Nothing covered in full in both months: not compared at all.
    other = build_report("2026-03", _two_platforms("2026-03"),
                         _two_platforms("2026-02", tencent_revenue=False, ocean_revenue=True))
    ch = other.changes["roas"]
    assert not ch.comparable and ch.direction == "n/a" and ch.relative is None
    # The highlights say so beside the value.
    from handlers.render import kpi_fields

    roi = next(f for f in kpi_fields(rep, "zh-CN") if f.startswith("*ROI"))
    assert roi.endswith("\n→ 环比 +0.0%（同口径：仅腾讯广告）")
    roi = next(f for f in kpi_fields(other, "en") if f.startswith("*ROI"))
    assert "not compared: last month's data covers other rows" in roi


@pytest.mark.parametrize("as_of, final", [("2026-03-10", False), ("2026-03-31", False), ("2026-04-02", True)])
def test_pacing_projects_only_while_the_month_runs(as_of, final):
    rows = _two_platforms("2026-03")  # 20,000 spent by March 2
    rep = build_report("2026-03", rows, None, budget=100_000, as_of=pd.Timestamp(as_of))
    p = rep.pacing
    assert p.final is final and p.as_of == pd.Timestamp(as_of).date()
    if final:
        assert p.projected == 20_000 and p.status == "within" and p.share_spent == pytest.approx(0.2)
    else:
        day = pd.Timestamp(as_of).day
        assert p.projected == pytest.approx(20_000 / day * 31) and p.share_elapsed == pytest.approx(day / 31)


def test_pacing_after_the_month_over_and_under_budget():
    from bot.insight.kpi import pacing

    over = pacing("2026-10", 426_400.0, 400_000.0, pd.Timestamp("2026-11-03"))
    assert over.final and over.status == "over" and over.projected == 426_400.0
    under = pacing("2026-10", 372_000.0, 400_000.0, pd.Timestamp("2026-11-01"))
    assert under.final and under.status == "within" and under.share_spent == pytest.approx(0.93)
    # During the month, data reaching further than today counts its days.
    early = pacing("2026-10", 310_000.0, 400_000.0, pd.Timestamp("2026-10-28"), data_through=pd.Timestamp("2026-10-31"))
    assert not early.final and early.projected == pytest.approx(310_000.0)


@pytest.mark.parametrize("mode, locale, roas, profit", [
    ("revenue", "zh-CN", "ROI（收入÷消耗）", "利润率（利润÷消耗）"),
    ("revenue", "en", "ROI (revenue ÷ spend)", "Profit ratio ((revenue − spend) ÷ spend)"),
    ("profit", "zh-CN", "ROAS（收入÷消耗）", "ROI（利润÷消耗）"),
    ("profit", "en", "ROAS (revenue ÷ spend)", "ROI ((revenue − spend) ÷ spend)"),
])
def test_roi_setting_names_the_ratio_in_both_locales(mode, locale, roas, profit):
    from bot.core.admin import SetupForm, SetupTarget
    from bot.insight.kpi_text import kpi_label
    from bot.model.config import parse_reports
    from bot.report.export import export_xlsx
    from handlers.admin_render import setup_modal
    from handlers.render import kpi_fields, targets_message

    assert kpi_label("roas", locale, mode) == roas and kpi_label("profit_roi", locale, mode) == profit
    assert kpi_label("roi", locale, mode) == (roas if mode == "revenue" else profit)
    rep = build_report("2026-03", _two_platforms("2026-03"), None, roi_mode=mode, targets={"roas": 2.0})
    roi = next(f for f in kpi_fields(rep, locale) if f.startswith("*RO"))
    assert roi.startswith(f"*{roas if mode == 'revenue' else profit}*")
    report = parse_reports({"reports": [{"id": "r", "name": "n", "channel": "C0123456789", "admins": ["U0A"],
                                         "locale": locale, "roi": mode}]}, file="t.toml")[0]
    _, blocks = targets_message(report, "2026-03", {"roas": 2.0}, rep)
    assert f"• {roas}: 2.00" in str(blocks)
    form = SetupForm(name="n", locale=locale, timezone="Asia/Shanghai", calendar="CN", admins=("U0A",),
                     included=("data",), owners={})
    modal = setup_modal(SetupTarget("edit", "C0123456789", report), form, locale=locale, config_file="t.toml")
    assert any(b.get("block_id") == "target_roas" and b["label"]["text"] == roas for b in modal["blocks"])

    class S:  # what the workbook reads from a Summary
        kpi = rep
        sections = []

    S.report = report
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(export_xlsx(S, lambda u: u)))
    names = {r[0]: r[2] for r in wb["KPIs"].iter_rows(values_only=True)}
    assert names["roas"] == roas and names["profit_roi"] == profit
