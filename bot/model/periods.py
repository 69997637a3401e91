"""Reporting periods ("YYYY-MM") and how people write them."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

from bot.text import formats

PERIOD = re.compile(r"^(\d{4})-(\d{1,2})$")
_CANONICAL = re.compile(r"^(\d{4})-(\d{2})$")


class PeriodError(ValueError):
    """A month argument that is not of the form YYYY-MM."""


def parse_period(text: str) -> str:
    """Normalise "2026-11" / "2026-1" / "2026/11" / "202611" to "YYYY-MM"; PeriodError otherwise."""
    raw = text.strip().replace("/", "-").replace(".", "-")
    if re.fullmatch(r"\d{6}", raw):
        raw = f"{raw[:4]}-{raw[4:]}"
    m = PERIOD.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise PeriodError(text)
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def period_of(d: date | datetime) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def year_month(period: str) -> tuple[int, int]:
    """(year, month) of a "YYYY-MM" period; ValueError for anything else (not normalised)."""
    m = _CANONICAL.match(period) if isinstance(period, str) else None
    if not m or not 1 <= int(m.group(2)) <= 12:
        shown = json.dumps(period) if isinstance(period, str) else repr(period)
        raise ValueError(f'period: expected "YYYY-MM", got {shown}')
    return int(m.group(1)), int(m.group(2))


def shift(period: str, months: int) -> str:
    """The period `months` later (negative: earlier)."""
    y, m = year_month(period)
    idx = y * 12 + (m - 1) + months
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a calendar month."""
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, 1), nxt - timedelta(days=1)


def bounds(period: str) -> tuple[date, date]:
    """First and last day of the period."""
    return month_bounds(*year_month(period))


def label(period: str, locale: str) -> str:
    """How the month is written in a title: "2026年11月" / "November 2026" (the catalogue's pattern)."""
    return formats.month(period, locale)


def default_period(now_local: datetime) -> str:
    """The month being summarised: this month from the 15th on, otherwise last month.

    Month-end prompts go out in the last days of the month and posts land early the next
    month, so early in a month people mean the month that just ended.
    """
    current = period_of(now_local)
    return current if now_local.day >= 15 else shift(current, -1)
