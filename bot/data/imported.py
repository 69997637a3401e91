"""What an import stored: the value every way in (files, SQL, platform APIs) returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.insight.kpi import KPIs


@dataclass
class ImportOutcome:
    file: str
    rows: int
    dropped: int
    periods: dict[str, KPIs]  # period -> that period's totals in this file
    new: int  # snapshots added (0: the same file was imported before)
    warnings: list[str] = field(default_factory=list)  # Msg: .text(locale) in the report's language
