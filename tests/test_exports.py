"""Readers of ad-platform exports against generated files with known truth."""

from __future__ import annotations

import io
import json
import math
import tracemalloc

import pandas as pd
import pytest

from bot.data import upload_guard
from bot.data.exports import CANONICAL_COLUMNS, ExportError, dedupe, normalize_header, read_export
from feedsum import metrics_cli
from tests import export_fixtures as fx
from tests import hostile_xlsx as hx
from tests.export_fixtures import ALL_FIXTURES


@pytest.mark.parametrize("key", sorted(ALL_FIXTURES))
def test_fixture_truth(key):
    f = ALL_FIXTURES[key]()
    res = read_export(f.data, name=f.name, columns=f.columns, **f.options)
    rows = res.rows
    assert res.preset == f.preset
    assert list(rows.columns) == CANONICAL_COLUMNS
    assert len(rows) == f.rows
    assert res.dropped == f.dropped
    for k, want in f.totals.items():
        got = rows[k].sum(min_count=1)
        if want is None:
            assert math.isnan(got), k  # the file has no such measure: no value, not 0
        else:
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6), k
    assert set(rows["campaign"]) == f.campaigns
    if f.rows:
        assert set(rows["platform"]) == {f.platform}
        assert rows["date"].min().date() == f.first_date
        assert rows["date"].max().date() == f.last_date
    if f.encoding:
        assert res.encoding == f.encoding


def test_canonical_dtypes():
    rows = read_export(fx.google_ads_csv().data, name="g.csv").rows
    assert str(rows["date"].dtype) == "datetime64[ns]"
    for c in ("impressions", "clicks", "spend", "conversions", "revenue"):
        assert rows[c].dtype == "float64"
    assert (rows["date"] == rows["date"].dt.normalize()).all()


def test_google_campaign_total_is_a_value_not_a_total_row():
    f = fx.google_ads_csv()
    assert b"Campaign Total" in f.data
    res = read_export(f.data, name=f.name)
    assert len(res.rows) == f.rows  # the row with Budget type "Campaign Total" is kept
    assert res.dropped == 3  # Total: Campaigns / Account / Search


def test_meta_ctr_points_not_used_and_roas_revenue():
    f = fx.meta_csv("IDR")
    res = read_export(f.data, name=f.name)
    assert res.rows["revenue"].sum() == pytest.approx(f.totals["revenue"])
    assert res.dropped == 1  # blank-name account row
    assert not any("does not match" in w for w in res.warnings)  # CTR column in points cross-checks


def test_meta_no_data():
    res = read_export(fx.meta_no_data().data, name="m.csv")
    assert len(res.rows) == 0 and res.dropped == 1


def test_deleted_suffix_and_full_width_headers():
    rows = read_export(fx.baidu_csv().data, name="b.csv").rows
    assert "品牌词计划" in set(rows["campaign"])
    assert normalize_header("花费（元）") == ("花费", "元")
    assert normalize_header("点击率%") == ("点击率", "%")
    assert normalize_header("Amount spent (IDR)") == ("amount spent", "IDR")
    assert normalize_header("Clicks (destination)")[1] is None


def test_hourly_and_range_dates():
    text = ("日期,推广计划,展现,点击,消费\n2026-03-31 23:00,a,100,1,2.00\n2026-03-31 22:00,a,100,1,2.00\n"
            "2026-03-01至2026-03-31,b,10,1,1\n")
    rows = read_export(text.encode(), name="h.csv").rows
    assert set(rows["date"].dt.strftime("%Y-%m-%d")) == {"2026-03-31", "2026-03-01"}


def test_column_mapping_overrides_preset():
    f = fx.mapped_csv()
    res = read_export(f.data, name=f.name, columns=f.columns, platform="自营")
    assert res.rows["spend"].sum() == pytest.approx(f.totals["spend"])  # "¥1,234.50" parsed
    assert set(res.rows["platform"]) == {"自营"}
    with pytest.raises(ExportError, match="no such header"):
        read_export(f.data, name=f.name, columns={**f.columns, "spend": "不存在"})


