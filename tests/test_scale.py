"""What a host serving thousands of workspaces does on every pass and every request, kept cheap
(benchmarks/bench_scale.py measures it; docs/scale.md has the figures)."""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.model.config import Settings
from handlers.oauth import Workspaces, installation_store
from storage import Store


def _settings(tmp_path) -> Settings:
    return Settings.from_env({"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "shh",
                              "FEEDSUM_DB": str(tmp_path / "feedsum.db")})


def _install(store, team: str) -> None:
    store.save(Installation(app_id="A0FEEDSUM", team_id=team, bot_token=f"xoxb-{team}", bot_id="B0BOT",
                            bot_user_id="U0BOTUSER", user_id="U0INSTALL", token_type="bot"))


def test_installation_lookups_reuse_one_connection_per_thread(tmp_path, monkeypatch):
    settings = _settings(tmp_path)
    store = installation_store(settings)
    for team in ("T1", "T2"):
        _install(store, team)
    workspaces = Workspaces(settings, Store.open(settings.db_path), default_client=None, store=store,
                            make_client=lambda s, token: WebClient(token=token), clock=lambda: datetime.now(UTC))
    opened = []
    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **kw: opened.append(a) or real(*a, **kw))
    assert all(workspaces.serves("T1") and workspaces.token_for("T2") == "xoxb-T2" for _ in range(200))
    assert not workspaces.serves("T3")
    assert len(opened) <= 1  # not one per lookup: the scheduler asks about every workspace each pass
    # Another process (its own store and connections) removes an installation: seen at once.
    other = installation_store(settings)
    other.delete_all(enterprise_id=None, team_id="T1")
    _install(other, "T3")
    assert not workspaces.serves("T1") and workspaces.serves("T2") and workspaces.serves("T3")
    # Each thread has its own connection (sqlite3 connections are not shared across threads).
    seen = []
    thread = threading.Thread(target=lambda: seen.append((workspaces.serves("T2"), store.connect())))
    thread.start()
    thread.join()
    assert seen[0][0] is True and seen[0][1] is not store.connect()


def _rotating(token: str, expires: int) -> Installation:
    return Installation(app_id="A0FEEDSUM", team_id="T1", bot_token=f"xoxe.xoxb-{token}", bot_refresh_token=f"xoxe-{token}",
                        bot_token_expires_at=expires, bot_id="B0BOT", bot_user_id="U0BOTUSER", user_id="U0INSTALL",
                        token_type="bot")


def test_a_token_refreshed_by_another_connection_is_what_the_next_lookup_returns(tmp_path):
    """A thread keeps its connection between look-ups, never a row or a read transaction: while it
    is idle another connection (another thread's, or another process's) can write at once, and the
    token it wrote is what the thread's next look-up returns."""
    settings = _settings(tmp_path)
    store = installation_store(settings)
    expires = int(time.time()) + 12 * 3600  # far from its refresh time: read, not rotated
    store.save(_rotating("1", expires))
    with sqlite3.connect(store.database) as conn:  # installed a while ago: the refresh is newer
        for table in ("slack_installations", "slack_bots"):
            conn.execute(f"UPDATE {table} SET installed_at = datetime('now', '-1 hour')")
    workspaces = Workspaces(settings, Store.open(settings.db_path), default_client=None, store=store,
                            make_client=lambda s, token: WebClient(token=token), clock=lambda: datetime.now(UTC))
    with ThreadPoolExecutor(max_workers=1) as worker:  # one long-lived thread, as the app's workers are
        assert worker.submit(workspaces.token_for, "T1").result() == "xoxe.xoxb-1"
        # Written with no wait for a lock: a look-up that left its read transaction open fails this.
        refresher = installation_store(settings)
        refresher.connect = lambda: sqlite3.connect(store.database, timeout=0)
        writer = threading.Thread(target=refresher.save, args=(_rotating("2", expires),))
        writer.start()
        writer.join()
        assert len(sqlite3.connect(store.database).execute("SELECT 1 FROM slack_bots").fetchall()) == 2
        assert worker.submit(workspaces.token_for, "T1").result() == "xoxe.xoxb-2"


