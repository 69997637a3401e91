"""What every part of the store shares: the database, reads as rows, the audit write."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

import sqlite_utils

from storage.rows import AuditAction


def iso(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


class Part:
    """One area of the store (reports, the ledger, snapshots, …) on the shared connection.

    Reads take the connection's lock (one connection, many threads); writes go through
    storage.db.transaction, one user action per transaction."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def _rows(self, sql: str, params: tuple | list = ()) -> list[dict[str, Any]]:
        with self.db.lock:
            return list(self.db.query(sql, params))

    def _row(self, sql: str, params: tuple | list = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None


def audit(conn: sqlite3.Connection, team_id: str, actor: str, action: AuditAction, target: str, before: Any,
          after: Any, now: datetime) -> None:
    """Record a change, inside the transaction that makes it."""
    conn.execute(
        "INSERT INTO audit (team_id, actor, action, target, before, after, at) VALUES (?,?,?,?,?,?,?)",
        (team_id, actor, str(action), target,
         None if before is None else json.dumps(before, ensure_ascii=False, default=str),
         None if after is None else json.dumps(after, ensure_ascii=False, default=str), iso(now)),
    )
