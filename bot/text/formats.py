"""Numbers, money, percentages and dates in a locale's way, through Babel (CLDR data).

Each catalogue (bot/text/catalogue/) holds its patterns under ``fmt.*`` keys; Babel applies them
with the locale's symbols, so a new locale gets its own separators, month names and units.
Floats are handed to Babel exactly (``Decimal(v)``), so rounding is the same as Python's own
formatting of the same value: half-even on the true binary value.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from bot.text import catalogue

# Compact units (万, 亿) go no higher than 亿: people write 1.2万亿 as 12000亿, and so does
# the claim checker read it back.
COMPACT_MAX = 10**8


def _cat(locale: str) -> catalogue.Catalogue:
    return catalogue.get(locale)


def pattern(locale: str, key: str) -> str:
    """The catalogue's ``fmt.<key>`` pattern (English when the locale has none)."""
    cat = _cat(locale)
    found = cat.strings.get(f"fmt.{key}")
    if found is None:
        found = catalogue.get(catalogue.FALLBACK).strings[f"fmt.{key}"]
    return found


def _exact(v: float | int | Decimal) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(v)


def _with_decimals(pat: str, decimals: int) -> str:
    """A number pattern with exactly `decimals` fraction digits ("#,##0" → "#,##0.00"; each part
    of "+#,##0;-#,##0")."""
    def one(part: str) -> str:
        part = re.sub(r"(?<=0)\.0+", "", part)
        return re.sub(r"0(?=[^0#,.]*$)", "0" + ("." + "0" * decimals if decimals else ""), part, count=1)

    return ";".join(one(part) for part in pat.split(";"))


def decimal(v: float | int, locale: str, decimals: int = 0) -> str:
    """A number with the locale's grouping: "1,234" / "1,234.50"."""
    return format_decimal(_exact(v), _with_decimals(pattern(locale, "decimal"), decimals),
                          locale=_cat(locale).babel)


def ratio(v: float, locale: str) -> str:
    """A ratio such as ROI: "3.20"."""
    return format_decimal(_exact(v), pattern(locale, "ratio"), locale=_cat(locale).babel)


def signed(v: float, locale: str, decimals: int = 0, *, zero_sign: bool = False) -> str:
    """A change with its sign, "+1,234.50" / "-3"; one that rounds to zero has none ("0.00") unless
    `zero_sign` ("+0.00", "-0.00")."""
    if not zero_sign and round(_exact(v), decimals) == 0:
        return decimal(0, locale, decimals)
    return format_decimal(_exact(v), _with_decimals(pattern(locale, "change"), decimals), locale=_cat(locale).babel)


def percent(share: float, locale: str, decimals: int = 2, *, points: bool = False) -> str:
    """A share as a percentage: 0.0123 → "1.23%", scaled as ``share * 100`` would be; with
    `points` the value is already in percent (12.3 → "12.30%")."""
    scaled = share if points else share * 100
    return format_percent(Decimal(scaled) / 100, _with_decimals(pattern(locale, "percent"), decimals),
                          locale=_cat(locale).babel)


def signed_percent(share: float, locale: str, decimals: int = 1, *, zero_sign: bool = False) -> str:
    """A relative change: 0.081 → "+8.1%"; one that rounds to zero has no sign ("0.0%") unless
    `zero_sign`."""
    scaled = share * 100
    if not zero_sign and round(_exact(scaled), decimals) == 0:
        return percent(0, locale, decimals)
    return format_percent(Decimal(scaled) / 100, _with_decimals(pattern(locale, "percent.change"), decimals),
                          locale=_cat(locale).babel)


def money(v: float, locale: str, style: str = "money") -> str:
    """An amount in full: "1,234.50 元" / "¥1,234.50" (``fmt.money.table``: "1,234.50" under a header
    that names the unit)."""
    return format_decimal(_exact(v), pattern(locale, style), locale=_cat(locale).babel)


@lru_cache(maxsize=32)
def _compact_units(babel: str) -> tuple[tuple[int, int, str], ...]:
    """(from, divisor, unit) of the locale's short compact formats up to COMPACT_MAX, largest first:
    CLDR's "0万", "00万", … "0亿" give (10000, 10000, "万"), (100000000, 100000000, "亿")."""
    out = {}
    for magnitude, pat in Locale.parse(babel).compact_decimal_formats["short"]["other"].items():
        m = int(magnitude)
        text = pat.pattern if hasattr(pat, "pattern") else str(pat)
        zeros = text.count("0")
        unit = text.replace("0", "").strip()
        if m > COMPACT_MAX or not unit:
            continue
        divisor = m // 10 ** (zeros - 1)
        out.setdefault((divisor, unit), m)
    return tuple(sorted(((m, d, u) for (d, u), m in out.items()), reverse=True))


def compact(v: float, locale: str, decimals: int = 2, *, trim: bool = False) -> str | None:
    """A large number in the locale's short units when it writes them ("16.20万", "1.23亿"), else
    None (English writes numbers in full). `trim` drops trailing zeros ("3.8万")."""
    if not pattern(locale, "compact"):
        return None
    for start, divisor, unit in _compact_units(_cat(locale).babel):
        if abs(v) >= start:
            # divided as a float, as "v / 1e4" is: the same value, so the same rounding
            scaled = v / divisor if isinstance(v, Decimal) else Decimal(v / divisor)
            if trim:
                body = format_decimal(scaled, "0." + "#" * max(decimals, 1), locale=_cat(locale).babel)
            else:
                body = format_decimal(scaled, _with_decimals("0", decimals), locale=_cat(locale).babel)
            return body + unit
    return None


def money_compact(v: float, locale: str, decimals: int = 2) -> str | None:
    """A large amount in short units, "16.20万元"; None where the locale writes it in full."""
    body = compact(v, locale, decimals)
    return None if body is None else pattern(locale, "money.compact").format(number=body)


def month(period: str, locale: str) -> str:
    """A "YYYY-MM" period as a title names it: "2026年11月" / "November 2026"."""
    y, m = map(int, period.split("-"))
    return format_date(date(y, m, 1), pattern(locale, "month"), locale=_cat(locale).babel)


def day(d: date, locale: str) -> str:
    """A day of the month: "11月18日" / "Nov 18"."""
    return format_date(d, pattern(locale, "day"), locale=_cat(locale).babel)


def when(dt: datetime, locale: str, style: str = "when") -> str:
    """An instant in its own time zone: ``fmt.when`` "11月03日 09:05" / "Nov 03 09:05",
    ``fmt.when.short`` "11-03 09:05" / "Nov 3, 09:05"."""
    return format_datetime(dt, pattern(locale, style), tzinfo=dt.tzinfo, locale=_cat(locale).babel)


__all__ = ["COMPACT_MAX", "compact", "day", "decimal", "money", "money_compact", "month", "pattern",
           "percent", "ratio", "signed", "signed_percent", "when"]
