"""Prompt fan-outs against a fake Web API that enforces Slack's published rate limits, each
measured against its floor: the time those limits themselves require.

    python benchmarks/bench_fanout.py                     # both scenarios, without and with 429s
    python benchmarks/bench_fanout.py --scenario one      # 1 workspace: 143 owners x 7 sections
    python benchmarks/bench_fanout.py --scenario many     # 100 workspaces x 10 owners x 5 sections
    python benchmarks/bench_fanout.py --scenario one --owners 20 --speed 10   # quick

A whole feedsum (the same app as production: outbox, rate limiter, pacer; OAuth installations
for the many-workspace scenario, each with its own bot token) runs one scheduler pass (`tick`)
at the open instant, against feedsum/fake_slack.py enforcing, per workspace and per channel, the
limits handlers/ratelimit.py paces to (its own token buckets, not the app's code). With
`--inject-every N` the fake also answers every Nth call of a method in a workspace that the
limits let through with 429 and `Retry-After: R`, and holds that method there for R.

Time is scaled so that a run takes a minute or two: `--speed S` makes every limit S times higher
(and a Retry-After S times shorter) in both the fake and the app. The defaults keep the machine's
own work small next to the limits: S = 2 for one workspace (floor ≈ 97 s), S = 0.05 for 100
workspaces (floor ≈ 160 s; at S = 1 that fan-out needs ~700 calls a second, more than this
2-core machine serves through a Python fake in the same process, and at S = 0.1 the bursts when
100 workspaces' pauses end together take seconds of its time, which moves where refusals fall:
see docs/benchmarks.md).

The floor is computed from the limits: for each bucket, the earliest times its calls can go
(its burst at once, then its rate; with injected 429s, every Nth call that passes waits out
Retry-After while the bucket refills), assuming no time for anything else. A workspace needs at
least max(its chat.postMessage calls through the workspace bucket, its last conversations.open
plus that person's prompts through one DM channel's bucket); workspaces have separate limits, so
the floor of many is that of the slowest. No sender can beat the floor, clairvoyant or not;
alongside it, an exact event simulation of the fake's model with no latency says when feedsum's
order (which does not foresee refusals) finishes: where the two agree (all four default runs),
the floor is exact and reaching it needs no foreknowledge. Exactly once: every prompt's ledger
key is in Slack once (distinct keys = messages = prompts), the ledger says done for each, and
each DM was opened once.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import sys
import tempfile
import time
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.runner import tick  # noqa: E402
from handlers import ratelimit  # noqa: E402
from handlers.ratelimit import Limits  # noqa: E402
from tests.rate_limits import install, published  # noqa: E402
from tests.slack_harness import CONFIG, Clock, Harness  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
OPEN = datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH)  # the scheduled open of 2026-11
PERIOD = "2026-11"
SECTIONS = [s["key"] for s in CONFIG["reports"][0]["sections"]]


def report(team: str | None, index: int, owners: int, sections: int) -> dict:
    tag = f"{index:03d}"
    people = [f"U{tag}X{i:04d}" for i in range(owners)]  # distinct per workspace: DM ids too
    r = {"id": f"ads-{tag}", "name": f"投放组 {tag}", "channel": f"C0R{tag}", "admins": [f"U{tag}ADMIN"],
         "timezone": "Asia/Shanghai", "locale": "zh-CN", "calendar": "CN",
         "sections": [{"key": k, "owners": people} for k in SECTIONS[:sections]]}
    if team:
        r["team_id"] = team
    return r


# --- the floor -------------------------------------------------------------------------------

def bucket_times(n: int, per_minute: float, burst: float, speed: float, inject_every: int = 0,
                 retry_after: float = 0.0) -> list[float]:
    """The earliest times n calls can get through one bucket (real seconds from the start)."""
    rate = per_minute * speed / 60.0
    level, t, passed, out = float(burst), 0.0, 0, []
    while len(out) < n:
        if level < 1:
            t += (1 - level) / rate
            level = 1.0
        passed += 1
        if inject_every and passed % inject_every == 0:
            pause = retry_after / speed
            t += pause
            level = min(burst, level + pause * rate)
            continue
        level -= 1
        out.append(t)
    return out


def floor_seconds(owners: int, sections: int, speed: float, inject_every: int, retry_after: float) -> dict:
    post_per_minute, post_burst = ratelimit.POST_WORKSPACE
    tier = ratelimit.METHOD_TIER["conversations.open"]
    posts = bucket_times(owners * sections, post_per_minute, post_burst, speed, inject_every, retry_after)
    opens = bucket_times(owners, ratelimit.TIER_PER_MINUTE[tier], ratelimit.TIER_BURST[tier], speed,
                         inject_every, retry_after)
    one_channel = bucket_times(sections, *ratelimit.POST_CHANNEL, speed)
    parts = {"chat.postMessage per workspace": posts[-1], "last DM opened + its prompts": opens[-1] + one_channel[-1]}
    return {"floor": max(parts.values()), "parts": parts}


class _SimBucket:
    """The fake's token bucket (feedsum/fake_slack.py) in exact arithmetic."""

    def __init__(self, per_minute: float, burst: float, speed: float):
        self.rate = Fraction(str(per_minute)) * Fraction(str(speed)) / 60
        self.burst = self.level = Fraction(str(burst))
        self.at = Fraction(0)
        self.paused_until = Fraction(-1)
        self.passed = 0  # calls its limits let through (a method's workspace bucket counts them)

    def ready_at(self) -> Fraction:
        at = self.at if self.level >= 1 else self.at + (1 - self.level) / self.rate
        return max(at, self.paused_until)

    def take(self, now: Fraction) -> None:
        self.level = min(self.burst, self.level + (now - self.at) * self.rate) - 1
        self.at = now


