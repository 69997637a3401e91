"""What the reader tells when a file cannot be imported, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bot.text.i18n import Msg, t, text_of
from bot.text.mrkdwn import plain


@dataclass(frozen=True)
class BadCell:
    """One cell that could not be read: where it is and what was wrong (``problem``: str or Msg)."""

    row: int | None
    column: str | None
    value: str | None
    problem: str

    def describe(self, locale: str = "en") -> str:
        parts = []
        if self.row is not None:
            parts.append(t(locale, "read.row", row=self.row))
        if self.column is not None:
            parts.append(t(locale, "read.column", column=self.column))
        where = t(locale, "read.sep").join(parts)
        problem = text_of(self.problem, locale)
        what = problem if self.value is None else t(locale, "read.got", problem=problem, value=self.value)
        return t(locale, "read.file", file=where, what=what) if where else what


class ExportError(Exception):
    """A file that cannot be imported, explained for the person who downloaded it.

    ``row`` is the 1-based row number a spreadsheet shows (None when not about one row);
    ``column`` the header as written in the file. When several rows are bad, ``bad`` lists them
    all and the attributes describe the first; nothing of the file is imported. ``problem`` is a
    :class:`~bot.text.i18n.Msg` (or plain text): ``text(locale)`` renders the whole message in a
    report's locale, ``str()`` in English.
    """

    MAX_SHOWN = 5

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        bad: list[BadCell] | None = None,
        key: str | None = None,
        values: dict | None = None,
    ):
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        self.value = value
        self.bad = bad or []
        # A file over one of the size limits: the bot/text/i18n.py string saying so (problem is its English).
        self.key, self.values = key, values or {}
        if key:
            self.problem = Msg(key, **self.values)
        super().__init__(str(self))

    def __str__(self) -> str:
        return plain(self.text("en"))  # logs and the command line: what people read, not mrkdwn

    def text(self, locale: str) -> str:
        if len(self.bad) > 1:
            rows = {b.row for b in self.bad}
            shown = t(locale, "read.list_sep").join(b.describe(locale) for b in self.bad[: self.MAX_SHOWN])
            more = len(self.bad) - self.MAX_SHOWN
            return t(locale, "read.bad_rows", file=self.file, count=len(rows),
                     cells=len(self.bad), shown=shown, more=t(locale, "read.more", n=more) if more > 0 else "")
        cell = BadCell(self.row, self.column, self.value, self.problem)
        return t(locale, "read.cell", file=self.file, what=cell.describe(locale))

    @classmethod
    def from_bad(cls, file: str, bad: list[BadCell]) -> ExportError:
        bad = sorted(bad, key=lambda b: (b.row or 0, b.column or ""))
        first = bad[0]
        return cls(file, first.problem, row=first.row, column=first.column, value=first.value, bad=bad)


@dataclass
class ImportResult:
    """Canonical rows of one export plus what the reader had to decide about it."""

    rows: pd.DataFrame
    dropped: int
    preset: str
    file: str
    encoding: str
    warnings: list[Msg] = field(default_factory=list)  # str-compatible; .text(locale)


FIX_CONTEXTS = ("cli", "config", "slack")


def _fix(context: str, what: str) -> Msg:
    return Msg(f"read.fix.{what}.{context if context in FIX_CONTEXTS else 'cli'}")
