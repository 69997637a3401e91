"""Fan-outs paced by Slack's rate limits: bucket arithmetic (fake clock), the pacer, and prompts
through a fake Web API that enforces the limits and injects 429s — exactly once, nothing lost."""

from __future__ import annotations

import importlib.util
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.ledger import DeliveryError
from bot.core.runner import tick
from feedsum.root import build
from handlers.pacer import RATE_LIMITED, Pacer
from handlers.ratelimit import POST, Bucket, Limiter, Limits, Rate
from tests.rate_limits import install, published
from tests.slack_harness import ADMIN, CONFIG, OWNER_A, OWNER_B, Harness

SH = ZoneInfo("Asia/Shanghai")
OPEN = datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH)  # the scheduled open
PERIOD = "2026-11"
TEAM_B = "T0SECONDWS"


class FakeClock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def paced(clock: FakeClock, **limits) -> Limiter:
    return Limiter(Limits(**limits), clock=clock, sleep=clock.sleep)


def times_of(limiter: Limiter, clock: FakeClock, calls) -> list[float]:
    """When each (team, method, channel) call went, in seconds from the start (answered at once)."""
    start, out = clock.t, []
    for team, method, channel in calls:
        taken = limiter.acquire(team, method, channel)
        out.append(round(clock.t - start, 6))
        limiter.settle(taken)
    return out


def run(bucket: Bucket, n: int, now: float = 0.0, latency: float = 0.0) -> list[float]:
    """Send n calls one after the other through a bucket, each answered `latency` later."""
    went = []
    for _ in range(n):
        now = max(now, bucket.ready_at())
        bucket.take()
        went.append(now)
        now += latency
        bucket.settle(now)
    return went


# --- the bucket arithmetic -------------------------------------------------------------------

def test_a_bucket_lets_its_burst_through_then_one_call_per_interval():
    b = Bucket(Rate(per_minute=60, burst=3))
    assert run(b, 6) == [0, 0, 0, 1, 2, 3]
    # Idle for a while, it is full again, but never fuller than its burst.
    assert run(b, 4, now=100.0) == [100, 100, 100, 101]


def test_a_call_counts_from_its_answer_and_calls_on_their_way_count_as_arriving_next():
    # Answers taking 0.4 s: Slack may have seen each call as late as its answer, so the next
    # ones are spaced from there.
    b = Bucket(Rate(per_minute=60, burst=2))
    assert run(b, 4, latency=0.4) == [0, 0.4, 1.4, 2.4]
    # Calls sent together without answers yet: no more than the burst at once.
    b = Bucket(Rate(per_minute=60, burst=3))
    for _ in range(3):
        assert b.ready_at() <= 0
        b.take()
    assert b.ready_at() == float("inf")  # the next waits for an answer ...
    b.settle(5.0)  # ... which came back 5 s later: the three count from then
    b.settle(5.0)
    b.settle(5.0)
    assert b.ready_at() == 6.0


def test_a_pause_stops_calls_and_the_bucket_fills_meanwhile():
    b = Bucket(Rate(per_minute=60, burst=3))
    run(b, 3)
    b.pause(10.0)
    assert b.ready_at() == 10.0
    assert run(b, 4, now=10.0) == [10, 10, 10, 11]  # refilled while paused: a burst again, then the rate


def test_a_call_given_back_frees_its_place():
    b = Bucket(Rate(per_minute=60, burst=1))
    b.take()
    assert b.ready_at() == float("inf")
    b.give_back()  # Slack answered 429: not counted
    assert b.ready_at() == -float("inf")


def test_chat_postmessage_is_paced_per_channel_and_per_workspace():
    clock = FakeClock()
    limiter = paced(clock)
    # One DM channel: 3 at once, then one a second ("1 message per second per channel").
    assert times_of(limiter, clock, [("T1", POST, "D1")] * 5) == [0, 0, 0, 1, 2]
    # Many channels: the workspace-wide cap (300 a minute, bursts of 30) binds, not the channels.
    clock.t += 3600
    went = times_of(limiter, clock, [("T1", POST, f"C{i}") for i in range(35)])
    assert went[:30] == [0] * 30 and went[30:] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    # Another workspace has its own buckets.
    clock.t += 3600
    assert times_of(limiter, clock, [("T1", POST, "D1"), ("T2", POST, "D1")] * 3) == [0] * 6


def test_tiers_are_the_published_rates():
    clock = FakeClock()
    limiter = paced(clock)
    # conversations.open is Tier 3 (50+ a minute), users.info Tier 4 (100+), unlisted ones Tier 2 (20+).
    assert times_of(limiter, clock, [("T1", "conversations.open", None)] * 6)[5] == pytest.approx(1.2)
    assert times_of(limiter, clock, [("T1", "users.info", None)] * 11)[10] == pytest.approx(0.6)
    assert times_of(limiter, clock, [("T1", "some.method", None)] * 4)[3] == pytest.approx(3.0)