def test_bad_number_names_file_row_column():
    f = fx.oceanengine_csv("utf-8")
    text = f.data.decode("utf-8").splitlines()
    cells = text[3].split(",")
    cells[3] = "abc"  # 消耗 of the third data row = row 4 of the sheet
    text[3] = ",".join(cells)
    with pytest.raises(ExportError) as exc:
        read_export("\n".join(text).encode(), name="exports/nov.csv")
    e = exc.value
    assert (e.file, e.row, e.column) == ("exports/nov.csv", 4, "消耗")
    assert str(e) == 'exports/nov.csv, row 4, column "消耗": expected a number, got "abc"'


def test_many_bad_rows_all_or_nothing():
    lines = ["date,campaign,impressions,clicks,spend"] + [f"2026-03-0{i},c,10,1,{'x' if i % 2 else '1'}"
                                                         for i in range(1, 8)]
    with pytest.raises(ExportError) as exc:
        read_export("\n".join(lines).encode(), name="many.csv")
    msg = str(exc.value)
    assert "4 bad rows" in msg and "nothing was imported" in msg and "row 2" in msg
    assert exc.value.row == 2 and len(exc.value.bad) == 4


def test_bad_date():
    text = "date,campaign,impressions,clicks,spend\n2026-03-01,a,1,1,1\nyesterday,a,1,1,1\n"
    with pytest.raises(ExportError, match=r'row 3, column "date": expected a date'):
        read_export(text.encode(), name="d.csv")


def test_non_tabular_and_unknown_headers():
    with pytest.raises(ExportError, match="no table"):
        read_export(b"Dear team,\nplease find the report attached.\n", name="note.txt")
    with pytest.raises(ExportError, match="not a CSV"):
        read_export(b"%PDF-1.4\x00\x01\x02binary", name="r.pdf")
    with pytest.raises(ExportError, match="unknown headers"):
        read_export(b"name,colour,size\na,red,1\n", name="x.csv")


def test_shifted_row_is_reported():
    text = "date,campaign,impressions,clicks,spend\n2026-03-01,a,b,1,1,1\n"
    with pytest.raises(ExportError, match="row 2"):
        read_export(text.encode(), name="s.csv")


def test_semicolon_and_path_source(tmp_path):
    p = tmp_path / "semi.csv"
    p.write_text("Date;Campaign;Impressions;Clicks;Spend\n2026-03-01;a;100;5;1.5\n", encoding="utf-8")
    res = read_export(p)
    assert res.file == str(p) and res.rows["spend"].sum() == 1.5


def test_dedupe_newest_snapshot_wins():
    old = read_export(fx.tencent_csv().data, name="old.csv").rows
    new = old[old["date"] == old["date"].max()].copy()
    new["conversions"] += 10  # backfilled conversions of the last day
    both = dedupe([old, new])
    assert len(both) == len(old)
    assert both["conversions"].sum() == old["conversions"].sum() + 10 * len(new)


