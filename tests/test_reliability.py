"""Reliability (#6): Slack faults, process and database faults, hostile and broken input, backup.

Everything runs the real WSGI endpoint (waitress + Bolt, signed requests) against the fake Web
API, except where a test names the core or storage directly.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.signature import SignatureVerifier

from bot.data.upload_guard import MAX_UPLOAD_BYTES, UploadRefused, check_upload, check_xlsx_zip
from feedsum.fake_slack import FakeSlack
from storage import StorageError, Store
from storage.db import transaction
from tests.slack_harness import (
    ADMIN,
    CHANNEL,
    CONFIG,
    OWNER_A,
    OWNER_B,
    SECRET,
    STRANGER,
    Harness,
    modal_values,
)

PERIOD = "2026-11"
SH = ZoneInfo("Asia/Shanghai")


def wait_response(h, needle: str, timeout: float = 30.0):
    return h.wait_for(lambda: [x for x in h.fake.responses if needle in (x.get("text") or "")], timeout=timeout)


def open_period(h):
    assert h.command(f"open {PERIOD}").status == 200
    wait_response(h, "2026年11月")


def prompt_keys(h) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for m in h.prompts()]


def many_owner_config(n_owners: int, *, extra: dict | None = None) -> dict:
    config = json.loads(json.dumps(CONFIG))
    owners = [f"U0OWN{i:04d}" for i in range(n_owners)]
    for sec in config["reports"][0]["sections"]:
        sec["owners"] = owners
    config["reports"][0].update(extra or {})
    return config


@pytest.fixture
def make_harness(tmp_path, clock):
    made = []

    def make(config=None, fake=None, sub="h"):
        path = tmp_path / sub
        path.mkdir(exist_ok=True)
        h = Harness(path, clock, config=config, fake=fake)
        h.report = h.core.report(h.fake.team_id, "feed-ads")
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()


# --- 1. Slack faults -------------------------------------------------------------------------

def test_fan_out_of_about_100_prompts_through_429s_is_exactly_once(make_harness):
    """7 sections x 14 owners = 98 prompts; some write calls answer 429 + Retry-After: 1."""
    h = make_harness(many_owner_config(14))
    h.fake.faults.rate_limit_every = 25
    h.fake.faults.retry_after = 1
    t0 = time.monotonic()
    r = h.command(f"open {PERIOD}")
    ack_s = time.monotonic() - t0
    assert r.status == 200 and ack_s < 3  # the ack never waits for the fan-out
    wait_response(h, "2026年11月", timeout=60)
    elapsed = time.monotonic() - t0
    keys = prompt_keys(h)
    assert len(keys) == 98 and len(set(keys)) == 98  # every prompt, none twice
    assert len(h.fake.posted()) == 98  # and nothing else: no duplicate from a retried 429
    ledger = h.store.ledger.entries(h.report.team_id, "feed-ads", PERIOD)
    assert sum(e.state == "done" for e in ledger if e.action == "prompt") == 98
    # Which calls got a 429 (the fake answers 429 when the call's ordinal is a multiple of N),
    # and the retry of each (the same message, or the same DM opened) came at least Retry-After
    # later. Sends to other people go on meanwhile (calls already on their way may arrive just
    # after a 429), so the whole fan-out is not the sum of the waits.
    writes = {"chat.postMessage", "conversations.open"}
    calls = h.fake.calls
    limited = [i for i, c in enumerate(calls) if (i + 1) % 25 == 0 and c.method in writes]
    assert len(limited) >= 3

    def what(c):
        return c.params.get("users") or json.dumps(c.params.get("metadata"), sort_keys=True)

    for i in limited:
        retry = next(c for c in calls[i + 1:] if c.method == calls[i].method and what(c) == what(calls[i]))
        assert retry.at - calls[i].at >= 1.0
    assert 1.0 <= elapsed < len(limited) * 2.0 + 10


PERMANENT = {"U0GONE001": "user_not_found", "U0INACTV1": "account_inactive", "U0BOTDM01": "cannot_dm_bot"}
CHANNEL_ERRORS = {"D0NOCHAN1": "channel_not_found", "D0NOTIN01": "not_in_channel", "D0ARCHIV1": "is_archived"}


def test_per_recipient_errors_are_recorded_shown_told_once_and_the_rest_carry_on(make_harness):
    config = json.loads(json.dumps(CONFIG))
    bad = list(PERMANENT) + ["U" + c[1:] for c in CHANNEL_ERRORS]  # DM channel of U0X… is D0X…
    config["reports"][0]["sections"][0]["owners"] = [OWNER_A, *bad]
    h = make_harness(config)
    h.fake.faults.user_errors = {**PERMANENT, **CHANNEL_ERRORS}
    open_period(h)
    reply = h.fake.responses[-1]["text"]
    assert "6" in reply  # "6 could not be delivered"
    keys = prompt_keys(h)
    assert len(keys) == 8 and len(set(keys)) == 8  # everybody else got their prompt
    failed = h.store.ledger.entries(h.report.team_id, "feed-ads", PERIOD, state="failed")
    assert sorted(f.error for f in failed) == sorted([*PERMANENT.values(), *CHANNEL_ERRORS.values()])
    # Shown in /feedsum status.
    status = json.dumps(h.command(f"status {PERIOD}", user=STRANGER).json(), ensure_ascii=False)
    for code in [*PERMANENT.values(), *CHANNEL_ERRORS.values()]:
        assert code in status
    # The admins were told once, naming every failure.
    to_admin = [m for m in h.fake.posted("D" + ADMIN[1:]) if "user_not_found" in (m.get("text") or "")]
    assert len(to_admin) == 1 and all(c in to_admin[0]["text"] for c in CHANNEL_ERRORS.values())
    # Opening again neither retries the failed recipients nor tells the admins again.
    h.fake.responses.clear()
    open_period(h)
    assert len([m for m in h.fake.posted("D" + ADMIN[1:]) if "user_not_found" in (m.get("text") or "")]) == 1
    assert len(prompt_keys(h)) == 8


def test_compile_into_a_channel_the_bot_left_is_refused_and_recorded(make_harness):
    h = make_harness()
    open_period(h)
    h.fake.faults.user_errors = {CHANNEL: "not_in_channel"}
    h.command(f"compile {PERIOD}")
    wait_response(h, "not_in_channel")
    assert h.core.summary(h.report, PERIOD, h.clock()).state == "open"
    assert [f.error for f in h.store.ledger.entries(h.report.team_id, "feed-ads", PERIOD, state="failed")] == ["not_in_channel"]


def test_a_send_whose_response_is_lost_is_recovered_not_sent_twice(make_harness):
    """Slack posted the message but the response never came (timeout): the next pass finds it."""
    h = make_harness()
    real = h.deps.outbox.send_prompt
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        out = real(*args, **kwargs)
        calls["n"] += 1
        if calls["n"] == 3:
            raise TimeoutError("read timed out")  # after Slack stored it
        return out

    h.core.outbox.send_prompt = flaky
    with pytest.raises(TimeoutError):
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
    first = len(h.prompts())  # the 3rd, and those already under way beside it
    assert first >= 3
    h.core.outbox.send_prompt = real
    result = h.core.open(h.report, PERIOD, ADMIN, h.clock())
    keys = prompt_keys(h)
    assert len(keys) == 8 and len(set(keys)) == 8
    # The uncertain one was found in Slack, the ones not reached were sent, the rest skipped.
    assert (result.sent, result.skipped) == (8 - first + 1, first - 1)


# --- 2. Process and database faults ----------------------------------------------------------

OPEN_SCRIPT = """
import os, sys
from datetime import datetime
from feedsum.root import started
from bot.model.config import Settings
now = datetime.fromisoformat(sys.argv[1])
root = started(Settings.from_env(os.environ), clock=lambda: now)
report = root.core.all_reports()[0]
r = root.core.open(report, "2026-11", "U0ADMIN01", now)
print(r.sent, r.skipped, r.failed)
"""


def test_open_killed_half_way_is_finished_by_the_next_open_without_duplicates(tmp_path):
    from bot.model.config import Settings
    from feedsum.root import started
    from tests.test_runner import OPEN, cli_env

    with FakeSlack() as fake:
        env = cli_env(tmp_path, fake, lease=1)
        fake.faults.hold = 3  # inside the 3rd send: Slack has it, the ledger does not
        proc = subprocess.Popen([sys.executable, "-c", OPEN_SCRIPT, OPEN.isoformat()], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if not fake.held.wait(30):
            proc.kill()
            pytest.fail(proc.communicate()[1])
        proc.kill()
        proc.communicate()
        fake.release.set()
        store = Store.open(env["FEEDSUM_DB"])
        done = store.db.conn.execute("SELECT COUNT(*) FROM ledger WHERE state = 'done'").fetchone()[0]
        live = [r[0] for r in store.db.conn.execute("SELECT lease_until FROM ledger WHERE state = 'claimed'")]
        store.close()
        # The held 3rd is in Slack but not done; sends to others may have been under way beside it.
        assert live and len(fake.posted()) >= max(done + 1, 3)
        while time.time() <= max(live):  # the dead process's claims run out (a lease of 1 s)
            time.sleep(0.05)
        root = started(Settings.from_env(env), clock=lambda: OPEN)  # the next process
        result = root.core.open(root.core.all_reports()[0], PERIOD, ADMIN, OPEN)
        root.store.close()
        # What was done is skipped; the 3rd (and any other in flight) is found in Slack, the rest sent.
        assert (result.sent, result.skipped) == (6 - done, done)
        keys = [m["metadata"]["event_payload"]["key"] for m in fake.posted()]
        assert len(keys) == 6 and len(set(keys)) == 6


KILLED_IMPORT = """
import os, signal, sys
from datetime import datetime
from bot.data import metrics
from feedsum.root import started
from bot.model.config import Settings
from storage.snapshots import Snapshots
now = datetime.fromisoformat(sys.argv[1])
metrics.IMPORT_CHUNK_ROWS = 100
insert = Snapshots.add_rows
def insert_then_die(self, sid, rows):
    insert(self, sid, rows)
    os.kill(os.getpid(), signal.SIGKILL)  # between two chunks