def test_a_429_pauses_only_its_method_in_its_workspace():
    clock = FakeClock()
    limiter = paced(clock)
    limiter.pause("T1", "chat.update", 30)
    assert limiter.ready_at(limiter.keys("T1", "chat.update")) == clock.t + 30
    # The same workspace's other methods, and the same method elsewhere, go at once.
    assert times_of(limiter, clock, [("T1", POST, "D1"), ("T1", "conversations.open", None),
                                     ("T2", "chat.update", None)]) == [0, 0, 0]
    # The paused one waits exactly Retry-After.
    assert times_of(limiter, clock, [("T1", "chat.update", None)]) == [30]


def test_speed_scales_the_limits_and_retry_after_and_zero_turns_pacing_off():
    clock = FakeClock()
    fast = paced(clock, speed=10)
    assert times_of(fast, clock, [("T1", POST, "D1")] * 4)[3] == pytest.approx(0.1)
    fast.pause("T1", POST, 1)
    assert times_of(fast, clock, [("T1", POST, "D2")]) == [pytest.approx(0.1)]
    off = paced(clock, speed=0)
    assert times_of(off, clock, [("T1", POST, "D1")] * 100) == [0] * 100
    off.pause("T1", POST, 2)  # Retry-After is still obeyed, in real seconds
    assert times_of(off, clock, [("T1", POST, "D1"), ("T1", "chat.update", None)]) == [2, 2]


# --- the pacer -------------------------------------------------------------------------------

def test_one_persons_jobs_run_in_order_one_at_a_time_and_others_alongside():
    pacer = Pacer(Limiter(Limits(speed=0)), lambda team, user: None, workers=4)
    both = threading.Barrier(2, timeout=10)  # the first jobs of U1 and U2 must run together
    running: dict[str, int] = {}
    seen: list[tuple[str, int]] = []
    lock = threading.Lock()

    def job(user: str, n: int):
        with lock:
            running[user] = running.get(user, 0) + 1
            assert running[user] == 1
            seen.append((user, n))
        if n == 0:
            both.wait()
        with lock:
            running[user] -= 1
        return user, n

    futures = [pacer.submit(lambda u=u, n=n: job(u, n), "T1", u) for n in range(3) for u in ("U1", "U2")]
    assert [f.result(timeout=10) for f in futures] == [(u, n) for n in range(3) for u in ("U1", "U2")]
    for user in ("U1", "U2"):
        assert [n for u, n in seen if u == user] == [0, 1, 2]
    pacer.close()


def test_a_rate_limited_job_waits_in_the_queue_not_in_a_worker():
    clock = FakeClock()
    limiter = paced(clock, speed=0)
    pacer = Pacer(limiter, lambda team, user: "D" + user, workers=1)
    tries = []

    def limited():
        tries.append(clock.t)
        if len(tries) == 1:
            limiter.pause("T1", POST, 60)  # as the outbox does on a 429
            raise DeliveryError(RATE_LIMITED)
        return "sent late"

    first = pacer.submit(limited, "T1", "U1")
    behind = pacer.submit(lambda: "T1 too", "T1", "U2")  # the same bucket: waits as well
    others = [pacer.submit(lambda i=i: i, "T2", f"U{i}") for i in range(3)]
    # With a single worker, another workspace's sends finish while T1 waits out its Retry-After.
    assert [f.result(timeout=10) for f in others] == [0, 1, 2]
    assert not first.done() and not behind.done() and len(tries) == 1
    clock.t += 60
    pacer.wake()
    assert first.result(timeout=10) == "sent late" and tries == [1000.0, 1060.0]
    assert behind.result(timeout=10) == "T1 too"
    pacer.close()


def test_a_workspace_whose_buckets_are_idle_goes_before_more_of_another_ones_burst():
    """A full bucket wastes its refill while it waits; a partly used one does not. So the first
    call of a workspace that has called nothing yet (its rate slots count from that call) goes
    before the rest of another workspace's burst."""
    clock = FakeClock()
    pacer = Pacer(paced(clock), lambda team, user: "D" + user, workers=1)
    order: list[str] = []
    gate = threading.Event()

    def job(name: str):
        if name == "T1/U0":
            gate.wait(10)  # the worker is busy with it while T2's job arrives
        order.append(name)

    first = [pacer.submit(lambda i=i: job(f"T1/U{i}"), "T1", f"U{i}") for i in range(6)]
    late = pacer.submit(lambda: job("T2/U0"), "T2", "U0")
    gate.set()
    for f in [*first, late]:
        f.result(timeout=10)
    assert order[:2] == ["T1/U0", "T2/U0"], order
    pacer.close()


