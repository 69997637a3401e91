"""Claims that live as long as their work: leases renewed while a process works, taken over only
when it is dead. The fake Slack holds one send (`faults.hold`) to make the work outlast the lease.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.runner import tick
from bot.core.service import Busy
from bot.text.i18n import t
from feedsum.root import build
from storage import Store
from storage.keys import LedgerKey
from tests.slack_harness import ADMIN, CHANNEL, Harness

SH = ZoneInfo("Asia/Shanghai")
OPEN = datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH)  # the scheduled open
DUE = datetime(2026, 12, 2, 12, 0, 10, tzinfo=SH)  # the scheduled post
PERIOD = "2026-11"
LEASE = 1.0


def keys_of(messages) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in messages if m.get("metadata")]


def another_process(h: Harness):
    """A second feedsum on the same database: its own connection, Slack client and lease owner."""
    return build(h.settings, clock=h.clock).core


def answer_everything(h: Harness) -> None:
    for section in h.report.sections:
        h.core.submit(h.report, PERIOD, section.key, section.owners[0], f"{section.key}: 本月完成情况", OPEN,
                      via="test")


def race(h: Harness, work, meanwhile) -> tuple[object, list, float]:
    """Run `work` in a thread until its held send has lasted 1.5 leases, calling `meanwhile(i)` (the
    other process) all along; then let the send through. Returns work's result, meanwhile's
    results and how long the held send took."""
    out: dict = {}

    def run():
        try:
            out["result"] = work()
        except BaseException as exc:  # surfaced below
            out["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    assert h.fake.held.wait(10), out
    held_at = time.monotonic()
    seen, i = [], 0
    while time.monotonic() - held_at < 1.5 * LEASE:
        i += 1
        seen.append(meanwhile(i))
        time.sleep(0.05)
    seen.append(meanwhile(0))  # the last word, still inside the held send
    h.fake.release.set()
    thread.join(10)
    assert "error" not in out, out["error"]
    return out["result"], seen, time.monotonic() - held_at


def test_work_longer_than_the_lease_is_done_once_while_another_process_ticks(tmp_path, clock):
    h = Harness(tmp_path, clock, env={"FEEDSUM_LEASE_SECONDS": str(LEASE)})
    other = another_process(h)
    try:
        # 1. The open fan-out: the 3rd prompt takes 1.5 leases to reach Slack (like a send waiting
        #    out 429s). The other process ticks every 50 ms, a minute later each time, and at the
        #    end an admin opens by hand there.
        h.fake.faults.hold, h.fake.faults.hold_stored = 3, False

        def meanwhile(i):
            if i:
                return tick(other, OPEN + timedelta(minutes=i))
            return other.open(h.report, PERIOD, ADMIN, OPEN + timedelta(minutes=30))

        lines, seen, held = race(h, lambda: tick(h.core, OPEN), meanwhile)
        assert held >= 1.5 * LEASE
        assert [line.split(":")[0] for line in lines] == ["done"]
        ticks, by_hand = seen[:-1], seen[-1]
        assert ticks and all(line.startswith("running elsewhere:") for lines_ in ticks for line in lines_)
        # By hand, the other process sent what the first had not reached yet, and left alone the
        # one the first was still sending.
        assert by_hand.busy == 1 and by_hand.sent + by_hand.skipped == 7
        keys = keys_of(h.prompts())
        assert len(keys) == 8 and len(set(keys)) == 8
        ledger = h.store.ledger.entries(h.report.team_id, "feed-ads", PERIOD)
        assert all(e.state == "done" and e.attempts == 1 for e in ledger), ledger

        # 2. The post, compiled by hand in the first process: the 3rd of its 8 messages takes 1.5
        #    leases. The other process's scheduler ticks (the post is due), then an admin there
        #    asks to compile too.
        answer_everything(h)
        h.fake.held.clear()
        h.fake.release.clear()
        h.fake.faults.hold = len(h.fake.calls_to("chat.postMessage")) + 3

        def meanwhile_post(i):
            if i:
                return tick(other, DUE + timedelta(minutes=i))
            with pytest.raises(Busy) as refused:
                other.compile(h.report, PERIOD, ADMIN, DUE + timedelta(minutes=30))
            return refused.value

        posted, seen, held = race(h, lambda: h.core.compile(h.report, PERIOD, ADMIN, DUE), meanwhile_post)
        assert held >= 1.5 * LEASE and posted.state == "posted"
        ticks = seen[:-1]
        assert ticks and all(line.startswith("running elsewhere:") and "due" in line for lines_ in ticks for line in lines_)
        honest = t("zh-CN", seen[-1].key, **seen[-1].values)
        assert "正在发布" in honest and "已发布" not in honest
        # The scheduler's due action was given back, not marked done (had the first process died,
        # a later tick would finish the post); now the post is made and nothing is due.
        assert not [e for e in h.store.ledger.entries(h.report.team_id, "feed-ads", PERIOD) if e.action == "due"]
        assert tick(other, DUE + timedelta(minutes=40)) == []
        channel = h.fake.posted(CHANNEL)
        assert len([m for m in channel if not m["thread_ts"]]) == 1
        assert len(keys_of(channel)) == len(channel) == 8 and len(set(keys_of(channel))) == 8
        summary = h.core.summary(h.report, PERIOD, DUE)
        assert summary.state == "posted" and summary.post_ts == channel[0]["ts"]
        ledger = h.store.ledger.entries(h.report.team_id, "feed-ads", PERIOD)
        assert all(e.state == "done" and e.attempts == 1 for e in ledger), ledger
    finally:
        h.close()
        other.store.close()


COMPILE_SCRIPT = """
import os, sys
from datetime import datetime
from bot.model.config import Settings
from feedsum.root import build
now = datetime.fromisoformat(sys.argv[1])
core = build(Settings.from_env(os.environ), clock=lambda: now).core
core.compile(core.report(sys.argv[2], "feed-ads"), "2026-11", "U0ADMIN01", now)
"""


def test_a_post_killed_half_way_is_reported_honestly_then_finished_once(tmp_path, clock):
    lease = 2.0  # room for the admin's first retry to land inside the dead process's lease
    h = Harness(tmp_path, clock, env={"FEEDSUM_LEASE_SECONDS": str(lease)})
    try:
        h.core.open(h.report, PERIOD, ADMIN, OPEN)
        answer_everything(h)
        # The poster gets main message + 1 part into Slack; the 2nd part reaches Slack but its answer
        # never comes back: the process is killed there.
        h.fake.faults.hold = len(h.fake.calls_to("chat.postMessage")) + 3
        env = {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEEDSUM_"))},
               "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_BASE_URL": h.fake.api_url,
               "FEEDSUM_DB": h.settings.db_path, "FEEDSUM_LEASE_SECONDS": str(lease),
               "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        proc = subprocess.Popen([sys.executable, "-c", COMPILE_SCRIPT, DUE.isoformat(), h.fake.team_id], env=env,
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not h.fake.held.wait(30):
            proc.kill()
            pytest.fail(proc.communicate()[1])

        def compile_by_hand() -> str:
            before = len(h.fake.responses)
            assert h.command(f"compile {PERIOD}").status == 200
            return h.wait_for(lambda: [r["text"] for r in h.fake.responses[before:] if "总结" in r["text"]])[0]

        # While it posts, the admin is told it is under way, not that it is posted.
        assert "正在发布" in compile_by_hand()
        proc.kill()
        proc.communicate()
        h.fake.release.set()
        key = LedgerKey(h.report.team_id, "feed-ads", PERIOD, "post", CHANNEL)
        lease_until = h.store.ledger.entry(key).lease_until
        # Killed: the same until its lease runs out (up to `lease` seconds after the kill).
        text = compile_by_hand()
        if time.time() < lease_until:
            assert "正在发布" in text and "None" not in text
        h.wait_for(lambda: time.time() > h.store.ledger.entry(key).lease_until, timeout=2 * lease + 5)
        # Then the next attempt finishes the post: the missing parts, none twice, and says so.
        done = compile_by_hand()
        channel = h.fake.posted(CHANNEL)
        main = [m for m in channel if not m["thread_ts"]]
        assert len(main) == 1 and len(channel) == 8 and len(set(keys_of(channel))) == 8
        assert done.startswith("已发布") and main[0]["ts"].replace(".", "") in done
        assert h.core.summary(h.report, PERIOD, DUE).state == "posted"
        assert h.store.ledger.entry(key).attempts == 2
        assert not [r for r in h.fake.responses if "None" in (r.get("text") or "")]
    finally:
        h.close()


def test_renewal_keeps_only_the_claims_this_process_still_holds(tmp_path):
    """The heartbeat renews its own live claims; a claim taken over by another is left alone."""
    from bot.core.leases import Leases

    store = Store.open(tmp_path / "f.db")
    wall = [1000.0]
    mine = Leases(store, 10, clock=lambda: wall[0], owner="me")
    now = OPEN
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "prompt", "a"), now=now, wall=wall[0], owner="me", lease_s=10) == "new"
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "prompt", "a"), now=now, wall=1009.0, owner="you", lease_s=10) == "busy"
    key = LedgerKey("T", "r", PERIOD, "prompt", "a")
    assert store.ledger.renew([key], "me", until=1030.0) == 1
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "prompt", "a"), now=now, wall=1029.0, owner="you", lease_s=10) == "busy"
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "prompt", "a"), now=now, wall=1031.0, owner="you", lease_s=10) == "recover"
    assert store.ledger.renew([key], "me", until=1100.0) == 0  # it is theirs now
    store.ledger.release(key, "me")  # and mine to give back no more
    assert store.ledger.entry(key).owner == "you"
    assert mine.interval == 2.5
    with pytest.raises(ValueError):
        Leases(store, 0)


def test_a_claim_from_before_leases_counts_from_when_it_was_taken(tmp_path):
    store = Store.open(tmp_path / "f.db")
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "post", "C1"), now=OPEN, wall=0.0) == "new"
    store.db.conn.execute("UPDATE ledger SET lease_until = NULL, owner = NULL")  # as the migration leaves it
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "post", "C1"), now=OPEN + timedelta(seconds=60), wall=1e10) == "busy"
    assert store.ledger.claim(LedgerKey("T", "r", PERIOD, "post", "C1"), now=OPEN + timedelta(seconds=121), wall=1e10) == "recover"


def test_the_lease_setting_is_checked():
    from bot.model.config import ConfigError, Settings

    assert Settings.from_env({}).lease_seconds == 120
    assert Settings.from_env({"FEEDSUM_LEASE_SECONDS": "1.5"}).lease_seconds == 1.5
    for bad in ("0", "-3", "soon", "nan", "1e9"):
        with pytest.raises(ConfigError, match="FEEDSUM_LEASE_SECONDS"):
            Settings.from_env({"FEEDSUM_LEASE_SECONDS": bad})


def test_the_busy_post_refusal_reads_in_both_locales():
    for locale in ("zh-CN", "en"):
        text = t(locale, "refuse.post_busy", month="11月", since="2026-12-02 12:00", seconds=42)
        assert "42" in text and "/feedsum compile" in text and "2026-12-02 12:00" in text


@pytest.mark.parametrize("kind", ["open", "remind"])
def test_a_scheduled_fan_out_is_not_done_while_a_dead_senders_message_is_still_claimed(tmp_path, clock, kind):
    """A process dies mid-fan-out: its heartbeat last renewed its claims at `beat`, and one message
    was claimed just after that (so its lease ends a moment after the action's) and never sent. The
    next pass may take the action over first; it must not mark it done until that message is sent."""
    from bot.core.runner import planned

    h = Harness(tmp_path, clock, env={"FEEDSUM_LEASE_SECONDS": str(LEASE)})
    wall = [1_000_000.0]
    h.core.leases.clock = lambda: wall[0]
    team, owner = h.report.team_id, h.report.sections[0].owners[0]
    try:
        now = OPEN
        if kind == "remind":
            assert [line.split(":")[0] for line in tick(h.core, OPEN)] == ["done"]
            now = datetime(2026, 11, 27, 10, 1, tzinfo=SH)  # the next business day's reminder
        (action,), _ = planned(h.core, now)
        assert action.kind == kind
        message = ("prompt", f"{h.report.sections[0].key}:{owner}") if kind == "open" else (action.key, owner)
        beat = wall[0]
        assert h.store.ledger.claim(LedgerKey(team, "feed-ads", PERIOD, action.key, "*"), now=now, wall=beat,
                                    owner="dead", lease_s=LEASE) == "new"
        assert h.store.ledger.claim(LedgerKey(team, "feed-ads", PERIOD, *message), now=now, wall=beat + 0.1,
                                    owner="dead", lease_s=LEASE) == "new"
        sent_before = len(h.fake.calls_to("chat.postMessage"))

        wall[0] = beat + LEASE + 0.05  # the action's lease has run out, the message's not yet
        lines = tick(h.core, now)
        assert [line.split(":")[0] for line in lines] == ["running elsewhere"], lines
        action_entry = h.store.ledger.entry(LedgerKey(team, "feed-ads", PERIOD, action.key, "*"))
        assert action_entry is None or action_entry.state != "done"

        wall[0] = beat + LEASE + 0.2  # the dead sender's last claim has run out too
        lines = tick(h.core, now + timedelta(minutes=1))
        assert [line.split(":")[0] for line in lines] == ["done"], lines
        key = str(LedgerKey(team, "feed-ads", PERIOD, *message))
        assert h.store.ledger.entry(key).state == "done"
        metadata = [c.params.get("metadata") for c in h.fake.calls_to("chat.postMessage")[sent_before:]]
        metadata = [json.loads(m) if isinstance(m, str) else m or {} for m in metadata]
        to_owner = [m for m in metadata if m.get("event_payload", {}).get("key") == key]
        assert len(to_owner) == 1  # sent once, after the look in Slack found nothing
        if kind == "open":
            keys = keys_of(h.prompts())
            assert len(keys) == 8 and len(set(keys)) == 8
    finally:
        h.close()
