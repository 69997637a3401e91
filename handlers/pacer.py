"""The fan-out executor the core is given: DM sends run as soon as Slack's limits let them.

The core submits one job per message to one person (claim in the ledger, send, record) with the
workspace and the person; it knows nothing of Slack. Here each job waits, without holding a
thread, until the buckets its call draws on have room: the workspace's and the DM channel's
chat.postMessage buckets. A person whose DM channel is not known yet first has it opened, as a
step of its own paced by conversations.open's bucket, so that DMs are opened ahead while earlier
people's messages go out (the two methods have separate limits). A small pool of workers runs
whichever step is ready, across channels and workspaces (in a workspace, the person with the
most messages left first). One person's messages go one at a time, in the order they were
submitted (a person's prompts arrive in section order).

A job whose call gets a 429 gives its claim back (the message was not stored) and waits in the
queue again until its bucket's `Retry-After` is over; the worker moves on to other buckets.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from bot.core.ledger import DeliveryError
from handlers.ratelimit import POST, Limiter

log = logging.getLogger(__name__)
OPEN_DM = "conversations.open"
RATE_LIMITED = "ratelimited"  # the DeliveryError code of a 429 inside a paced job
IDLE_EXIT_SECONDS = 5.0  # a worker with nothing to do for this long ends (a new one starts on demand)
RECHECK_SECONDS = 0.2


@dataclass(eq=False)
class _Job:
    fn: Callable[[], Any]
    team: str
    recipient: str
    future: Future | None = field(default_factory=Future)  # None: a DM to open, not a job
    tries: int = 0


@dataclass(eq=False)
class _Team:
    waiting: dict[str, deque] = field(default_factory=dict)  # recipient -> its jobs, in order
    busy: set[str] = field(default_factory=set)  # recipients with a job (or their DM opening) running
    unopened: set[str] = field(default_factory=set)  # opening their DM failed: their jobs open it themselves
    version: int = 0  # heap entries of older versions are stale


class Pacer:
    """Runs DM send jobs in the order Slack's rate limits allow, on at most `workers` threads.

    A worker is busy only for a call's round trip, so `workers` / round trip bounds the calls a
    second (16 at 0.3 s: ~50, the chat.postMessage limits of ten workspaces at once).
    """

    def __init__(self, limiter: Limiter, channel_of: Callable[[str, str], str | None],
                 open_channel: Callable[[str, str], str] | None = None, *, workers: int = 16, retries: int = 50):
        self.limiter = limiter
        self.channel_of = channel_of  # the DM channel already known for (team, user), if any
        self.open_channel = open_channel  # opens (and remembers) it; None: the jobs do it themselves
        self.max_workers = workers
        self.retries = retries  # 429s one job may meet before its error is let through
        self._teams: dict[str, _Team] = {}
        self._heap: list[tuple[float, int, str, int]] = []  # (ready at, seq, team, version)
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._workers = 0
        self._idle = 0
        self._closed = False

    # --- what the core calls ---------------------------------------------------------------

    def submit(self, fn: Callable[[], Any], team_id: str, recipient: str) -> Future:
        job = _Job(fn, team_id, recipient)
        with self._cond:
            if self._closed:
                raise RuntimeError("the pacer is closed")
            team = self._teams.setdefault(team_id, _Team())
            team.waiting.setdefault(recipient, deque()).append(job)
            self._schedule(team_id, team)
            if self._idle == 0 and self._workers < self.max_workers:
                self._workers += 1
                threading.Thread(target=self._work, name="feedsum-send", daemon=True).start()
            self._cond.notify()
        return job.future

    def wake(self) -> None:
        """Look at the queue again now (the limiter's clock was moved, in tests)."""
        with self._cond:
            for team_id, team in list(self._teams.items()):
                self._schedule(team_id, team)
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            for team in self._teams.values():
                for jobs in team.waiting.values():
                    for job in jobs:
                        job.future.cancel()
            self._teams.clear()
            self._cond.notify_all()

    # --- scheduling (under self._cond) ------------------------------------------------------

    def _opens_first(self, team: _Team, team_id: str, recipient: str) -> bool:
        return (self.open_channel is not None and recipient not in team.unopened
                and not self.channel_of(team_id, recipient))

    def _keys(self, team: _Team, team_id: str, recipient: str):
        channel = self.channel_of(team_id, recipient)
        if channel:
            return self.limiter.keys(team_id, POST, channel)
        if self._opens_first(team, team_id, recipient):
            return self.limiter.keys(team_id, OPEN_DM)
        return self.limiter.keys(team_id, (OPEN_DM, POST))

    def _next_of(self, team_id: str, team: _Team, now: float) -> tuple[float, str | None]:
        """Of the team's people who may be sent to now, the one with the most messages left (the
        first submitted among equals); else the one ready soonest. Most-left-first keeps a late
        starter's messages, which its channel's rate spreads out, from all coming last."""
        soonest, first = math.inf, None
        most, pick = 0, None
        for recipient, jobs in team.waiting.items():
            if recipient in team.busy:
                continue
            at = self.limiter.ready_at(self._keys(team, team_id, recipient))
            if at <= now:
                if len(jobs) > most:
                    most, pick = len(jobs), recipient
            elif at < soonest:
                soonest, first = at, recipient
        return (now, pick) if pick is not None else (soonest, first)

    def _schedule(self, team_id: str, team: _Team) -> None:
        team.version += 1
        if not team.waiting and not team.busy:
            del self._teams[team_id]
            return
        now = self.limiter.clock()
        at, who = self._next_of(team_id, team, now)
        if who is None and any(r not in team.busy for r in team.waiting):
            at = now + RECHECK_SECONDS  # buckets full of calls made outside the pacer: look again soon
        if at < math.inf:
            heapq.heappush(self._heap, (at, next(self._seq), team_id, team.version))

    def _pick(self) -> tuple[_Job, tuple] | None:
        while self._heap:
            now = self.limiter.clock()
            at, _, team_id, version = self._heap[0]
            if at > now:
                return None
            heapq.heappop(self._heap)
            team = self._teams.get(team_id)
            if team is None or team.version != version:
                continue
            at, who = self._next_of(team_id, team, now)
            if who is None:
                self._schedule(team_id, team)
                continue
            if at > now:  # its buckets filled up meanwhile (another send, a 429)
                heapq.heappush(self._heap, (at, next(self._seq), team_id, team.version))
                continue
            taken = self.limiter.try_take(self._keys(team, team_id, who))
            if taken is None:  # taken meanwhile by a call outside the pacer
                self._schedule(team_id, team)
                continue
            if self._opens_first(team, team_id, who):
                job = _Job(functools.partial(self.open_channel, team_id, who), team_id, who, future=None)
            else:
                jobs = team.waiting[who]
                job = jobs.popleft()
                if not jobs:
                    del team.waiting[who]
                if job.tries == 0 and not job.future.set_running_or_notify_cancel():
                    self.limiter.give_back(taken)
                    self._schedule(team_id, team)  # cancelled by the core (the fan-out stopped)
                    continue
            team.busy.add(who)
            self._schedule(team_id, team)
            return job, taken
        return None

    def _finished(self, job: _Job, again: bool, unopened: bool = False) -> None:
        with self._cond:
            team = self._teams.setdefault(job.team, _Team())
            team.busy.discard(job.recipient)
            if unopened:
                team.unopened.add(job.recipient)
            elif again and job.future is not None:
                jobs = team.waiting.pop(job.recipient, deque())
                jobs.appendleft(job)
                team.waiting[job.recipient] = jobs
            self._schedule(job.team, team)
            self._cond.notify_all()

    # --- workers ---------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                picked = None
                while not self._closed:
                    picked = self._pick()
                    if picked is not None:
                        break
                    wait = self._heap[0][0] - self.limiter.clock() if self._heap else IDLE_EXIT_SECONDS
                    self._idle += 1
                    woken = self._cond.wait(timeout=max(min(wait, IDLE_EXIT_SECONDS), 0.001))
                    self._idle -= 1
                    if not woken and not self._heap and not self._teams:
                        break
                if picked is None:
                    self._workers -= 1
                    return
            job, taken = picked
            self._run(job, taken)

    def _run(self, job: _Job, taken: tuple) -> None:
        if job.future is None:  # opening a DM ahead of its messages
            self._open(job, taken)
            return
        again = False
        try:
            with self.limiter.prepaid(taken):
                result = job.fn()
        except DeliveryError as exc:
            if exc.code == RATE_LIMITED and job.tries < self.retries:
                job.tries += 1
                again = True
            else:
                job.future.set_exception(exc)
        except BaseException as exc:  # handed to whoever waits for the job
            job.future.set_exception(exc)
        else:
            job.future.set_result(result)
        self._finished(job, again)

    def _open(self, job: _Job, taken: tuple) -> None:
        unopened = False
        try:
            with self.limiter.prepaid(taken):
                job.fn()
        except DeliveryError as exc:
            # Rate limited: opened later, once the bucket's pause is over. Refused (the person
            # can't be reached): their jobs open it themselves, and the ledger records why.
            unopened = exc.code != RATE_LIMITED
        except Exception:
            log.exception("could not open the DM channel of %s in %s", job.recipient, job.team)
            unopened = True
        self._finished(job, again=False, unopened=unopened)
