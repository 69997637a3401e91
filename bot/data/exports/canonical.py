"""From a read table to canonical rows: dropping totals and notes, numbers, dates and the month a
row is filed under; combining snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from bot.data.exports.cells import _TOTAL_RE, _clean_text, _labels, _texts, _to_number
from bot.data.exports.dates import _NAT, _RANGE_RE, _Dates, _Period, _period_sides
from bot.data.exports.errors import BadCell, ExportError, _fix
from bot.data.exports.fields import CANONICAL_COLUMNS, NUM_FIELDS, TEXT_FIELDS
from bot.data.exports.months import MonthHint
from bot.data.exports.presets import Preset
from bot.text.i18n import Msg


@dataclass
class _Options:
    """How to read one file, as the caller asked (shared with the streamed reader)."""

    month: MonthHint | None  # files rows covering more than a day under this month
    dates: _Dates
    context: str  # "cli", "config" or "slack": how an error says to fix the file
    today: date | None  # places a month named without a year
    preamble: list[str]  # the lines above the header (a title, the report's period)
    platform: str | None = None  # written on every row instead of the preset's platform name


@dataclass
class _Table:
    """One export's table as read: the data rows (columns numbered as in the file, only those
    read) and what its header row says."""

    file: str
    frame: pd.DataFrame
    headers: list[str]
    units: list[str | None]  # each header's unit suffix: 元, 万元, 分, %, a currency or None
    mapping: dict[str, int]  # canonical field -> column
    preset: Preset
    first_data_row: int  # the 1-based row a spreadsheet shows for the frame's first row

    def __post_init__(self) -> None:
        self.frame = self.frame.reset_index(drop=True)
        # The file's column of each mapped field that was read.
        self.col = {f: self.frame[i] for f, i in self.mapping.items() if i in self.frame.columns}

    def __len__(self) -> int:
        return len(self.frame)

    def row_of(self, i: int) -> int:
        return self.first_data_row + int(i)

    def rows_text(self, mask: np.ndarray) -> str:
        return ", ".join(str(self.row_of(i)) for i in np.flatnonzero(mask)[:3]) + ("…" if mask.sum() > 3 else "")

    def header(self, field: str) -> str | None:
        return self.headers[self.mapping[field]] if field in self.mapping else None


@dataclass
class _Rows:
    """Which rows of a table are data; the others are blank lines, repeated header rows, totals
    or notes. ``keep`` narrows as the steps learn more."""

    blank: np.ndarray
    header: np.ndarray
    total: np.ndarray
    keep: np.ndarray
    notes: np.ndarray | None = None


@dataclass
class _Days:
    """First and last day of every row (NaT: no date / a single day), and the period the file
    states when it has no day column."""

    start: np.ndarray
    end: np.ndarray
    period: _Period | None


def _header_rows(frame: pd.DataFrame, headers: dict[int, str], measures: list[int]) -> np.ndarray:
    """Rows that repeat the header (sheets pasted together): two or more cells equal to their
    column's header. A repeated header puts text into the measure columns, so when the parser made
    them all numeric there is none and nothing is compared (the fast path)."""
    hits = np.zeros(len(frame), dtype=np.int8)
    if all(i in frame.columns and pd.api.types.is_numeric_dtype(frame[i].dtype) for i in measures):
        return hits >= 2
    for i, header in headers.items():
        if i not in frame.columns or not header.strip():
            continue
        values = frame[i]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        target = header.strip().casefold()
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = pd.Series(values.cat.categories.astype(str))
            same = np.append((cats.str.strip().str.casefold() == target).to_numpy(dtype=bool), False)
            hits += same[values.cat.codes.to_numpy()]
        else:
            text = values.astype(object).where(values.notna(), "").astype(str)
            hits += (text.str.strip().str.casefold() == target).to_numpy(dtype=np.int8)
    return hits >= 2


def _month_index(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[M]").astype(np.int64)


def _span_text(start, end) -> str:
    return f"{pd.Timestamp(start):%Y-%m-%d} – {pd.Timestamp(end):%Y-%m-%d}"


def _canonical(table: _Table, opts: _Options) -> tuple[pd.DataFrame, int, list[Msg]]:
    """Canonical rows of a table, how many rows were dropped (totals, notes, a sums row) and what
    to tell about it. Raises ExportError listing every bad cell: all or nothing."""
    rows = _classify(table)
    bad: list[BadCell] = []
    nums = _numbers(table, rows.keep, bad)
    days = _days(table, opts, rows, nums, bad)
    if bad:
        raise ExportError.from_bad(table.file, bad)
    dropped, warnings = _drop_unlabelled_total(table, rows, nums)
    idx = np.flatnonzero(rows.keep)
    col = table.col
    dated, placed = _place(days.start[idx], days.end[idx], idx, days.period, "date" in col, opts, table.file,
                           table.row_of, table.header("date") if "date" in col else None, col.get("date"),
                           col.get("date_end"))
    warnings += placed
    out, more = _canonical_frame(table, opts, nums, idx, dated)
    return out, dropped, warnings + more


def _classify(table: _Table) -> _Rows:
    """Blank lines, repeated header rows and total/summary rows, anywhere in the file."""
    frame, col = table.frame, table.col
    # Blank lines are not data: ignore them without counting.
    blank = np.asarray(frame.isna().all(axis=1))
    # Sheets pasted together repeat their header row: not data, not totals.
    read = {i: table.headers[i] for i in {0, *table.mapping.values()} if i < len(table.headers)}
    measures = [table.mapping[f] for f in NUM_FIELDS if f in table.mapping]
    header_rows = _header_rows(frame, read, measures) & ~blank
    # The first cell or a name cell says "Total", 合计…
    first = frame[0] if 0 in frame.columns else pd.Series([None] * len(table), dtype=object)
    total = _labels(first, _TOTAL_RE)
    for f in ("campaign", "ad_group", "creative", "account"):
        if f in col:
            total |= _labels(col[f], _TOTAL_RE)
    if table.preset.name == "meta" and "campaign" in col:
        total |= np.asarray(col["campaign"].isna()) & ~blank  # the account summary row
    total &= ~blank & ~header_rows
    return _Rows(blank, header_rows, total, ~blank & ~total & ~header_rows)


def _numbers(table: _Table, keep: np.ndarray, bad: list[BadCell]) -> dict[str, pd.Series]:
    """The measure columns as numbers (NaN: missing); unreadable cells of kept rows go to ``bad``."""
    nums: dict[str, pd.Series] = {}
    for f in (*NUM_FIELDS, "roas"):
        if f not in table.col:
            continue
        values, header = table.col[f], table.header(f)
        nums[f] = _to_number(values, header, table.row_of, bad, keep)
        # "1e400" parses as infinity: refuse it rather than sum it into an infinite total.
        for i in np.flatnonzero(np.isinf(nums[f].to_numpy(dtype="float64", na_value=np.nan)) & keep)[:50]:
            bad.append(BadCell(table.row_of(i), header, str(values.iat[i]), Msg("read.too_large")))
    return nums


def _days(table: _Table, opts: _Options, rows: _Rows, nums: dict[str, pd.Series], bad: list[BadCell]) -> _Days:
    """The days each row covers, from its date column or else the period the file states. A row
    with no number and no date is a note ("数据说明…"), not data: ``rows.notes``."""
    has_numbers = np.zeros(len(table), dtype=bool)
    for v in nums.values():
        has_numbers |= v.notna().to_numpy()
    if "date" in table.col:
        return _days_of_column(table, opts, rows, has_numbers, bad)
    # No day column: every row covers the period the report states above its header.
    opts.dates.decide(_period_sides(opts.preamble), None)
    period = opts.dates.period(opts.preamble)
    if period is None and opts.month is None:
        raise ExportError(table.file, Msg("read.no_date", fix=_fix(opts.context, "month")))
    rows.notes = rows.keep & ~has_numbers
    rows.keep &= ~rows.notes
    n = len(table)
    if period is not None and period.start is not None:
        return _Days(np.full(n, np.datetime64(period.start, "ns")), np.full(n, np.datetime64(period.end, "ns")),
                     period)
    # "All time", or nothing stated: only the named month can place the rows.
    return _Days(np.full(n, _NAT), np.full(n, _NAT), period)


def _days_of_column(table: _Table, opts: _Options, rows: _Rows, has_numbers: np.ndarray,
                    bad: list[BadCell]) -> _Days:
    dates, header = table.col["date"], table.header("date")
    opts.dates.decide(_texts(dates) + _texts(table.col.get("date_end")), header)
    start, end = opts.dates.column(dates)
    if "date_end" in table.col:  # Meta's "Reporting ends": the last day of each row
        last = opts.dates.column(table.col["date_end"])[0]
        end = np.where(np.isnat(last), end, last)
    no_date = np.isnat(start)
    rows.notes = rows.keep & no_date & ~has_numbers & ~np.asarray(dates.isna())
    rows.keep &= ~rows.notes
    bad_date = rows.keep & no_date
    raw = dates.astype(object)
    for i in np.flatnonzero(bad_date)[:50]:
        v = raw.iat[i]
        if v is None or v != v:
            bad.append(BadCell(table.row_of(i), header, None, Msg("read.date_missing")))
        else:
            bad.append(BadCell(table.row_of(i), header, str(v), opts.dates.expected()))
    if bad_date.sum() > 50:
        bad.extend(BadCell(table.row_of(i), header, None, opts.dates.expected())
                   for i in np.flatnonzero(bad_date)[50:])
    return _Days(start, end, None)


def _drop_unlabelled_total(table: _Table, rows: _Rows, nums: dict[str, pd.Series]) -> tuple[int, list[Msg]]:
    """Drop a row equal to the column sums of the others (a total without a label); the count of
    every dropped row and the warnings about what was not data."""
    sums_row = _sum_rows(nums, rows.keep)
    dropped = int(rows.total.sum() + rows.notes.sum() + sums_row.sum())
    rows.keep &= ~sums_row
    warnings: list[Msg] = []
    if rows.notes.any():
        warnings.append(Msg("read.w.notes", n=int(rows.notes.sum()), rows=table.rows_text(rows.notes)))
    if rows.header.any():
        warnings.append(Msg("read.w.headers", n=int(rows.header.sum()), rows=table.rows_text(rows.header)))
    if sums_row.any():
        warnings.append(Msg("read.w.sum_row", row=table.row_of(int(np.flatnonzero(sums_row)[0]))))
    return dropped, warnings


def _canonical_frame(table: _Table, opts: _Options, nums: dict[str, pd.Series], idx: np.ndarray,
                     dated: np.ndarray) -> tuple[pd.DataFrame, list[Msg]]:
    """The kept rows ``idx`` as canonical columns: names cleaned, missing counts as 0, spend in
    yuan, revenue from ROAS when only that is given; and what that took."""
    col, mapping, n = table.col, table.mapping, len(idx)
    warnings: list[Msg] = []
    out = pd.DataFrame(index=pd.RangeIndex(n))
    out["date"] = dated
    platform = opts.platform or table.preset.platform
    out["platform"] = pd.Series([platform] * n, dtype="str") if n else pd.Series([], dtype="str")
    for f in TEXT_FIELDS:
        if f in col:
            out[f] = _clean_text(col[f].iloc[idx].reset_index(drop=True))
        else:
            out[f] = pd.Series([np.nan] * n, dtype="str")
    if "campaign" not in col:
        fallback = out["ad_group"] if "ad_group" in col else out["account"]
        out["campaign"] = fallback.fillna("(all)").astype("str")
        warnings.append(Msg("read.w.no_campaign_groups" if "ad_group" in col else "read.w.no_campaign_all"))
    else:
        out["campaign"] = out["campaign"].fillna("(no name)")

    masked = 0
    for f in NUM_FIELDS:
        if f in nums:
            v = nums[f].to_numpy()[idx]
            masked += int(np.isnan(v).sum())
            out[f] = np.nan_to_num(v, nan=0.0)  # present column: a missing cell counts as 0
        else:
            out[f] = np.nan
    if "revenue" not in nums and "roas" in nums:
        roas = np.nan_to_num(nums["roas"].to_numpy()[idx], nan=0.0)
        out["revenue"] = roas * out["spend"].to_numpy()
        warnings.append(Msg("read.w.roas"))
    in_yuan(out, table.units[mapping["spend"]] if "spend" in mapping else None, warnings)
    if masked:
        warnings.append(Msg("read.w.masked", n=masked))
    if n and table.preset.name == "meta" and "conversions" in mapping \
            and table.header("conversions").strip().casefold() == "results":
        warnings.append(Msg("read.w.meta_results"))
    warnings.extend(_cross_check(out, nums, idx, table.preset, table.headers, mapping))
    return out[CANONICAL_COLUMNS], warnings


def _place(start: np.ndarray, end: np.ndarray, idx: np.ndarray, period: _Period | None, by_day: bool,
           opts: _Options, file: str, row_of, date_header: str | None, raw_start, raw_end):
    """The date each kept row is filed under, and what to tell about it.

    A row covering several days (a range cell, Meta's starts/ends, or the whole file's stated
    period) is filed under its first day when it lies within one calendar month; a period
    spanning months or without bounds needs the month named, and is then filed under that month.
    """
    warnings: list[Msg] = []
    single = np.isnat(end)
    if by_day and single.all() and opts.month is None:  # a daily export: nothing to place (the fast path)
        return start, warnings
    end = np.where(single, start, end)
    multi = end > start
    unbounded = not by_day and (period is None or period.start is None)

    def period_text(j: int) -> str:
        if not by_day:
            return period.text if period is not None else ""
        a = raw_start.iat[idx[j]] if raw_start is not None else None
        b = raw_end.iat[idx[j]] if raw_end is not None else None
        if isinstance(a, str) and isinstance(b, str) and a.strip() != b.strip():
            return f"{a.strip()} – {b.strip()}"
        if isinstance(a, str) and _RANGE_RE.match(a.strip()):
            return a.strip()
        return _span_text(start[j], end[j])

    where = {"row": row_of(idx[0]), "column": date_header} if by_day and len(idx) else {}
    if opts.month is None:
        if unbounded and len(idx):
            raise ExportError(file, Msg("read.period_unbounded", period=period.text, fix=_fix(opts.context, "month")))
        spans = multi & (_month_index(start) != _month_index(end))
        if spans.any():
            j = int(np.flatnonzero(spans)[0])
            where = {"row": row_of(idx[j]), "column": date_header} if by_day else {}
            raise ExportError(file, Msg("read.period_spans", period=period_text(j), fix=_fix(opts.context, "month")),
                              **where)
        dated = start
    else:
        bounded = multi & ~np.isnat(start)
        lo = pd.Timestamp(start[bounded].min()) if bounded.any() else None
        hi = pd.Timestamp(end[bounded].max()) if bounded.any() else None
        year, month = opts.month.resolve(lo, hi, opts.today)
        m0 = np.datetime64(f"{year:04d}-{month:02d}-01", "ns")
        m1 = np.datetime64((pd.Timestamp(m0) + pd.offsets.MonthEnd(0)).date(), "ns")
        named = f"{year:04d}-{month:02d}"
        if unbounded:
            dated = np.full(len(idx), m0)
            if len(idx):
                text = period.text if period is not None else Msg("read.period_none")
                warnings.append(Msg("read.w.month", period=text, month=named))
            return dated, warnings
        outside = multi & ((start > m1) | (end < m0))
        if outside.any():
            j = int(np.flatnonzero(outside)[0])
            raise ExportError(file, Msg("read.period_other_month", period=period_text(j), month=named),
                              **({"row": row_of(idx[j]), "column": date_header} if by_day else {}))
        moved = multi & ((start < m0) | (end > m1))
        dated = np.where(moved, np.maximum(start, m0), start)
        if moved.any():
            warnings.append(Msg("read.w.month", period=period_text(int(np.flatnonzero(moved)[0])), month=named))
    if warnings:  # filed under the named month: said already
        return dated, warnings
    if not by_day and period is not None and len(idx):
        warnings.append(Msg("read.w.period", period=period.text, date=f"{pd.Timestamp(dated[0]):%Y-%m-%d}"))
    elif multi.any():
        warnings.append(Msg("read.w.multi_day"))
    return dated, warnings


def _sum_rows(nums: dict[str, pd.Series], keep: np.ndarray) -> np.ndarray:
    """Rows whose every base count equals the sum of all the other kept rows."""
    flag = np.zeros(len(keep), dtype=bool)
    cols = [s.to_numpy() for f, s in nums.items() if f in ("impressions", "clicks", "spend")]
    if not cols or keep.sum() < 3:
        return flag
    cand = keep.copy()
    for v in cols:
        vv = np.where(keep, np.nan_to_num(v), 0.0)
        total = vv.sum()
        if total == 0:
            return flag
        # Totals are rounded in the file: allow half a cent per summed row.
        tol = 1e-9 * abs(total) + 0.005 * keep.sum()
        cand &= np.abs(2 * vv - total) <= tol
    if cand.sum() == 1:
        flag = cand
    return flag


def _cross_check(out, nums, idx, preset: Preset, headers, mapping) -> list[Msg]:
    """Compare the platform's CTR column with clicks / impressions on a sample of rows."""
    if "ctr" not in nums or "impressions" not in mapping or "clicks" not in mapping:
        return []
    sample = slice(0, 5000)
    ctr = nums["ctr"].to_numpy()[idx][sample] / preset.percent_scale
    impr = out["impressions"].to_numpy()[sample]
    clicks = out["clicks"].to_numpy()[sample]
    ok = (impr >= 1000) & ~np.isnan(ctr)
    if ok.sum() < 5:
        return []
    mine = clicks[ok] / impr[ok]
    off = np.abs(mine - ctr[ok]) > 0.02 * np.maximum(mine, 1e-4) + 0.0002
    if off.mean() > 0.5:
        return [Msg("read.w.ctr_mismatch", ctr=headers[mapping["ctr"]], clicks=headers[mapping["clicks"]],
                    impressions=headers[mapping["impressions"]])]
    return []