Snapshots.add_rows = insert_then_die
root = started(Settings.from_env(os.environ), clock=lambda: now)
report = root.core.all_reports()[0]
root.core.import_upload(report, "U0ADMIN01", open(sys.argv[2], "rb").read(), "nov.csv", now)
"""


def test_an_import_killed_half_way_never_counts_and_is_cleaned_up(tmp_path):
    from tests.test_metrics_slack import big_csv
    from tests.test_runner import OPEN, cli_env

    with FakeSlack() as fake:
        env = cli_env(tmp_path, fake)
        export = tmp_path / "nov.csv"
        export.write_bytes(big_csv(1000))
        killed = subprocess.run([sys.executable, "-c", KILLED_IMPORT, OPEN.isoformat(), str(export)],
                                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert killed.returncode == -9, killed.stderr
        store = Store.open(tmp_path / "f.db")
        count = "SELECT (SELECT COUNT(*) FROM snapshots WHERE ready = 0), (SELECT COUNT(*) FROM metric_rows)"
        assert store.db.conn.execute(count).fetchone() == (1, 100)  # what the dead process left behind
        assert store.snapshots.of(fake.team_id, "feed-ads", PERIOD) == []  # and it does not count
        later = OPEN + timedelta(hours=2)  # the next import, in a running bot, an hour or more later
        from bot.model.config import Settings
        from feedsum.root import started

        root = started(Settings.from_env(env), clock=lambda: later)
        out = root.core.import_upload(root.core.all_reports()[0], ADMIN, export.read_bytes(), "nov.csv", later)
        root.shutdown(wait=True)
        assert (out.rows, out.new) == (1000, 1)
        assert store.db.conn.execute(count).fetchone() == (0, 1000)  # the leftovers are gone
        assert len(store.snapshots.of(fake.team_id, "feed-ads", PERIOD)) == 1


def test_a_busy_database_is_waited_for_not_failed(harness):
    """Another connection holds the write lock for 0.6 s: the save waits (busy_timeout) and succeeds."""
    h = harness
    open_period(h)
    modal = h.modal_for("results", OWNER_A, PERIOD)
    other = sqlite3.connect(h.settings.db_path, isolation_level=None, check_same_thread=False)
    locked = threading.Event()

    def hold():
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO seen_events VALUES ('lock-holder', 'now')")
        locked.set()
        time.sleep(0.6)
        other.execute("COMMIT")

    t = threading.Thread(target=hold)
    t.start()
    locked.wait(5)
    t0 = time.monotonic()
    r = h.submit_view(modal, modal_values(modal, "saved after the lock"), OWNER_A)
    waited = time.monotonic() - t0
    t.join()
    other.close()
    assert r.status == 200 and r.body == ""  # closed normally, inside Slack's 3 s
    assert waited >= 0.4  # it waited for the lock rather than failing (how long: a busy machine decides)
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text == "saved after the lock"


def test_storage_busy_past_the_timeout_is_a_storage_error(tmp_path):
    store = Store.open(tmp_path / "f.db")
    store.db.conn.execute("PRAGMA busy_timeout = 200")
    other = sqlite3.connect(tmp_path / "f.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StorageError, match="locked"):
            store.answers.event_seen("Ev1", datetime.now(SH))
    finally:
        other.execute("ROLLBACK")
        other.close()


def _fill_disk(h) -> None:
    pages = h.db.conn.execute("PRAGMA page_count").fetchone()[0]
    h.db.conn.execute(f"PRAGMA max_page_count = {pages}")


def _read_only(h) -> None:
    h.db.conn.execute("PRAGMA query_only = ON")


def _writable_again(h) -> None:
    h.db.conn.execute("PRAGMA query_only = OFF")
    h.db.conn.execute("PRAGMA max_page_count = 1073741823")


@pytest.mark.parametrize("fault", [_fill_disk, _read_only], ids=["disk-full", "read-only"])
def test_a_failed_write_tells_the_modal_user_and_keeps_nothing(harness, fault):
    h = harness
    open_period(h)
    modal = h.modal_for("results", OWNER_A, PERIOD)
    text = "大段内容 " * 5000  # needs new pages
    fault(h)
    try:
        r = h.submit_view(modal, modal_values(modal, text), OWNER_A)
    finally:
        _writable_again(h)
    body = r.json()
    assert r.status == 200 and body["response_action"] == "errors"
    assert "没有被保存" in body["errors"]["part_0"]  # refuse.not_saved: the modal stays open with the text
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text is None
    assert h.store.answers.revisions(h.report.team_id, "feed-ads", PERIOD, "results") == []
    # Once the disk has room again the same submission goes through.
    assert h.submit_view(modal, modal_values(modal, text), OWNER_A).body == ""
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text == text


def test_a_failed_write_of_a_thread_reply_posts_the_text_back(harness):
    h = harness
    open_period(h)
    p = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|data:U0OWNERB1"))
    typed = "数据部分 <!channel> " + "很长的内容 " * 3000
    reply = typed.replace("<", "&lt;").replace(">", "&gt;")  # as Slack sends what was typed
    ev = {"type": "message", "channel_type": "im", "channel": p["channel"], "user": OWNER_B, "text": reply,
          "ts": "1800000000.000100", "thread_ts": p["ts"]}
    _fill_disk(h)
    try:
        assert h.event(ev, event_id="EvFull").status == 200
        back = h.wait_for(lambda: [m for m in h.fake.posted(p["channel"]) if m.get("thread_ts") == p["ts"]])
    finally:
        _writable_again(h)
    assert "没有被保存" in back[0]["text"] and "&lt;!channel&gt;" in back[0]["text"]
    assert "<!channel>" not in back[0]["text"]
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[1].text is None
    # The event id was not burnt: Slack's retry of the same event is saved now.
    assert h.event(ev, event_id="EvFull", headers={"X-Slack-Retry-Num": "1"}).status == 200
    h.wait_for(lambda: h.core.summary(h.report, PERIOD, h.clock()).sections[1].text == typed)


def test_transaction_rolls_back_everything_on_a_failed_write(tmp_path):
    store = Store.open(tmp_path / "f.db")
    db = store.db
    now = datetime.now(SH)
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    db.conn.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(StorageError, match="full"), transaction(db) as conn:
        conn.execute("INSERT INTO seen_events VALUES ('a', 'x')")
        conn.execute("INSERT INTO revisions (team_id, report_id, period, section, revision, text, author, via, "
                     "created_at) VALUES ('T','r','p','s',1,?,'u','v','x')", ("x" * 200_000,))
    db.conn.execute("PRAGMA max_page_count = 1073741823")
    assert db.conn.execute("SELECT COUNT(*) FROM seen_events").fetchone()[0] == 0
    store.answers.event_seen("b", now)  # the connection is usable afterwards
    assert not db.conn.in_transaction


# --- 2b. Edits that never overwrite (#11) ----------------------------------------------------

def _prompt_of(h, section: str, owner: str) -> dict:
    return next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith(f"|{section}:{owner}"))


def _reply(h, section: str, owner: str, text: str, ts: str, event_id: str, retry: int = 0):
    p = _prompt_of(h, section, owner)
    ev = {"type": "message", "channel_type": "im", "channel": p["channel"], "user": owner, "text": text,
          "ts": ts, "thread_ts": p["ts"]}
    headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
    return h.event(ev, event_id=event_id, headers=headers)


def _text_of(h, key: str) -> str | None:
    sections = h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).sections
    return next(s for s in sections if s.key == key).text


def _save(h, modal: dict, text: str, user: str):
    return h.submit_view(modal, modal_values(modal, text), user)


def _view(call) -> dict:
    view = call.params["view"]
    return json.loads(view) if isinstance(view, str) else view


def test_two_coowners_adding_to_a_section_at_once_keep_both_additions(harness):
    h = harness
    open_period(h)
    base = "本月复盘：素材疲劳。"
    assert _save(h, h.modal_for("lessons", OWNER_A, PERIOD), base, OWNER_A).body == ""
    modal_a, modal_b = h.modal_for("lessons", OWNER_A, PERIOD), h.modal_for("lessons", OWNER_B, PERIOD)
    go, replies = threading.Barrier(2), {}

    def save(user, modal, text):
        go.wait()
        replies[user] = _save(h, modal, text, user)

    threads = [threading.Thread(target=save, args=(OWNER_A, modal_a, base + "\nA：定向过窄。")),
               threading.Thread(target=save, args=(OWNER_B, modal_b, base + "\nB：出价偏低。"))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert all(r.status == 200 and r.body == "" for r in replies.values())  # both forms close
    text = _text_of(h, "lessons")
    assert text.count(base) == 1 and "A：定向过窄。" in text and "B：出价偏低。" in text
    revs = h.store.answers.revisions(h.report.team_id, "feed-ads", PERIOD, "lessons")
    assert [r.revision for r in revs] == [1, 2, 3] and revs[-1].text == text


def test_a_rewrite_against_an_older_revision_is_refused_with_the_current_text_shown(harness):
    h = harness
    open_period(h)
    assert _save(h, h.modal_for("lessons", OWNER_A, PERIOD), "初稿", OWNER_A).body == ""
    modal_a, modal_b = h.modal_for("lessons", OWNER_A, PERIOD), h.modal_for("lessons", OWNER_B, PERIOD)
    assert _save(h, modal_a, "A 重写的版本", OWNER_A).body == ""
    before = len(h.fake.calls_to("views.update"))
    r = _save(h, modal_b, "B 重写的版本", OWNER_B)
    assert r.status == 200 and r.json()["response_action"] == "errors"  # the form stays open
    assert "第 2 版" in json.dumps(r.json()["errors"], ensure_ascii=False)
    assert _text_of(h, "lessons") == "A 重写的版本"  # never silently applied
    # The form is updated in place: the current text shown, B's own text kept in the inputs.
    call = h.wait_for(lambda: h.fake.calls_to("views.update")[before:])[-1]
    assert call.params["view_id"] == "V1"
    view = _view(call)
    shown = json.dumps(view["blocks"], ensure_ascii=False)
    assert "A 重写的版本" in shown and "B 重写的版本" in shown
    # Saving that form again is a choice made with the current text in sight: it is applied.
    assert _save(h, view, "B 看过 A 的版本后重写", OWNER_B).body == ""
    assert _text_of(h, "lessons") == "B 看过 A 的版本后重写"
    # The stale form, submitted again (or replayed), is still refused.
    assert _save(h, modal_b, "B 重写的版本", OWNER_B).json()["response_action"] == "errors"
    assert _text_of(h, "lessons") == "B 看过 A 的版本后重写"


def test_a_thread_reply_is_not_wiped_by_a_form_opened_before_it(harness):
    h = harness
    open_period(h)
    assert _save(h, h.modal_for("data", OWNER_B, PERIOD), "点击率 2.1%。", OWNER_B).body == ""
    modal = h.modal_for("data", OWNER_B, PERIOD)  # opened, then left open
    assert _reply(h, "data", OWNER_B, "补充：转化率 3%。", "1800000000.000100", "EvR1").status == 200
    h.wait_for(lambda: h.fake.calls_to("reactions.add"))  # the bot confirmed it with ✅
    assert _save(h, modal, "点击率 2.1%（已核对）。", OWNER_B).body == ""
    assert _text_of(h, "data") == "点击率 2.1%（已核对）。\n补充：转化率 3%。"
    # The same form sent again (a double submit, a replay), before and after another reply: its
    # text is in already, nothing is added twice.
    assert _save(h, modal, "点击率 2.1%（已核对）。", OWNER_B).body == ""
    assert _reply(h, "data", OWNER_B, "再补充。", "1800000000.000200", "EvR2").status == 200
    assert _save(h, modal, "点击率 2.1%（已核对）。", OWNER_B).body == ""
    assert _text_of(h, "data") == "点击率 2.1%（已核对）。\n补充：转化率 3%。\n再补充。"
    assert len(h.store.answers.revisions(h.report.team_id, "feed-ads", PERIOD, "data")) == 4


def test_thread_replies_are_ordered_by_message_time_not_arrival(harness):
    h = harness
    open_period(h)
    assert _reply(h, "data", OWNER_B, "SECOND", "1800000000.000200", "EvSecond").status == 200
    # Slack's retry of an earlier reply (its first delivery timed out) arrives after the later one.
    assert _reply(h, "data", OWNER_B, "FIRST", "1800000000.000100", "EvFirst", retry=1).status == 200
    assert _text_of(h, "data") == "FIRST\nSECOND"
    assert _reply(h, "data", OWNER_B, "FIRST", "1800000000.000100", "EvFirst", retry=2).status == 200
    assert _reply(h, "data", OWNER_B, "THIRD", "1800000000.000300", "EvThird").status == 200
    assert _text_of(h, "data") == "FIRST\nSECOND\nTHIRD"  # a retry is stored once
    # An edit of the top of the text in the form keeps the replies' order for later retries.
    modal = h.modal_for("data", OWNER_B, PERIOD)
    assert _save(h, modal, "FIRST!\nSECOND\nTHIRD", OWNER_B).body == ""
    assert _reply(h, "data", OWNER_B, "2.5", "1800000000.000250", "EvTwoAndAHalf", retry=1).status == 200
    assert _text_of(h, "data") == "FIRST!\nSECOND\n2.5\nTHIRD"
    h.idle()
    assert len(h.fake.calls_to("reactions.add")) == 4


def test_a_thread_reply_is_stored_as_typed_and_escaped_once_on_output(harness):
    h = harness
    open_period(h)
    # What Slack sends when someone types:  CTR <2% & CPA > 45, a link with a label, @a person,
    # #a channel, @channel and an e-mail address.
    sent = ("CTR &lt;2% &amp; CPA &gt; 45 见 <https://ads.example.com/r?id=1&amp;m=11|报表> "
            "<@U0ADMIN01> <#C0REPORT1|ads> <!channel> <mailto:a@example.com|a@example.com> &amp;lt;")
    assert _reply(h, "data", OWNER_B, sent, "1800000000.000100", "EvEsc").status == 200
    text = _text_of(h, "data")
    assert text == ("CTR <2% & CPA > 45 见 报表 (https://ads.example.com/r?id=1&m=11) "
                    "@U0ADMIN01 #ads @channel a@example.com &lt;")
    # Escaped exactly once wherever it is shown: the prompt receipt and the posted summary.
    receipt = json.dumps([c.params for c in h.wait_for(lambda: h.fake.calls_to("chat.update"))], ensure_ascii=False)
    assert "CTR &lt;2% &amp; CPA &gt; 45" in receipt and "&amp;lt;2%" not in receipt
    h.command(f"compile {PERIOD}")
    wait_response(h, "已发布")
    posted = json.dumps([(m["text"], m["blocks"]) for m in h.fake.posted(CHANNEL)], ensure_ascii=False)
    assert "CTR &lt;2% &amp; CPA &gt; 45 见 报表 (https://ads.example.com/r?id=1&amp;m=11)" in posted
    assert "a@example.com &amp;lt;" in posted and "&amp;lt;2%" not in posted
    for live in ("<!channel>", "<@U0ADMIN01>", "<#C0REPORT1", "<https://", "<mailto:"):
        assert live not in posted
    # The form shows it back as typed (plain text input).
    modal = h.modal_for("data", OWNER_B, PERIOD)
    assert modal["blocks"][1]["element"]["initial_value"] == text


def test_a_lone_surrogate_is_stored_and_the_owner_answered(harness):
    h = harness
    open_period(h)
    r = _save(h, h.modal_for("results", OWNER_A, PERIOD), "上线\ud800完成", OWNER_A)
    assert r.status == 200 and r.body == ""  # the form closes: saved
    assert _text_of(h, "results") == "上线\ufffd完成"
    assert _reply(h, "data", OWNER_B, "点击\udfff率", "1800000000.000100", "EvSurrogate").status == 200
    assert _text_of(h, "data") == "点击\ufffd率"
    h.wait_for(lambda: [c for c in h.fake.calls_to("reactions.add") if c.params["timestamp"] == "1800000000.000100"])


def test_a_save_while_the_summary_is_being_posted_reaches_the_channel(harness):
    h = harness
    open_period(h)
    assert _save(h, h.modal_for("results", OWNER_A, PERIOD), "上线 12 条计划。", OWNER_A).body == ""
    held = h.fake.faults.hold_threads = threading.Event()
    h.command(f"compile {PERIOD}")
    h.wait_for(lambda: h.fake.posted(CHANNEL))  # the main message is out; its thread is held
    assert _save(h, h.modal_for("market", OWNER_A, PERIOD), "竞品加大短视频投放。", OWNER_A).body == ""
    assert _reply(h, "data", OWNER_B, "CTR 2.1%", "1800000000.000100", "EvDuring").status == 200
    assert h.core.summary(h.report, PERIOD, h.clock()).state == "open"  # both saved mid-post
    held.set()
    wait_response(h, "已发布")
    h.idle()
    main = h.fake.posted(CHANNEL)[0]
    assert "3/7" in json.dumps(main["blocks"], ensure_ascii=False)  # updated in place
    everything = json.dumps([m["blocks"] for m in h.fake.posted(CHANNEL)], ensure_ascii=False)
    assert everything.count("竞品加大短视频投放。") == 1 + 1 and everything.count("CTR 2.1%") == 1 + 1
    # A later edit is one more update, not a repeat of these.
    n = len(h.fake.posted(CHANNEL))
    assert _save(h, h.modal_for("team", ADMIN, PERIOD), "分工不变。", ADMIN).body == ""
    h.idle()
    assert len(h.fake.posted(CHANNEL)) == n + 1


def test_an_existing_database_keeps_its_answers_and_knows_what_posted_summaries_show(tmp_path):
    from storage import migrations
    from storage.db import connect

    path = tmp_path / "old.db"
    old = connect(path)
    upgrade = migrations.MIGRATIONS[migrations.MIGRATIONS.index(migrations.m007_answer_order):]
    del migrations.MIGRATIONS[-len(upgrade):]
    try:
        migrations.migrate(old)  # the schema before this change
    finally:
        migrations.MIGRATIONS.extend(upgrade)
    now = datetime(2026, 12, 2, 12, tzinfo=SH)
    for period, state in (("2026-10", "posted"), ("2026-11", "open")):
        old.conn.execute("INSERT INTO periods (team_id, report_id, period, state) VALUES ('T', 'r', ?, ?)", (period, state))
        old.conn.execute("INSERT INTO answers (team_id, report_id, period, section, text, authors, revision, first_at, "
                         "updated_at) VALUES ('T', 'r', ?, 's', 'x', '[]', 3, ?, ?)", (period, now.isoformat(), now.isoformat()))
    old.conn.close()
    store = Store.open(path)
    assert store.answers.claim_shown("T", "r", "2026-10", "s", 3) is None  # the post shows revision 3
    assert store.answers.claim_shown("T", "r", "2026-11", "s", 3) == 0  # nothing posted yet
    saved = store.answers.save("T", "r", "2026-10", "s", text="y", author="U", via="thread", now=now,
                             append=True, ts="1800000000.000100")
    assert saved.revision == 4 and saved.text == "x\ny"


# --- 3. Hostile and broken input -------------------------------------------------------------

def test_signature_checks(harness):
    h = harness
    body = urllib.parse.urlencode({"team_id": h.fake.team_id, "user_id": ADMIN, "channel_id": CHANNEL,
                                   "command": "/feedsum", "text": f"open {PERIOD}", "response_url": h.fake.url + "/response/x"})
    old = int(time.time()) - 301
    old_sig = SignatureVerifier(SECRET).generate_signature(timestamp=str(old), body=body)
    # A captured, correctly signed request replayed after the 5-minute window.
    assert h.post(body, content_type="application/x-www-form-urlencoded", timestamp=old, signature=old_sig).status == 401
    # The same signature with a fresh timestamp, or with another body.
    assert h.post(body, content_type="application/x-www-form-urlencoded", signature=old_sig).status == 401
    now = int(time.time())
    sig = SignatureVerifier(SECRET).generate_signature(timestamp=str(now), body=body)
    assert h.post(body.replace("open", "compile"), content_type="application/x-www-form-urlencoded",
                  timestamp=now, signature=sig).status == 401
    # A timestamp from the future, a signature made with another secret.
    assert h.post(body, content_type="application/x-www-form-urlencoded", timestamp=now + 600,
                  signature=SignatureVerifier(SECRET).generate_signature(timestamp=str(now + 600), body=body)).status == 401
    assert h.post(body, content_type="application/x-www-form-urlencoded",
                  signature=SignatureVerifier("other").generate_signature(timestamp=str(now), body=body)).status == 401
    # Missing headers.
    for drop in ("X-Slack-Signature", "X-Slack-Request-Timestamp"):
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(now),
                   "X-Slack-Signature": sig}
        del headers[drop]
        req = urllib.request.Request(h.url + "/slack/events", data=body.encode(), method="POST", headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 401
    assert h.post(body, content_type="application/x-www-form-urlencoded", timestamp="yesterday", signature=sig).status == 401
    h.idle()
    assert h.prompts() == [] and h.core.summary(h.report, PERIOD, h.clock()).state == "none"


def test_interactions_from_another_workspace_touch_nothing(harness):
    h = harness
    open_period(h)
    other = "T0EVILCO1"
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "results"})
    before = len(h.fake.calls_to("views.open"))
    assert h.click("write", value, OWNER_A, team=other).status == 200
    modal = h.modal_for("results", OWNER_A, PERIOD)  # the genuine one, for its shape
    r = h.submit_view(modal, modal_values(modal, "from another workspace"), OWNER_A, team=other)
    assert r.json()["response_action"] == "errors"
    p = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|results:U0OWNERA1"))
    ev = {"type": "message", "channel_type": "im", "channel": p["channel"], "user": OWNER_A, "text": "foreign",
          "ts": "1800000000.000900", "thread_ts": p["ts"]}
    assert h.event(ev, event_id="EvForeign", team=other).status == 200
    assert h.command(f"compile {PERIOD}", team=other).status == 200
    assert h.command("away until 2026-12-31", user=OWNER_A, team=other).status == 200
    h.idle()
    assert len(h.fake.calls_to("views.open")) == before + 1  # only the genuine click opened a modal
    assert h.core.summary(h.report, PERIOD, h.clock()).done == 0
    assert h.fake.posted(CHANNEL) == []
    assert h.store.people.away_until(h.report.team_id, OWNER_A) is None
    # And a stranger of the right workspace may not write someone else's section (decided once
    # Slack has said they are no workspace admin: after the ack, the refusal by DM).
    r = h.submit_view(modal, modal_values(modal, "not mine"), STRANGER)
    assert r.status == 200 and r.body == ""
    h.wait_for(lambda: [m for m in h.fake.posted("D" + STRANGER[1:]) if "not mine" in (m["text"] or "")])
    assert h.core.summary(h.report, PERIOD, h.clock()).done == 0


HOSTILE = "看 <!channel> <!here|here> <!everyone> <!subteam^S0123|@ads> <@U0VICTIM1> <#C0VICTIM1> <https://evil.example|点我> & *粗体*"
LIVE = ("<!channel>", "<!here", "<!everyone>", "<!subteam", "<@U0VICTIM1>", "<#C0VICTIM1>", "<https://evil")


def _assert_inert(payload) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for live in LIVE:
        assert live not in text, live


def test_user_text_is_escaped_wherever_it_is_echoed(harness):
    h = harness
    open_period(h)
    modal = h.modal_for("results", OWNER_A, PERIOD)
    assert h.submit_view(modal, modal_values(modal, HOSTILE), OWNER_A).body == ""
    # The prompt receipt preview (chat.update of the owner's prompt).
    updates = h.wait_for(lambda: h.fake.calls_to("chat.update"))
    _assert_inert([c.params for c in updates])
    assert "&lt;!channel&gt;" in json.dumps([c.params for c in updates], ensure_ascii=False)
    # Status.
    _assert_inert(h.command(f"status {PERIOD}").json())
    # The preview (ephemeral) and the posted summary, then a late edit's update note.
    h.command(f"compile {PERIOD} --preview")
    h.wait_for(lambda: h.fake.calls_to("chat.postEphemeral"))
    _assert_inert([c.params for c in h.fake.calls_to("chat.postEphemeral")])
    h.command(f"compile {PERIOD}")
    h.wait_for(lambda: len(h.fake.posted(CHANNEL)) >= 8)
    modal = h.modal_for("data", OWNER_B, PERIOD)
    h.submit_view(modal, modal_values(modal, HOSTILE), OWNER_B)
    h.wait_for(lambda: len(h.fake.posted(CHANNEL)) >= 9)
    _assert_inert([(m["text"], m["blocks"]) for m in h.fake.posted()])
    # App Home, when the module exists in this tree.
    h.event({"type": "app_home_opened", "user": OWNER_A, "channel": "D0OWNERA1", "tab": "home"}, event_id="EvHome")
    h.idle()
    _assert_inert([c.params for c in h.fake.calls_to("views.publish")])
    # The modal shows the raw text back (plain_text input: no mrkdwn there).
    modal = h.modal_for("results", OWNER_A, PERIOD)
    assert modal["blocks"][1]["element"]["initial_value"] == HOSTILE


def test_sql_like_text_is_stored_and_read_back_intact(harness):
    h = harness
    open_period(h)
    nasty = "'); DROP TABLE answers;-- \" OR 1=1; -- %s ? :name $1 \\x00"
    modal = h.modal_for("results", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, nasty), OWNER_A)
    h.core.delegate(h.report, PERIOD, "data", OWNER_B, "U0'); DROP TABLE ledger;--", h.clock())
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text == nasty
    tables = {r[0] for r in h.db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"answers", "ledger", "revisions", "delegations"} <= tables
    assert h.store.people.delegations(h.report.team_id, "feed-ads", PERIOD)[("data", OWNER_B)] == "U0'); DROP TABLE ledger;--"
    assert h.command(f"status {PERIOD} --report x'; DROP TABLE reports;--").status == 200
    assert h.core.report(h.report.team_id, "feed-ads") is not None


def test_secrets_never_reach_the_logs(tmp_path, clock):
    token = "xoxb-test"
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    h = Harness(tmp_path, clock)
    try:
        h.fake.faults.user_errors = {"D0OWNERB1": "account_inactive"}  # a Slack error along the way
        open_period(h)
        modal = h.modal_for("results", OWNER_A, PERIOD)
        h.submit_view(modal, modal_values(modal, "ok"), OWNER_A)
        bad = dict(modal, private_metadata=json.dumps({"r": "feed-ads"}))  # a listener crash (KeyError)
        h.submit_view(bad, modal_values(modal, "crash"), OWNER_A)
        _fill_disk(h)  # a storage error
        h.submit_view(modal, modal_values(modal, "x" * 30000), OWNER_A)
        _writable_again(h)
        h.command(f"open {PERIOD}", signature="v0=" + "0" * 64)  # a forged request
        h.command(f"compile {PERIOD}")
        h.wait_for(lambda: len(h.fake.posted(CHANNEL)) >= 8)
        h.idle()
    finally:
        h.close()
        root.removeHandler(handler)
        root.setLevel(old_level)
    logs = stream.getvalue()
    assert "listener failed" in logs and "chat.postMessage" in logs  # the capture did see DEBUG traffic
    assert token not in logs and SECRET not in logs
    assert "Bearer" not in logs.replace("(redacted)", "")


@pytest.mark.parametrize("body, ctype", [
    ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ("payload=" + urllib.parse.quote(json.dumps({"type": "block_actions"})), "application/x-www-form-urlencoded"),
    ("payload=" + urllib.parse.quote(json.dumps({"type": "view_submission", "view": {}})), "application/x-www-form-urlencoded"),
    ("payload=" + urllib.parse.quote("[1, 2, 3]"), "application/x-www-form-urlencoded"),
    ('{"type": "event_callback"', "application/json"),
    ('{"type": "event_callback", "event": null}', "application/json"),
    ("command=%2Ffeedsum", "application/x-www-form-urlencoded"),
    ("just some text", "text/plain"),
    ("\xff\xfe garbage", "application/octet-stream"),
    ("", "application/x-www-form-urlencoded"),
], ids=["bad-json", "actions-missing", "view-empty", "payload-list", "truncated-json", "event-null",
        "command-no-team", "text-plain", "binary", "empty"])
def test_malformed_payloads_get_a_4xx_not_a_crash(harness, body, ctype):
    r = harness.post(body, content_type=ctype)
    assert 400 <= r.status < 500, (r.status, r.body)
    assert harness.get("/healthz").status == 200


def test_a_huge_body_is_refused_with_413_before_parsing(harness):
    r = harness.post("payload=" + "x" * (1024 * 1024 + 1), content_type="application/x-www-form-urlencoded")
    assert r.status == 413
    assert harness.get("/healthz").status == 200


# --- slow clients (slow-loris) -------------------------------------------------------------------

SLOW_REQUEST = b"POST /slack/events HTTP/1.1\r\nHost: feedsum\r\nContent-Type: application/json\r\n"


def _get_within(url: str, seconds: float) -> int:
    with urllib.request.urlopen(url, timeout=seconds) as resp:
        return resp.status


def test_slow_connections_leave_health_checks_and_slack_answered(harness):
    """120 connections each sending a request's headers a byte at a time (never idle, never done)."""
    h = harness
    slow: list[socket.socket] = []
    try:
        for _ in range(120):
            s = socket.create_connection(("127.0.0.1", h.port), timeout=5)
            s.sendall(SLOW_REQUEST[:1])
            slow.append(s)
        for i in range(1, 4):  # three rounds: every connection sends its next byte, then we ask
            for s in slow:
                s.sendall(SLOW_REQUEST[i:i + 1])
            t0 = time.monotonic()
            assert _get_within(h.url + "/healthz", 5) == 200
            r = h.command("help")
            assert r.status == 200 and "/feedsum" in r.body and time.monotonic() - t0 < 5
    finally:
        for s in slow:
            s.close()