def test_cli_json_and_error(tmp_path, capsys):
    a = fx.oceanengine_csv("gb18030").write(tmp_path)
    b = fx.google_ads_csv().write(tmp_path)
    out = io.StringIO()
    assert metrics_cli.run([a, b], as_json=True, out=out) == 0
    obj = json.loads(out.getvalue())
    assert set(obj) == {"rows", "dropped", "totals", "months"}
    assert obj["dropped"] == 4
    keys = ["impressions", "clicks", "spend", "conversions", "revenue", "ctr", "cpc", "cpm", "cvr", "cpa", "roas"]
    assert list(obj["totals"]) == keys and list(obj["months"]) == ["2026-03"]
    t = obj["totals"]
    assert t["ctr"] == pytest.approx(t["clicks"] / t["impressions"])
    table = io.StringIO()
    assert metrics_cli.run([a, b], out=table) == 0
    assert "巨量引擎" in table.getvalue() and "CTR" in table.getvalue()

    bad = tmp_path / "bad.csv"
    bad.write_text("date,campaign,impressions,clicks,spend\n2026-03-01,a,1,1,abc\n")
    assert metrics_cli.run([str(bad)], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert 'row 2, column "spend"' in err and "Traceback" not in err


def test_large_file_is_vectorised(tmp_path):
    """50k rows import quickly (no per-row Python work)."""

    n = 50_000
    df = pd.DataFrame({"时间-天": [f"2026-03-{i % 28 + 1:02d}" for i in range(n)],
                       "项目名称": [f"p{i % 300}" for i in range(n)],
                       "消耗": ["1,234.50"] * n, "展示数": [1000] * n, "点击数": [10] * n, "转化数": ["--"] * n})
    p = tmp_path / "big.csv"
    df.to_csv(p, index=False)
    res = read_export(p)  # its speed: benchmarks/bench_import.py
    assert res.rows["spend"].sum() == pytest.approx(1234.5 * n)
    assert res.rows["conversions"].sum() == 0


def test_progress_path_reads_in_chunks(tmp_path, monkeypatch):
    """The chunked (progress bar) path gives the same rows as the one-pass path."""
    from bot.data.exports import reader
    f = fx.oceanengine_csv("utf-8")
    path = f.write(tmp_path)
    plain = read_export(path).rows
    monkeypatch.setattr(reader, "_want_progress", lambda progress, size: True)
    chunked = read_export(path, progress=True).rows
    pd.testing.assert_frame_equal(plain, chunked)


# --------------------------------------------------------------------------- periods instead of days


def test_google_report_without_day_is_dated_by_its_in_month_period():
    for f in (fx.google_campaign_report(), fx.google_campaign_report(excel=True)):
        res = read_export(f.data, name=f.name)
        assert set(res.rows["date"].dt.strftime("%Y-%m-%d")) == {"2025-07-08"}
        assert any("July 8, 2025 - July 31, 2025" in w for w in res.warnings)


@pytest.mark.parametrize("excel", [False, True])
def test_period_spanning_months_is_refused_quoting_it_unless_the_month_is_named(excel):
    period = "27 January 2026 - 23 February 2026"
    f = fx.google_campaign_report(period, first=fx.dt.date(2026, 1, 27), excel=excel)
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name)
    msg = str(exc.value)
    assert period in msg and "more than one calendar month" in msg and "--month YYYY-MM" in msg
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name, context="config")
    assert 'month = "YYYY-MM"' in str(exc.value)
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name, context="slack")
    zh = exc.value.text("zh-CN")
    assert period in zh and "跨了不止一个自然月" in zh and "11月" in zh
    res = read_export(f.data, name=f.name, month="2026-01")
    assert set(res.rows["date"].dt.strftime("%Y-%m-%d")) == {"2026-01-27"}
    res = read_export(f.data, name=f.name, month="2026-02")
    assert set(res.rows["date"].dt.strftime("%Y-%m-%d")) == {"2026-02-01"}
    assert any("filed under 2026-02" in w for w in res.warnings)


def test_all_time_is_refused_and_a_month_elsewhere_too():
    f = fx.google_campaign_report("All time")
    with pytest.raises(ExportError, match='"All time"'):
        read_export(f.data, name=f.name)
    f = fx.google_campaign_report()  # July 2025
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name, month="2026-11")
    assert "July 8, 2025 - July 31, 2025" in str(exc.value) and "2026-11" in str(exc.value)


def test_month_named_without_a_year_takes_the_periods_year():
    from bot.data.exports import MonthHint

    f = fx.google_campaign_report("27 January 2026 - 23 February 2026", first=fx.dt.date(2026, 1, 27))
    res = read_export(f.data, name=f.name, month=MonthHint(None, 2))
    assert set(res.rows["date"].dt.strftime("%Y-%m-%d")) == {"2026-02-01"}
    f = fx.google_campaign_report("All time")
    res = read_export(f.data, name=f.name, month=MonthHint(None, 12), today=fx.dt.date(2026, 11, 20))
    assert set(res.rows["date"].dt.strftime("%Y-%m-%d")) == {"2025-12-01"}  # the latest December so far


