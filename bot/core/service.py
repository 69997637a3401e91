"""The month-end loop, free of Slack: open a period, take answers, compile and post.

Outgoing messages go through an `Outbox` (the Slack implementation lives in handlers/), each
claimed in the delivery ledger first so that nothing is sent twice, even across processes
and crashes (bot/core/ledger.py). Who may do what is bot/core/access.py; the database is the
store's (storage/).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, wait
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from bot.core import access
from bot.core.access import Refused
from bot.core.leases import DEFAULT_SECONDS, Leases
from bot.core.ledger import (
    Busy,
    Delivery,
    Ledger,
    Outcome,
    Unfinished,
    action,
    prompt_recipient,
    prompted_owner,
)
from bot.core.optimise import for_summary
from bot.data.exports import date_order_from_text, month_from_text
from bot.data.metrics import SourcePull, parse_target, redact_url
from bot.insight.claims import check_claims, claim_data, fmt_kpi, summary_line
from bot.insight.kpi import kpis
from bot.insight.kpi_text import kpi_label
from bot.model import periods
from bot.model.config import Report
from bot.model.people import People
from bot.model.schedule import Schedule
from bot.model.summary import SectionState, Summary
from bot.planning import schedule
from bot.planning.schedule import ReportPlan, next_actions, timeline
from bot.text.i18n import join_list, t, t_plain
from bot.text.mrkdwn import Mrkdwn, md, storable
from storage import StaleRevision, Store
from storage.keys import LedgerKey
from storage.rows import LedgerEntry, PeriodRow, PeriodState, Pulled, Saved, SourceKind, SourceState

log = logging.getLogger(__name__)


class Stale(Refused):
    """A form saved against a revision that others have since changed (beyond adding to its end).

    Nothing was saved; `current` is the section as it is now (saved by `by` at `when`, local
    time), for the user to see before saving again.
    """

    def __init__(self, current: SectionState, by: str, when: str):
        super().__init__("modal.stale", revision=current.revision, when=when)
        self.current, self.by, self.when = current, by, when


class Outbox(Protocol):
    """What the core needs from a chat platform; handlers.outbox.SlackOutbox implements it."""

    def send_prompt(self, summary: Summary, section: SectionState, owner: str, key: str) -> tuple[str, str]: ...
    def refresh_prompt(self, summary: Summary, section: SectionState, owner: str, channel: str, ts: str) -> None: ...
    def find_dm(self, team_id: str, user: str, key: str) -> tuple[str, str] | None: ...
    def post_summary(self, summary: Summary, key: str, *, find: bool) -> tuple[str, str]: ...
    def post_update(self, summary: Summary, note: str, section_key: str | None = None) -> None: ...
    def send_dm(self, team_id: str, user: str, text: str, key: str | None = None) -> tuple[str, str]: ...
    def user_name(self, team_id: str, user: str) -> str: ...
    def warn_claims(self, summary: Summary, section: SectionState, user: str, wrong: list) -> None: ...
    # May raise NeedsLookup when the caller answers from local data only and the answer is not known.
    def is_workspace_admin(self, team_id: str, user: str) -> bool: ...
    # A link to a posted message (None when there is none); made without calling the platform.
    def permalink(self, team_id: str, channel: str | None, ts: str | None) -> str | None: ...


class Fanout(Protocol):
    """Runs the sends of a fan-out (handlers.pacer.Pacer paces them to the platform's limits).

    `fn` claims and sends one message to `recipient` in workspace `team_id`; the fanout may run
    jobs concurrently and in any order, except that one recipient's jobs run one at a time, in
    the order submitted.
    """

    def submit(self, fn: Callable[[], Any], team_id: str, recipient: str) -> Future: ...


class InlineFanout:
    """Each job at once, in the caller's thread (no platform limits known)."""

    def submit(self, fn: Callable[[], Any], team_id: str, recipient: str) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn())
        except BaseException as exc:
            future.set_exception(exc)
        return future


# At most this many data pulls (file and SQL reads, memory-hungry) run at once, however many
# reports the scheduler works on together.
PULLS_AT_ONCE = 2

# Sections written about next month: their figures are plans and targets, not this month's data.
FUTURE_SECTIONS = frozenset({"plan"})

# Sections whose prompts show the month's numbers (handlers/render.py `_prompt_data`): redrawn when
# a pull brings new data.
DATA_SECTIONS = frozenset({"data", "lessons", "plan", "optimise"})
# The totals whose change a posted summary is updated for (late conversions change the last two).
DATA_UPDATE_KEYS = ("spend", "impressions", "clicks", "conversions", "revenue")
CURRENCY_SOURCE = "currency_rates"  # how a currency mix is named among failing sources


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


@dataclass(frozen=True)
class OpenResult:
    period: str
    sent: int
    skipped: int
    failed: int
    busy: int = 0  # being sent by another process right now


@dataclass(frozen=True)
class SubmitResult:
    section: SectionState
    saved: Saved
    late: bool  # arrived after the summary was posted


