"""The scheduler's executor: ask the pure planner what is due now, then do it exactly once.

`tick(core, now)` is one pass. `feedsum tick` runs one from cron; `start_scheduler` wakes it
every minute inside `feedsum run` / `feedsum scheduler`. Every action is claimed in the ledger
(recipient "*") before it runs, so two processes ticking together do it once, and each message
inside it is claimed again per recipient. Claims are leased and renewed while the work lasts, so
a fan-out or post longer than the lease is not started again by the next tick elsewhere; only a
dead process's claims run out and are finished by another. An action is marked done only when
every message of it is: one still claimed by another process (which may have died just after
claiming it, its lease a moment longer than the action's) leaves the action for a later pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from bot.core.access import Refused
from bot.core.ledger import SCHEDULED, Outcome
from bot.core.service import Feedsum
from bot.model.config import Report
from bot.planning.schedule import Action, ActionKind, ReportPlan, due_actions

log = logging.getLogger(__name__)
SYSTEM = "feedsum"
# Reports worked on together in one pass. Their sends share the core's fanout (a few threads,
# paced per workspace), so a thread here mostly waits; many reports at once let the fan-outs of
# different workspaces overlap, which is what their separate rate limits allow.
REPORTS_AT_ONCE = 128


def _plan_id(report: Report) -> str:
    return f"{report.team_id}/{report.id}"


def planned(core: Feedsum, now: datetime, serves: Callable[[str], bool] | None = None
            ) -> tuple[list[Action], dict[str, Report]]:
    """What the planner says is due now, across the reports of every workspace served.

    A workspace that removed the app (`serves` says no) is skipped quietly: its data stays, and
    a new install brings its schedule back.
    """
    reports = {_plan_id(r): r for r in core.all_reports() if serves is None or serves(r.team_id)}
    plans = [ReportPlan(pid, r.timezone, r.calendar, r.schedule, pull=bool(r.metrics),
                        pull_daily=any(s.api for s in r.metrics))
             for pid, r in reports.items()]
    actions = due_actions(plans, lambda pid, period: core.period_state(reports[pid], period, now), now)
    return actions, reports


def describe(action: Action, report: Report) -> str:
    at = action.at.astimezone(report.tz).strftime("%Y-%m-%d %H:%M %Z")
    return f"{report.team_id}/{report.id} {action.period} {action.kind:<9} (scheduled {at})"


def tick(core: Feedsum, now: datetime, *, dry_run: bool = False,
         serves: Callable[[str], bool] | None = None) -> list[str]:
    """One scheduler pass; returns a line per action (what was done, or would be)."""
    actions, reports = planned(core, now, serves)
    if dry_run:
        return ["would run: " + describe(action, reports[action.report_id]) for action in actions]
    # One report's actions in order (an open before its pull, say); different reports together.
    by_report: dict[str, list[int]] = {}
    for i, action in enumerate(actions):
        by_report.setdefault(action.report_id, []).append(i)
    lines = [""] * len(actions)

    def run_report(indexes: list[int]) -> None:
        for i in indexes:
            action = actions[i]
            report = reports[action.report_id]
            try:
                outcome = run_action(core, report, action, now)
            except Exception:
                # One report's failure must not stop the others; the next pass retries it.
                log.exception("scheduled %s failed", describe(action, report))
                outcome = "error (will retry)"
            lines[i] = f"{outcome}: {describe(action, report)}"

    groups = list(by_report.values())
    if len(groups) <= 1:
        for indexes in groups:
            run_report(indexes)
        return lines
    with ThreadPoolExecutor(max_workers=min(len(groups), REPORTS_AT_ONCE),
                            thread_name_prefix="feedsum-tick") as pool:
        for future in [pool.submit(run_report, indexes) for indexes in groups]:
            future.result()
    return lines


# How a pass reports each action's outcome (FAILED as itself).
SAID = {Outcome.SENT: "done", Outcome.DONE: "already done", Outcome.BUSY: "running elsewhere"}


def run_action(core: Feedsum, report: Report, action: Action, now: datetime) -> str:
    def work(key: str, recovering: bool):
        if action.kind == ActionKind.OPEN:
            return core.open(report, action.period, SYSTEM, now, whole=True)
        if action.kind == ActionKind.REMIND:
            return core.remind(report, action.period, now, slot=action.slot, whole=True)
        if action.kind == ActionKind.LAST_CALL:
            return core.remind(report, action.period, now, slot=ActionKind.LAST_CALL, last_call=True, whole=True)
        if action.kind == ActionKind.PULL:
            return core.pull(report, action.period, now)
        if action.kind == ActionKind.DUE:
            try:  # compile pulls the data again first: conversions are backfilled late
                return core.compile(report, action.period, SYSTEM, now)
            except Refused as exc:
                if exc.key == "refuse.already_posted":  # an admin compiled by hand first
                    return None
                raise
        raise ValueError(action.kind)

    outcome, _ = core.once(report, action.period, action.key, SCHEDULED, now, work)
    return SAID.get(outcome, str(outcome))


def start_scheduler(core: Feedsum, clock: Callable[[], datetime], serves: Callable[[str], bool] | None = None):
    """An APScheduler 3 background scheduler that ticks every minute."""
    from apscheduler.events import EVENT_JOB_ERROR
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.cron import CronTrigger

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(lambda: tick(core, clock(), serves=serves), CronTrigger(second=5), id="feedsum-tick",
                      replace_existing=True, max_instances=1, coalesce=True, misfire_grace_time=50)
    scheduler.add_listener(lambda ev: log.error("scheduler job failed: %s", ev.exception), EVENT_JOB_ERROR)
    scheduler.start()
    return scheduler