def test_no_date_and_no_period_needs_the_month():
    text = b"campaign,impressions,clicks,spend\na,100,5,1.50\n"
    with pytest.raises(ExportError, match="no date column") as exc:
        read_export(text, name="x.csv")
    assert "Day" in str(exc.value) and "--month" in str(exc.value)
    res = read_export(text, name="x.csv", month="2026-11")
    assert res.rows["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-01"]


def test_chinese_period_and_meta_reporting_columns():
    f = fx.chinese_period_report("2026-10-20至2026-11-19")
    with pytest.raises(ExportError, match="2026-10-20至2026-11-19"):
        read_export(f.data, name=f.name)
    f = fx.meta_period("2026-10-15", "2026-11-14")
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name)
    e = exc.value
    assert "2026-10-15 – 2026-11-14" in str(e) and e.row == 2 and e.column == "Reporting starts"
    res = read_export(f.data, name=f.name, month="2026-11")
    assert set(res.rows["date"].dt.strftime("%Y-%m-%d")) == {"2026-11-01"}


def test_month_from_a_message():
    from bot.data.exports import MonthHint, month_from_text

    assert month_from_text("11月的数据 <@U123>") == MonthHint(None, 11)
    assert month_from_text("十一月投放数据") == MonthHint(None, 11)
    assert month_from_text("2026-11 export") == MonthHint(2026, 11)
    assert month_from_text("2026年11月 报表，11月") == MonthHint(2026, 11)
    assert month_from_text("November numbers") == MonthHint(None, 11)
    assert month_from_text("Nov 2026 Google export") == MonthHint(2026, 11)
    assert month_from_text("export for 2026-11-05") is None  # a date is not a month
    assert month_from_text("10月和11月") is None  # two months: unsure, so none
    assert month_from_text("we may need this") is None
    assert month_from_text("") is None


# --------------------------------------------------------------------------- dates in every form


@pytest.mark.parametrize("style", sorted(fx.DATE_STYLES))
def test_every_date_style_reads_the_same_days(style):
    f = fx.dated_csv(style)
    res = read_export(f.data, name=f.name)
    days = sorted(set(res.rows["date"].dt.strftime("%Y-%m-%d")))
    assert days[0] == "2026-11-01" and days[-1] == "2026-11-14" and len(days) == 14


def test_ambiguous_day_month_order_is_refused_with_how_to_state_it():
    f = fx.dated_csv("mdy", days=10)  # 11/1/2026 … 11/10/2026: could be 1–10 Nov or 11 Jan–Oct
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name)
    assert "day/month or month/day" in str(exc.value) and "--date-format DMY" in str(exc.value)
    assert exc.value.column == "Date"
    with pytest.raises(ExportError) as exc:
        read_export(f.data, name=f.name, context="config")
    assert 'date_format = "DMY"' in str(exc.value)
    assert "日/月" in exc.value.text("zh-CN")
    res = read_export(f.data, name=f.name, date_format="MDY")
    assert sorted(set(res.rows["date"].dt.day)) == list(range(1, 11))
    res = read_export(f.data, name=f.name, date_format="dd/mm/yyyy")
    assert set(res.rows["date"].dt.day) == {11}


def test_contradicting_orders_and_bad_formats_are_refused():
    text = "Date,Campaign,Impressions,Clicks,Spend\n13/02/2026,a,1,1,1\n02/13/2026,a,1,1,1\n"
    with pytest.raises(ExportError, match="contradict"):
        read_export(text.encode(), name="mixed.csv")
    with pytest.raises(ExportError, match="unknown date format"):
        read_export(text.encode(), name="mixed.csv", date_format="banana")
    with pytest.raises(ExportError, match="not a month"):
        read_export(text.encode(), name="mixed.csv", month="Nov")


def test_parse_date_format():
    from bot.model.dates import parse_date_format

    assert parse_date_format("DMY") == ("DMY", None)
    assert parse_date_format("MM/DD/YYYY") == ("MDY", None)
    assert parse_date_format("%d.%m.%Y") == ("DMY", "%d.%m.%Y")
    assert parse_date_format(None) == (None, None)
    with pytest.raises(ValueError):
        parse_date_format("%Y")


