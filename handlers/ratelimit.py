"""Pacing Web API calls to Slack's published rate limits: per workspace, per method, per channel.

What Slack publishes (https://docs.slack.dev/apis/web-api/rate-limits and the method pages such
as https://docs.slack.dev/reference/methods/chat.postMessage, checked 2026-12): limits are evaluated "per API method per app per workspace", in per-minute
windows, by tier — Tier 1 "1+ per minute", Tier 2 "20+", Tier 3 "50+" ("sporadic bursts are
welcome"), Tier 4 "100+" ("generous burst behavior"). chat.postMessage is special: it "will
generally allow an app to post 1 message per second to a specific channel" with "short bursts >1
allowed", and "limiting posting to several hundred messages per minute" across the workspace.
A call over a limit is answered HTTP 429 with `Retry-After: <seconds>`.

Slack publishes neither burst sizes nor the workspace-wide number, so feedsum assumes little:
a burst of a few seconds' worth for each tier, 3 messages at once into one channel, and 300
messages a minute per workspace. `Retry-After` is obeyed for exactly the bucket it answers (one
method in one workspace); the others keep going.

The buckets are GCRA token buckets (pure arithmetic on the times they are given, so tests use a
fake clock). A call counts from when its answer came back, the latest it can have reached Slack,
so that network delays never make calls arrive closer together than Slack allows.

`Limits.speed` scales time for benchmarks and tests against the fake Web API (feedsum/fake_slack.py,
which applies the same factor): at speed 10 every limit is ten times higher and a `Retry-After:
1` lasts 0.1 s. Speed 0 turns pacing off (only `Retry-After` is obeyed), for tests that are not
about rate limits. Production runs at speed 1.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

# Requests per minute by tier, as published (each is a floor: "50+ per minute").
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}
# Bursts are not published: a few seconds' worth.
TIER_BURST = {1: 2, 2: 3, 3: 5, 4: 10}
# The tier of each method feedsum calls (from each method's reference page). Unlisted: Tier 2,
# the most common and a safe guess. (Since 2025, commercially distributed apps outside the
# Marketplace get 1 conversations.history/replies a minute; feedsum reads history only to recover
# a send interrupted by a crash.)
METHOD_TIER = {
    "chat.update": 3, "chat.postEphemeral": 4, "chat.getPermalink": 4,
    "conversations.open": 3, "conversations.history": 3, "conversations.replies": 3,
    "conversations.members": 4, "conversations.info": 3,
    "users.info": 4, "team.info": 3, "reactions.add": 3,
    "views.open": 4, "views.update": 4, "views.push": 4, "views.publish": 4,
    "files.info": 4, "files.getUploadURLExternal": 4, "files.completeUploadExternal": 4,
    "auth.test": 4,  # "hundreds of requests per minute"
}
POST = "chat.postMessage"
# chat.postMessage: "several hundred messages per minute" per workspace, read as 300 with a
# burst of 30 ("generous burst behavior"); "1 message per second" per channel, bursts of 3.
POST_WORKSPACE = (300.0, 30.0)
POST_CHANNEL = (60.0, 3.0)


@dataclass(frozen=True)
class Rate:
    per_minute: float
    burst: float


@dataclass(frozen=True)
class Limits:
    """The limits feedsum paces itself to, and the clock speed they run at."""

    speed: float = 1.0  # 0: no pacing (Retry-After still obeyed)
    tiers: dict[str, int] = field(default_factory=lambda: dict(METHOD_TIER))

    @property
    def paced(self) -> bool:
        return self.speed > 0

    def workspace(self, method: str) -> Rate:
        """A method's limit per workspace, at this speed."""
        if method == POST:
            per_minute, burst = POST_WORKSPACE
        else:
            tier = self.tiers.get(method, 2)
            per_minute, burst = TIER_PER_MINUTE[tier], TIER_BURST[tier]
        return Rate(per_minute * (self.speed or 1), burst)

    def channel(self, method: str) -> Rate | None:
        """A method's limit per channel (only chat.postMessage has one), at this speed."""
        if method != POST:
            return None
        per_minute, burst = POST_CHANNEL
        return Rate(per_minute * (self.speed or 1), burst)

    def seconds(self, slack_seconds: float) -> float:
        """Real seconds for a duration Slack states (Retry-After), at this speed."""
        return slack_seconds / self.speed if self.speed else slack_seconds


class Bucket:
    """One limit: `rate` calls a second, up to `burst` at once (GCRA, times in seconds).

    Slack counts a call when it arrives, which the sender only knows to be between sending it and
    getting the answer. So a call counts from its answer (`settle`), the latest it can have
    arrived, and calls still waiting for theirs (`in_flight`) are taken to arrive just before the
    next one: whatever the network does in between, no call reaches Slack sooner than its bucket
    allows. `tat` is the theoretical arrival time of the next call at the rate; a call may go
    while that is at most `tolerance` (the burst) ahead of now. A pause (Retry-After) only stops
    calls: the bucket fills meanwhile, as Slack's does.
    """

    __slots__ = ("interval", "tolerance", "tat", "in_flight", "paused_until")

    def __init__(self, rate: Rate):
        self.interval = 60.0 / rate.per_minute
        self.tolerance = (rate.burst - 1) * self.interval
        self.tat = -math.inf
        self.in_flight = 0
        self.paused_until = -math.inf

    def ready_at(self) -> float:
        """The earliest time a call may go (in the past: now; infinite: once an answer is back)."""
        ahead = self.in_flight * self.interval
        if ahead > self.tolerance:
            return math.inf  # a whole burst is on its way already
        return max(self.paused_until, self.tat + ahead - self.tolerance)

    def take(self) -> None:
        """A call goes now (not before ready_at)."""
        self.in_flight += 1

    def settle(self, answered_at: float) -> None:
        """Its answer came back: it counts as having arrived then."""
        self.in_flight -= 1
        self.tat = max(self.tat, answered_at) + self.interval

    def give_back(self) -> None:
        """A call taken but never made, or not counted by Slack (answered 429)."""
        self.in_flight -= 1

    def pause(self, until: float) -> None:
        self.paused_until = max(self.paused_until, until)


