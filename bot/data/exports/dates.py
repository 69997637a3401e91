"""Dates in cells and the period a report states about itself; day/month order per file."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bot.data.exports.cells import _MISSING_SET, _sortable
from bot.data.exports.errors import ExportError, _fix
from bot.model.dates import parse_date_format
from bot.text.i18n import Msg

_RANGE_RE = re.compile(r"^\s*(.+?)\s*(?:至|到|~|～|\s-\s|\s–\s|\s—\s)\s*(.+?)\s*$")


# Vectorised first pass (the common ISO-like forms); every other form is read once per distinct value.
_FAST_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M")
_TIME = r"(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
# 2026-11-01, 2026/11/1, 2026.11.1, 2026年11月1日 (a time of day after it is ignored)
_YMD_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME + "$")
# 9/2/2025, 02/09/2025, 2.9.2025, 2-9-25: day and month order is decided per file (see _Dates.decide)
_AB_RE = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})" + _TIME + "$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
_ISO_RANGE_RE = re.compile(r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)\s*(?:至|到|~|～|-|–|—)\s*"
                           r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)")
_ALL_TIME = frozenset({"all time", "所有时间", "全部时间"})


_NAT = np.datetime64("NaT", "ns")


@dataclass
class _Period:
    """The period a report states about itself (Google's line 2): None bounds for "All time"."""

    text: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None


def _plausible(ts: pd.Timestamp | None) -> pd.Timestamp | None:
    """A date an ad report can carry: ad platforms began in the 1990s; a year like 1310 is a typo
    or a mangled cell, and would not even fit pandas' nanosecond dates."""
    return ts if ts is not None and 1990 <= ts.year <= 2199 else None


class _Dates:
    """Reads the dates of one file. Day/month order (9/2/2025 vs 02/09/2025) is one decision for
    the whole file: a day above 12 settles it, the source's ``date_format`` states it, and when
    neither does, the file is refused rather than guessed."""

    def __init__(self, file: str, context: str, date_format: str | None):
        try:
            self.order, self.strftime = parse_date_format(date_format)
        except ValueError:
            raise ExportError(file, Msg("read.date_format_bad", value=str(date_format))) from None
        self.given = self.order is not None
        self.file, self.context = file, context

    def expected(self) -> Msg:
        if self.strftime:
            return Msg("read.date_expected_as", format=self.strftime)
        if self.order in ("DMY", "MDY"):
            return Msg("read.date_expected_as", format={"DMY": "D/M/YYYY", "MDY": "M/D/YYYY"}[self.order])
        return Msg("read.date_expected")

    def decide(self, texts, column: str | None) -> None:
        if self.given:
            return
        dmy = mdy = ambiguous = None
        dots_only = True
        for text in texts:
            m = _AB_RE.match(text.strip())
            if not m:
                continue
            a, b = int(m.group(1)), int(m.group(3))
            dots_only &= m.group(2) == "."
            if a > 12 >= b:
                dmy = dmy or text
            elif b > 12 >= a:
                mdy = mdy or text
            elif a != b and a <= 12 and b <= 12:
                ambiguous = ambiguous or text
        if dmy and mdy:
            raise ExportError(self.file, Msg("read.date_order_mixed", dmy=dmy, mdy=mdy), column=column)
        if dmy or mdy:
            self.order = "DMY" if dmy else "MDY"
        elif ambiguous:
            if not dots_only:
                raise ExportError(self.file, Msg("read.date_order", example=ambiguous, fix=_fix(self.context, "order")),
                                  column=column)
            self.order = "DMY"  # 2.9.2025: nobody writes month.day.year

    def one(self, s: str) -> pd.Timestamp | None:
        """One date written as text; None when it is not one (or not a plausible report date)."""
        return _plausible(self._one(s))

    def _one(self, s: str) -> pd.Timestamp | None:
        try:
            m = _YMD_RE.match(s)
            if m:
                return pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            m = _COMPACT_RE.match(s)
            if m:
                return pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if self.strftime:
                try:
                    return pd.Timestamp(pd.to_datetime(s, format=self.strftime)).normalize()
                except (ValueError, TypeError):
                    pass
            m = _AB_RE.match(s)
            if m:
                a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
                order = self.order or ("DMY" if a > 12 or a == b else "MDY" if b > 12 else None)
                if order not in ("DMY", "MDY"):
                    return None
                day, month = (a, b) if order == "DMY" else (b, a)
                return pd.Timestamp(y + 2000 if y < 100 else y, month, day)
        except ValueError:  # 2026-02-30
            return None
        if _SERIAL_RE.match(s):  # an Excel serial written as text
            return self.value(float(s))
        if re.search(r"[A-Za-z]", s) and re.search(r"\d{4}", s) and re.search(r"(?<!\d)\d{1,2}(?!\d)", s):
            try:  # "Nov 1, 2026", "1 November 2026": month names cannot be misread
                return pd.Timestamp(pd.to_datetime(s)).normalize()
            except (ValueError, TypeError, OverflowError):
                return None
        return None

    def value(self, v: object) -> pd.Timestamp | None:
        if isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "year"):
            try:
                return _plausible(pd.Timestamp(v).normalize())
            except (ValueError, OverflowError):  # out of pandas' range
                return None
        x = float(v)
        if 19000101 <= x <= 21001231 and x.is_integer():
            return self.one(str(int(x)))
        if 1 <= x < 2958466:  # Excel serial day (1900 system; Lotus leap-year bug → 1899-12-30 origin)
            return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(x))).normalize()
        return None

    def cell(self, v: object) -> tuple[pd.Timestamp, pd.Timestamp | None] | None:
        """(first day, last day or None) of one date cell: a date, or a range like 2026-03-01至2026-03-31."""
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if not isinstance(v, str):
            if isinstance(v, bool):
                return None
            got = self.value(v) if isinstance(v, int | float | np.integer | np.floating) or hasattr(v, "year") \
                else None
            return (got, None) if got is not None else None
        s = unicodedata.normalize("NFKC", v).strip()
        if not s or s.casefold() in _MISSING_SET:
            return None
        m = _RANGE_RE.match(s)
        if m and any(ch.isdigit() for ch in m.group(1)):
            first, last = self.one(m.group(1)), self.one(m.group(2))
            if first is not None:
                return first, (last if last is not None and last >= first else None)
        got = self.one(s)
        return (got, None) if got is not None else None

    def unique(self, uniq) -> tuple[np.ndarray, np.ndarray]:
        """First and last days (NaT: not a date / a single day) of distinct cell values."""
        n = len(uniq)
        start = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        end = np.full(n, _NAT)
        is_text = np.array([isinstance(u, str) for u in uniq], dtype=bool)
        text = pd.Series(np.asarray(uniq, dtype=object)).where(is_text)
        formats = ((self.strftime,) if self.strftime else ()) + _FAST_FORMATS
        for fmt in formats:
            todo = start.isna() & is_text
            if not todo.any():
                break
            parsed = pd.to_datetime(text[todo].str.strip(), format=fmt, errors="coerce")
            # Implausible years (a typo like 1310) are not dates, and would not fit nanoseconds.
            parsed = parsed.where((parsed.dt.year >= 1990) & (parsed.dt.year <= 2199))
            start[todo] = parsed.astype("datetime64[ns]")
        for i in np.flatnonzero(start.isna().to_numpy()):
            got = self.cell(uniq[i])
            if got is not None:
                start.iat[i] = got[0]
                if got[1] is not None:
                    end[i] = np.datetime64(got[1], "ns")
        return start.dt.normalize().to_numpy(dtype="datetime64[ns]"), end

    def column(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """First and last day of every cell of a date column."""
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return values.dt.normalize().to_numpy(dtype="datetime64[ns]"), np.full(len(values), _NAT)
        if not isinstance(values.dtype, pd.CategoricalDtype) and _sortable(values):
            values = values.astype(object).astype("category")
        if isinstance(values.dtype, pd.CategoricalDtype):
            start, end = self.unique(values.cat.categories)
            codes = values.cat.codes.to_numpy()
            return np.append(start, _NAT)[codes], np.append(end, _NAT)[codes]
        obj = values.to_numpy(dtype=object)
        memo: dict = {}
        start, end = np.full(len(obj), _NAT), np.full(len(obj), _NAT)
        for i, v in enumerate(obj):
            key = (type(v), v) if v == v else None
            if key not in memo:
                memo[key] = self.cell(v)
            got = memo[key]
            if got is not None:
                start[i] = np.datetime64(got[0], "ns")
                if got[1] is not None:
                    end[i] = np.datetime64(got[1], "ns")
        return start, end

    def period(self, lines: list[str]) -> _Period | None:
        """The report period stated above the header (Google's line 2, 时间范围：…), if any."""
        for text in _period_candidates(lines):
            if text.casefold() in _ALL_TIME:
                return _Period(text, None, None)
            got = self.cell(text)
            if got is not None and got[1] is not None:
                return _Period(text, got[0], got[1])
        return None


def _period_candidates(lines: list[str]):
    for line in lines:
        s = unicodedata.normalize("NFKC", line).strip().strip('"').strip()
        if not s:
            continue
        yield s
        if re.search(r"[:：]", s):
            yield re.split(r"[:：]", s, maxsplit=1)[1].strip()
        m = _ISO_RANGE_RE.search(s)
        if m:
            yield m.group(0)


def _period_sides(lines: list[str]) -> list[str]:
    """Both ends of every range-looking preamble text: they take part in the day/month decision."""
    out = []
    for text in _period_candidates(lines):
        m = _RANGE_RE.match(text)
        if m:
            out += [m.group(1), m.group(2)]
    return out