# --------------------------------------------------------------------------- headers, pages, labels


def test_header_aliases_fold_units_counts_and_plurals():
    assert normalize_header("Spend [USD]") == ("spend", "USD")
    assert normalize_header("Cost (CNY)") == ("cost", "CNY")
    assert normalize_header("# of Impressions")[0] == normalize_header("Impression")[0] == \
        normalize_header("Impressions")[0]
    assert normalize_header("Clicks (all)")[1] is None  # not a currency
    text = "Date,Campaign,Spent,# of Impressions,Click,Total_Conversion,Earning\n2026-11-01,a,10.5,1000,20,2,30\n"
    rows = read_export(text.encode(), name="a.csv").rows
    assert rows[["spend", "impressions", "clicks", "conversions", "revenue"]].iloc[0].tolist() == [10.5, 1000, 20, 2, 30]


def test_tiktok_singular_impression_is_read_and_nothing_is_silently_empty():
    f = fx.tiktok_impression()
    res = read_export(f.data, name=f.name)
    assert res.rows["impressions"].sum() == f.totals["impressions"]
    assert not any("impressions" in w for w in res.warnings)


def test_unused_measure_columns_and_missing_measures_are_warnings():
    text = "Date,Campaign,Impressions,Spend,Outbound clicks\n2026-11-01,a,1000,10,7\n"
    res = read_export(text.encode(), name="o.csv")
    assert res.rows["clicks"].isna().all()  # no value, not 0
    w = [str(x) for x in res.warnings]
    assert 'column "Outbound clicks" looks like clicks but was not used; to use it, set clicks = "Outbound clicks"' \
        in " | ".join(w)
    assert "no clicks column: CTR, CPC, CVR —" in w
    assert "no conversions column: CVR, CPA —" in w
    zh = [x.text("zh-CN") for x in res.warnings]
    assert "没有点击列：点击率、点击单价、转化率 无值（—）" in zh


def test_pasted_pages_drop_repeated_headers_and_every_total():
    f = fx.pasted_pages()
    res = read_export(f.data, name=f.name)
    assert len(res.rows) == f.rows and res.rows["spend"].sum() == pytest.approx(f.totals["spend"])
    assert any("repeated header" in w for w in res.warnings)


def test_platform_comes_only_from_a_matched_preset_or_the_source():
    f = fx.pinterest_mapped()  # Campaign name / Ad group name / Campaign ID are TikTok headers too
    res = read_export(f.data, name=f.name, columns=f.columns)
    assert set(res.rows["platform"]) == {"Other"}
    res = read_export(f.data, name=f.name, columns=f.columns, platform="Pinterest")
    assert set(res.rows["platform"]) == {"Pinterest"}
    assert not any("not recognised" in w for w in res.warnings)
    generic = b"date,campaign,impressions,clicks,spend\n2026-11-01,a,100,5,1\n"
    assert set(read_export(generic, name="g.csv").rows["platform"]) == {"Other"}
    # Microsoft Advertising writes Google's "Impr." too, but its measures are not all Google's.
    bing = b"Day,Campaign name,Impr.,Clicks,Spend,Conv.\n2026-11-01,a,100,5,1,0\n"
    assert set(read_export(bing, name="b.csv").rows["platform"]) == {"Other"}


def test_errors_render_in_the_reports_locale():
    f = fx.oceanengine_csv("utf-8")
    text = f.data.decode("utf-8").replace(f.data.decode("utf-8").splitlines()[3].split(",")[3], "abc", 1)
    with pytest.raises(ExportError) as exc:
        read_export(text.encode(), name="nov.csv")
    zh = exc.value.text("zh-CN")
    assert zh.startswith("nov.csv，第 4 行，“消耗”列：应为数字，实际为“abc”")


