"""Configured sources' last pulls and what their accounts are; encrypted platform tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlite_utils

from storage.db import transaction
from storage.repo import _iso, _rows

ACCOUNT_FIELDS = ("platform", "account", "account_name", "currency", "timezone", "campaigns")


def record_pulls(db: sqlite_utils.Database, team_id: str, report_id: str, pulls: list[dict[str, Any]], *,
                 now: datetime) -> None:
    """Each pulled source's outcome: `source`, `kind`, `rows` (None when it failed), `error`, and for an
    API source the account fields. A failed pull keeps what was known of the account and the last
    good pull's time."""
    with transaction(db) as conn:
        for p in pulls:
            ok = p.get("error") is None
            account = {k: p.get(k) for k in ACCOUNT_FIELDS}
            conn.execute(
                "INSERT INTO source_state (team_id, report_id, source, kind, last_pull_at, last_ok_at, rows, error, "
                f"{', '.join(ACCOUNT_FIELDS)}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (team_id, report_id, source) DO UPDATE SET kind = excluded.kind, "
                "last_pull_at = excluded.last_pull_at, "
                "last_ok_at = COALESCE(excluded.last_ok_at, source_state.last_ok_at), "
                "rows = COALESCE(excluded.rows, source_state.rows), error = excluded.error, "
                + ", ".join(f"{k} = COALESCE(excluded.{k}, source_state.{k})" for k in ACCOUNT_FIELDS),
                (team_id, report_id, p["source"], p["kind"], _iso(now), _iso(now) if ok else None,
                 p.get("rows") if ok else None, p.get("error"), *account.values()))


def states(db: sqlite_utils.Database, team_id: str, report_id: str) -> dict[str, dict[str, Any]]:
    """Every source of a report that was ever pulled, by its label."""
    return {r["source"]: r for r in _rows(db, "SELECT * FROM source_state WHERE team_id = ? AND report_id = ?",
                                           (team_id, report_id))}


def account_currencies(db: sqlite_utils.Database, team_id: str, report_id: str) -> dict[tuple[str, str], str]:
    """(platform, account) -> the account's currency, for accounts an API pull has seen."""
    rows = _rows(db, "SELECT platform, account, currency FROM source_state WHERE team_id = ? AND report_id = ? "
                     "AND currency IS NOT NULL AND account IS NOT NULL", (team_id, report_id))
    return {(r["platform"], r["account"]): r["currency"] for r in rows}


# --- tokens ----------------------------------------------------------------------------------

def token(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    """The stored (encrypted) token and its expiry, or None."""
    rows = _rows(db, "SELECT token, expires_at FROM api_tokens WHERE name = ?", (name,))
    return rows[0] if rows else None


def put_token(db: sqlite_utils.Database, name: str, encrypted: str, expires_at: str | None, *, now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute("INSERT INTO api_tokens (name, token, expires_at, updated_at) VALUES (?,?,?,?) "
                     "ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, "
                     "updated_at = excluded.updated_at", (name, encrypted, expires_at, _iso(now)))


def drop_token(db: sqlite_utils.Database, name: str) -> None:
    with transaction(db) as conn:
        conn.execute("DELETE FROM api_tokens WHERE name = ?", (name,))
