"""What a host serving thousands of workspaces does on every pass and every request, kept cheap
(benchmarks/bench_scale.py measures it; docs/scale.md has the figures)."""

from __future__ import annotations

import sqlite3
import threading
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
