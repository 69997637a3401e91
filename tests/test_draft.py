"""'Draft from data': figures, missing values, length, and the draft passing its own claim check."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.insight.claims import check_claims
from bot.insight.draft import MAX_CHARS, actuals_for_plan, draft_data_section, missed_targets_text
from bot.insight.kpi import KPI_KEYS, Attainment, Change, Driver, KPIReport, Pacing

try:
    from claims_corpus import derive
except ImportError:  # pragma: no cover
    from tests.claims_corpus import derive


def _change(key, cur, prev) -> Change:
    rel = None if cur is None or not prev else (cur - prev) / abs(prev)
    pts = None if cur is None or prev is None or key not in ("ctr", "cvr") else cur - prev
    direction = "n/a" if cur is None or prev is None else ("up" if cur > prev else "down" if cur < prev else "flat")
    return Change(key, cur, prev, rel, pts, direction, None)


def make_report(cur_base, prev_base=None, *, targets=None, drivers=(), pacing=None, roi_mode="revenue"):
    """A KPIReport built by hand (no kpi engine): small frames, ratios of sums."""
    cur = derive(cur_base)
    prev = derive(prev_base) if prev_base is not None else None
    for d in (cur, prev):
        if d is not None:
            for k in KPI_KEYS:
                d.setdefault(k, None)
    attainment = {}
    for key, target in (targets or {}).items():
        actual = cur.get(key)
        lower_better = key in ("cpc", "cpm", "cpa")
        met = None if actual is None else (actual <= target if lower_better else actual >= target)
        attainment[key] = Attainment(key, target, actual, met,
                                     None if actual is None else actual - target,
                                     None if actual is None else actual / target)
    frame = pd.DataFrame([cur], index=pd.Index(["抖音"], name="platform"))
    campaigns = pd.DataFrame([dict(platform="抖音", campaign="春季拉新", **cur)])
    daily = pd.DataFrame([cur], index=pd.to_datetime(["2024-05-01"]))
    return KPIReport(
        period="2024-05",
        totals=cur,
        previous=prev,
        changes={k: _change(k, cur.get(k), prev.get(k) if prev else None) for k in KPI_KEYS},
        by_platform=frame,
        by_campaign=campaigns,
        daily=daily,
        previous_daily=None,
        attainment=attainment,
        drivers=list(drivers),
        pacing=pacing,
        roi_mode=roi_mode,
    )


CUR = dict(impressions=1_250_000, clicks=28_375, spend=123_456.78, conversions=2_270, revenue=395_200.0)
PREV = dict(impressions=1_300_000, clicks=27_300, spend=115_000.0, conversions=2_100, revenue=345_000.0)
DRIVERS = [
    Driver("campaign", "春季拉新", "抖音", "spend", 42_500.0, 34_000.0, 8_500.0),
    Driver("platform", "快手", None, "conversions", 1_120.0, 1_000.0, 120.0),
]
PACING = Pacing(budget=200_000.0, spent=123_456.78, share_spent=0.6173, share_elapsed=0.5806,
                projected=212_640.0, status="over")


def full_report(**kw):
    return make_report(CUR, PREV, targets={"ctr": 0.02, "cpa": 50.0, "conversions": 2_500},
                       drivers=DRIVERS, pacing=PACING, **kw)


def _assert_self_consistent(report, text):
    checks = check_claims(text, report.totals, report.previous, roi_mode=report.roi_mode)
    bad = [c.message("en") for c in checks if c.ok is not True]
    assert not bad, bad
    return checks


def test_zh_draft_figures():
    text = draft_data_section(full_report(), "zh-CN", team_name="增长一组")
    assert text.startswith("【增长一组】2024-05")
    for piece in (
        "消耗 12.35万元，环比上升 7.35%（上月 11.50万元）",
        "展现 125.00万，环比下降 3.85%",
        "点击 2.84万",
        "转化 2,270，环比上升 8.10%",
        "收入 39.52万元",
        "点击率 2.27%，环比上升 0.17 个百分点（上月 2.10%）",
        "转化率 8.00%，环比上升 0.31 个百分点",
        "转化成本 54.39 元，环比下降 0.69%（上月 54.76 元）",
        "ROI 3.20（1:3.20）",
        "未达目标：转化成本 54.39 元（目标 50.00 元，高于目标 4.39 元）",
        "未达目标：转化 2,270（目标 2,500，低于目标 230）",
        "达成目标：点击率 2.27%（目标 2.00%，高于目标 0.27 个百分点）",
        "计划「春季拉新」（抖音）：消耗 +8,500.00 元（3.40万元 → 4.25万元）",
        "平台「快手」：转化 +120（1,000 → 1,120）",
        "预算 20.00万元，已消耗 12.35万元（占预算 61.73%）",
        "节奏偏快",
    ):
        assert piece in text, piece
    assert text.index("未达目标") < text.index("达成目标")  # misses first
    checks = _assert_self_consistent(full_report(), text)
    assert len(checks) >= 30


def test_en_draft_figures():
    text = draft_data_section(full_report(), "en", team_name="Growth A")
    for piece in (
        "Spend ¥123,456.78, up 7.35% MoM (last month ¥115,000.00)",
        "Impressions 1,250,000, down 3.85% MoM",
        "Clicks 28,375, up 3.94% MoM",
        "CTR 2.27%, up 0.17 pp MoM (last month 2.10%)",
        "CPA ¥54.39, down 0.69% MoM",
        "ROI 3.20, up 6.70% MoM (last month 3.00)",
        "Target missed: CPA ¥54.39 (target ¥50.00, ¥4.39 above target)",
        "Target met: CTR 2.27% (target 2.00%, 0.27 pp above target)",
        "Campaign “春季拉新” (抖音): spend +¥8,500.00 (¥34,000.00 → ¥42,500.00)",
        "Budget ¥200,000.00",
        "running ahead",
    ):
        assert piece in text, piece
    _assert_self_consistent(full_report(), text)


def test_missing_values_are_dashes_not_zero():
    cur = dict(CUR, revenue=None, conversions=0)
    report = make_report(cur, PREV)
    zh = draft_data_section(report, "zh-CN")
    en = draft_data_section(report, "en")
    assert "转化成本 无数据" in zh and "ROI 无数据" in zh
    assert "CPA — (no data)" in en and "ROI — (no data)" in en
    assert "收入 无数据" in zh  # revenue existed last month, so its absence is news
    assert "¥0.00" not in en and "ROI 0.00" not in zh
    _assert_self_consistent(report, zh)
    _assert_self_consistent(report, en)


def test_no_previous_month():
    report = make_report(CUR, None)
    zh = draft_data_section(report, "zh-CN")
    en = draft_data_section(report, "en")
    assert "环比" not in zh.replace("未计算环比", "")
    assert "无上月数据" in zh and "No data for last month" in en
    _assert_self_consistent(report, zh)
    _assert_self_consistent(report, en)


def test_profit_roi_mode():
    report = full_report(roi_mode="profit")
    zh = draft_data_section(report, "zh-CN")
    assert "ROI 2.20" in zh and "1:" not in zh
    _assert_self_consistent(report, zh)


def test_length_limit_with_many_targets_and_long_names():
    drivers = [Driver("campaign", "超长的计划名称" * 20 + str(i), "抖音" * 10, "spend", 1e6 + i, 1e5, 9e5)
               for i in range(40)]
    targets = {k: 1.0 for k in ("spend", "impressions", "clicks", "conversions", "revenue", "ctr",
                                "cpc", "cpm", "cvr", "cpa", "roas")}
    report = make_report(CUR, PREV, targets=targets, drivers=drivers, pacing=PACING)
    for loc in ("zh-CN", "en"):
        text = draft_data_section(report, loc, team_name="T" * 200)
        assert len(text) <= MAX_CHARS
        _assert_self_consistent(report, text)


def test_names_cannot_break_lines_into_unchecked_sentences():
    drivers = [Driver("campaign", "CTR 9.9%。点击率 8.8%", None, "spend", 2.0, 1.0, 1.0)]
    report = make_report(CUR, PREV, drivers=drivers)
    for loc in ("zh-CN", "en"):
        _assert_self_consistent(report, draft_data_section(report, loc))


def test_missed_targets_text():
    report = full_report()
    zh = missed_targets_text(report, "zh-CN")
    assert "• 转化成本：实际 54.39 元，目标 50.00 元，高于目标 4.39 元，越低越好" in zh
    assert "• 转化：实际 2,270，目标 2,500，低于目标 230" in zh
    assert "点击率" not in zh  # met
    en = missed_targets_text(report, "en")
    assert "• CPA: actual ¥54.39 vs target ¥50.00 (¥4.39 above target; lower is better)" in en
    assert missed_targets_text(make_report(CUR, PREV), "en") == "No targets were missed this month."


def test_actuals_for_plan():
    report = full_report()
    zh = actuals_for_plan(report, "zh-CN")
    assert zh.splitlines()[0] == "• 点击率：本月实际 2.27%（本月目标 2.00%）"
    assert "• 消耗：本月实际 12.35万元（未设目标）" in zh
    en = actuals_for_plan(report, "en")
    assert "• CPA: actual ¥54.39 this month (target ¥50.00)" in en
    assert "• ROI: actual 3.20 this month (no target)" in en


# --- property: whatever the numbers, the draft agrees with its own data ---------------

counts = st.integers(min_value=0, max_value=5_000_000_000)
money = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=2e9, allow_nan=False).map(lambda x: round(x, 2)))


@st.composite
def bases(draw):
    imps = draw(counts)
    clicks = draw(st.integers(min_value=0, max_value=imps))
    conv = draw(st.integers(min_value=0, max_value=max(clicks, 0)))
    revenue = draw(st.one_of(st.none(), money))
    return dict(impressions=imps, clicks=clicks, spend=draw(money), conversions=conv, revenue=revenue)


@given(cur=bases(), prev=st.one_of(st.none(), bases()), mode=st.sampled_from(["revenue", "profit"]),
       locale=st.sampled_from(["zh-CN", "en"]))
def test_draft_passes_its_own_check(cur, prev, mode, locale):
    report = make_report(cur, prev, targets={"cpa": 50.0, "ctr": 0.01}, drivers=DRIVERS,
                         pacing=PACING, roi_mode=mode)
    text = draft_data_section(report, locale, team_name="增长一组")
    assert len(text) <= MAX_CHARS
    checks = _assert_self_consistent(report, text)
    assert len(checks) >= 4  # the figures really were read back (at least the four counts)


# --- coverage, like-for-like changes, final pacing ------------------------------------------

def _rows(month, *, ocean_revenue=False):
    import numpy as np

    recs = []
    for day in (1, 2):
        recs.append(dict(date=f"{month}-{day:02d}", platform="巨量引擎", campaign="o", impressions=100_000,
                         clicks=1_000, spend=8_000.0, conversions=100.0, revenue=12_000.0 if ocean_revenue else np.nan))
        recs.append(dict(date=f"{month}-{day:02d}", platform="腾讯广告", campaign="t", impressions=20_000,
                         clicks=400, spend=2_000.0, conversions=20.0, revenue=5_000.0))
    df = pd.DataFrame(recs)
    df["date"] = pd.to_datetime(df["date"])
    return df


def _built(prev_ocean_revenue=False, **kw):
    from bot.insight.kpi import build_report

    return build_report("2026-03", _rows("2026-03"), _rows("2026-02", ocean_revenue=prev_ocean_revenue),
                        targets={"roi": 3.0}, **kw)


def _self_check(report, text):
    names = list(report.by_platform.index.astype(str))
    checks = check_claims(text, report.totals, report.previous, roi_mode=report.roi_mode, scope_names=names)
    bad = [c.message("en") for c in checks if c.ok is not True]
    assert not bad, bad
    return checks


def test_draft_says_what_roi_and_revenue_cover():
    report = _built()
    zh = draft_data_section(report, "zh-CN")
    assert "• 消耗 2.00万元" in zh  # every row
    assert "收入 1.00万元，环比持平（上月 1.00万元）；仅统计腾讯广告平台，占消耗 20%" in zh
    assert "ROI 2.50（1:2.50），环比持平（上月 2.50）；仅统计腾讯广告平台，占消耗 20%：收入 1.00万元 ÷ 消耗 4,000.00 元" in zh
    assert "未达目标：ROI 2.50（目标 3.00，低于目标 0.50）；仅统计腾讯广告平台" in zh
    en = draft_data_section(report, "en")
    assert "ROI 2.50, flat MoM (last month 2.50); 腾讯广告 platform only, 20% of spend: revenue ¥10,000.00 ÷ spend ¥4,000.00" in en
    for text in (zh, en):
        _self_check(report, text)
    assert "仅统计腾讯广告平台，占消耗 20%" in missed_targets_text(report, "zh-CN")
    assert "腾讯广告 platform only" in actuals_for_plan(report, "en")


def test_draft_changes_like_for_like_when_coverage_differs():
    report = _built(prev_ocean_revenue=True)  # last month both platforms reported revenue
    zh = draft_data_section(report, "zh-CN")
    line = next(x for x in zh.splitlines() if x.startswith("• ROI"))
    # Not 2.50 against last month's 1.70 (both platforms): Tencent against Tencent.
    assert line == ("• ROI 2.50（1:2.50）；仅统计腾讯广告平台，占消耗 20%：收入 1.00万元 ÷ 消耗 4,000.00 元；"
                    "同口径（仅腾讯广告平台）环比持平（上月 2.50）")
    assert "1.70" not in zh
    en = draft_data_section(report, "en")
    assert "like for like (腾讯广告 platform only) flat MoM (last month 2.50)" in en
    for text in (zh, en):
        _self_check(report, text)


@pytest.mark.parametrize("budget, zh_text, en_text", [
    (18_000, "本月最终消耗 2.00万元，超出预算 11.1%", "final spend ¥20,000.00, 11.1% over budget"),
    (21_500, "本月最终消耗 2.00万元，使用预算 93%", "final spend ¥20,000.00, 93% of budget used"),
])
def test_draft_pacing_after_the_month_is_final(budget, zh_text, en_text):
    report = _built(budget=budget, as_of=pd.Timestamp("2026-04-02"))
    zh, en = draft_data_section(report, "zh-CN"), draft_data_section(report, "en")
    assert zh_text in zh and "预计" not in zh
    assert en_text in en and "projected" not in en
    running = _built(budget=budget, as_of=pd.Timestamp("2026-03-10"))
    assert "截至 3月10日，已消耗 2.00万元" in draft_data_section(running, "zh-CN")
    assert "as of Mar 10, ¥20,000.00 spent" in draft_data_section(running, "en")


@pytest.mark.parametrize("mode, roas, profit", [("revenue", "ROI 2.50", "利润率 1.50"),
                                                ("profit", "ROAS 2.50", "ROI 1.50")])
def test_roi_name_follows_the_setting(mode, roas, profit):
    report = _built(roi_mode=mode)
    zh = draft_data_section(report, "zh-CN")
    assert (roas if mode == "revenue" else profit) in zh
    en = actuals_for_plan(report, "en")
    assert ("• ROI: actual 2.50" if mode == "revenue" else "• ROI: actual 1.50") in en
