"""Workspaces that removed the app, and forgetting a workspace's data when an admin asks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from storage.db import transaction

# Kept by forget_team: the record that a workspace removed the app is not its data, and it keeps
# a revoked SLACK_BOT_TOKEN from being tried again.
KEEP = {"workspace_removals"}


def record_removal(db: sqlite_utils.Database, team_id: str, reason: str, *, token_sha256: str | None,
                   now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO workspace_removals (team_id, reason, token_sha256, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (team_id) DO UPDATE SET reason = excluded.reason, "
            "token_sha256 = COALESCE(excluded.token_sha256, workspace_removals.token_sha256), at = excluded.at",
            (team_id, reason, token_sha256, now.isoformat()))


def removal_of_token(db: sqlite_utils.Database, token_sha256: str) -> dict[str, Any] | None:
    with db.lock:
        row = db.execute("SELECT team_id, reason, at FROM workspace_removals WHERE token_sha256 = ?",
                         [token_sha256]).fetchone()
    return {"team_id": row[0], "reason": row[1], "at": row[2]} if row else None


def removals(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    with db.lock:
        rows = db.execute("SELECT team_id, reason, at FROM workspace_removals").fetchall()
    return {r[0]: {"reason": r[1], "at": r[2]} for r in rows}


def _team_tables(conn) -> list[str]:
    """Every table with a team_id column, found from the schema so that new tables are included."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'")]
    return [n for n in names if n not in KEEP
            and any(col[1] == "team_id" for col in conn.execute(f'PRAGMA table_info("{n}")'))]


def team_data(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Rows per table for every workspace that has any."""
    out: dict[str, dict[str, int]] = {}
    with db.lock:
        for table in _team_tables(db.conn):
            for team, count in db.execute(f'SELECT team_id, COUNT(*) FROM "{table}" GROUP BY team_id'):
                out.setdefault(team, {})[table] = count
    return out


def forget_team(db: sqlite_utils.Database, team_id: str) -> dict[str, int]:
    """Delete every row of one workspace in one transaction; returns rows deleted per table."""
    deleted: dict[str, int] = {}
    with transaction(db) as conn:
        # metric_rows belong to a snapshot, not directly to a team.
        n = conn.execute("DELETE FROM metric_rows WHERE snapshot_id IN "
                         "(SELECT id FROM snapshots WHERE team_id = ?)", (team_id,)).rowcount
        if n:
            deleted["metric_rows"] = n
        for table in _team_tables(conn):
            n = conn.execute(f'DELETE FROM "{table}" WHERE team_id = ?', (team_id,)).rowcount
            if n:
                deleted[table] = n
    return deleted