def dedupe(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Combine snapshots ordered oldest → newest; for a (date, platform, campaign) the newest wins
    (a campaign known by its id where both rows carry one).

    All rows of that key from the newest snapshot holding it are kept (a campaign may have several
    ad-group rows a day); rows of the same key in older snapshots are discarded, so re-importing
    a month after conversions were backfilled replaces the stale figures.
    """
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES[c]) for c in CANONICAL_COLUMNS})
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    combined = pd.concat(
        [f.assign(_snap=i) for i, f in enumerate(frames)], ignore_index=True
    )
    key = ["date", "platform", "campaign"]
    # The same campaign is the same campaign id where both rows carry one (two accounts may each
    # have a "Brand" campaign; a renamed campaign keeps its id), else the same name.
    snap = combined["_snap"]
    has_id = combined["campaign_id"].notna() & (combined["campaign_id"].astype(str) != "")
    by_name = combined.groupby(key, sort=False, dropna=False)["_snap"]
    newest = by_name.transform("max")
    if not has_id.any():
        return combined[snap == newest].drop(columns="_snap").reset_index(drop=True)
    newest_without_id = snap.where(~has_id, -1).groupby([combined[k] for k in key], sort=False,
                                                         dropna=False).transform("max")
    newest_of_id = combined.groupby(["date", "platform", "campaign_id"], sort=False, dropna=False)["_snap"].transform("max")
    keep = (has_id & (snap >= newest_of_id) & (snap >= newest_without_id)) | (~has_id & (snap == newest))
    return combined[keep].drop(columns="_snap").reset_index(drop=True)


_EMPTY_DTYPES = {
    "date": "datetime64[ns]",
    "platform": "str",
    "account": "str",
    "campaign": "str",
    "ad_group": "str",
    "creative": "str",
    "campaign_id": "str",
    **{f: "float64" for f in NUM_FIELDS},
}


def empty_rows() -> pd.DataFrame:
    """A canonical frame with no rows."""
    return dedupe([])


def in_yuan(out, spend_unit: str | None, warnings: list) -> None:
    """Spend in 元 whatever unit its header named (分 ÷ 100, 万元 × 10,000), said in a warning."""
    if spend_unit == "分":
        out["spend"] = out["spend"] / 100.0
        warnings.append(Msg("read.w.fen"))
    elif spend_unit == "万元":
        out["spend"] = out["spend"] * 10_000.0
        warnings.append(Msg("read.w.wan"))
