"""Reporting periods ("YYYY-MM") and how people write them."""

from __future__ import annotations

import re
from datetime import date, datetime

from bot.text import formats

PERIOD = re.compile(r"^(\d{4})-(\d{1,2})$")


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


def shift(period: str, months: int) -> str:
    """The period `months` later (negative: earlier)."""
    y, m = map(int, period.split("-"))
    idx = y * 12 + (m - 1) + months
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def bounds(period: str) -> tuple[date, date]:
    """First and last day of the period."""
    y, m = map(int, period.split("-"))
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)


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