def merge_appended(base: str, current: str, mine: str) -> str | None:
    """`mine` (an edit of `base`) followed by what others added to the end of `base` since it was
    read, giving `current`; None when `current` changed `base` itself (that is a conflict)."""
    if not current.startswith(base):
        return None
    added = current[len(base):].lstrip("\n")
    if not added.strip():
        return mine
    sep = "" if not mine or mine.endswith("\n") else "\n"
    return mine + sep + added


def _already_posted(report: Report, period: str, prow: PeriodRow, outbox: Outbox | None) -> Refused:
    """The refusal for a period already posted: when in the report's time zone, and a link."""
    when = prow.compiled_at
    shown = datetime.fromisoformat(when).astimezone(report.tz).strftime("%Y-%m-%d %H:%M") if when else "—"
    channel, ts = prow.post_channel, prow.post_ts
    link = outbox.permalink(report.team_id, channel, ts) if outbox is not None and channel and ts else None
    return Refused("refuse.already_posted", month=periods.label(period, report.locale), when=shown, link=link or "")


def period_sections(report: Report, stored: tuple[str, ...] | None) -> Report:
    """The report as one period sees it. `stored` is the period's own section keys (storage
    m012): a period opened before the template gained sections keeps the ones it had,
    restricted to those the report still has; None (every later period) follows the report."""
    if stored is None:
        return report
    keys = set(stored)
    return replace(report, sections=tuple(s for s in report.sections if s.key in keys))


def plan_of(report: Report):
    """The planner's view of a report (its time zone and calendar checked once, then cached)."""
    return _plan(report.id, report.timezone, report.calendar, report.schedule)


@functools.lru_cache(maxsize=4096)
def _plan(report_id: str, timezone: str, calendar: str, schedule: Schedule):
    return ReportPlan(report_id, timezone, calendar, schedule)


def due_at(report: Report, period: str) -> datetime:
    """When the period's summary is due, in the report's timezone."""
    return timeline(plan_of(report), period).due_at


