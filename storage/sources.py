"""Configured sources: their last pulls, what their accounts are, their errors; encrypted tokens."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from storage.base import Part, iso
from storage.db import transaction
from storage.rows import ACCOUNT_FIELDS, Pulled, SourceError, SourceState, StoredToken


class Sources(Part):
    def record_pulls(self, team_id: str, report_id: str, pulls: list[Pulled], *, now: datetime) -> None:
        """Each pulled source's outcome. A failed pull keeps what was known of the account and the
        last good pull's time."""
        with transaction(self.db) as conn:
            for p in pulls:
                ok = p.error is None
                account = asdict(p)
                conn.execute(
                    "INSERT INTO source_state (team_id, report_id, source, kind, last_pull_at, last_ok_at, rows, "
                    f"error, {', '.join(ACCOUNT_FIELDS)}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT (team_id, report_id, source) DO UPDATE SET kind = excluded.kind, "
                    "last_pull_at = excluded.last_pull_at, "
                    "last_ok_at = COALESCE(excluded.last_ok_at, source_state.last_ok_at), "
                    "rows = COALESCE(excluded.rows, source_state.rows), error = excluded.error, "
                    + ", ".join(f"{k} = COALESCE(excluded.{k}, source_state.{k})" for k in ACCOUNT_FIELDS),
                    (team_id, report_id, p.source, str(p.kind), iso(now), iso(now) if ok else None,
                     p.rows if ok else None, p.error, *(account[k] for k in ACCOUNT_FIELDS)))

    def states(self, team_id: str, report_id: str) -> dict[str, SourceState]:
        """Every source of a report that was ever pulled, by its label."""
        return {r["source"]: SourceState.from_row(r) for r in self._rows(
            "SELECT * FROM source_state WHERE team_id = ? AND report_id = ?", (team_id, report_id))}

    def account_currencies(self, team_id: str, report_id: str) -> dict[tuple[str, str], str]:
        """(platform, account) -> the account's currency, for accounts an API pull has seen."""
        rows = self._rows("SELECT platform, account, currency FROM source_state WHERE team_id = ? AND report_id = ? "
                          "AND currency IS NOT NULL AND account IS NOT NULL", (team_id, report_id))
        return {(r["platform"], r["account"]): r["currency"] for r in rows}

    def note_errors(self, team_id: str, report_id: str, errors: dict[str, str], *, now: datetime) -> dict[str, str]:
        """Record the outcome of a pull of every source: `errors` maps each failing source to its error,
        every other source is fine. Returns the errors that are new or changed (what to tell admins),
        once even when two processes pull together."""
        with transaction(self.db) as conn:
            known = dict(conn.execute("SELECT source, error FROM source_errors WHERE team_id = ? AND report_id = ?",
                                      (team_id, report_id)).fetchall())
            news = {source: error for source, error in errors.items() if known.get(source) != error}
            conn.executemany("DELETE FROM source_errors WHERE team_id = ? AND report_id = ? AND source = ?",
                             [(team_id, report_id, source) for source in known if source not in errors])
            conn.executemany("INSERT INTO source_errors VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET "
                             "error = excluded.error, since = excluded.since",
                             [(team_id, report_id, source, error, iso(now)) for source, error in news.items()])
            return news

    def errors(self, team_id: str, report_id: str) -> list[SourceError]:
        """Sources whose last pull failed, with the error and since when."""
        return [SourceError.from_row(r) for r in self._rows(
            "SELECT source, error, since FROM source_errors WHERE team_id = ? AND report_id = ? ORDER BY source",
            (team_id, report_id))]

    # --- tokens ------------------------------------------------------------------------------

    def token(self, name: str) -> StoredToken | None:
        """The stored (encrypted) token and its expiry, or None."""
        row = self._row("SELECT token, expires_at FROM api_tokens WHERE name = ?", (name,))
        return StoredToken.from_row(row) if row else None

    def put_token(self, name: str, encrypted: str, expires_at: str | None, *, now: datetime) -> None:
        with transaction(self.db):
            self.db["api_tokens"].upsert({"name": name, "token": encrypted, "expires_at": expires_at,
                                          "updated_at": iso(now)}, pk="name")

    def drop_token(self, name: str) -> None:
        with transaction(self.db) as conn:
            conn.execute("DELETE FROM api_tokens WHERE name = ?", (name,))
