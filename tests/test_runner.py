"""The month-end schedule executed: prompts, reminders and the post happen by themselves, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.runner import tick
from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, OWNER_B, modal_values

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

SH = ZoneInfo("Asia/Shanghai")
OPEN = datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH)  # 3rd-last business day of Nov 2026
PERIOD = "2026-11"


def keys_of(messages):
    return [m["metadata"]["event_payload"]["key"] for m in messages if m.get("metadata")]


def dms(h):
    return [m for m in h.fake.posted() if m["channel"].startswith("D")]


def test_tick_opens_on_time_and_only_once(harness):
    h = harness
    assert tick(h.core, OPEN - timedelta(minutes=5)) == []
    lines = tick(h.core, OPEN)
    assert len(lines) == 1 and lines[0].startswith("done:") and "open" in lines[0]
    assert len(h.prompts()) == 8
    assert tick(h.core, OPEN + timedelta(minutes=1)) == []
    assert len(h.prompts()) == 8


def test_dry_run_changes_nothing(harness):
    h = harness
    lines = tick(h.core, OPEN, dry_run=True)
    assert lines == ["would run: T0FEEDSUM/feed-ads 2026-11 open      (scheduled 2026-11-26 10:00 CST)"]
    assert h.fake.posted() == [] and h.core.summary(h.report, PERIOD, OPEN).state == "none"


def test_reminders_reach_only_pending_owners_not_away(harness):
    h = harness
    tick(h.core, OPEN)
    h.core.submit(h.report, PERIOD, "data", OWNER_B, "done", OPEN, via="test")
    h.core.submit(h.report, PERIOD, "plan", OWNER_B, "done", OPEN, via="test")
    h.core.set_away(h.report.team_id, ADMIN, date(2026, 11, 28), OPEN)
    before = len(dms(h))
    lines = tick(h.core, datetime(2026, 11, 27, 10, 1, tzinfo=SH))  # Friday: a business day
    assert [line.split()[3] for line in lines] == ["remind"]
    reminders = dms(h)[before:]
    assert sorted(m["channel"] for m in reminders) == sorted(["D" + OWNER_A[1:], "D" + OWNER_B[1:]])
    text_b = next(m["text"] for m in reminders if m["channel"] == "D" + OWNER_B[1:])
    assert "经验与问题" in text_b and "数据表现分析" not in text_b  # only B's pending section
    # Saturday and Sunday: no reminders (no slot on a non-business day).
    assert tick(h.core, datetime(2026, 11, 28, 10, 1, tzinfo=SH)) == []
    # A second pass at the same slot sends nothing more.
    assert tick(h.core, datetime(2026, 11, 27, 10, 30, tzinfo=SH)) == []
    assert len(dms(h)) == before + 2


def test_due_posts_the_summary_and_stale_reminders_are_skipped(harness):
    h = harness
    tick(h.core, OPEN)
    # Down from Friday to Tuesday evening: Friday's and Monday's reminders are stale now.
    before = len(dms(h))
    assert tick(h.core, datetime(2026, 12, 1, 20, 0, tzinfo=SH)) == []
    assert len(dms(h)) == before
    lines = tick(h.core, datetime(2026, 12, 2, 12, 0, 10, tzinfo=SH))
    assert [line.split()[3] for line in lines] == ["due"]
    posts = h.fake.posted(CHANNEL)
    assert posts and posts[0]["blocks"][0]["text"]["text"].startswith("信息流投放组")
    assert h.core.summary(h.report, PERIOD, OPEN).state == "posted"
    assert tick(h.core, datetime(2026, 12, 2, 12, 5, tzinfo=SH)) == []


def test_missed_open_is_caught_up_after_downtime(harness):
    h = harness
    lines = tick(h.core, datetime(2026, 11, 30, 15, 0, tzinfo=SH))
    assert [line.split()[3] for line in lines] == ["open"]
    assert len(h.prompts()) == 8


def test_post_when_complete(tmp_path, clock):
    from tests.slack_harness import CONFIG, Harness

    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["schedule"] = {"post_when_complete": True}
    config["reports"][0]["sections"] = [{"key": "results", "owners": [OWNER_A]}]
    h = Harness(tmp_path, clock, config=config)
    try:
        report = h.core.report(h.fake.team_id, "feed-ads")
        tick(h.core, OPEN)
        h.core.submit(report, PERIOD, "results", OWNER_A, "all done", OPEN, via="test")
        lines = tick(h.core, OPEN + timedelta(hours=1))
        assert [line.split()[3] for line in lines] == ["due"]
        assert h.fake.posted(CHANNEL)
    finally:
        h.close()


def test_late_answer_updates_the_posted_summary(harness):
    h = harness
    tick(h.core, OPEN)
    tick(h.core, datetime(2026, 12, 2, 12, 0, 10, tzinfo=SH))
    main = h.fake.posted(CHANNEL)[0]
    h.clock.now = datetime(2026, 12, 2, 15, 0, tzinfo=SH)
    modal = h.modal_for("market", OWNER_A, PERIOD)
    assert h.submit_view(modal, modal_values(modal, "迟到的市场观察"), OWNER_A).status == 200
    h.wait_for(lambda: any(c.params.get("ts") == main["ts"] for c in h.fake.calls_to("chat.update")))
    updated = next(m for m in h.fake.posted(CHANNEL) if m["ts"] == main["ts"])
    assert "1/7" in json.dumps(updated["blocks"], ensure_ascii=False)
    note = h.wait_for(lambda: [m for m in h.fake.posted(CHANNEL) if m["thread_ts"]
                               and "迟到的市场观察" in json.dumps(m["blocks"], ensure_ascii=False)])
    assert note[-1]["thread_ts"] == main["ts"] and "补交" in note[-1]["text"]


def test_status_shows_next_scheduled_actions(harness):
    h = harness
    tick(h.core, OPEN)
    r = h.command(f"status {PERIOD}")
    text = json.dumps(r.json()["blocks"], ensure_ascii=False)
    assert "提醒未提交的人 2026-11-27 10:00" in text


def test_away_and_delegate_commands(harness):
    h = harness
    tick(h.core, OPEN)
    r = h.command("away until 2026-12-10", user=OWNER_A)
    assert "2026-12-10" in r.json()["text"]
    assert h.store.people.away_until(h.report.team_id, OWNER_A) == "2026-12-10"
    r = h.command("away until someday", user=OWNER_A)
    assert "YYYY-MM-DD" in r.json()["text"]
    r = h.command("delegate data <@U0HELPER1|helper>", user=OWNER_B)
    assert "U0HELPER1" in r.json()["text"]
    h.wait_for(lambda: any(k.endswith("|data:U0HELPER1") for k in keys_of(h.prompts())))
    # The delegate may now write it; the status names them.
    h.core.submit(h.report, PERIOD, "data", "U0HELPER1", "written by the helper", OPEN, via="test")
    told = h.answer("delegate data <@U0HELPER1>", user="U0STRANGE")
    assert "不能" in told["text"] or "belongs" in told["text"]


def test_away_button_opens_a_date_form(harness):
    h = harness
    tick(h.core, OPEN)
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "results"})
    h.click("away", value, OWNER_A)
    view = h.wait_for(lambda: [c for c in h.fake.calls_to("views.open")])[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    r = h.submit_view(view, {"until": {"date": {"type": "datepicker", "selected_date": "2026-12-05"}}}, OWNER_A)
    assert r.status == 200
    assert h.store.people.away_until(h.report.team_id, OWNER_A) == "2026-12-05"


# --- separate processes ---------------------------------------------------------------------

CONFIG_TOML = """
[[reports]]
id = "feed-ads"
name = "信息流投放组"
channel = "C0REPORT1"
admins = ["U0ADMIN01"]
[[reports.sections]]
key = "results"
owners = ["U0OWNERA1", "U0OWNERB1", "U0ADMIN01"]
[[reports.sections]]
key = "data"
owners = ["U0OWNERA1", "U0OWNERB1", "U0ADMIN01"]
"""


def cli_env(tmp_path, fake, *, lease: float = 120):
    cfg = tmp_path / "feedsum.toml"
    cfg.write_text(CONFIG_TOML, encoding="utf-8")
    return {**{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FEEDSUM_"))},
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_BASE_URL": fake.api_url,
            "FEEDSUM_DB": str(tmp_path / "f.db"), "FEEDSUM_CONFIG": str(cfg), "FEEDSUM_LEASE_SECONDS": str(lease),
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def deployed_before(env) -> None:
    """The state a running deployment has before the open instant: the report is known (a tick the
    day before, in this process: the processes under test start after it)."""
    from bot.model.config import Settings
    from feedsum.root import started

    day_before = OPEN - timedelta(days=1)
    root = started(Settings.from_env(env), clock=lambda: day_before)
    root.tick(day_before)
    root.shutdown()


def run_tick(env, now: datetime, cwd):
    return subprocess.Popen([sys.executable, "-m", "feedsum.cli", "tick", "--now", now.isoformat()], env=env,
                            cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_tick_processes_at_the_same_instant_send_one_set(tmp_path):
    from feedsum.fake_slack import FakeSlack

    with FakeSlack() as fake:
        env = cli_env(tmp_path, fake)
        # Create the report before the open instant, as a running deployment would have.
        deployed_before(env)
        procs = [run_tick(env, OPEN, tmp_path) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), outs
        keys = keys_of([m for m in fake.posted() if m["channel"].startswith("D")])
        assert len(keys) == 6 and len(set(keys)) == 6


def test_a_sender_killed_half_way_is_finished_by_the_other_once_its_lease_runs_out(tmp_path):
    from bot.model.config import Settings
    from feedsum.fake_slack import FakeSlack
    from feedsum.root import started

    with FakeSlack() as fake:
        env = cli_env(tmp_path, fake, lease=1)
        # The other process, already running (its clock at the scheduled instant: the real date must
        # not decide which month the report starts from).
        other = started(Settings.from_env(env), clock=lambda: OPEN).core
        fake.faults.hold = 3  # the 3rd prompt reaches Slack; its answer never comes back
        proc = run_tick(env, OPEN, tmp_path)
        if not fake.held.wait(30):
            proc.kill()
            raise AssertionError(proc.communicate()[1])
        # While the first process lives, however long its send takes, the other leaves it alone.
        assert [line.split(":")[0] for line in tick(other, OPEN + timedelta(minutes=1))] == ["running elsewhere"]
        proc.kill()
        proc.wait()
        fake.release.set()
        # Dead, its claims run out within a lease; the other's next tick finishes the fan-out (the
        # tick's instant is the same minute: leases count real seconds, not the scheduled time).
        started = time.monotonic()
        lines = []
        while not any(line.startswith("done:") for line in lines) and time.monotonic() - started < 10:
            lines = tick(other, OPEN + timedelta(minutes=1))
            time.sleep(0.05)
        assert [line.split(":")[0] for line in lines] == ["done"]
        assert time.monotonic() - started < 1 + 5  # about a lease, and a busy machine's slack
        # "done" means every prompt is in Slack: the tick waits for the pacer's sends.
        keys = keys_of([m for m in fake.posted() if m["channel"].startswith("D")])
        assert sorted(keys) == sorted(set(keys)) and len(keys) == 6
        assert len(fake.calls_to("chat.postMessage")) == 6  # the 3rd was found in Slack, not sent again
        other.store.close()


def test_remind_command_reaches_pending_owners_once_a_minute(harness):
    h = harness
    tick(h.core, OPEN)
    h.core.submit(h.report, PERIOD, "results", OWNER_A, "done", OPEN, via="test")
    before = len(dms(h))
    h.command("remind")
    h.wait_for(lambda: any("提醒" in (x.get("text") or "") for x in h.fake.responses))
    h.command("remind")  # a double click in the same minute sends nothing more
    h.wait_for(lambda: sum("提醒" in (x.get("text") or "") for x in h.fake.responses) == 2)
    reminded = sorted(m["channel"] for m in dms(h)[before:])
    assert reminded == sorted("D" + u[1:] for u in (OWNER_A, OWNER_B, ADMIN))


def test_tick_dry_run_from_the_command_line(tmp_path, monkeypatch, capsys):
    from feedsum.cli import main
    from feedsum.fake_slack import FakeSlack

    with FakeSlack() as fake:
        env = cli_env(tmp_path, fake)
        deployed_before(env)
        for name, value in env.items():  # the command line's environment, in this process
            monkeypatch.setenv(name, value)
        monkeypatch.chdir(tmp_path)
        assert main(["tick", "--dry-run", "--now", OPEN.isoformat()]) == 0
        assert "would run: T0FEEDSUM/feed-ads 2026-11 open" in capsys.readouterr().out
        assert not [m for m in fake.posted() if m["channel"].startswith("D")]
        assert main(["tick", "--now", "2026-11-26T10:00"]) == 2
        err = capsys.readouterr().err
        assert "--now" in err and "Traceback" not in err


def test_reminders_skip_people_slack_cannot_reach(harness):
    h = harness
    h.fake.faults.user_errors[OWNER_B] = "account_inactive"
    tick(h.core, OPEN)
    admin_dm = "D" + ADMIN[1:]
    notices = [m for m in h.fake.posted(admin_dm) if "account_inactive" in (m["text"] or "")]
    assert len(notices) == 1
    before = len(h.fake.calls_to("chat.postMessage"))
    tick(h.core, datetime(2026, 11, 27, 10, 1, tzinfo=SH))
    reminded = [c.params["channel"] for c in h.fake.calls_to("chat.postMessage")[before:]]
    assert sorted(reminded) == sorted(["D" + OWNER_A[1:], admin_dm])  # not B, and no second notice
    assert len([m for m in h.fake.posted(admin_dm) if "account_inactive" in (m["text"] or "")]) == 1
