"""Pacing Web API calls to Slack's published rate limits: per workspace, per method, per channel.

What Slack publishes (https://docs.slack.dev/apis/web-api/rate-limits and the method pages,
checked 2026-12): limits are evaluated "per API method per app per workspace", in per-minute
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
fake clock). Each keeps half a token back (`Limits.margin`): a call scheduled right on time may
reach Slack a little early or late relative to the previous one, and the margin absorbs that
jitter instead of turning it into a 429.

`Limits.speed` scales time for benchmarks and tests against the fake Web API (bot/fake_slack.py,
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
# Bursts are not published: a few seconds' worth, at least 2 so that the margin leaves one.
TIER_BURST = {1: 2, 2: 3, 3: 5, 4: 10}
# The tier of each method feedsum calls (from each method's reference page). Unlisted: Tier 2,
# the most common and a safe guess.
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
    margin: float = 0.5  # tokens each bucket keeps back against network jitter
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

    `tat` is the theoretical arrival time of the next call if calls came exactly at the rate; a
    call may go as long as that is at most `tolerance` ahead of now. A pause (Retry-After) only
    stops calls: the bucket fills meanwhile, as Slack's does.
    """

    __slots__ = ("interval", "tolerance", "tat", "paused_until")

    def __init__(self, rate: Rate, margin: float = 0.0):
        self.interval = 60.0 / rate.per_minute
        self.tolerance = max(rate.burst - 1 - margin, 0.0) * self.interval
        self.tat = -math.inf
        self.paused_until = -math.inf

    def ready_at(self) -> float:
        """The earliest time a call may go (in the past: now)."""
        return max(self.paused_until, self.tat - self.tolerance)

    def take(self, at: float) -> None:
        """A call goes at `at` (not before ready_at)."""
        self.tat = max(self.tat, at) + self.interval

    def give_back(self) -> None:
        """A taken call that was never made."""
        self.tat -= self.interval

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
        self._lock = threading.Lock()
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
            bucket = self._buckets[key] = Bucket(rate, self.limits.margin)
        return bucket

    def _ready_at(self, keys: Iterable[Key]) -> float:
        if not self.limits.paced:
            return max([-math.inf, *(self._paused.get(k, -math.inf) for k in keys)])
        return max([-math.inf, *(self._bucket(k).ready_at() for k in keys)])

    def ready_at(self, keys: Iterable[Key]) -> float:
        """When a call drawing on `keys` could go (clock time; in the past means now)."""
        with self._lock:
            return self._ready_at(keys)

    def reserve(self, keys: Iterable[Key]) -> dict[Key, float]:
        """Take a call's place in each bucket at the earliest common time; {key: that time}."""
        keys = tuple(keys)
        with self._lock:
            at = max(self._ready_at(keys), self.clock())
            if self.limits.paced:
                for k in keys:
                    self._bucket(k).take(at)
        return {k: at for k in keys}

    def give_back(self, reservation: dict[Key, float]) -> None:
        if not self.limits.paced:
            return
        with self._lock:
            for k in reservation:
                self._bucket(k).give_back()

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

    def acquire(self, team: str, method: str | Iterable[str], channel: str | None = None) -> None:
        """Wait until a call may go, and count it. Inside `prepaid`, places already reserved
        for this thread's job are used first."""
        keys = self.keys(team, method, channel)
        prepaid = getattr(self._local, "prepaid", None) or {}
        mine = {k: prepaid.pop(k) for k in keys if k in prepaid}
        rest = [k for k in keys if k not in mine]
        at = max([*mine.values(), *self.reserve(rest).values()], default=self.clock())
        while (wait := at - self.clock()) > 0:
            self.sleep(wait)

    @contextmanager
    def prepaid(self, reservation: dict[Key, float]) -> Iterator[None]:
        """Run a paced job (Pacer): its first calls use `reservation`; what it does not use is
        given back; a 429 inside it is handed back to the pacer (`deferring`) instead of waited out."""
        self._local.prepaid = dict(reservation)
        try:
            yield
        finally:
            left, self._local.prepaid = self._local.prepaid, None
            self.give_back(left)

    @property
    def deferring(self) -> bool:
        """Whether this thread runs a paced job (a 429 re-queues the job rather than block a worker)."""
        return getattr(self._local, "prepaid", None) is not None
