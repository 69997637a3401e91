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
    month: MonthHint | None
    dates: _Dates
    context: str
    today: date | None
    preamble: list[str]


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


def _canonical(
    frame: pd.DataFrame,
    mapping: dict[str, int],
    headers: list[str],
    units: list[str | None],
    preset: Preset,
    platform: str | None,
    file: str,
    first_data_row: int,
    opts: _Options,
) -> tuple[pd.DataFrame, int, list[Msg]]:
    warnings: list[Msg] = []
    frame = frame.reset_index(drop=True)
    n = len(frame)
    col = {f: frame[i] for f, i in mapping.items() if i in frame.columns}
    first = frame[0] if 0 in frame.columns else pd.Series([None] * n, dtype=object)

    def row_of(i: int) -> int:
        return first_data_row + int(i)

    def rows_text(mask: np.ndarray) -> str:
        return ", ".join(str(row_of(i)) for i in np.flatnonzero(mask)[:3]) + ("…" if mask.sum() > 3 else "")

    # Blank lines are not data: ignore them without counting.
    blank = np.asarray(frame.isna().all(axis=1))
    # Sheets pasted together repeat their header row: not data, not totals.
    read = {i: headers[i] for i in {0, *mapping.values()} if i < len(headers)}
    header_rows = _header_rows(frame, read, [mapping[f] for f in NUM_FIELDS if f in mapping]) & ~blank
    # Total/summary rows, anywhere in the file: first cell or a name cell says so.
    total = _labels(first, _TOTAL_RE)
    for f in ("campaign", "ad_group", "account"):
        if f in col:
            total |= _labels(col[f], _TOTAL_RE)
    if preset.name == "meta" and "campaign" in col:
        total |= np.asarray(col["campaign"].isna()) & ~blank  # the account summary row
    total &= ~blank & ~header_rows
    keep = ~blank & ~total & ~header_rows

    bad: list[BadCell] = []
    nums: dict[str, pd.Series] = {}
    for f in (*NUM_FIELDS, "roas"):
        if f in col:
            nums[f] = _to_number(col[f], headers[mapping[f]], row_of, bad, keep)
            # "1e400" parses as infinity: refuse it rather than sum it into an infinite total.
            for i in np.flatnonzero(np.isinf(nums[f].to_numpy(dtype="float64", na_value=np.nan)) & keep)[:50]:
                bad.append(BadCell(row_of(i), headers[mapping[f]], str(col[f].iat[i]), Msg("read.too_large")))
    has_numbers = np.zeros(n, dtype=bool)
    for v in nums.values():
        has_numbers |= v.notna().to_numpy()

    period: _Period | None = None
    if "date" in col:
        date_header = headers[mapping["date"]]
        opts.dates.decide(_texts(col["date"]) + _texts(col.get("date_end")), date_header)
        start, end = opts.dates.column(col["date"])
        if "date_end" in col:  # Meta's "Reporting ends": the last day of each row
            last = opts.dates.column(col["date_end"])[0]
            end = np.where(np.isnat(last), end, last)
        no_date = np.isnat(start)
        # A row with neither a date nor any number is a note ("数据说明…"), not data.
        notes = keep & no_date & ~has_numbers & ~np.asarray(col["date"].isna())
        keep &= ~notes
        bad_date = keep & no_date
        raw_dates = col["date"].astype(object)
        for i in np.flatnonzero(bad_date)[:50]:
            v = raw_dates.iat[i]
            if v is None or v != v:
                bad.append(BadCell(row_of(i), date_header, None, Msg("read.date_missing")))
            else:
                bad.append(BadCell(row_of(i), date_header, str(v), opts.dates.expected()))
        if bad_date.sum() > 50:
            bad.extend(BadCell(row_of(i), date_header, None, opts.dates.expected())
                       for i in np.flatnonzero(bad_date)[50:])
    else:
        # No day column: every row covers the period the report states above its header.
        opts.dates.decide(_period_sides(opts.preamble), None)
        period = opts.dates.period(opts.preamble)
        if period is None and opts.month is None:
            raise ExportError(file, Msg("read.no_date", fix=_fix(opts.context, "month")))
        notes = keep & ~has_numbers
        keep &= ~notes
        if period is not None and period.start is not None:
            start = np.full(n, np.datetime64(period.start, "ns"))
            end = np.full(n, np.datetime64(period.end, "ns"))
        else:  # "All time", or nothing stated: only the named month can place the rows
            start, end = np.full(n, _NAT), np.full(n, _NAT)
    if bad:
        raise ExportError.from_bad(file, bad)

    # A row equal to the column sums of the others (an unlabelled total).
    sums_row = _sum_rows(nums, keep)
    total_count = int(total.sum() + notes.sum() + sums_row.sum())
    keep &= ~sums_row
    if notes.any():
        warnings.append(Msg("read.w.notes", n=int(notes.sum()), rows=rows_text(notes)))
    if header_rows.any():
        warnings.append(Msg("read.w.headers", n=int(header_rows.sum()), rows=rows_text(header_rows)))
    if sums_row.any():
        warnings.append(Msg("read.w.sum_row", row=row_of(int(np.flatnonzero(sums_row)[0]))))

    idx = np.flatnonzero(keep)
    dated, more = _place(start[idx], end[idx], idx, period, "date" in col, opts, file, row_of,
                         headers[mapping["date"]] if "date" in col else None, col.get("date"), col.get("date_end"))
    warnings.extend(more)
    out = pd.DataFrame(index=pd.RangeIndex(len(idx)))
    out["date"] = dated
    out["platform"] = pd.Series([platform or preset.platform] * len(idx), dtype="str") if len(idx) else pd.Series(
        [], dtype="str")
    for f in TEXT_FIELDS:
        if f in col:
            out[f] = _clean_text(col[f].iloc[idx].reset_index(drop=True))
        else:
            out[f] = pd.Series([np.nan] * len(idx), dtype="str")
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
    spend_unit = units[mapping["spend"]] if "spend" in mapping else None
    if spend_unit == "分":
        out["spend"] = out["spend"] / 100.0
        warnings.append(Msg("read.w.fen"))
    elif spend_unit == "万元":
        out["spend"] = out["spend"] * 10_000.0
        warnings.append(Msg("read.w.wan"))
    if masked:
        warnings.append(Msg("read.w.masked", n=masked))
    if len(idx) and preset.name == "meta" and "conversions" in mapping and headers[mapping["conversions"]].strip().casefold() == "results":
        warnings.append(Msg("read.w.meta_results"))
    warnings.extend(_cross_check(out, nums, idx, preset, headers, mapping))
    return out[CANONICAL_COLUMNS], total_count, warnings


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
    "campaign_id": "str",
    **{f: "float64" for f in NUM_FIELDS},
}


def empty_rows() -> pd.DataFrame:
    """A canonical frame with no rows."""
    return dedupe([])
