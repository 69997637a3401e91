"""How a source states the order of day and month in its dates (`date_format`)."""

from __future__ import annotations

import re
import time

DATE_ORDERS = ("DMY", "MDY", "YMD")


def parse_date_format(value: str | None) -> tuple[str | None, str | None]:
    """(order, strftime pattern) of a source's ``date_format``.

    ``"DMY"`` (day first), ``"MDY"`` (month first) or ``"YMD"``, with or without separators and
    repeated letters (``"DD/MM/YYYY"`` is DMY); or a strftime pattern such as ``"%d.%m.%Y"``, whose
    order also decides other day/month dates of the file. Raises ValueError for anything else.
    """
    if value is None or not str(value).strip():
        return None, None
    v = str(value).strip()
    if "%" in v:
        try:  # it must write a day and read it back as the same day
            back = time.strptime(time.strftime(v, (2026, 11, 30, 23, 59, 0, 0, 334, -1)), v)
        except ValueError:
            raise ValueError(value) from None
        if (back.tm_year, back.tm_mon, back.tm_mday) != (2026, 11, 30):
            raise ValueError(value)
        d, m = v.find("%d"), max(v.find("%m"), v.find("%b"), v.find("%B"))
        return ("DMY" if d < m else "MDY"), v
    letters = re.sub(r"(.)\1+", r"\1", re.sub(r"[^A-Za-z]", "", v).upper())
    if letters in DATE_ORDERS:
        return letters, None
    raise ValueError(value)