def test_cli_month_date_format_platform_and_localised_messages(tmp_path, capsys):
    spanning = fx.google_campaign_report("27 January 2026 - 23 February 2026", first=fx.dt.date(2026, 1, 27))
    path = spanning.write(tmp_path)
    assert metrics_cli.main([path, "--json"]) == 2
    err = capsys.readouterr().err
    assert "27 January 2026 - 23 February 2026" in err and "--month YYYY-MM" in err and "Traceback" not in err
    out = io.StringIO()
    assert metrics_cli.run([path], as_json=True, out=out, month="2026-02") == 0
    assert list(json.loads(out.getvalue())["months"]) == ["2026-02"]
    assert "filed under 2026-02" in capsys.readouterr().err  # warnings on stderr

    ambiguous = fx.dated_csv("dmy", days=10).write(tmp_path)
    assert metrics_cli.main([ambiguous, "--locale", "zh-CN"]) == 2
    assert "日/月" in capsys.readouterr().err
    out = io.StringIO()
    assert metrics_cli.run([ambiguous], as_json=True, out=out, date_format="DMY") == 0
    assert list(json.loads(out.getvalue())["months"]) == ["2026-11"]

    pins = fx.pinterest_mapped().write(tmp_path)
    out = io.StringIO()
    assert metrics_cli.run([pins], out=out, columns=fx.pinterest_mapped().columns, platform="Pinterest") == 0
    assert "Pinterest" in out.getvalue() and "TikTok" not in out.getvalue()

    from feedsum.cli import main as feedsum

    assert feedsum(["metrics", path, "--month", "2026-01", "--json"]) == 0
    assert '"2026-01"' in capsys.readouterr().out
    with pytest.raises(SystemExit):
        feedsum(["metrics", path, "--month", "January"])
    assert "YYYY-MM" in capsys.readouterr().err


def test_xlsx_without_a_day_column_is_dated_by_the_period_above_its_header():
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["项目报表"])
    ws.append(["时间范围：2026-11-01至2026-11-30"])
    ws.append(["项目名称", "消耗", "展示数", "点击数"])
    ws.append(["拉新", 100.5, 10000, 120])
    buf = io.BytesIO()
    wb.save(buf)
    res = read_export(buf.getvalue(), name="p.xlsx")
    assert res.rows["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-01"]
    assert res.rows["spend"].sum() == 100.5
# --- XLSX within bounds: checked before openpyxl builds anything, and while streaming ---------

def test_a_hand_built_workbook_reads():
    res = read_export(hx.table(30), name="ok.xlsx")
    assert len(res.rows) == 30 and res.rows["spend"].sum() == 300 and res.rows["clicks"].sum() == 600


def test_xlsx_padded_to_16384_columns_is_refused_from_its_dimension():
    data = hx.padded(300)  # every row also has a cell in column XFD; the sheet says A1:XFD301
    assert len(data) < 10_000
    with pytest.raises(ExportError) as err:
        read_export(data, name="wide.xlsx")
    assert err.value.key == "limit.xlsx_columns"
    assert "16,384 columns" in str(err.value) and "1,000" in str(err.value)


def test_xlsx_padded_cells_without_a_dimension_cost_only_the_table():
    data = hx.padded(300, dimension=False)
    tracemalloc.start()
    try:
        res = read_export(data, name="wide.xlsx")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(res.rows) == 300 and res.rows["clicks"].sum() == 6000
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB"  # not 300 rows x 16,384 cells


@pytest.mark.parametrize("make", [hx.laughs_in_sheet, hx.laughs_in_strings], ids=["sheet", "strings"])
def test_xlsx_entity_expansion_is_refused_clearly(make):
    with pytest.raises(ExportError) as err:
        read_export(make(), name="lol.xlsx")
    assert err.value.key == "limit.xlsx_entities" and "entities" in str(err.value)


@pytest.mark.parametrize("make", [hx.laughs_in_sheet, hx.laughs_in_strings], ids=["sheet", "strings"])
def test_openpyxl_itself_refuses_entities_through_defusedxml(make, monkeypatch):
    import openpyxl

    assert openpyxl.DEFUSEDXML  # installed, so openpyxl parses every part with defusedxml
    monkeypatch.setattr(upload_guard, "check_xlsx_parts", lambda source, name=None: None)
    with pytest.raises(ExportError) as err:
        read_export(make(), name="lol.xlsx")
    assert err.value.key == "limit.xlsx_entities"