def simulated_seconds(owners: int, sections: int, speed: float, inject_every: int, retry_after: float) -> float:
    """When one workspace's last prompt goes in an exact event simulation of the fake's model
    (its buckets, injected 429s and pauses) with no latency, sending in feedsum's order, which
    does not foresee refusals: whenever a call may go it goes, the person with the most prompts
    left first (the first submitted among equals), their DM opened before their first prompt.
    A time some sender reaches, so the least any sender needs lies between floor_seconds and this:
    where the two agree, the floor is exact and needs no foreknowledge."""
    post_per_minute, post_burst = ratelimit.POST_WORKSPACE
    tier = ratelimit.METHOD_TIER["conversations.open"]
    opens = _SimBucket(ratelimit.TIER_PER_MINUTE[tier], ratelimit.TIER_BURST[tier], speed)
    posts = _SimBucket(post_per_minute, post_burst, speed)
    channels = [_SimBucket(*ratelimit.POST_CHANNEL, speed) for _ in range(owners)]
    pause = Fraction(str(retry_after)) / Fraction(str(speed))
    opened, left = [False] * owners, [sections] * owners
    now = last = Fraction(0)
    while any(left):
        # Each person's next call and the buckets it draws on (the method's workspace bucket first).
        buckets = {i: (posts, channels[i]) if opened[i] else (opens,) for i in range(owners) if left[i]}
        ready_at = {i: max(b.ready_at() for b in bs) for i, bs in buckets.items()}
        ready = [i for i, at in ready_at.items() if at <= now]
        if not ready:
            now = min(ready_at.values())
            continue
        i = max(ready, key=lambda i: (left[i], -i))
        method = buckets[i][0]
        method.passed += 1
        if inject_every and method.passed % inject_every == 0:
            method.paused_until = now + pause  # refused: nothing counted, the method waits
            continue
        for b in buckets[i]:
            b.take(now)
        if opened[i]:
            left[i] -= 1
            last = now
        opened[i] = True
    return float(last)


# --- a run -----------------------------------------------------------------------------------