def test_a_request_that_never_finishes_arriving_is_cut_off(harness):
    """Past the deadline a trickling connection is closed; a whole request still gets through."""
    from handlers.server import make_server, stop

    server = make_server(harness.app, host="127.0.0.1", port=0, threads=2, request_deadline=1, cleanup_interval=1)
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}"
    s = socket.create_connection(("127.0.0.1", server.effective_port), timeout=5)
    try:
        deadline = time.monotonic() + 6
        closed = False
        for byte in SLOW_REQUEST * 100:
            try:
                s.sendall(bytes([byte]))
                s.settimeout(0.2)
                closed = s.recv(1) == b""
            except TimeoutError:
                pass
            except OSError:  # reset by the server
                closed = True
            if closed or time.monotonic() > deadline:
                break
        assert closed, "the trickling connection was still open"
        assert _get_within(url + "/healthz", 5) == 200
    finally:
        s.close()
        stop(server)


def test_at_the_connection_limit_new_clients_wait_only_until_the_deadline(harness, monkeypatch):
    """waitress stops accepting at its limit (new connections queue in the backlog); trickling
    connections past the deadline are closed, and the queued health check is then answered."""
    from handlers import server as http

    monkeypatch.setattr(http, "CONNECTION_LIMIT", 5)
    server = http.make_server(harness.app, host="127.0.0.1", port=0, threads=2, request_deadline=1,
                              cleanup_interval=1)
    threading.Thread(target=server.run, daemon=True).start()
    slow = [socket.create_connection(("127.0.0.1", server.effective_port), timeout=5) for _ in range(5)]
    stop = threading.Event()

    def trickle():
        for byte in SLOW_REQUEST * 100:
            for s in slow:
                with contextlib.suppress(OSError):  # closed by the server: that is the point
                    s.sendall(bytes([byte]))
            if stop.wait(0.1):
                return

    threading.Thread(target=trickle, daemon=True).start()
    try:
        assert _get_within(f"http://127.0.0.1:{server.effective_port}/healthz", 8) == 200
    finally:
        stop.set()
        for s in slow:
            s.close()
        http.stop(server)


