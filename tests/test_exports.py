"""Readers of ad-platform exports against generated files with known truth."""

from __future__ import annotations

import io
import json
import math
import tracemalloc

import pandas as pd
import pytest

from bot import metrics_cli, upload_guard
from bot.exports import CANONICAL_COLUMNS, ExportError, dedupe, normalize_header, read_export
from tests import export_fixtures as fx
from tests import hostile_xlsx as hx
from tests.export_fixtures import ALL_FIXTURES


@pytest.mark.parametrize("key", sorted(ALL_FIXTURES))
def test_fixture_truth(key):
    f = ALL_FIXTURES[key]()
    res = read_export(f.data, name=f.name, columns=f.columns)
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
    import time

    n = 50_000
    df = pd.DataFrame({"时间-天": [f"2026-03-{i % 28 + 1:02d}" for i in range(n)],
                       "项目名称": [f"p{i % 300}" for i in range(n)],
                       "消耗": ["1,234.50"] * n, "展示数": [1000] * n, "点击数": [10] * n, "转化数": ["--"] * n})
    p = tmp_path / "big.csv"
    df.to_csv(p, index=False)
    t0 = time.perf_counter()
    res = read_export(p)
    assert time.perf_counter() - t0 < 3
    assert res.rows["spend"].sum() == pytest.approx(1234.5 * n)
    assert res.rows["conversions"].sum() == 0


def test_progress_path_reads_in_chunks(tmp_path, monkeypatch):
    """The chunked (progress bar) path gives the same rows as the one-pass path."""
    from bot import exports

    f = fx.oceanengine_csv("utf-8")
    path = f.write(tmp_path)
    plain = read_export(path).rows
    monkeypatch.setattr(exports, "_want_progress", lambda progress, size: True)
    chunked = read_export(path, progress=True).rows
    pd.testing.assert_frame_equal(plain, chunked)


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