def _rows_of(path, team: str, period: str, tag: str) -> dict[str, list]:
    """A workspace's rows of the live month's open, its ids written as the template's."""
    conn = sqlite3.connect(path)
    out = {}
    for table in ("periods", "prompts", "ledger"):
        cur = conn.execute(f"SELECT * FROM {table} WHERE team_id = ? AND period = ? ORDER BY 1, 2, 3, 4", (team, period))
        ids = [c[0] in ("team_id", "owner", "channel", "key", "recipient") for c in cur.description]
        out[table] = [tuple(v.replace(tag, "#") if is_id and v else v for v, is_id in zip(row, ids, strict=True))
                      for row in cur]
    conn.close()
    return out


def test_the_scale_benchmark_runs_its_steps_at_a_tiny_scale(tmp_path):
    """benchmarks/bench_scale.py's steps on four workspaces, in-process (no timing): installs and
    reports, the live month's data, a real open pass, the fill-in of an open the pass did not
    finish, the copy of one workspace's history to another, sizes, and the next pass's plan."""
    from types import SimpleNamespace

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import bench_scale as b

    from bot.core.runner import planned, tick
    from feedsum.fake_slack import FakeSlack
    from feedsum.root import started

    tl = b.live_timeline()
    created = tl.open_at - timedelta(days=20)
    with FakeSlack() as fake:
        env = b.env_for(tmp_path, SimpleNamespace(api_url=fake.api_url))
        deps = started(b.settings_for(env), clock=lambda: tl.open_at).deps
        core, serves = deps.core, deps.workspaces.serves
        tags = [b.TAG] + [b.tag_of(i) for i in range(3)]
        for tag in tags:
            b.install(deps.workspaces.store, tag, created)
            core.store.reports.upsert(b.team_of(tag), b.report_data(tag), actor=f"U{tag}G", now=created)
            for user in b.owners_of(tag):  # DMs opened in earlier months, as in the benchmark's history
                core.store.dm_channels.remember(b.team_of(tag), user, "D" + user[1:], now=created)
        b.live_uploads(env, tags, (tl.open_at - timedelta(days=1)).date(), tl.open_at - timedelta(hours=2))
        assert [line.split(":")[0] for line in tick(core, tl.open_at, serves=serves)] == ["done"] * 4
        assert b.opened(env) == {"reports_opened": 4, "reports_started": 4, "prompts_done": 32}

        # A pass stopped half-way through one workspace's open: the fill-in opens it as the pass did.
        half = b.team_of(b.tag_of(2))
        db_path = b.settings_for(env).db_path
        with sqlite3.connect(db_path) as conn:
            conn.execute("DELETE FROM ledger WHERE team_id = ? AND period = ? AND action = 'open'", (half, b.LIVE))
            conn.execute("DELETE FROM prompts WHERE team_id = ? AND period = ? AND section = 'plan'", (half, b.LIVE))
        assert b.opened(env)["reports_opened"] == 3
        assert b.fast_forward_open(env, tags) == 1
        template = _rows_of(db_path, b.team_of(b.TAG), b.LIVE, b.TAG)  # the first report opened whole
        assert _rows_of(db_path, half, b.LIVE, b.tag_of(2)) == template
        assert b.opened(env) == {"reports_opened": 4, "reports_started": 4, "prompts_done": 32}

        # The template's rows copied to a new workspace, with its own ids.
        new = b.tag_of(3)
        b.install(deps.workspaces.store, new, created)
        core.store.reports.upsert(b.team_of(new), b.report_data(new), actor=f"U{new}G", now=created)
        copied = b.clone(Path(db_path), [new], lambda _line: None, data_months=1)
        assert copied == {"data_months_copied": 1, "metric_rows_left_out_per_workspace": 0}
        assert _rows_of(db_path, b.team_of(new), b.LIVE, new) == template

        sizes = b.sizes(tmp_path)
        assert sizes["tables"]["metric_rows"]["rows"] == 5 * len(b.metric_frame(b.LIVE, (tl.open_at - timedelta(days=1)).date()))
        actions, _reports = planned(core, tl.reminders[0], serves)
        assert sorted(a.kind for a in actions) == ["remind"] * 5
