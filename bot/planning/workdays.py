"""Business-day calendar for report schedules.

A *calendar* is an ISO country code understood by the ``holidays`` package
("CN", "US", ...) or ``"none"`` for a plain Monday-Friday week.  Country
calendars use ``HolidayBase.is_working_day`` so that China's make-up working
Saturdays/Sundays (e.g. 2026-02-14, 2026-02-28, 2026-09-20, 2026-10-10) count
as business days and its public holidays do not.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from bot.model import periods

NO_CALENDAR = "none"

__all__ = [
    "NO_CALENDAR",
    "normalize_calendar",
    "is_business_day",
    "nth_last_business_day",
    "nth_business_day",
    "business_days_between",
]


def normalize_calendar(calendar: str) -> str:
    """Return the canonical spelling of ``calendar`` ("none" or an upper-case
    country code), raising ``ValueError`` naming it when it is unknown."""
    if not isinstance(calendar, str) or not calendar.strip():
        raise ValueError(f"calendar: expected a country code or \"none\", got {calendar!r}")
    code = calendar.strip()
    if code.lower() == NO_CALENDAR:
        return NO_CALENDAR
    code = code.upper()
    if code not in _supported_codes():
        raise ValueError(f"calendar: unknown calendar code {calendar!r} (use an ISO country code such as \"CN\" or \"none\")")
    return code


@lru_cache(maxsize=1)
def _supported_codes() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


@lru_cache(maxsize=256)
def _holidays_for(code: str, year: int) -> holidays.HolidayBase:
    # One object per (code, year); expand=False so a lookup never silently
    # populates (and mutates) the cached object with other years.
    return holidays.country_holidays(code, years=year, expand=False)


def is_business_day(d: date, calendar: str) -> bool:
    """True if ``d`` is a working day in ``calendar`` (weekends and public
    holidays are not; make-up working weekend days are)."""
    code = normalize_calendar(calendar)
    if code == NO_CALENDAR:
        return d.weekday() < 5
    return _holidays_for(code, d.year).is_working_day(d)


def _month_days(year: int, month: int) -> list[date]:
    first, last = periods.month_bounds(year, month)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _check_n(n: int) -> None:
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n: expected a positive integer, got {n!r}")


@lru_cache(maxsize=1024)
def _business_days_of_month(year: int, month: int, calendar: str) -> tuple[date, ...]:
    # The planner asks for the same months on every `/feedsum status`: compute each once.
    return tuple(d for d in _month_days(year, month) if is_business_day(d, calendar))


def nth_business_day(year: int, month: int, n: int, calendar: str) -> date:
    """The ``n``-th (1-based) business day of the month."""
    _check_n(n)
    days = _business_days_of_month(year, month, calendar)
    if n > len(days):
        raise ValueError(f"{year:04d}-{month:02d} has only {len(days)} business days in {calendar!r}, asked for #{n}")
    return days[n - 1]


def nth_last_business_day(year: int, month: int, n: int, calendar: str) -> date:
    """The ``n``-th last business day of the month (n=1 is the last one)."""
    _check_n(n)
    days = _business_days_of_month(year, month, calendar)
    if n > len(days):
        raise ValueError(f"{year:04d}-{month:02d} has only {len(days)} business days in {calendar!r}, asked for #{n} from the end")
    return days[-n]


def business_days_between(start: date, end: date, calendar: str) -> list[date]:
    """Business days ``d`` with ``start <= d <= end`` (both ends inclusive), in
    order; empty when ``end < start``."""
    normalize_calendar(calendar)  # fail on a bad code even for an empty range
    out: list[date] = []
    d = start
    while d <= end:
        if is_business_day(d, calendar):
            out.append(d)
        d += timedelta(days=1)
    return out
