"""DM channel ids between the bot and people, as Slack's conversations.open gave them."""

from __future__ import annotations

from datetime import datetime

import sqlite_utils

from storage.db import transaction


def of_team(db: sqlite_utils.Database, team_id: str) -> dict[str, str]:
    """user id -> DM channel id, for everyone of the workspace the bot has a DM with."""
    with db.lock:
        rows = db.execute("SELECT user_id, channel FROM dm_channels WHERE team_id = ?", [team_id]).fetchall()
    return dict(rows)


def remember(db: sqlite_utils.Database, team_id: str, user_id: str, channel: str, *, now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute("INSERT INTO dm_channels (team_id, user_id, channel, opened_at) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (team_id, user_id) DO UPDATE SET channel = excluded.channel, "
                     "opened_at = excluded.opened_at", (team_id, user_id, channel, now.isoformat()))