# --- uploads -------------------------------------------------------------------------------------

def test_check_upload_accepts_exports_and_refuses_the_rest():
    check_upload("report.csv", 1000, "日期,消耗,展示数\n".encode())
    check_upload("report.csv", 1000, "日期,消耗\n".encode("gb18030"))
    check_upload("report.tsv", 1000, "\ufeff日期\t消耗\n".encode("utf-16"))
    check_upload("report.xlsx", 1000, b"PK\x03\x04rest")
    check_upload("report.csv", None, b"")
    cases = [
        (("big.csv", MAX_UPLOAD_BYTES + 1, b"a,b\n"), "50 MB"),
        (("empty.csv", 0, b""), "empty"),
        (("scan.pdf", 1000, b"%PDF-1.7"), "PDF"),
        (("report.csv", 1000, b"%PDF-1.7"), "PDF"),
        (("photo.png", 1000, b"\x89PNG\r\n"), "PNG"),
        (("old.xls", 1000, b"\xd0\xcf\x11\xe0\xa1\xb1"), ".xls"),
        (("fake.xlsx", 1000, b"a,b,c\n"), "not an Excel"),
        (("bundle.zip", 1000, b"PK\x03\x04"), "zip archive"),
        (("notes.docx", 1000, b"PK\x03\x04"), "zip archive"),
        (("slides.key", 1000, b"hello"), ".key"),
        (("data.csv", 1000, b"\x00\x01\x02\x03binary\x00"), "binary"),
    ]
    for args, words in cases:
        with pytest.raises(UploadRefused) as err:
            check_upload(*args)
        assert words in str(err.value), (args, str(err.value))


