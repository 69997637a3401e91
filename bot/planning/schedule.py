"""Pure planner: when each report opens, reminds, gives a last call and is due.

Nothing here reads the clock or does I/O; ``now`` is always passed in and must
be timezone-aware.  All instants are compared in UTC (two datetimes sharing a
``ZoneInfo`` compare by wall clock and ignore ``fold``, which is wrong around a
DST fall-back), and returned in the report's own timezone.

Per period ("YYYY-MM", the month being summarised):

* open      - ``open_time`` on the ``open_nth_last_business_day``-th last
              business day of the period month.
* remind    - ``remind_time`` on every business day after the open day up to
              and including the due day, when that slot is before ``due_at``.
* last_call - ``last_call_hours`` elapsed hours before ``due_at`` (dropped when
              0 or when it would not fall after ``open_at``).
* due       - ``due_time`` on the ``due_nth_business_day``-th business day of
              the following month.
* pull      - only for reports with data sources (``ReportPlan.pull``):
              ``open_time`` on every business day from the open day to the due
              day, when that slot is before ``due_at``, so that the numbers
              people write with are at most a business day old.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.model import periods
from bot.model.schedule import Schedule, _show
from bot.planning import workdays

__all__ = [
    "Schedule",
    "ReportPlan",
    "Timeline",
    "Action",
    "ActionKind",
    "PeriodState",
    "StateLookup",
    "REMINDER_FRESHNESS",
    "timeline",
    "due_actions",
    "next_actions",
    "default_period",
    "parse_period",
    "shift_period",
]

# A reminder (or last call) missed by more than this is dropped rather than
# sent late: after downtime people should not get a burst of stale pings.
REMINDER_FRESHNESS = timedelta(hours=8)


class ActionKind(StrEnum):
    """What a scheduled action does (an Action's key starts with it)."""

    OPEN = "open"
    REMIND = "remind"
    LAST_CALL = "last_call"
    DUE = "due"
    PULL = "pull"


@dataclass(frozen=True)
class ReportPlan:
    """One report's scheduling inputs.  ``timezone`` is an IANA name and
    ``calendar`` a country code or "none"; both are validated here.  ``pull``:
    the report has data sources to pull each business day of the window;
    ``pull_daily``: from the month's first business day instead (an ad
    platform's API is cheap to ask, and its backfill window reaches last
    month's late conversions after that summary is posted)."""

    report_id: str
    timezone: str
    calendar: str
    schedule: Schedule = field(default_factory=Schedule)
    pull: bool = False
    pull_daily: bool = False

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ValueError(f"timezone: unknown IANA timezone {_show(self.timezone)}") from exc
        object.__setattr__(self, "calendar", workdays.normalize_calendar(self.calendar))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Action:
    """Something to do for a report's period.  ``key`` is unique per
    report+period ("open", "remind:YYYY-MM-DD", "last_call", "due",
    "pull:YYYY-MM-DD") and is what
    the caller records in ``PeriodState.done_keys`` once it has run."""

    report_id: str
    period: str
    kind: ActionKind
    at: datetime
    key: str

    @property
    def slot(self) -> str:
        """What tells this action apart from others of its kind in the period (a reminder's or a
        pull's date), "" when nothing does."""
        return self.key.partition(":")[2]


@dataclass(frozen=True)
class PeriodState:
    """What has already happened for one report+period.  ``opened`` and
    "open" in ``done_keys`` mean the same; so do ``posted`` and "due"."""

    opened: bool = False
    posted: bool = False
    done_keys: frozenset[str] = frozenset()
    all_submitted: bool = False

    @property
    def is_open(self) -> bool:
        return self.opened or ActionKind.OPEN in self.done_keys

    @property
    def is_posted(self) -> bool:
        return self.posted or ActionKind.DUE in self.done_keys


EMPTY_STATE = PeriodState()

# state(report_id, period) or {(report_id, period): state}; missing = nothing done.
StateLookup = Callable[[str, str], PeriodState] | Mapping[tuple[str, str], PeriodState]


@dataclass(frozen=True)
class Timeline:
    """Scheduled instants of one report+period, in the report's timezone."""

    report_id: str
    period: str
    open_at: datetime
    reminders: list[datetime]
    last_call_at: datetime | None
    due_at: datetime
    pulls: list[datetime] = field(default_factory=list)

    def actions(self) -> list[Action]:
        """Every scheduled action of the period, sorted by ``at``."""
        out = [Action(self.report_id, self.period, ActionKind.OPEN, self.open_at, ActionKind.OPEN)]
        out += [Action(self.report_id, self.period, ActionKind.REMIND, r, _remind_key(r)) for r in self.reminders]
        out += [Action(self.report_id, self.period, ActionKind.PULL, p, _pull_key(p)) for p in self.pulls]
        if self.last_call_at is not None:
            out.append(Action(self.report_id, self.period, ActionKind.LAST_CALL, self.last_call_at, ActionKind.LAST_CALL))
        out.append(Action(self.report_id, self.period, ActionKind.DUE, self.due_at, ActionKind.DUE))
        return sorted(out, key=lambda a: _utc(a.at))


# ---------------------------------------------------------------- helpers


# Period arithmetic is bot/model/periods.py's; these names stay for the planner's callers.
parse_period = periods.year_month
shift_period = periods.shift
default_period = periods.default_period


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def _at(d: date, t: time, tz: ZoneInfo) -> datetime:
    # Wall-clock time on the local date.  The UTC round trip turns a
    # nonexistent time (inside a spring-forward gap) into a real instant;
    # ambiguous times take the first occurrence (fold=0).
    return _utc(datetime.combine(d, t, tzinfo=tz)).astimezone(tz)


def _remind_key(at: datetime) -> str:
    return f"{ActionKind.REMIND}:{at.date().isoformat()}"


def _pull_key(at: datetime) -> str:
    return f"{ActionKind.PULL}:{at.date().isoformat()}"


def _require_aware(now: datetime) -> None:
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now: expected a timezone-aware datetime, got {now!r}")


def _lookup(state: StateLookup, report_id: str, period: str) -> PeriodState:
    if isinstance(state, Mapping):
        return state.get((report_id, period), EMPTY_STATE)
    result = state(report_id, period)
    return EMPTY_STATE if result is None else result


# ---------------------------------------------------------------- timeline


def timeline(plan: ReportPlan, period: str) -> Timeline:
    """Open, reminder, last-call and due instants of ``plan`` for ``period``
    ("YYYY-MM"), as wall-clock times in the report's timezone on business days
    of its calendar.  Asked on every status and, for every report, on every
    scheduler pass: the instants are cached per distinct schedule (not per
    report: thousands of reports share the default one), so reports with the
    same schedule share them and callers must not change the result."""
    return Timeline(plan.report_id, period, *_instants(plan.timezone, plan.calendar, plan.schedule, plan.pull,
                                                       plan.pull_daily, period))


@functools.lru_cache(maxsize=4096)
def _instants(timezone: str, calendar: str, s: Schedule, pull: bool, pull_daily: bool, period: str) -> tuple:
    year, month = periods.year_month(period)
    tz, cal = ZoneInfo(timezone), calendar
    ny, nm = periods.year_month(periods.shift(period, 1))

    open_day = workdays.nth_last_business_day(year, month, s.open_nth_last_business_day, cal)
    due_day = workdays.nth_business_day(ny, nm, s.due_nth_business_day, cal)
    open_at = _at(open_day, s.open_time, tz)
    due_at = _at(due_day, s.due_time, tz)

    reminders: list[datetime] = []
    if s.reminders:
        for d in workdays.business_days_between(open_day + timedelta(days=1), due_day, cal):
            r = _at(d, s.remind_time, tz)
            if _utc(r) < _utc(due_at):  # on the due day only if before due_time
                reminders.append(r)

    last_call_at: datetime | None = None
    if s.last_call_hours > 0:
        # Elapsed hours (not wall-clock) before due, so DST cannot shift it.
        lc = _utc(due_at) - timedelta(hours=s.last_call_hours)
        if lc > _utc(open_at):
            last_call_at = lc.astimezone(tz)

    pulls: list[datetime] = []
    if pull:
        first = date(year, month, 1) if pull_daily else open_day
        for d in workdays.business_days_between(first, due_day, cal):
            p = _at(d, s.open_time, tz)
            if _utc(p) < _utc(due_at):
                pulls.append(p)

    return open_at, reminders, last_call_at, due_at, pulls


# ---------------------------------------------------------------- due now


def _due_for_period(
    tl: Timeline, st: PeriodState, now: datetime, tz: ZoneInfo, post_when_complete: bool
) -> list[Action]:
    if st.is_posted:
        return []
    now_u = _utc(now)
    rid, period = tl.report_id, tl.period
    out: list[Action] = []

    # Open: catch-up after downtime, for as long as the period is not posted.
    if not st.is_open and now_u >= _utc(tl.open_at):
        out.append(Action(rid, period, ActionKind.OPEN, tl.open_at, ActionKind.OPEN))

    posting = False
    complete_early = post_when_complete and st.all_submitted and st.is_open
    if now_u >= _utc(tl.due_at) or complete_early:
        # Due catch-up is unconditional: a missed post still happens.
        posting = True
        out.append(Action(rid, period, ActionKind.DUE, tl.due_at, ActionKind.DUE))

    # Data: the latest pull slot, however late (a pull bothers nobody); the post pulls by itself.
    if not posting:
        past = [p for p in tl.pulls if _utc(p) <= now_u]
        if past and _pull_key(past[-1]) not in st.done_keys:
            out.append(Action(rid, period, ActionKind.PULL, past[-1], _pull_key(past[-1])))

    # Nagging only makes sense while open, not posting, and someone is missing.
    if st.is_open and not posting and not st.all_submitted:
        past = [r for r in tl.reminders if _utc(r) <= now_u]
        if past:
            latest = past[-1]  # only the latest slot: never a burst of old ones
            fresh = (
                now_u - _utc(latest) < REMINDER_FRESHNESS
                and now.astimezone(tz).date() == latest.date()  # same local business day
            )
            key = _remind_key(latest)
            if fresh and key not in st.done_keys:
                out.append(Action(rid, period, ActionKind.REMIND, latest, key))
        lc = tl.last_call_at
        if (
            lc is not None
            and ActionKind.LAST_CALL not in st.done_keys
            and _utc(lc) <= now_u < min(_utc(lc) + REMINDER_FRESHNESS, _utc(tl.due_at))
        ):
            out.append(Action(rid, period, ActionKind.LAST_CALL, lc, ActionKind.LAST_CALL))
    return out


def _candidate_periods(now_local: datetime) -> tuple[str, str]:
    current = periods.period_of(now_local)
    return periods.shift(current, -1), current


def due_actions(plans: list[ReportPlan], state: StateLookup, now: datetime) -> list[Action]:
    """Actions that should run at ``now``, sorted by scheduled instant.

    For each plan, looks at the previous month's period (until it is posted)
    and the current month's period, both in the report's timezone:

    * open: once ``now >= open_at`` and not yet opened, even late (catch-up)
      as long as the period is not posted;
    * remind: only the latest reminder slot ``<= now``, only on that slot's
      local day and within ``REMINDER_FRESHNESS`` of it, not done, period
      opened, not posted, not everyone submitted;
    * last_call: like a reminder, and stale once due has passed;
    * due: ``now >= due_at`` and not posted (always caught up), or right away
      when ``post_when_complete`` and everyone submitted and it is opened.
      When due is emitted, no reminder/last call is emitted for that period.
    * pull: the latest pull slot ``<= now`` when not done, even late (only
      the latest: one catch-up after downtime), not posted, not posting.
    """
    _require_aware(now)
    out: list[Action] = []
    for plan in plans:
        tz = plan.tz
        for period in _candidate_periods(now.astimezone(tz)):
            st = _lookup(state, plan.report_id, period)
            tl = timeline(plan, period)
            out.extend(_due_for_period(tl, st, now, tz, plan.schedule.post_when_complete))
    return sorted(out, key=lambda a: (_utc(a.at), a.report_id, a.period))


# ---------------------------------------------------------------- status


def next_actions(
    plan: ReportPlan,
    state_for_period: Callable[[str], PeriodState] | Mapping[str, PeriodState] | None,
    now: datetime,
    limit: int = 3,
) -> list[Action]:
    """The next ``limit`` scheduled actions strictly after ``now`` (for a status
    display), sorted by ``at``.

    ``state_for_period`` maps a period ("YYYY-MM") to its state, as a callable
    or a mapping (a mapping keyed by ``(report_id, period)`` also works);
    ``None`` means nothing done.  Done keys and posted periods are skipped.
    Looks at the previous, current and next month's periods so the list is
    never empty between a due and the next open.
    """
    _require_aware(now)
    now_u = _utc(now)
    prev, current = _candidate_periods(now.astimezone(plan.tz))
    out: list[Action] = []
    for period in (prev, current, periods.shift(current, 1)):
        st = _state_for(state_for_period, plan.report_id, period)
        if st.is_posted:
            continue
        for a in timeline(plan, period).actions():
            if _utc(a.at) <= now_u or a.key in st.done_keys:
                continue
            if a.kind == ActionKind.OPEN and st.is_open:
                continue
            if a.kind == ActionKind.PULL:  # housekeeping, not something people wait for
                continue
            out.append(a)
    out.sort(key=lambda a: _utc(a.at))
    return out[: max(limit, 0)]


def _state_for(lookup: object, report_id: str, period: str) -> PeriodState:
    if lookup is None:
        return EMPTY_STATE
    if isinstance(lookup, Mapping):
        st = lookup.get(period)
        if st is None:
            st = lookup.get((report_id, period))
        return EMPTY_STATE if st is None else st
    st = lookup(period)  # type: ignore[operator]
    return EMPTY_STATE if st is None else st
