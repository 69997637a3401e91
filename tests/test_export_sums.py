"""The streamed day sums (bot.data.export_sums) give what read_export's rows give, file by file.

Every fixture is read both ways with the streamed path forced on (files this small normally go
to read_export) and Arrow blocks of a few KB, so one file spans many blocks.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.data import export_sums, exports
from bot.data.export_sums import sum_export
from bot.data.exports import NUM_FIELDS, ExportError, read_export
from bot.text.i18n import text_of
from feedsum import metrics_cli
from tests import export_fixtures as fx
from tests.test_fuzz import ENCODINGS, HEADERS, _export, row_st

pytest.importorskip("pyarrow")  # a dependency; without it `feedsum metrics` reads the exact way only

CSV_FIXTURES = {k: f for k, f in fx.ALL_FIXTURES.items() if not k.endswith(("xlsx", "xlsx_export"))}
# Fixtures the streamed path leaves to read_export, and why.
EXACT_ONLY = {
    "sums_row_csv": "an unlabelled sums row",
    "meta_no_data": "a short row",
    "pasted_pages": "repeated header rows",
    "mapped_csv": "no preset knows its headers: fine, but ¥ and thousands in one column",
}


@pytest.fixture
def streamed(monkeypatch):
    """Small files through the streamed path, in small blocks."""
    monkeypatch.setattr(export_sums, "MIN_BYTES", 0)
    monkeypatch.setattr(export_sums, "BLOCK_BYTES", 2048)
    monkeypatch.setattr(export_sums, "_MERGE_EVERY", 3)  # sums of blocks merged along the way too


def _by_day(rows: pd.DataFrame, counts: pd.Series | None = None) -> pd.DataFrame:
    frame = rows.assign(_n=counts if counts is not None else 1)
    out = frame.groupby(["date", "platform"], dropna=False)[[*NUM_FIELDS, "_n"]].sum(min_count=1)
    return out.sort_index()


def _same(fixture_data: bytes, name: str, **options) -> export_sums.Sums:
    """Both ways on one file: equal day sums, row counts, dropped rows, warnings; or the same error."""
    try:
        classic = read_export(fixture_data, name=name, **options)
    except ExportError as exc:
        with pytest.raises(ExportError) as got:
            sum_export(fixture_data, name=name, **options)
        assert got.value.text("en") == exc.text("en")
        return None
    res = sum_export(fixture_data, name=name, **options)
    want, got = _by_day(classic.rows), _by_day(res.rows, res.rows["_rows"])
    pd.testing.assert_index_equal(want.index, got.index)
    for col in [*NUM_FIELDS, "_n"]:
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float), rtol=1e-12,
                                   err_msg=f"{name}: {col}")
    assert (res.dropped, res.preset, res.encoding) == (classic.dropped, classic.preset, classic.encoding)
    for locale in ("en", "zh-CN"):
        assert [text_of(w, locale) for w in res.warnings] == [text_of(w, locale) for w in classic.warnings]
    return res


@pytest.mark.parametrize("key", sorted(CSV_FIXTURES))
def test_streamed_sums_equal_read_export_rows(key, streamed):
    f = CSV_FIXTURES[key]()
    res = _same(f.data, f.name, columns=f.columns, **f.options)
    if res is not None and key not in EXACT_ONLY:
        assert res.streamed, key


def test_every_fixture_but_the_listed_ones_streams(streamed):
    left = {k for k, f in CSV_FIXTURES.items()
            if not sum_export(f().data, name=f().name, columns=f().columns, **f().options).streamed}
    assert left <= set(EXACT_ONLY), left - set(EXACT_ONLY)


@given(rows=st.lists(row_st, min_size=1, max_size=40), order=st.permutations(list(HEADERS)),
       lang=st.integers(0, 1), delim=st.sampled_from([",", "\t"]), encoding=st.sampled_from(ENCODINGS),
       total_row=st.booleans())
def test_streamed_sums_equal_on_generated_exports(rows, order, lang, delim, encoding, total_row):
    data = _export(rows, order, lang, delim, encoding, total_row=total_row)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export_sums, "MIN_BYTES", 0)
        mp.setattr(export_sums, "BLOCK_BYTES", 1024)
        mp.setattr(export_sums, "_MERGE_EVERY", 2)
        assert _same(data, "export.csv" if delim == "," else "export.tsv").streamed


@pytest.mark.parametrize("text", [
    # A bad cell far down: the same all-or-nothing error, rows and all.
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + "2026-03-02,b,1,1,abc\n",
    # Day/month order settled only by a later block.
    "date,campaign,impressions,clicks,spend\n" + "01/02/2026,a,1,1,2\n" * 300 + "13/02/2026,b,1,1,2\n",
    # Mixed orders: refused.
    "date,campaign,impressions,clicks,spend\n" + "13/02/2026,a,1,1,2\n" * 300 + "02/13/2026,b,1,1,2\n",
    # A note line and a blank line at the end, a masked count, a `合计` label in a name cell.
    "日期,计划名称,展示数,点击数,消耗,转化数\n" + "2026-03-01,计划A,1000,10,5.5,<5\n" * 300
    + ",合计,300000,3000,1650,\n\n数据说明：以上数据仅供参考,,,,,\n",
    # Total labels spelled other ways, in a name column.
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,Tt_a,1,1,2\n" * 300
    + "--,  TOTAL: account,3,3,3\n,No data available.,,,\n2026-03-01,Totals,9,9,9\n",
    # Quoted thousands, a quote after a space, short and long rows.
    'date,campaign,impressions,clicks,spend\n' + '2026-03-01,"a, b","1,000",1,2\n' * 300 + '2026-03-02, "c",1,1,2\n',
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + "2026-03-02,b,1\n",
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + "2026-03-02,b,1,1,2,,\n",
    # Text further down a column the first rows showed as plain numbers.
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + "2026-03-02,b,1,1,¥3\n",
    # An unlabelled sums row at the end, and a negative spend.
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,10,1,2\n" * 300 + "2026-03-01,,3000,300,600\n",
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,10,1,2\n" * 300 + "2026-03-01,b,10,1,-2\n",
    # ROAS-derived revenue, spend in 分, rows with no numbers but a date (zero, not notes).
    "date,campaign,impressions,clicks,spend(分),roas\n" + "2026-03-01,a,10,1,200,1.5\n" * 300 + "2026-03-02,b,,,,\n",
])
def test_streamed_sums_equal_on_awkward_files(text, streamed):
    _same(text.encode("utf-8"), "awkward.csv")


def test_campaigns_kept_apart_for_snapshots(streamed):
    f = fx.oceanengine_csv("gb18030")
    res = sum_export(f.data, name=f.name, by_campaign=True)
    assert res.streamed
    assert set(res.rows["campaign"]) == f.campaigns
    classic = read_export(f.data, name=f.name).rows
    want = classic.groupby(["date", "campaign"])["spend"].sum()
    got = res.rows.groupby(["date", "campaign"])["spend"].sum()
    pd.testing.assert_series_equal(got, want)


def test_cli_json_is_the_same_streamed(tmp_path, streamed, monkeypatch):
    a = fx.oceanengine_csv("gb18030").write(tmp_path)
    b = fx.google_ads_csv().write(tmp_path)
    c = fx.tiktok_csv().write(tmp_path)
    outs = []
    for min_bytes in (0, 10**12):  # streamed, then read_export's rows
        monkeypatch.setattr(export_sums, "MIN_BYTES", min_bytes)
        for paths in ([a], [a, b, c], [c, c]):
            out = io.StringIO()
            assert metrics_cli.run(paths, as_json=True, out=out) == 0
            outs.append(json.loads(out.getvalue()))
    half = len(outs) // 2
    for got, want in zip(outs[:half], outs[half:], strict=True):
        assert (got["rows"], got["dropped"], list(got["months"])) == (want["rows"], want["dropped"], list(want["months"]))
        for k, v in want["totals"].items():
            assert got["totals"][k] is None if v is None else got["totals"][k] == pytest.approx(v, rel=1e-12, nan_ok=True)


def test_big_file_streams_with_a_progress_bar(tmp_path, monkeypatch, capsys):
    lines = ["时间-天,项目名称,消耗,展示数,点击数,转化数"]
    lines += [f"2026-03-{i % 28 + 1:02d},项目_{i % 50},{i % 97}.25,{i % 1000},{i % 10},--" for i in range(60_000)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n合计,--,1,1,1,--\n", encoding="gb18030")
    monkeypatch.setattr(exports, "_want_progress", lambda progress, size: progress)
    res = sum_export(path, progress=True)
    assert res.streamed and int(res.rows["_rows"].sum()) == 60_000 and res.dropped == 1
    assert "big.csv" in capsys.readouterr().err  # tqdm's bar, named after the file
    assert res.rows["spend"].sum() == pytest.approx(read_export(path).rows["spend"].sum(), rel=1e-12)


def _bench_layouts():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_metrics", Path(__file__).parents[1] / "benchmarks"
                                                  / "bench_metrics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LAYOUTS


@pytest.mark.parametrize("layout", sorted(_bench_layouts()))
def test_benchmark_layouts_stream_and_agree(layout, tmp_path, monkeypatch):
    """The layouts the import benchmark times take the streamed path and give read_export's sums."""
    monkeypatch.setattr(export_sums, "MIN_BYTES", 0)
    monkeypatch.setattr(export_sums, "BLOCK_BYTES", 16 << 10)
    path = tmp_path / f"{layout}.csv"
    _bench_layouts()[layout](path, 2000, 7)
    res = _same(path.read_bytes(), path.name)
    assert res.streamed and int(res.rows["_rows"].sum()) == 2000