def _bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
    return buf.getvalue()


def test_xlsx_zip_bombs_are_refused_before_openpyxl(tmp_path):
    from bot.data.exports import ExportError, read_export

    bomb = _bomb(64 << 20)  # 64 MB of zeros in ~64 KB
    assert len(bomb) < 200_000
    with pytest.raises(UploadRefused, match="zip bomb"):
        check_xlsx_zip(bomb, "bomb.xlsx")
    with pytest.raises(ExportError, match="zip bomb"):
        read_export(bomb, name="bomb.xlsx")
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(bomb)
    with pytest.raises(ExportError, match="zip bomb"):
        read_export(path)
    with pytest.raises(ExportError, match="damaged"):
        read_export(b"PK\x03\x04" + b"\0" * 100, name="cut.xlsx")


def test_a_real_xlsx_passes_the_zip_check(tmp_path):
    from openpyxl import Workbook

    from bot.data.exports import read_export

    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "计划名称", "消耗", "展示数", "点击数"])
    for d in range(1, 31):
        ws.append([f"2026-11-{d:02d}", "计划A", 100.5, 10000, 250])
    path = tmp_path / "ok.xlsx"
    wb.save(path)
    check_xlsx_zip(path)
    rows = read_export(path).rows
    assert len(rows) == 30 and round(float(rows["spend"].sum()), 2) == 3015.0