def _strings(n: int) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{hx.MAIN}">'
            + "<si><t>x</t></si>" * n + "</sst>")


# (bound to lower, value, workbook, the limit named). Small bounds keep the files tiny.
BOUND_CASES = {
    "present cells": ("MAX_XLSX_CELLS", 500, lambda: hx.table(200), "limit.xlsx_cells"),
    "rows padded by a gap": ("MAX_XLSX_CELLS", 10_000, lambda: hx.workbook(hx.sheet(
        [hx.row(1, hx.HEADERS)] + hx.data_rows(3) + [hx.row(20_000, ["2026-11-30", "计划A", 1, 1, 1])])),
        "limit.xlsx_cells"),
    "cells claimed by the dimension": ("MAX_XLSX_CELLS", 1_000, lambda: hx.table(3, dimension="A1:E1000"),
                                       "limit.xlsx_cells"),
    "one row of many cells": ("MAX_XLSX_COLUMNS", 50, lambda: hx.workbook(hx.sheet(
        [hx.row(1, hx.HEADERS), hx.row(2, ["2026-11-01", "计划A", 10, 1000, 20] + [1] * 60)])),
        "limit.xlsx_row_cells"),
    "rows": ("MAX_XLSX_ROWS", 100, lambda: hx.table(150), "limit.xlsx_rows"),
    "shared strings": ("MAX_XLSX_SHARED_STRINGS", 10, lambda: hx.workbook(hx.sheet([hx.row(1, hx.HEADERS)]),
                                                                         strings=_strings(20)),
                       "limit.xlsx_strings"),
    "elements outside rows": ("MAX_XLSX_PART_ELEMENTS", 1_000, lambda: hx.workbook(hx.sheet(
        [hx.row(1, hx.HEADERS)] + ["<junk/>"] * 2_000)), "limit.xlsx_part_elements"),
    "text outside rows": ("MAX_XLSX_PART_CHARS", 10_000, lambda: hx.workbook(hx.sheet(
        [hx.row(1, hx.HEADERS), " " * 20_000])), "limit.xlsx_part_chars"),
    "a long row": ("MAX_XLSX_ROW_CHARS", 10_000, lambda: hx.workbook(hx.sheet(
        [hx.row(1, hx.HEADERS), hx.row(2, ["2026-11-01", "计" * 20_000, 10, 1000, 20])])), "limit.xlsx_row_chars"),
    "a row of many elements": ("MAX_XLSX_ROW_ELEMENTS", 100, lambda: hx.workbook(hx.sheet(
        [hx.row(1, hx.HEADERS), hx.row(2, ["2026-11-01", "计划A", 10, 1000, 20], "<x/>" * 200)])),
        "limit.xlsx_row_elements"),
}


@pytest.mark.parametrize("case", list(BOUND_CASES))
def test_xlsx_bounds_name_the_limit(case, monkeypatch):
    name, value, make, key = BOUND_CASES[case]
    data = make()
    read_export(data, name="ok.xlsx")  # within the real bounds: read
    monkeypatch.setattr(upload_guard, name, value)
    with pytest.raises(ExportError) as err:
        read_export(data, name="big.xlsx")
    assert err.value.key == key, str(err.value)
    assert f"{value:,}" in str(err.value) and str(err.value).startswith("big.xlsx")


def test_a_workbook_with_broken_xml_is_an_export_error():
    cut = hx.workbook(hx.sheet([hx.row(1, hx.HEADERS)])[:-30])  # the sheet's XML stops half-way
    with pytest.raises(ExportError, match="Excel"):
        read_export(cut, name="cut.xlsx")