@pytest.mark.parametrize("text", [
    # A quote after spaces (pandas reads a quoted cell there, Arrow text) in a date, a number and
    # an unmapped column (with the delimiter inside: the row splits differently), and a quoted
    # missing-value token.
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + '  "2026-03-02",b,1,1,2\n',
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + '2026-03-02,b, "1,000",1,2\n',
    "date,campaign,note,impressions,clicks,spend\n" + "2026-03-01,a,x,1,1,2\n" * 300 + '2026-03-02,b, "x,y",1,1,2\n',
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,a,1,1,2\n" * 300 + '2026-03-02, "--",1,1,2\n',
    # Total labels after spaces of other kinds, and names starting like one.
    "date,campaign,impressions,clicks,spend\n" + "2026-03-01,Toys,1,1,2\n" * 300
    + "2026-03-01,\u3000合计,3,3,3\n2026-03-01,\xa0Total: all,3,3,3\n2026-03-01,总计划,1,1,1\n",
])
def test_streamed_sums_equal_on_quotes_and_labels(text, streamed):
    _same(text.encode("utf-8"), "quotes.csv")


@given(text=st.text(st.sampled_from("ab,\n1éé中😀"), max_size=400), chunk=st.integers(1, 64),
       order=st.sampled_from(["utf-16", "utf-16-le", "utf-16-be"]))