# --- 6. Backup ---------------------------------------------------------------------------------

def test_backup_while_writing_then_restore(tmp_path, clock):
    h = Harness(tmp_path / "live", clock)
    try:
        open_period(h)
        stop = threading.Event()
        written = []

        def writer():
            i = 0
            while not stop.is_set():
                h.core.submit(h.report, PERIOD, "results", OWNER_A, f"版本 {i}", h.clock(), via="test")
                written.append(i)
                i += 1

        t = threading.Thread(target=writer)
        t.start()
        h.wait_for(lambda: len(written) > 20)
        dest = tmp_path / "copy.db"
        env = {**os.environ, "FEEDSUM_DB": h.settings.db_path, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
        out = subprocess.run([sys.executable, "-m", "feedsum.cli", "backup", str(dest)], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
        at_backup = len(written)
        stop.set()
        t.join()
        assert out.returncode == 0, out.stderr
        copy = sqlite3.connect(dest)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        revs = copy.execute("SELECT COUNT(*) FROM revisions WHERE section = 'results'").fetchone()[0]
        text = copy.execute("SELECT text FROM answers WHERE section = 'results'").fetchone()[0]
        copy.close()
        assert 20 < revs <= at_backup + 1 and text == f"版本 {revs - 1}"  # a consistent snapshot
        assert len(prompt_keys(h)) == 8
    finally:
        h.close()
        h.db.conn.close()  # stop: the bot's connection is gone before the file is replaced
    # Restore = stop, copy the file over FEEDSUM_DB (dropping the old -wal/-shm), start.
    live = Path(h.settings.db_path)
    for suffix in ("-wal", "-shm"):
        Path(str(live) + suffix).unlink(missing_ok=True)
    shutil.copy(dest, live)
    h2 = Harness(tmp_path / "live", clock)
    try:
        s = h2.core.summary(h2.report, PERIOD, h2.clock())
        assert s.state == "open" and s.sections[0].text == f"版本 {revs - 1}"
        assert len(h2.store.ledger.entries(h2.report.team_id, "feed-ads", PERIOD, state="done")) >= 8
    finally:
        h2.close()


def run_backup(monkeypatch, capsys, tmp_path, db: Path, dest: Path) -> tuple[int, str, str]:
    from feedsum.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEEDSUM_DB", str(db))
    code = main(["backup", str(dest)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_backup_of_a_missing_database_fails_loudly_and_creates_nothing(tmp_path, monkeypatch, capsys):
    db, dest = tmp_path / "data" / "feedsum.db", tmp_path / "copy.db"
    code, out, err = run_backup(monkeypatch, capsys, tmp_path, db, dest)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and str(db) in err and "FEEDSUM_DB" in err and "does not exist" in err
    assert not db.exists() and not db.parent.exists() and not dest.exists()


def test_backup_of_an_empty_database_fails_loudly(tmp_path, monkeypatch, capsys):
    dest = tmp_path / "copy.db"
    empty = tmp_path / "empty.db"
    empty.touch()
    code, _out, err = run_backup(monkeypatch, capsys, tmp_path, empty, dest)
    assert code == 2 and err.count("\n") == 1 and str(empty) in err and "FEEDSUM_DB" in err and "empty" in err
    assert empty.stat().st_size == 0 and not dest.exists()  # not turned into a database
    fresh = tmp_path / "fresh.db"  # a database with feedsum's tables but nothing in them
    Store.open(fresh).close()
    code, _out, err = run_backup(monkeypatch, capsys, tmp_path, fresh, dest)
    assert code == 2 and "no rows" in err and not dest.exists()
    other = tmp_path / "notes.txt"
    other.write_text("not a database")
    code, _out, err = run_backup(monkeypatch, capsys, tmp_path, other, dest)
    assert code == 2 and "not a SQLite database" in err and not dest.exists()
    code, _out, err = run_backup(monkeypatch, capsys, tmp_path, fresh, tmp_path / "no-such-dir" / "copy.db")
    assert code == 2 and "no-such-dir" in err and "folder" in err


def test_backup_of_a_good_database_is_verified_and_counted(tmp_path, clock, monkeypatch, capsys):
    h = Harness(tmp_path / "live", clock)
    try:
        open_period(h)
        h.core.submit(h.report, PERIOD, "results", OWNER_A, "第一版", h.clock(), via="test")
        h.core.submit(h.report, PERIOD, "results", OWNER_A, "第二版", h.clock(), via="test")
        dest = tmp_path / "copy.db"
        dest.write_bytes(b"yesterday's backup")  # replaced only by a verified copy
        code, out, err = run_backup(monkeypatch, capsys, tmp_path, Path(h.settings.db_path), dest)
    finally:
        h.close()
    assert code == 0, err
    lines = out.splitlines()
    assert "integrity ok" in lines[0] and str(dest) in lines[0]
    counts = dict(line.split() for line in lines[1:])
    assert counts["answers"] == "1" and counts["revisions"] == "2" and counts["prompts"] == "8"
    assert int(counts["ledger"]) == 8 and int(counts["reports"]) == 1 and "_migrations" not in counts
    copy = sqlite3.connect(dest)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM revisions").fetchone()[0] == 2
    copy.close()
    assert not list(tmp_path.glob(".copy.db.tmp*"))
