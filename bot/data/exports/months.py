"""A month a person names for a file (CLI, config or a Slack message), and a stated date order."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd


@dataclass(frozen=True)
class MonthHint:
    """A month a person named for a file: ``year`` None when they wrote only the month ("11月")."""

    year: int | None
    month: int

    @classmethod
    def parse(cls, value: str | MonthHint | None) -> MonthHint | None:
        """``"YYYY-MM"`` (as on the CLI and in feedsum.toml); raises ValueError otherwise."""
        if value is None or isinstance(value, MonthHint):
            return value
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(value))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(value)
        return cls(int(m.group(1)), int(m.group(2)))

    def resolve(self, start: pd.Timestamp | None, end: pd.Timestamp | None, today: date | None) -> tuple[int, int]:
        """(year, month): a missing year is the one whose month lies in the period, else the
        latest such month up to today."""
        if self.year is not None:
            return self.year, self.month
        if start is not None and end is not None:
            for year in range(end.year, start.year - 1, -1):
                first = pd.Timestamp(year, self.month, 1)
                if first <= end and first + pd.offsets.MonthEnd(0) >= start:
                    return year, self.month
        today = today or datetime.now(UTC).date()
        return (today.year if self.month <= today.month else today.year - 1), self.month


_MONTH_NAMES = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], start=1) for name in names}
_ZH_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}


def month_from_text(text: str | None) -> MonthHint | None:
    """The one month a message names ("11月", "十一月", "2026-11", "2026年11月", "November",
    "Nov 2026"); None when it names none or several different ones."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"<[^>]*>", " ", s)  # Slack mentions and links
    found: set[MonthHint] = set()
    for m in re.finditer(r"(?<!\d)(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})(?:\s*月)?(?![-/.]?\d)", s):
        if 2000 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12:
            found.add(MonthHint(int(m.group(1)), int(m.group(2))))
    rest = re.sub(r"(?<!\d)\d{4}\s*(?:[-/.]|年)\s*\d{1,2}(?:\s*月)?", " ", s)
    for m in re.finditer(r"(?<![\d.])(\d{1,2})\s*月份?", rest):
        if 1 <= int(m.group(1)) <= 12:
            found.add(MonthHint(None, int(m.group(1))))
    for m in re.finditer(r"(十[一二]?|[一二三四五六七八九])月", rest):
        found.add(MonthHint(None, _ZH_MONTHS[m.group(1)]))
    for m in re.finditer(r"\b([A-Za-z]{3,9})\.?(?:\s+(\d{4})\b)?", rest):
        word = m.group(1)
        number = _MONTH_NAMES.get(word.casefold())
        if number is None or (word.casefold() == "may" and word[0] != "M"):  # "may" is also a verb
            continue
        found.add(MonthHint(int(m.group(2)) if m.group(2) else None, number))
    years = {h.month: h.year for h in found if h.year is not None}
    months = {(years.get(h.month, h.year), h.month) for h in found}  # "11月" and "2026-11" agree
    if len(months) != 1:
        return None
    year, month = months.pop()
    return MonthHint(year, month)


def date_order_from_text(text: str | None) -> str | None:
    """"DMY" or "MDY" when a message states the day/month order with those letters."""
    found = {m.upper() for m in re.findall(r"(?<![A-Za-z])(DMY|MDY)(?![A-Za-z])", text or "", re.IGNORECASE)}
    return found.pop() if len(found) == 1 else None