def test_utf16_read_as_utf8_in_any_chunks(text, chunk, order):
    """The UTF-16 reader's numpy path for ASCII gives what Python's codec gives, whatever the
    chunks, characters (surrogate pairs too) and byte order."""
    import codecs

    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(order, b"")
    body = bom + text.encode(order)
    src = export_sums._Transcoded(io.BytesIO(body), "utf-16")
    src.CHUNK = chunk
    out = b""
    while piece := src.read(chunk * 3):
        out += piece
    assert out == text.encode("utf-8")


def test_cli_json_of_a_big_file_needs_no_pandas(tmp_path):
    """`feedsum metrics --json` on one big export sums it with Arrow and numpy: pandas, a fifth
    of the command's time, is not even imported."""
    import subprocess
    import sys

    path = tmp_path / "big.csv"
    lines = ["日期,计划名称,消耗,展示数,点击数,转化数,点击率"]
    lines += [f"2026-03-{i % 28 + 1:02d},计划{i % 50},{i % 97}.25,{i % 1000},{i % 10},--,1.00%" for i in range(20_000)]
    path.write_text("\n".join(lines) + "\n合计,,1,1,1,,\n", encoding="gb18030")
    code = ("import io, json, sys; from feedsum import metrics_cli; out = io.StringIO(); "
            f"code = metrics_cli.run([{str(path)!r}], as_json=True, out=out); "
            "print(json.dumps({'code': code, 'pandas': 'pandas' in sys.modules, 'out': json.loads(out.getvalue())}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    got = json.loads(run.stdout)
    assert got["code"] == 0 and not got["pandas"], run.stderr
    assert got["out"]["rows"] == 20_000 and got["out"]["dropped"] == 1
    want = read_export(path).rows
    assert got["out"]["totals"]["spend"] == pytest.approx(want["spend"].sum(), rel=1e-12)
    assert list(got["out"]["months"]) == ["2026-03"]


@given(st.lists(st.tuples(st.integers(0, 3), *[st.one_of(st.none(), st.floats(0, 1e6)) for _ in range(5)]),
                max_size=30),
       st.sets(st.sampled_from(["impressions", "clicks", "spend", "conversions", "revenue"])))
def test_kpis_by_group_is_kpi_table(rows, absent):
    """The numpy KPIs of `feedsum metrics --json` are kpi_table's, rows without a count and
    groups without any included."""
    from bot.insight.kpi import KPI_KEYS, clean_number, kpi_table, kpis_by_group

    keys = ["impressions", "clicks", "spend", "conversions", "revenue"]
    frame = pd.DataFrame([{"g": r[0], **{k: (np.nan if v is None else v) for k, v in zip(keys, r[1:], strict=True)}}
                          for r in rows], columns=["g", *keys]).astype({k: float for k in keys}).astype({"g": int})
    frame = frame.drop(columns=sorted(absent))
    got = kpis_by_group({k: frame[k].to_numpy() for k in keys if k in frame}, frame["g"].to_numpy(), 4)
    want = kpi_table(frame, "g") if len(frame) else None
    for g in range(4):
        for k in KPI_KEYS:
            w = clean_number(want.loc[g, k]) if want is not None and g in want.index else None
            assert got[g][k] is None if w is None else got[g][k] == pytest.approx(w, rel=1e-9), (g, k)


@pytest.mark.parametrize("values", [
    ["2026-03-01", " 2026/03/02 ", "20260303", "2026-3-4", "2026-02-30", "1899-01-01", "03/05/2026",
     "2026-03-06 10:00", "２０２６-03-07", "合计", "2026年3月8日", "Mar 9, 2026"],
])
def test_usual_days_read_without_pandas_as_read_export_reads_them(values):
    dates = exports._Dates("f.csv", "cli", None)
    cells = export_sums._Globals()
    cells.values, cells.held = list(values), np.ones(len(values), dtype=bool)
    start, end = export_sums._unique_dates(dates, cells)
    want_start, want_end = dates.unique(list(values))
    np.testing.assert_array_equal(start, want_start)
    np.testing.assert_array_equal(end, want_end)


def test_a_total_in_the_creative_column_streams_as_read_export_drops_it(streamed):
    text = ("时间-天,项目名称,单元名称,素材名称,消耗,展示数,点击数\n" + "2026-11-01,春季拉新,单元1,视频A,10,1000,20\n" * 300
            + ",,,合计,3000,300000,6000\n")
    res = _same(text.encode("utf-8"), "creatives.csv")
    assert res.streamed and res.dropped == 1


@pytest.fixture
def halves(streamed, monkeypatch):
    """Files read as two halves at once (big UTF-8 files are), however small."""
    monkeypatch.setattr(export_sums, "SPLIT_BYTES", 0)


@pytest.mark.parametrize("key", sorted(CSV_FIXTURES))
def test_sums_of_two_halves_equal_read_export_rows(key, halves):
    f = CSV_FIXTURES[key]()
    res = _same(f.data, f.name, columns=f.columns, **f.options)
    if res is not None and key not in EXACT_ONLY:
        assert res.streamed, key


HEAD = "date,campaign,impressions,clicks,spend,ctr\n"


@pytest.mark.parametrize("text", [
    # What the second half holds decides as much as what the first does: totals and notes, a bad
    # cell, a repeated header, rows of other widths, a quote after spaces, the day/month order, an
    # unlabelled sums row at the very end.
    HEAD + "2026-03-01,a,10,1,2,10%\n" * 300 + "合计,,3000,300,600,10%\n数据说明：仅供参考,,,,,\n",
    HEAD + "2026-03-01,a,10,1,2,10%\n" * 300 + "2026-03-02,b,10,1,abc,10%\n",
    HEAD + "2026-03-01,a,10,1,2,10%\n" * 300 + HEAD + "2026-03-02,b,10,1,2,10%\n",
    HEAD + "2026-03-01,a,10,1,2,10%\n" * 300 + "2026-03-02,b,10,1\n",
    HEAD + "2026-03-01,a,10,1,2,10%\n" * 300 + '2026-03-02, "b,c",10,1,2,10%\n',
    "date,campaign,impressions,clicks,spend\n" + "01/02/2026,a,1,1,2\n" * 300 + "13/02/2026,b,1,1,2\n",
    HEAD + "2026-03-01,a,10,1,2,10%\n" * 300 + "2026-03-01,,3000,300,600,10%\n",
])
def test_sums_of_two_halves_equal_read_export_rows_on_awkward_files(text, halves):
    _same(text.encode("utf-8"), "halves.csv")


@pytest.mark.parametrize("layout", ["google-ads", "meta", "tencent", "generic"])
def test_a_big_file_is_read_as_two_halves_from_disk_and_agrees(layout, tmp_path, monkeypatch):
    monkeypatch.setattr(export_sums, "MIN_BYTES", 0)
    monkeypatch.setattr(export_sums, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(export_sums, "SPLIT_BYTES", 64 << 10)
    path = tmp_path / f"{layout}.csv"
    _bench_layouts()[layout](path, 3000, 7)
    raw, _ = exports._prefix(None, path)
    layout_ = exports._sniff(raw, False, path.name, None)
    assert export_sums._split_at(None, path, path.stat().st_size, raw, layout_) is not None
    res = sum_export(path)
    classic = read_export(path)
    assert res.streamed and int(res.rows["_rows"].sum()) == 3000 and res.dropped == classic.dropped
    want, got = _by_day(classic.rows), _by_day(res.rows, res.rows["_rows"])
    for col in [*NUM_FIELDS, "_n"]:
        np.testing.assert_allclose(got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float), rtol=1e-12)
    assert [text_of(w, "en") for w in res.warnings] == [text_of(w, "en") for w in classic.warnings]


def test_the_ctr_sample_runs_on_into_the_second_half(monkeypatch):
    """The cross-check looks at the file's first rows wherever the halves meet: the same warning
    read as one or as two halves."""
    text = (HEAD + "2026-03-01,a,1000,10,2,1%\n" * 1000 + "2026-03-01,a,1000,10,2,50%\n" * 2000).encode()
    monkeypatch.setattr(export_sums, "MIN_BYTES", 0)
    monkeypatch.setattr(export_sums, "BLOCK_BYTES", 4096)
    whole = sum_export(text, name="ctr.csv")
    monkeypatch.setattr(export_sums, "SPLIT_BYTES", 0)
    halves = sum_export(text, name="ctr.csv")
    assert whole.streamed and halves.streamed
    assert [text_of(w, "en") for w in halves.warnings] == [text_of(w, "en") for w in whole.warnings]
    assert any("does not match" in text_of(w, "en") for w in whole.warnings)
