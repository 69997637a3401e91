"""The options of `feedsum metrics`, apart from the command itself so that `feedsum --help` reads
them without loading pandas."""

from __future__ import annotations

import argparse
import re

from bot.model.dates import parse_date_format
from bot.text.i18n import locales


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0?[1-9]|1[0-2])", value.strip()):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month; write it as YYYY-MM, e.g. 2026-11")
    return value


def _date_format(value: str) -> str:
    try:
        parse_date_format(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: use DMY (day first), MDY (month first) or a strftime "
                                         "pattern like %d/%m/%Y") from None
    return value


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of `feedsum metrics` (shared by the `feedsum` CLI and this module)."""
    ap.add_argument("files", nargs="+", help="CSV/TSV/XLSX exports, oldest snapshot first")
    ap.add_argument("--preset", default="auto", help="google-ads, meta, oceanengine, tencent, baidu, kuaishou, "
                                                     "tiktok, uc, generic or auto (default: from the headers)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument("--month", type=_month, metavar="YYYY-MM",
                    help="file reports without a day column (or a period spanning months) under this month")
    ap.add_argument("--date-format", type=_date_format, metavar="DMY|MDY|STRFTIME",
                    help="day/month order of dates like 02/09/2025 when the file cannot tell")
    ap.add_argument("--platform", help="platform name for every row (default: from the headers, else Other)")
    ap.add_argument("--locale", choices=locales(), default=None,
                    help="language of warnings, errors and totals (default: from LANG, else en)")