def run(scenario: str, *, workspaces: int, owners: int, sections: int, speed: float, inject_every: int,
        retry_after: int) -> dict:
    clock = Clock(datetime(2026, 11, 26, 10, tzinfo=SH))
    if scenario == "one":
        teams = [None]
        env = None
    else:
        teams = [f"T0WS{i:04d}" for i in range(workspaces)]
        env = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh"}
    config = {"reports": [report(team, i, owners, sections) for i, team in enumerate(teams)]}
    h = Harness(Path(tempfile.mkdtemp(prefix="bench-fanout-")), clock, config=config, env=env,
                limits=Limits(speed=speed))
    try:
        for team in teams:
            if team:
                install(h, team)
        teams = [team or h.fake.team_id for team in teams]
        h.fake.enforce(published(speed, inject_every=inject_every, retry_after=retry_after))
        t0 = time.monotonic()
        lines = tick(h.core, OPEN)
        elapsed = time.monotonic() - t0
        prompts = len(teams) * owners * sections
        posted = h.fake.posted()
        keys = [m["metadata"]["event_payload"]["key"] for m in posted if m.get("metadata")]
        done = sum(e.state == "done" for i, team in enumerate(teams)
                   for e in h.store.ledger.entries(team, f"ads-{i:03d}", PERIOD) if e.action == "prompt")
        limited = collections.Counter(why for _, _, why in h.fake.limited)
        opens = len(h.fake.calls_to("conversations.open")) - sum(1 for _, m, _ in h.fake.limited
                                                                  if m == "conversations.open")
        floor = floor_seconds(owners, sections, speed, inject_every, retry_after)
        simulated = simulated_seconds(owners, sections, speed, inject_every, retry_after)
        return {"scenario": scenario, "workspaces": len(teams), "prompts": prompts, "messages": len(posted),
                "distinct_keys": len(set(keys)), "ledger_done": done, "dm_opens": len(teams) * owners,
                "dm_opened": opens, "injected": limited["injected"], "limit_429": limited["limit"],
                "paused_429": limited["paused"], "ticked": sum(line.startswith("done:") for line in lines),
                "seconds": elapsed, "floor": floor["floor"], "floor_parts": floor["parts"],
                "simulated": simulated,
                "ratio": elapsed / floor["floor"], "speed": speed, "inject_every": inject_every}
    finally:
        h.close()


def show(r: dict) -> str:
    ok = r["messages"] == r["distinct_keys"] == r["ledger_done"] == r["prompts"] and r["dm_opened"] == r["dm_opens"]
    faults = f"429 every {r['inject_every']}th" if r["inject_every"] else "no injected 429s"
    return (f"{r['scenario']:4} {r['workspaces']:3} ws  {faults:18} speed {r['speed']:<4} prompts {r['prompts']:5}  "
            f"in Slack {r['messages']:5} distinct {r['distinct_keys']:5} done {r['ledger_done']:5}  "
            f"DMs opened {r['dm_opened']}/{r['dm_opens']}  429s: injected {r['injected']}, "
            f"over a limit {r['limit_429']}, during a pause {r['paused_429']}  "
            f"time {r['seconds']:.1f} s  floor {r['floor']:.1f} s (feedsum's order with no latency: "
            f"{r['simulated']:.1f} s)  ratio {r['ratio']:.3f}  "
            f"{'exactly once' if ok else 'NOT EXACTLY ONCE'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", choices=("one", "many", "both"), default="both")
    ap.add_argument("--workspaces", type=int, default=100, help="workspaces in the 'many' scenario")
    ap.add_argument("--owners", type=int, help="owners per report (default 143 for one, 10 for many)")
    ap.add_argument("--sections", type=int, help="sections per report (default 7 for one, 5 for many)")
    ap.add_argument("--speed", type=float, help="time scale of the limits (default 2 for one, 0.05 for many)")
    ap.add_argument("--inject-every", type=int, default=10, help="every Nth call that passes answers 429")
    ap.add_argument("--retry-after", type=int, default=1, help="Retry-After of an injected 429 (Slack seconds)")
    ap.add_argument("--only", choices=("clean", "faults"), help="run only without or only with injected 429s")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    defaults = {"one": (143, 7, 2.0), "many": (10, 5, 0.05)}
    results, ok = [], True
    for scenario in (("one", "many") if args.scenario == "both" else (args.scenario,)):
        owners, sections, speed = defaults[scenario]
        for inject in ((0,) if args.only == "clean" else (args.inject_every,) if args.only == "faults"
                       else (0, args.inject_every)):
            r = run(scenario, workspaces=args.workspaces, owners=args.owners or owners,
                    sections=args.sections or sections, speed=args.speed or speed, inject_every=inject,
                    retry_after=args.retry_after)
            print(show(r), flush=True)
            results.append(r)
            ok &= r["messages"] == r["distinct_keys"] == r["ledger_done"] == r["prompts"]
    if args.json:
        print(json.dumps(results, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
