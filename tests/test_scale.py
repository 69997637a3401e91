"""What a host serving thousands of workspaces does on every pass and every request, kept cheap
(benchmarks/bench_scale.py measures it; docs/scale.md has the figures)."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation

from bot.config import Settings
from handlers.oauth import Workspaces, installation_store
from storage.db import open_db


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
    workspaces = Workspaces(settings, open_db(settings.db_path), default_client=None, store=store,
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
    workspaces = Workspaces(settings, open_db(settings.db_path), default_client=None, store=store,
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