class Feedsum:
    """The core service: one instance per process, shared by listeners, scheduler and CLI."""

    def __init__(self, store: Store, outbox: Outbox, *, data: Any = None, lease_seconds: float = DEFAULT_SECONDS,
                 wall_clock: Callable[[], float] = time.time, fanout: Fanout | None = None):
        self.store = store
        self.outbox = outbox
        self.data = data  # bot.data.metrics.Metrics: snapshots and KPI reports (None: no ad data)
        self.leases = Leases(store, lease_seconds, clock=wall_clock)
        self.ledger = Ledger(store, self.leases)
        self.fanout = fanout or InlineFanout()
        self._created: dict[tuple[str, str], str] = {}
        self._pulls = threading.BoundedSemaphore(PULLS_AT_ONCE)

    # --- who may do what (the rules: bot/core/access.py) ----------------------------------

    def _workspace_admin(self, report: Report, user: str) -> access.Lookup:
        return lambda: self.outbox.is_workspace_admin(report.team_id, user)

    def handed(self, report: Report, period: str) -> access.Handed:
        """The period's hand-overs: (section, owner) -> whom it was handed to."""
        return self.store.people.delegations(report.team_id, report.id, period)

    def is_admin(self, report: Report, user: str) -> bool:
        return access.is_admin(report, user, self._workspace_admin(report, user))

    def _not_admin(self, report: Report, what: str) -> Refused:
        return Refused("refuse.not_admin", what=what, admins=People(report.admins))

    def require_admin(self, report: Report, user: str, what: str) -> None:
        """For changes to a report and work run by hand (`what` names it in the refusal)."""
        if not access.may_administer(report, user, self._workspace_admin(report, user)):
            raise self._not_admin(report, what)

    def require_open(self, report: Report, user: str) -> None:
        if not access.may_open(report, user, self._workspace_admin(report, user)):
            raise self._not_admin(report, "open")

    def require_compile(self, report: Report, user: str) -> None:
        if not access.may_compile(report, user, self._workspace_admin(report, user)):
            raise self._not_admin(report, "compile")

    def may_read(self, report: Report, period: str, user: str, state: str) -> bool:
        """Whether `user` may read the period's text (in state `state`)."""
        if state == PeriodState.POSTED:  # no look-ups for what anyone may read
            return True
        return access.may_read(report, state, user, self.handed(report, period), self._workspace_admin(report, user))

    def may_write(self, report: Report, period: str, key: str, user: str, *, ask_slack: bool = True) -> bool:
        """Whether `user` may write section `key` this period (`ask_slack=False`: from what the
        report names alone, for an answer that cannot wait for Slack)."""
        lookup = self._workspace_admin(report, user) if ask_slack else (lambda: False)
        return access.may_write(report, key, user, self.handed(report, period), lookup)

    def belongs(self, report: Report, period: str, user: str) -> bool:
        """Whether `user` is one of the report's people this period (access.belongs)."""
        return access.belongs(report, user, self.handed(report, period))

    def writers(self, report: Report, period: str, key: str,
                handed: access.Handed | None = None) -> tuple[str, ...]:
        """Who writes a section this period: its owners, with any hand-over applied."""
        return access.writers(report, key, self.handed(report, period) if handed is None else handed)

    # --- reading state ---------------------------------------------------------------------

    def reports(self, team_id: str) -> list[Report]:
        return [Report.from_dict(d) for d in self.store.reports.all(team_id)]

    def report(self, team_id: str, report_id: str) -> Report | None:
        data = self.store.reports.get(team_id, report_id)
        return Report.from_dict(data) if data else None

    def resolve_report(self, team_id: str, channel: str | None, user: str, report_id: str | None = None) -> Report:
        """The report a command refers to: named, the channel's, or the user's only one."""
        if report_id:
            found = self.report(team_id, report_id)
            if not found:
                raise Refused("refuse.unknown_report", id=report_id)
            return found
        if channel:
            here = [Report.from_dict(d) for d in self.store.reports.all(team_id, channel=channel)]
            if len(here) == 1:
                return here[0]
            if len(here) > 1:
                raise Refused("refuse.which_report", ids=", ".join(r.id for r in here))
        mine = [r for r in self.reports(team_id) if access.belongs(r, user)]
        if len(mine) == 1:
            return mine[0]
        if not mine:
            raise Refused("refuse.no_report")
        raise Refused("refuse.which_report", ids=", ".join(r.id for r in mine))

    def for_period(self, report: Report, period: str) -> Report:
        """The report with the sections this period has (see `period_sections`)."""
        prow = self.store.periods.get(report.team_id, report.id, period)
        return period_sections(report, prow.sections if prow else None)

    def summary(self, report: Report, period: str, now: datetime, *, with_metrics: bool = True) -> Summary:
        """The current state of a report-month, as every view renders it."""
        prow = self.store.periods.get(report.team_id, report.id, period)
        report = period_sections(report, prow.sections if prow else None)
        answers = self.store.answers.of(report.team_id, report.id, period)
        handed = self.handed(report, period)
        sections = []
        for sec in report.sections:
            a = answers.get(sec.key)
            sections.append(SectionState(
                key=sec.key, title=report.title(sec), owners=self.writers(report, period, sec.key, handed),
                text=a.text if a else None, authors=a.authors if a else (),
                revision=a.revision if a else 0, first_at=a.first_at if a else None,
                updated_at=a.updated_at if a else None,
            ))
        summary = Summary(
            report=report, period=period,
            due_at=datetime.fromisoformat(prow.due_at) if prow and prow.due_at else due_at(report, period),
            state=prow.state if prow else PeriodState.NONE, sections=sections,
            post_channel=prow.post_channel if prow else None, post_ts=prow.post_ts if prow else None,
            failures=self.ledger.failures(report.team_id, report.id, period),
        )
        if self.data is not None:
            summary.data_as_of = self.data.as_of(report, period)
            if report.metrics:
                summary.source_errors = self.store.sources.errors(report.team_id, report.id)
        if with_metrics and self.data is not None:
            summary.kpi = self.data.report(report, period, now)
            if summary.kpi is not None:
                summary.comparisons, summary.ab_proposals = for_summary(self, report, period)
            summary.checks = {s.key: self.check_claims(summary, s.text, s.key) for s in sections if s.text}
            checks = [c for found in summary.checks.values() for c in found]
            if checks:
                summary.claims_line = summary_line(checks, report.locale)
        return summary

    def check_claims(self, summary: Summary, text: str, section: str | None = None) -> list:
        """Figures in `text` compared with the month's data (none without a KPI report). The plan
        section is about next month: only sentences naming a month in the data are checked."""
        kpi = summary.kpi
        if kpi is None:
            return []

        if summary.claim_data is None:
            summary.claim_data = claim_data(kpi)
        return check_claims(text, kpi.totals, kpi.previous, roi_mode=kpi.roi_mode, data=summary.claim_data,
                            future=section in FUTURE_SECTIONS)

    # --- exactly-once delivery -------------------------------------------------------------

    def once(self, report: Report, period: str, action: str, recipient: str, now: datetime,
             send: Callable[[str, bool], Any]) -> tuple[Outcome, Any]:
        """Send something at most once per ledger key (bot/core/ledger.py); (outcome, result)."""
        return self.ledger.once(LedgerKey(report.team_id, report.id, period, action, recipient), now, send)

    # --- the loop --------------------------------------------------------------------------

    def open(self, report: Report, period: str, actor: str, now: datetime, *, whole: bool = False) -> OpenResult:
        """Open a period and DM one prompt per section and owner (never twice).

        `whole`: the caller holds a claim on the whole fan-out (the scheduler) and may mark it done
        only once every prompt is sent; Unfinished is raised while another process holds some.
        """
        prow = self.store.periods.get(report.team_id, report.id, period)
        if prow and prow.state == PeriodState.POSTED:
            raise _already_posted(report, period, prow, self.outbox)
        self.store.periods.open(report.team_id, report.id, period, by=actor, due_at=due_at(report, period), now=now)
        self.pull(report, period, now)  # the prompts show the month's numbers from the first day
        summary = self.summary(report, period, now)
        # Away owners get their prompts too (they find them on return); only reminders wait.
        jobs = [(owner, functools.partial(
                    self.once, report, period, Delivery.PROMPT, prompt_recipient(section.key, owner), now,
                    lambda key, recovering, s=section, o=owner: self._send_prompt(summary, s, o, key, recovering, now)))
                for section in summary.sections for owner in section.owners]
        outcomes = [outcome for outcome, _ in self.fan_out(report.team_id, jobs)]
        self.tell_admins_of_failures(report, period)
        if whole and Outcome.BUSY in outcomes:
            raise Unfinished(outcomes.count(Outcome.BUSY))
        return OpenResult(period=period, sent=outcomes.count(Outcome.SENT), skipped=outcomes.count(Outcome.DONE),
                          failed=outcomes.count(Outcome.FAILED), busy=outcomes.count(Outcome.BUSY))

    def fan_out(self, team_id: str, jobs: list[tuple[str, Callable[[], Any]]]) -> list[Any]:
        """Run (recipient, job) pairs through the fanout; their results, in order.

        Each job claims its message just before sending it, so running them together keeps every
        message exactly once. If one fails, jobs not started yet are dropped (the next pass
        sends them), the others finish, and the first failure is raised.
        """
        futures: list[Future] = []
        for recipient, job in jobs:
            futures.append(self.fanout.submit(job, team_id, recipient))
            if futures[-1].done() and futures[-1].exception() is not None:
                break  # run inline: stop where it failed, as the pass would have
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() is not None for f in done if not f.cancelled()):
            for f in futures:
                f.cancel()
        wait(futures)
        failure = next((f.exception() for f in futures if not f.cancelled() and f.exception() is not None), None)
        if failure is not None:
            raise failure
        return [f.result() for f in futures]

    def _send_prompt(self, summary: Summary, section: SectionState, owner: str, key: str,
                     recovering: bool, now: datetime) -> tuple[str, str]:
        found = self.outbox.find_dm(summary.report.team_id, owner, key) if recovering else None
        channel, ts = found or self.outbox.send_prompt(summary, section, owner, key)
        self.store.prompts.record(summary.report.team_id, summary.report.id, summary.period, section.key,
                                  owner, channel=channel, ts=ts, now=now)
        return channel, ts

    def submit(self, report: Report, period: str, key: str, user: str, text: str, now: datetime, *,
               via: str, append: bool = False, event_id: str | None = None, ts: str | None = None,
               base_revision: int | None = None) -> SubmitResult:
        """Save a section's text; the caller tells the user, then calls announce().

        A thread reply is appended (`append`, ordered by its message `ts`). A form save names the
        revision it started from (`base_revision`): if others saved since, it is merged when they
        only added to the end of that revision (their additions stay after the form's text), and
        refused with Stale otherwise. The check and the write are one transaction.
        """
        self.require_writer(report, period, key, user)
        if self.store.periods.get(report.team_id, report.id, period) is None:
            raise Refused("refuse.not_open", month=periods.label(period, report.locale), period=period)
        mine = text = storable(text)
        expected = base_revision
        # The same submission sent twice (a double submit, a replay) is recognised by what it started
        # from and what it says, and is not applied again.
        form = None if base_revision is None else f"{base_revision}:{hashlib.sha256(mine.encode()).hexdigest()[:32]}"
        for _ in range(20):  # another round only when someone else saved in between
            try:
                saved = self.store.answers.save(report.team_id, report.id, period, key, text=text, author=user,
                                                via=via, now=now, append=append, event_id=event_id, ts=ts,
                                                expected_revision=expected, form=form)
                break
            except StaleRevision as stale:
                if self.store.answers.form_saved(report.team_id, report.id, period, key, form):
                    saved = Saved(revision=stale.revision, previous=None, text=stale.text, duplicate=True)
                    break
                merged = self._merged(report, period, key, base_revision, mine, stale.text)
                if merged is None:
                    raise self._stale(report, period, key, now) from None
                text, expected = merged, stale.revision
        else:
            raise self._stale(report, period, key, now)
        summary = self.summary(report, period, now, with_metrics=False)
        state = next(s for s in summary.sections if s.key == key)
        return SubmitResult(section=state, saved=saved, late=summary.state == PeriodState.POSTED)

    def _merged(self, report: Report, period: str, key: str, base_revision: int, mine: str, current: str) -> str | None:
        """A stale form's text merged with what was added since it was opened (None: a conflict)."""
        if base_revision == 0:
            base: str | None = ""
        else:
            base = next((r.text for r in self.store.answers.revisions(report.team_id, report.id, period, key)
                         if r.revision == base_revision), None)
        return None if base is None else merge_appended(base, current, mine)

    def _stale(self, report: Report, period: str, key: str, now: datetime) -> Stale:
        current = next(s for s in self.summary(report, period, now, with_metrics=False).sections if s.key == key)
        revisions = self.store.answers.revisions(report.team_id, report.id, period, key)
        when = (datetime.fromisoformat(current.updated_at).astimezone(report.tz).strftime("%m-%d %H:%M")
                if current.updated_at else "")
        return Stale(current, revisions[-1].author if revisions else "", when)

    def announce(self, report: Report, period: str, result: SubmitResult, user: str, now: datetime) -> None:
        """After a save: show the receipt on every owner's prompt and update a posted summary.

        Runs after the user has been answered; Slack hiccups here never undo a saved answer.
        """
        if result.saved.duplicate:
            return
        summary = self.summary(report, period, now)
        state = next(s for s in summary.sections if s.key == result.section.key)
        rpt = summary.report
        wrong = [c for c in summary.checks.get(state.key, []) if c.ok is False]
        if wrong:
            try:
                self.outbox.warn_claims(summary, state, user, wrong)
            except Exception:
                log.exception("could not send the claim check of %s to %s", state.key, user)
        for p in self.store.prompts.of(rpt.team_id, rpt.id, summary.period, state.key):
            try:
                self.outbox.refresh_prompt(summary, state, p.owner, p.channel, p.ts)
            except Exception:
                log.exception("could not refresh the prompt of %s/%s", state.key, p.owner)
        self.show_saved(summary, [state.key])

    def show_saved(self, summary: Summary, keys: list[str] | None = None) -> None:
        """Bring a posted summary up to date with the sections saved since it shows them.

        Each revision is claimed before it is shown, so a save announced while the poster catches
        up after posting is shown once, by whichever gets there first.
        """
        if summary.state != PeriodState.POSTED:
            return

        rpt = summary.report
        for state in summary.sections:
            if not state.text or (keys is not None and state.key not in keys):
                continue
            before = self.store.answers.claim_shown(rpt.team_id, rpt.id, summary.period, state.key, state.revision)
            if before is None:
                continue
            author = self.store.answers.revisions(rpt.team_id, rpt.id, summary.period, state.key)[-1].author
            what = t(rpt.locale, "summary.what.edited" if before else "summary.what.added")
            note = t(rpt.locale, "summary.updated", section=state.title, what=what,
                     author=self.outbox.user_name(rpt.team_id, author), revision=state.revision)
            try:
                self.outbox.post_update(summary, note, state.key)
            except Exception:
                log.exception("could not update the posted summary of %s/%s", rpt.id, summary.period)

    def compile(self, report: Report, period: str, actor: str, now: datetime, *, preview: bool = False) -> Summary:
        """Build the summary; unless previewing, post it to the report channel exactly once.

        The configured sources are pulled first: conversions are backfilled late, and a post
        made by hand carries the same numbers as a scheduled one.
        """
        prow = self.store.periods.get(report.team_id, report.id, period)
        if not preview and prow and prow.state == PeriodState.POSTED:
            raise _already_posted(report, period, prow, self.outbox)
        self.pull(report, period, now)
        summary = self.summary(report, period, now)
        if preview:
            summary.preview = True
            return summary
        outcome, result = self.once(report, period, Delivery.POST, report.channel, now,
                                    lambda key, recovering: self._post(summary, key, recovering, actor, now))
        if outcome == Outcome.FAILED:
            raise Refused("refuse.post_failed", error=result)
        if outcome == Outcome.BUSY:
            raise result if isinstance(result, Busy) else self._post_busy(report, period, result)
        current = self.summary(report, period, now)
        if outcome == Outcome.SENT:
            # Saves made while the post was going out saw the period open and updated nothing:
            # what they changed goes out now, as late updates. Later saves see it posted.
            self.show_saved(current)
        return current

    def _post(self, summary: Summary, key: str, recovering: bool, actor: str, now: datetime) -> tuple[str, str]:
        rpt = summary.report
        channel, ts = self.outbox.post_summary(summary, key, find=recovering)
        self.store.answers.mark_shown(rpt.team_id, rpt.id, summary.period,
                                      {s.key: s.revision for s in summary.sections if s.text})
        # Marked posted before the claim is completed: a crash in between leaves a posted period
        # with an unfinished claim (harmless), never a finished claim on a period that says "open".
        self.store.periods.mark_posted(rpt.team_id, rpt.id, summary.period, channel=channel, ts=ts, by=actor, now=now)
        return channel, ts

    def _post_busy(self, report: Report, period: str, entry: LedgerEntry | None) -> Busy:
        """The honest answer while a post is under way elsewhere (or its process died mid-way)."""
        since, left = "?", self.leases.seconds
        if entry:
            since = datetime.fromisoformat(entry.claimed_at).astimezone(report.tz).strftime("%Y-%m-%d %H:%M")
            if entry.lease_until is not None:
                left = max(entry.lease_until - self.leases.now(), 0)
        return Busy("refuse.post_busy", month=periods.label(period, report.locale), since=since,
                    seconds=max(math.ceil(left), 1))

    def tell_admins_of_failures(self, report: Report, period: str) -> None:
        """Tell the admins once about recipients that could not be reached."""
        failures = self.ledger.untold_failures(report.team_id, report.id, period)
        if not failures:
            return
        items = ", ".join(f"{f.recipient} ({f.error})" for f in failures)
        text = t(report.locale, "admins.failures", name=report.name, month=periods.label(period, report.locale), items=items)
        for admin in report.admins:
            try:
                self.outbox.send_dm(report.team_id, admin, text)
            except Exception:
                log.exception("could not tell admin %s about delivery failures", admin)

    # --- reminders, away, hand-overs -------------------------------------------------------

    def pending_by_owner(self, report: Report, period: str, now: datetime) -> dict[str, list[SectionState]]:
        """Owners who still owe sections, with those sections.

        Left out: people who are away, and people Slack would not let us reach (their prompt
        failed permanently; admins were told once, and reminding again would fail again).
        """
        summary = self.summary(report, period, now, with_metrics=False)
        unreachable = {prompted_owner(f.recipient) for f in summary.failures if f.action == Delivery.PROMPT}
        away = self.away_map(report, period, now, owners={o for s in summary.sections for o in s.owners})
        out: dict[str, list[SectionState]] = {}
        for s in summary.sections:
            if s.text:
                continue
            for owner in s.owners:
                if owner not in away and owner not in unreachable:
                    out.setdefault(owner, []).append(s)
        return out

    def remind(self, report: Report, period: str, now: datetime, *, slot: str | None = None,
               manual: bool = False, last_call: bool = False, whole: bool = False) -> int:
        """One DM per owner listing only their pending sections; returns how many were sent.

        `whole`: as for open(), Unfinished while another process holds some of the reminders.
        """
        prow = self.store.periods.get(report.team_id, report.id, period)
        if prow is None or prow.state == PeriodState.POSTED:
            return 0
        # A manual reminder is keyed by the minute, so a double click sends one.
        slot = slot or (f"manual:{now.astimezone(report.tz):%Y-%m-%dT%H:%M}" if manual else "remind")
        due = datetime.fromisoformat(prow.due_at)
        jobs = []
        for owner, sections in self.pending_by_owner(report, period, now).items():
            titles = join_list([md("*{}*", s.title) for s in sections], report.locale)
            text = t(report.locale, "remind.last_call" if last_call else "remind.text",
                     name=report.name, month=periods.label(period, report.locale), sections=titles,
                     due=due.astimezone(report.tz).strftime("%Y-%m-%d %H:%M"))
            jobs.append((owner, functools.partial(
                self.once, report, period, action(Delivery.REMIND, slot), owner, now,
                lambda key, recovering, o=owner, x=text: (
                    self.outbox.find_dm(report.team_id, o, key) if recovering else None
                ) or self.outbox.send_dm(report.team_id, o, x, key))))
        outcomes = [outcome for outcome, _ in self.fan_out(report.team_id, jobs)]
        self.tell_admins_of_failures(report, period)
        if whole and Outcome.BUSY in outcomes:
            raise Unfinished(outcomes.count(Outcome.BUSY))
        return outcomes.count(Outcome.SENT)

    def set_away(self, team_id: str, user: str, until, now: datetime) -> None:
        self.store.people.set_away(team_id, user, until.isoformat() if until else None, now=now)

    def away_map(self, report: Report, period: str, now: datetime, owners=None) -> dict[str, str]:
        """Owners of the report (or `owners`) who are away today -> until when."""
        today = now.astimezone(report.tz).date().isoformat()
        if owners is None:
            handed = self.handed(report, period)
            owners = {o for s in report.sections for o in self.writers(report, period, s.key, handed)}
        return {user: until for user, until in self.store.people.away_of(report.team_id, owners).items()
                if until >= today}

    def delegate(self, report: Report, period: str, key: str, user: str, to: str, now: datetime) -> bool:
        """Hand a section to someone for one period; True when it is open and they need its prompt
        (`prompt_delegate`, which talks to Slack: after the user has been answered)."""
        report = self.for_period(report, period)
        section = report.section(key)
        if section is None:
            raise Refused("refuse.unknown_section", key=key, keys=", ".join(s.key for s in report.sections))
        if not access.may_hand_over(report, key, user, self._workspace_admin(report, user)):
            raise Refused("refuse.not_owner", title=report.title(section), owners=People(section.owners))
        owner = user if user in section.owners else section.owners[0]
        self.store.people.delegate(report.team_id, report.id, period, key, owner, to, now=now)
        return self.store.periods.get(report.team_id, report.id, period) is not None

    def prompt_delegate(self, report: Report, period: str, key: str, to: str, now: datetime) -> None:
        """The prompt of a section handed over while its period is open (never twice)."""
        summary = self.summary(report, period, now, with_metrics=False)
        state = next(s for s in summary.sections if s.key == key)
        self.once(report, period, Delivery.PROMPT, prompt_recipient(key, to), now,
                  lambda k, rec: self._send_prompt(summary, state, to, k, rec, now))

    def next_actions(self, report: Report, period: str, now: datetime, limit: int = 3) -> list[Any]:
        """Upcoming scheduled actions for the period, for status displays."""
        return next_actions(plan_of(report), lambda p: self.period_state(report, p, now), now, limit=limit)

    def period_state(self, report: Report, period: str, now: datetime | None = None):
        """What the planner needs to know about one report-month.

        A period that was due before feedsum first saw the report counts as posted, so a fresh
        install does not open and post last month's summary out of the blue.
        """
        state, done, answered, own = self.store.periods.progress(report.team_id, report.id, period)
        report = period_sections(report, own)
        if state is None:
            created = self._created_at(report)
            if created and due_at(report, period) < datetime.fromisoformat(created):
                return schedule.PeriodState(opened=True, posted=True)
        # "opened" means the scheduled open ran to the end: a manual open or a crashed fan-out
        # still lets it run, and it only sends what is missing.
        return schedule.PeriodState(opened=schedule.ActionKind.OPEN in done, posted=state == PeriodState.POSTED,
                                    done_keys=frozenset(done), all_submitted=all(s.key in answered for s in report.sections))

    def _created_at(self, report: Report) -> str | None:
        # When feedsum first saw a report never changes once known: ask the audit log once.
        key = (report.team_id, report.id)
        if key not in self._created:
            created = self.store.reports.created_at(report.team_id, report.id)
            if created is None:
                return None
            self._created[key] = created
        return self._created[key]

    def all_reports(self) -> list[Report]:
        return [Report.from_dict(d) for d in self.store.reports.all()]

    def pull(self, report: Report, period: str, now: datetime, progress: Callable[[str], None] | None = None) -> list:
        """Pull the report's configured sources (a no-op without any); returns a SourcePull each.

        Admins hear of a failing source once per distinct error; prompts showing numbers are
        redrawn when the pull brought new data, and a posted summary whose month the pull changed
        (conversions backfilled by an API source's window) is updated with a note of what changed.
        Accounts in several currencies without `currency_rates` count as a failing source.
        Slow (files, SQL, APIs): never run inside an ack.
        """
        if self.data is None or not report.metrics:
            return []

        before = self._posted_totals(report, period)
        with self._pulls:
            pulls = self.data.pull(report, period, now, progress=progress)
        self._record_pulls(report, pulls, now)
        mixed = self.data.mixed_currencies(report, period)
        if mixed:
            pulls.append(SourcePull(CURRENCY_SOURCE, error=t_plain(report.locale, "source.mixed_currencies",
                                                                   codes=", ".join(mixed))))
        self._tell_source_errors(report, pulls, now)
        if any(p.outcome is not None and p.outcome.new for p in pulls):
            self._redraw_data_prompts(report, period, now)
            self._show_data_updates(report, before, now)
        return pulls

    def source_states(self, report: Report) -> list[SourceState]:
        """Each configured source (each file of a glob) with its last pull, rows and state, for
        `/feedsum sources`; failing ones carry `error` and `since`."""
        states = self.store.sources.states(report.team_id, report.id)
        errors = {e.source: e for e in self.store.sources.errors(report.team_id, report.id)}
        out: list[SourceState] = []
        for source in report.metrics:
            if source.path:
                found = [st for label, st in sorted(states.items())
                         if st.kind == SourceKind.FILE and fnmatch.fnmatch(label, source.path)]
                found = found or ([states[source.path]] if source.path in states else [])
                entries = found or [SourceState(source.path, SourceKind.FILE)]
            else:
                label = source.label if source.api else redact_url(source.url or "")
                entries = [states.get(label) or SourceState(label, SourceKind.API if source.api else SourceKind.SQL)]
            for entry in entries:
                err = errors.get(entry.source)
                out.append(replace(entry, error=err.error if err else None, since=err.since if err else None))
        if CURRENCY_SOURCE in errors:
            e = errors[CURRENCY_SOURCE]
            out.append(SourceState(CURRENCY_SOURCE, SourceKind.CURRENCY, error=e.error, since=e.since))
        return out

    def _record_pulls(self, report: Report, pulls: list, now: datetime) -> None:
        """Each source's last pull, for `/feedsum sources`."""
        kinds = {s.label: SourceKind.API for s in report.metrics if s.api}
        kinds.update({redact_url(s.url): SourceKind.SQL for s in report.metrics if s.url})
        self.store.sources.record_pulls(report.team_id, report.id, [
            Pulled(p.source, kinds.get(p.source, SourceKind.FILE), error=p.error,
                   rows=p.outcome.rows if p.outcome is not None else None) for p in pulls], now=now)

    def _posted_totals(self, report: Report, period: str) -> dict[str, int]:
        """Posted months a pull may change (the period and the three before it: a backfill window
        reaches back up to 90 days), each with its newest snapshot id now."""
        out = {}
        for back in range(4):
            p = periods.shift(period, -back)
            prow = self.store.periods.get(report.team_id, report.id, p)
            if prow and prow.state == PeriodState.POSTED:
                out[p] = self._newest_snapshot(report, p)
        return out

    def _newest_snapshot(self, report: Report, period: str) -> int:
        return max((s.id for s in self.store.snapshots.of(report.team_id, report.id, period)), default=0)

    def _show_data_updates(self, report: Report, before: dict[str, int], now: datetime) -> None:
        """Update posted summaries whose figures a pull changed, through the late-update path: the
        main message is redrawn and a thread note says what changed (once per new state)."""
        loc = report.locale
        for p, newest in before.items():
            if self._newest_snapshot(report, p) == newest:
                continue  # no new snapshot: nothing changed
            old, new = kpis(self.data.rows(report, p, upto=newest)), kpis(self.data.rows(report, p))
            changed = [k for k in DATA_UPDATE_KEYS if not _same(old.get(k), new.get(k))]
            if not changed:
                continue
            changes = t_plain(loc, "data.update_sep").join(
                f"{kpi_label(k, loc, report.roi)} {fmt_kpi(k, old.get(k), loc)} → {fmt_kpi(k, new.get(k), loc)}"
                for k in changed)
            note = t(loc, "summary.data_updated", month=periods.label(p, loc), changes=changes)
            state = hashlib.sha256(json.dumps({k: new.get(k) for k in DATA_UPDATE_KEYS}, default=str).encode())
            summary = self.summary(report, p, now)

            def send(key: str, recovering: bool, summary=summary, note=note):
                if not recovering:  # a crash mid-way may have posted the note: never twice
                    self.outbox.post_update(summary, note)

            try:
                self.once(report, p, action(Delivery.DATA, state.hexdigest()[:16]), report.channel, now, send)
            except Exception:
                log.exception("could not update the posted summary of %s/%s with new data", report.id, p)

    def _tell_source_errors(self, report: Report, pulls: list, now: datetime) -> None:
        news = self.store.sources.note_errors(report.team_id, report.id,
                                              {p.source: p.error for p in pulls if p.error}, now=now)
        if not news:
            return
        items = Mrkdwn("\n").join(md("• `{}`: {}", source, error) for source, error in news.items())
        text = t(report.locale, "sources.failing", name=report.name, items=items)
        for admin in report.admins:
            try:
                self.outbox.send_dm(report.team_id, admin, text)
            except Exception:
                log.exception("could not tell admin %s about failing data sources", admin)

    def _redraw_data_prompts(self, report: Report, period: str, now: datetime) -> None:
        prompts = [p for p in self.store.prompts.of(report.team_id, report.id, period)
                   if p.section in DATA_SECTIONS and p.channel and p.ts]
        if not prompts:
            return
        summary = self.summary(report, period, now)
        states = {s.key: s for s in summary.sections}
        for p in prompts:
            if p.section not in states:
                continue
            try:
                self.outbox.refresh_prompt(summary, states[p.section], p.owner, p.channel, p.ts)
            except Exception:
                log.exception("could not redraw the prompt of %s/%s with new data", p.section, p.owner)

    def prompt_for_thread(self, team_id: str, channel: str, thread_ts: str) -> tuple[Report, str, str] | None:
        """The report, period and section a DM thread answers, if it is one of our prompts."""
        p = self.store.prompts.by_message(team_id, channel, thread_ts)
        if not p:
            return None
        report = self.report(team_id, p.report_id)
        return (report, p.period, p.section) if report else None

    def require_writer(self, report: Report, period: str, key: str, user: str):
        """The section `key`, when `user` may write it this period (an owner, a delegate or an
        admin); Refused otherwise."""
        report = self.for_period(report, period)
        section = report.section(key)
        if section is None:
            raise Refused("refuse.unknown_section", key=key, keys=", ".join(s.key for s in report.sections))
        handed = self.handed(report, period)
        if not access.may_write(report, key, user, handed, self._workspace_admin(report, user)):
            raise Refused("refuse.not_owner", title=report.title(section),
                          owners=People(access.writers(report, key, handed)))
        return section

    def section_for_writing(self, report: Report, period: str, key: str, user: str, now: datetime, *,
                            with_metrics: bool = False) -> tuple[Summary, SectionState]:
        """The state a Write/Edit modal starts from, after checking the user may write it."""
        self.require_writer(report, period, key, user)
        summary = self.summary(report, period, now, with_metrics=with_metrics)
        return summary, next(s for s in summary.sections if s.key == key)

    # --- targets ---------------------------------------------------------------------------

    def next_targets(self, report: Report, period: str) -> dict[str, float]:
        """The targets already set for the month after `period` (what the plan modal shows)."""
        return self.store.targets.of(report.team_id, report.id, periods.shift(period, 1))

    def parse_targets(self, typed: dict[str, str]) -> dict[str, float]:
        """Targets as typed in the plan modal; Refused names the input that is not a number."""
        values: dict[str, float] = {}
        for key, text in typed.items():
            try:
                values[key] = parse_target(key, text)
            except ValueError:
                raise Refused("modal.bad_target", text=text, kpi=key) from None
        return values

    def set_next_targets(self, report: Report, period: str, user: str, values: dict[str, float], now: datetime) -> None:
        """Targets set in the plan become the next month's."""
        self.store.targets.set(report.team_id, report.id, periods.shift(period, 1), values, by=user, now=now)

    def targets(self, report: Report, period: str) -> dict[str, float]:
        """The targets a month is judged against (standing ones, overridden by the month's)."""
        return self.data.targets(report, period) if self.data is not None else dict(report.targets)

    def import_upload(self, report: Report, user: str, data: bytes, name: str, now: datetime,
                      message: str | None = None):
        """An export shared in Slack by an admin: imported all or nothing (ExportError otherwise).

        The message it was shared with may name the month of a report that covers a period
        ("11月", "2026-11", "November") and the day/month order of its dates ("DMY", "MDY")."""
        self.require_admin(report, user, "import")
        if self.data is None:
            raise Refused("refuse.not_available", what="import")
        return self.data.import_file(report, data, name=name, origin="slack", now=now,
                                     month=month_from_text(message), date_format=date_order_from_text(message),
                                     context="slack")