def test_submitting_more_jobs_keeps_a_workspace_its_place_in_the_queue():
    """A workspace queued since its first job is not sent to the back by each job the core adds."""
    clock = FakeClock()
    pacer = Pacer(paced(clock), lambda team, user: "D" + user, workers=1)
    order: list[str] = []
    gate = threading.Event()

    def job(name: str):
        if name == "T0/U0":
            gate.wait(10)
        order.append(name)

    busy = pacer.submit(lambda: job("T0/U0"), "T0", "U0")  # holds the only worker
    waiting = [pacer.submit(lambda: job("T1/U0"), "T1", "U0"), pacer.submit(lambda: job("T2/U0"), "T2", "U0")]
    waiting += [pacer.submit(lambda i=i: job(f"T1/U{i}"), "T1", f"U{i}") for i in range(1, 4)]
    gate.set()
    for f in [busy, *waiting]:
        f.result(timeout=10)
    assert order[:3] == ["T0/U0", "T1/U0", "T2/U0"], order
    pacer.close()


# --- the benchmark's floor ------------------------------------------------------------------

def bench_fanout():
    spec = importlib.util.spec_from_file_location("bench_fanout", Path(__file__).parents[1] / "benchmarks"
                                                  / "bench_fanout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fan_out_floor_and_a_sender_that_does_not_foresee_refusals():
    """The floor (each bucket alone) against an exact simulation of the fake's model sending in
    the pacer's order; checked by hand at speed 1."""
    b = bench_fanout()

    def both(*args):
        return b.floor_seconds(*args)["floor"], b.simulated_seconds(*args)

    # One person, 5 prompts: the DM opened at 0, then 3 at once and one a second.
    assert both(1, 5, 1, 0, 1) == (2.0, 2.0)
    # Every 2nd call that passes refused (Retry-After 1): the open is the 1st; prompts go at 0,
    # 1, 2, 3, 4, each after a refusal's pause in which the channel refilled.
    assert both(1, 5, 1, 2, 1) == (4.0, 4.0)
    # Every 4th refused, 4 prompts: 3 go at once, the 4th may pass only when the channel has room
    # at 1 s, is refused, and the 5th call goes when that pause ends at 2 s. The floor, taking the
    # workspace bucket (refused at 0) and the channel apart, says 1 s: a bound, here not reached.
    assert both(1, 4, 1, 4, 1) == (1.0, 2.0)
    # The benchmark's 100 workspaces (10 people x 5 prompts at speed 0.1): the 10th DM is opened at
    # 70 s (its first try refused at 60 s), then 3 prompts at once and one each 10 s. Sending what
    # it may, the person with the most prompts left first, never knowing which call will be refused,
    # reaches that floor: the 4th refusal's pause (40-50 s) holds the 9th person's prompts past
    # 70 s, so the 50th call, the one refused, is the 10th person's second prompt, not its first.
    assert both(10, 5, 0.1, 0, 1) == (80.0, 80.0)
    assert both(10, 5, 0.1, 10, 1) == (90.0, 90.0)


# --- end to end: the app, the fake Web API enforcing the limits ------------------------------

def owners_config(n_owners: int) -> dict:
    config = json.loads(json.dumps(CONFIG))
    owners = [f"U0OWN{i:04d}" for i in range(n_owners)]
    for sec in config["reports"][0]["sections"]:
        sec["owners"] = owners
    return config


def prompt_keys(h, team: str | None = None) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in h.prompts()
            if team is None or m["metadata"]["event_payload"]["key"].startswith(team + "|")]


def test_a_fan_out_through_enforced_limits_and_injected_429s_is_exactly_once(tmp_path, clock):
    speed = 600  # every limit 600 times higher, Retry-After 600 times shorter: well under a second
    h = Harness(tmp_path, clock, config=owners_config(6), limits=Limits(speed=speed))
    try:
        h.fake.enforce(published(speed, inject_every=4))
        assert h.command(f"open {PERIOD}").status == 200
        h.wait_for(lambda: any("2026年11月" in (r.get("text") or "") for r in h.fake.responses), timeout=30)
        keys = prompt_keys(h)
        assert len(keys) == 42 and len(set(keys)) == 42  # 6 owners x 7 sections, none twice
        assert len(h.fake.posted()) == 42
        ledger = h.store.ledger.entries(h.fake.team_id, "feed-ads", PERIOD)
        assert sum(e.state == "done" for e in ledger if e.action == "prompt") == 42
        injected = [x for x in h.fake.limited if x[2] == "injected"]
        assert {m for _, m, _ in injected} == {"chat.postMessage", "conversations.open"}
        # Each DM was opened once: the calls that got through are one per owner.
        opens = len(h.fake.calls_to("conversations.open"))
        assert opens - sum(1 for x in h.fake.limited if x[1] == "conversations.open") == 6
        # Each person's prompts arrived in section order.
        sections = [s["key"] for s in CONFIG["reports"][0]["sections"]]
        for owner in ("U0OWN0000", "U0OWN0005"):
            got = [m["metadata"]["event_payload"]["key"].rsplit("|", 1)[1].split(":")[0]
                   for m in h.fake.posted("D" + owner[1:])]
            assert got == sections
    finally:
        h.close()


