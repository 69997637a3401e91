"""What the App Home shows one person, free of Slack: their pending sections this period, the
progress and next scheduled actions of every report they belong to, and recent summaries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.service import Feedsum
from bot.model import periods
from bot.model.config import Report
from bot.model.summary import SectionState, Summary
from storage.rows import PeriodState


@dataclass(frozen=True)
class Pending:
    summary: Summary
    section: SectionState


@dataclass(frozen=True)
class ReportProgress:
    summary: Summary
    next_actions: list[Any]


@dataclass(frozen=True)
class Recent:
    report: Report
    period: str
    post_channel: str | None
    post_ts: str | None


@dataclass
class HomeState:
    user: str
    pending: list[Pending] = field(default_factory=list)
    reports: list[ReportProgress] = field(default_factory=list)
    recent: list[Recent] = field(default_factory=list)


def home_state(core: Feedsum, team_id: str, user: str, now: datetime, *, recent: int = 6) -> HomeState:
    """The App Home of `user` in one workspace (reports of other workspaces never appear)."""
    state = HomeState(user=user)
    mine: dict[str, Report] = {}
    for report in core.reports(team_id):
        period = periods.default_period(now.astimezone(report.tz))
        if not core.belongs(report, period, user):
            continue
        mine[report.id] = report
        summary = core.summary(report, period, now, with_metrics=False)
        if summary.state == PeriodState.OPEN:
            state.pending += [Pending(summary, s) for s in summary.sections if not s.text and user in s.owners]
        try:
            nxt = core.next_actions(report, period, now)
        except Exception:  # a display must not fail on an odd schedule
            nxt = []
        state.reports.append(ReportProgress(summary, nxt))
    for row in core.store.periods.posted(team_id, list(mine), limit=recent):
        state.recent.append(Recent(mine[row.report_id], row.period, row.post_channel, row.post_ts))
    return state