Key = tuple  # (team, method) or (team, method, channel)


def _api_methods(method: str | Iterable[str]) -> tuple[str, ...]:
    return (method,) if isinstance(method, str) else tuple(method)


class Limiter:
    """Every bucket of every workspace this process talks to. Thread-safe."""

    def __init__(self, limits: Limits | None = None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.limits = limits or Limits()
        self.clock = clock
        self.sleep = sleep
        self._buckets: dict[Key, Bucket] = {}
        self._paused: dict[Key, float] = {}  # pauses when pacing is off (no buckets)
        self._lock = threading.Condition()  # notified when an answer frees room
        self._local = threading.local()

    # --- buckets ---------------------------------------------------------------------------

    def keys(self, team: str, method: str | Iterable[str], channel: str | None = None) -> tuple[Key, ...]:
        """The buckets a call draws on: its method's in the workspace, and its channel's."""
        out: list[Key] = []
        for m in _api_methods(method):
            out.append((team, m))
            if channel and self.limits.channel(m) is not None:
                out.append((team, m, channel))
        return tuple(out)

    def _bucket(self, key: Key) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = self.limits.workspace(key[1]) if len(key) == 2 else self.limits.channel(key[1])
            bucket = self._buckets[key] = Bucket(rate)
        return bucket

    def _ready_at(self, keys: Iterable[Key]) -> float:
        if not self.limits.paced:
            return max([-math.inf, *(self._paused.get(k, -math.inf) for k in keys)])
        return max([-math.inf, *(self._bucket(k).ready_at() for k in keys)])

    def ready_at(self, keys: Iterable[Key]) -> float:
        """When a call drawing on `keys` could go (clock time; in the past means now)."""
        with self._lock:
            return self._ready_at(keys)

    def try_take(self, keys: Iterable[Key]) -> tuple[Key, ...] | None:
        """Count a call in each bucket if it may go now; its keys, else None."""
        keys = tuple(keys)
        with self._lock:
            if self._ready_at(keys) > self.clock():
                return None
            if self.limits.paced:
                for k in keys:
                    self._bucket(k).take()
        return keys

    def settle(self, taken: Iterable[Key]) -> None:
        """The calls' answers came back (any answer but a 429)."""
        with self._lock:
            if self.limits.paced:
                now = self.clock()
                for k in taken:
                    self._bucket(k).settle(now)
            self._lock.notify_all()

    def give_back(self, taken: Iterable[Key]) -> None:
        """Calls that were not made, or that Slack did not count (a 429)."""
        with self._lock:
            if self.limits.paced:
                for k in taken:
                    self._bucket(k).give_back()
            self._lock.notify_all()

    def pause(self, team: str, method: str, retry_after: float) -> None:
        """Slack answered 429 for `method` in `team`: that bucket waits `retry_after` (Slack
        seconds); every other method, workspace and channel carries on."""
        until = self.clock() + self.limits.seconds(retry_after)
        with self._lock:
            key = (team, method)
            if self.limits.paced:
                self._bucket(key).pause(until)
            else:
                self._paused[key] = max(self._paused.get(key, until), until)

    # --- calls -----------------------------------------------------------------------------

    def acquire(self, team: str, method: str | Iterable[str], channel: str | None = None) -> tuple[Key, ...]:
        """Wait until a call may go and count it; returns its keys, to `settle` when the answer
        comes back (or `give_back` on a 429). Inside `prepaid`, places taken for this thread's job
        when it was handed out are used first."""
        keys = self.keys(team, method, channel)
        prepaid = getattr(self._local, "prepaid", None) or set()
        mine = tuple(k for k in keys if k in prepaid)
        prepaid.difference_update(mine)
        rest = tuple(k for k in keys if k not in mine)
        while True:
            with self._lock:
                at = self._ready_at(rest)
                now = self.clock()
                if at <= now:
                    if self.limits.paced:
                        for k in rest:
                            self._bucket(k).take()
                    return mine + rest
                if at == math.inf:
                    self._lock.wait(timeout=1.0)  # until an answer frees room
                    continue
            self.sleep(at - now)

    @contextmanager
    def prepaid(self, taken: Iterable[Key]) -> Iterator[None]:
        """Run a paced job (Pacer): its first calls use the places `taken` for it; those it does
        not use are given back; a 429 inside it is handed back to the pacer (`deferring`)."""
        self._local.prepaid = set(taken)
        try:
            yield
        finally:
            left, self._local.prepaid = self._local.prepaid, None
            self.give_back(left)

    @property
    def deferring(self) -> bool:
        """Whether this thread runs a paced job (a 429 re-queues the job rather than block a worker)."""
        return getattr(self._local, "prepaid", None) is not None