def test_dm_channels_are_opened_once_and_reused_by_later_sends_and_other_processes(harness):
    h = harness
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    assert sorted(c.params["users"] for c in h.fake.calls_to("conversations.open")) == sorted([OWNER_A, OWNER_B, ADMIN])
    h.fake.reset_calls()
    assert h.core.remind(h.report, PERIOD, h.clock(), manual=True) == 3
    # A second process on the same database (a restart, a `web` beside the `clock`) reuses them too.
    deps = build(h.settings, clock=h.clock, limits=Limits(speed=0)).deps
    later = h.clock() + timedelta(minutes=1)
    assert deps.core.remind(h.report, PERIOD, later, manual=True) == 3
    deps.core.store.close()
    assert h.fake.calls_to("conversations.open") == []
    assert len(h.fake.calls_to("chat.postMessage")) == 6


def test_a_429_in_one_workspace_holds_up_only_that_method_there(tmp_path, clock):
    config = json.loads(json.dumps(CONFIG))
    other = json.loads(json.dumps(CONFIG["reports"][0]))
    other.update(id="feed-ads-b", team_id=TEAM_B, channel="C0BREPORT")
    for sec in other["sections"]:
        sec["owners"] = [o.replace("0", "B", 1) for o in sec["owners"]]  # U0OWNERA1 -> UBOWNERA1
    config["reports"].append(other)
    h = Harness(tmp_path, clock, config=config, env={"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh"})
    fake_clock = FakeClock()
    h.deps.outbox.limiter.clock = fake_clock  # Retry-After runs out only when the test says so
    try:
        install(h, TEAM_B)
        team_a = h.fake.team_id
        h.fake.faults.rate_limited[(team_a, "chat.postMessage")] = 30
        lines: list[str] = []
        ticking = threading.Thread(target=lambda: lines.extend(tick(h.core, OPEN)))
        ticking.start()
        # Workspace B is served in full, and A's DMs are opened (another method) ...
        h.wait_for(lambda: len(prompt_keys(h, TEAM_B)) == 8)
        h.wait_for(lambda: len({c.params["users"] for c in h.fake.calls_to("conversations.open")
                                if c.headers["Authorization"] == "Bearer xoxb-test"}) == 3)
        # ... while A's chat.postMessage waits out its Retry-After: besides sends already on their
        # way when the first 429 came back (at most one per person), nothing was tried again.
        assert prompt_keys(h, team_a) == []
        tried = [c for c in h.fake.calls_to("chat.postMessage") if c.headers["Authorization"] == "Bearer xoxb-test"]
        assert 1 <= len(tried) <= 3
        del h.fake.faults.rate_limited[(team_a, "chat.postMessage")]
        fake_clock.t += 30
        h.core.fanout.wake()
        ticking.join(10)
        assert [line.split(":")[0] for line in lines] == ["done", "done"]
        keys = prompt_keys(h)
        assert len(keys) == 16 and len(set(keys)) == 16
    finally:
        h.close()


def test_a_look_up_that_fails_while_recovering_is_made_again_not_skipped(make_harness):
    """A send whose answer was lost is looked for in Slack on the next pass; if that look-up is
    refused (a 429, a server error), the pass after looks again instead of sending blind."""
    h = make_harness()
    real_send, real_find = h.core.outbox.send_prompt, h.core.outbox.find_dm
    sent = {"n": 0}

    def lost_answer(*args, **kwargs):
        out = real_send(*args, **kwargs)
        sent["n"] += 1
        if sent["n"] == 1:
            raise TimeoutError("read timed out")  # Slack has it; we don't know
        return out

    def refused(*args, **kwargs):
        raise DeliveryError("internal_error")

    h.core.outbox.send_prompt = lost_answer
    with pytest.raises(TimeoutError):
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
    h.core.outbox.send_prompt, h.core.outbox.find_dm = real_send, refused
    with pytest.raises(DeliveryError):
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
    h.core.outbox.find_dm = real_find
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    keys = prompt_keys(h)
    assert len(keys) == 8 and len(set(keys)) == 8


@pytest.fixture
def make_harness(tmp_path, clock):
    made = []

    def make():
        h = Harness(tmp_path / f"h{len(made)}", clock)
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()

