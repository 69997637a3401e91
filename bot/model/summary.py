"""What one report-month is made of, as every rendering of it sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.model.config import Report
from storage.rows import LedgerEntry, PeriodState, SourceError


@dataclass(frozen=True)
class SectionState:
    key: str
    title: str
    owners: tuple[str, ...]  # who writes it this period (delegation applied)
    text: str | None
    authors: tuple[str, ...]
    revision: int
    first_at: str | None
    updated_at: str | None


@dataclass
class Summary:
    """Everything a rendering of one report-month needs."""

    report: Report
    period: str
    due_at: datetime
    state: PeriodState
    sections: list[SectionState]
    post_channel: str | None = None
    post_ts: str | None = None
    kpi: Any = None  # bot.insight.kpi.KPIReport when metrics exist
    claims_line: str | None = None
    claim_data: Any = None  # bot.insight.claims.ClaimData: the KPI report's slices and targets, built once
    checks: dict[str, list] = field(default_factory=dict)  # section key -> figures checked in it
    failures: list[LedgerEntry] = field(default_factory=list)  # recipients that could not be reached
    names: dict[str, str] = field(default_factory=dict)  # user id -> display name
    data_as_of: datetime | None = None  # when the month's data was last read (a pull or an upload)
    source_errors: list[SourceError] = field(default_factory=list)  # configured sources failing now
    preview: bool = False  # built for `compile --preview`: data may still change before the post
    comparisons: list = field(default_factory=list)  # bot.insight.abtest.Comparison saved in the optimise section
    ab_proposals: list = field(default_factory=list)  # variant groups whose names differ by A/B, v1/v2, …

    @property
    def done(self) -> int:
        return sum(1 for s in self.sections if s.text)

    @property
    def missing(self) -> list[SectionState]:
        return [s for s in self.sections if not s.text]
