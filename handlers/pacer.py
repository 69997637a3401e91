"""The fan-out executor the core is given: DM sends run as soon as Slack's limits let them.

The core submits one job per message to one person (claim in the ledger, send, record) with the
workspace and the person; it knows nothing of Slack. Here each job waits, without holding a
thread, until the buckets its first calls draw on have room: the DM channel's and the workspace's
chat.postMessage buckets when the channel is known, conversations.open's and chat.postMessage's
when it is not. A small pool of workers then runs whichever job is ready first, across channels
and workspaces. One person's messages go one at a time, in the order they were submitted (a
person's prompts arrive in section order, and their DM is opened once).

A job whose call gets a 429 gives its claim back (the message was not stored) and waits in the
queue again until its bucket's `Retry-After` is over; the worker moves on to other buckets.
"""

from __future__ import annotations

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

from bot.workflow import DeliveryError
from handlers.ratelimit import POST, Limiter

log = logging.getLogger(__name__)
OPEN_DM = "conversations.open"
RATE_LIMITED = "ratelimited"  # the DeliveryError code of a 429 inside a paced job
IDLE_EXIT_SECONDS = 5.0  # a worker with nothing to do for this long ends (a new one starts on demand)


@dataclass(eq=False)
class _Job:
    fn: Callable[[], Any]
    team: str
    recipient: str
    future: Future = field(default_factory=Future)
    tries: int = 0


@dataclass(eq=False)
class _Team:
    waiting: dict[str, deque] = field(default_factory=dict)  # recipient -> its jobs, in order
    busy: set[str] = field(default_factory=set)  # recipients with a job running
    version: int = 0  # heap entries of older versions are stale


class Pacer:
    """Runs DM send jobs in the order Slack's rate limits allow, on at most `workers` threads."""

    def __init__(self, limiter: Limiter, channel_of: Callable[[str, str], str | None], *,
                 workers: int = 8, retries: int = 50):
        self.limiter = limiter
        self.channel_of = channel_of  # the DM channel already known for (team, user), if any
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

    def _keys(self, team_id: str, recipient: str):
        channel = self.channel_of(team_id, recipient)
        if channel:
            return self.limiter.keys(team_id, POST, channel)
        return self.limiter.keys(team_id, (OPEN_DM, POST))

    def _next_of(self, team_id: str, team: _Team, now: float) -> tuple[float, str | None]:
        """The team's first recipient that may be sent to now (in submission order), else the one
        ready soonest."""
        best, who = math.inf, None
        for recipient in team.waiting:
            if recipient in team.busy:
                continue
            at = self.limiter.ready_at(self._keys(team_id, recipient))
            if at < best:
                best, who = at, recipient
            if at <= now:
                break
        return best, who

    def _schedule(self, team_id: str, team: _Team) -> None:
        team.version += 1
        if not team.waiting and not team.busy:
            del self._teams[team_id]
            return
        at, who = self._next_of(team_id, team, self.limiter.clock())
        if who is not None:
            heapq.heappush(self._heap, (at, next(self._seq), team_id, team.version))

    def _pick(self) -> tuple[_Job, dict] | None:
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
                continue
            if at > now:  # its buckets filled up meanwhile (another send, a 429)
                heapq.heappush(self._heap, (at, next(self._seq), team_id, team.version))
                continue
            jobs = team.waiting[who]
            job = jobs.popleft()
            if not jobs:
                del team.waiting[who]
            if job.tries == 0 and not job.future.set_running_or_notify_cancel():
                self._schedule(team_id, team)  # cancelled by the core (the fan-out stopped)
                continue
            team.busy.add(who)
            reservation = self.limiter.reserve(self._keys(team_id, who))
            self._schedule(team_id, team)
            return job, reservation
        return None

    def _finished(self, job: _Job, again: bool) -> None:
        with self._cond:
            team = self._teams.setdefault(job.team, _Team())
            team.busy.discard(job.recipient)
            if again:
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
            job, reservation = picked
            self._run(job, reservation)

    def _run(self, job: _Job, reservation: dict) -> None:
        again = False
        try:
            with self.limiter.prepaid(reservation):
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