def test_cli_names_the_file_and_the_limit(tmp_path, capsys):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(hx.padded(300))
    assert metrics_cli.run([str(path)], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert "wide.xlsx" in err and "1,000" in err and "Traceback" not in err


@pytest.mark.parametrize("cell", ["1310-01-01", "13100101", "2026-13-01"])
def test_an_impossible_date_is_a_bad_cell_not_a_crash(cell):
    body = f"date,impressions,clicks,spend\n{cell},100,1,2\n2026-11-02,100,1,2\n".encode()
    with pytest.raises(ExportError) as err:
        read_export(body, name="x.csv")
    assert err.value.row == 2 and err.value.column == "date"


# --- creatives (素材/创意/ad name): the level under the ad group --------------------------------


@pytest.mark.parametrize("preset, header, row, want", [
    ("meta", "Reporting starts,Reporting ends,Campaign name,Ad set name,Ad name,Impressions,Link clicks,"
             "Amount spent (USD),Results",
     "2026-11-01,2026-11-01,Spring,Lookalike,Hook A,1000,20,55.5,1", ("Spring", "Lookalike", "Hook A")),
    ("oceanengine", "时间-天,项目名称,单元名称,素材名称,消耗,展示数,点击数,转化数",
     "2026-11-01,春季拉新,单元1,竖版视频A,55.5,1000,20,1", ("春季拉新", "单元1", "竖版视频A")),
    ("oceanengine", "时间,广告组,广告计划,创意名称,展示数,点击数,总花费(元),转化数",  # the older UI
     "2026-11-01,春季拉新,计划1,创意1,1000,20,55.5,1", ("春季拉新", "计划1", "创意1")),
    ("tencent", "日期,推广计划名称,广告组名称,广告名称,花费,曝光次数,点击次数,目标转化量",  # v1: 广告 under 广告组
     "2026-11-01,品牌,人群包A,图文B,55.5,1000,20,1", ("品牌", "人群包A", "图文B")),
    ("tencent", "日期,广告名称,创意名称,花费,曝光次数,点击次数,目标转化量",  # 3.0: 广告 at the top, 创意 below
     "2026-11-01,品牌,视频1,55.5,1000,20,1", ("品牌", None, "视频1")),
    ("baidu", "日期,账户,推广计划,推广计划ID,推广单元,推广单元ID,创意名称,创意ID,标题,描述,展现,点击,消费,点击率,"
              "平均点击价格,千次展现消费,网页转化",  # the creative report of ad-exports.md
     "2026-11-01,acc,计划A,1,单元A,2,创意A,3,t,d,1000,20,55.5,2%,2.7,55.5,1", ("计划A", "单元A", "创意A")),
    ("kuaishou", "日期,广告计划名称,广告组名称,创意名称,花费（元）,封面曝光数,封面点击数,转化数",
     "2026-11-01,计划A,组A,创意A,55.5,1000,20,1", ("计划A", "组A", "创意A")),
    ("tiktok", "By Day,Campaign name,Ad group name,Ad name,Cost,Impressions,Clicks (destination),Conversions",
     "2026-11-01,Spring,Broad,Hook A,55.5,1000,20,1", ("Spring", "Broad", "Hook A")),
    ("generic", "date,campaign,ad group,creative,impressions,clicks,spend",
     "2026-11-01,Spring,Broad,Hook A,1000,20,55.5", ("Spring", "Broad", "Hook A")),
])
def test_each_platforms_creative_column_is_read(preset, header, row, want):
    res = read_export(f"{header}\n{row}\n".encode(), name="creatives.csv")
    assert res.preset == preset
    got = res.rows.iloc[0]
    assert (got["campaign"], None if pd.isna(got["ad_group"]) else got["ad_group"], got["creative"]) == want
    assert res.rows["spend"].sum() == pytest.approx(55.5)


def test_a_total_in_the_creative_column_is_not_data_and_files_without_one_have_none():
    text = ("时间-天,项目名称,单元名称,素材名称,消耗,展示数,点击数\n2026-11-01,春季拉新,单元1,视频A,10,1000,20\n"
            "2026-11-01,春季拉新,单元1,合计,10,1000,20\n")
    res = read_export(text.encode(), name="x.csv")
    assert len(res.rows) == 1 and res.dropped == 1
    plain = read_export("时间-天,项目名称,消耗,展示数,点击数\n2026-11-01,春季拉新,10,1000,20\n".encode(), name="y.csv")
    assert plain.rows["creative"].isna().all() and list(plain.rows.columns) == CANONICAL_COLUMNS
