"""Workspaces: which removed the app, forgetting one's data; DM channel ids; replayed requests."""

from __future__ import annotations

from datetime import datetime

from storage.base import Part
from storage.db import transaction
from storage.rows import Removal

# Kept by forget_team: the record that a workspace removed the app is not its data, and it keeps
# a revoked SLACK_BOT_TOKEN from being tried again.
KEEP = {"workspace_removals"}
WINDOW_S = 300  # Slack's signatures are accepted for 5 minutes either side of now


def _team_tables(conn) -> list[str]:
    """Every table with a team_id column, found from the schema so that new tables are included."""
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\'")]
    return [n for n in names if n not in KEEP
            and any(col[1] == "team_id" for col in conn.execute(f'PRAGMA table_info("{n}")'))]


class Workspaces(Part):
    def record_removal(self, team_id: str, reason: str, *, token_sha256: str | None, now: datetime) -> None:
        with transaction(self.db) as conn:
            conn.execute(
                "INSERT INTO workspace_removals (team_id, reason, token_sha256, at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (team_id) DO UPDATE SET reason = excluded.reason, "
                "token_sha256 = COALESCE(excluded.token_sha256, workspace_removals.token_sha256), at = excluded.at",
                (team_id, reason, token_sha256, now.isoformat()))

    def removal_of_token(self, token_sha256: str) -> Removal | None:
        row = self._row("SELECT team_id, reason, at FROM workspace_removals WHERE token_sha256 = ?", (token_sha256,))
        return Removal.from_row(row) if row else None

    def removals(self) -> dict[str, Removal]:
        return {r["team_id"]: Removal.from_row(r) for r in self._rows(
            "SELECT team_id, reason, at FROM workspace_removals")}

    def team_data(self) -> dict[str, dict[str, int]]:
        """Rows per table for every workspace that has any."""
        out: dict[str, dict[str, int]] = {}
        with self.db.lock:
            for table in _team_tables(self.db.conn):
                for team, count in self.db.execute(f'SELECT team_id, COUNT(*) FROM "{table}" GROUP BY team_id'):
                    out.setdefault(team, {})[table] = count
        return out

    def forget_team(self, team_id: str) -> dict[str, int]:
        """Delete every row of one workspace in one transaction; returns rows deleted per table."""
        deleted: dict[str, int] = {}
        with transaction(self.db) as conn:
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


class DmChannels(Part):
    """DM channel ids between the bot and people, as Slack's conversations.open gave them."""

    def of_team(self, team_id: str) -> dict[str, str]:
        """user id -> DM channel id, for everyone of the workspace the bot has a DM with."""
        return {r["user_id"]: r["channel"] for r in self._rows(
            "SELECT user_id, channel FROM dm_channels WHERE team_id = ?", (team_id,))}

    def remember(self, team_id: str, user_id: str, channel: str, *, now: datetime) -> None:
        with transaction(self.db):
            self.db["dm_channels"].upsert({"team_id": team_id, "user_id": user_id, "channel": channel,
                                           "opened_at": now.isoformat()}, pk=("team_id", "user_id"))


class Replay(Part):
    """The seen-set of signed Slack requests, shared by every process using the database."""

    def first_use(self, key: str, stamp: int, *, now: float, window: int = WINDOW_S) -> bool:
        """Record a signed request (`key`, sent at `stamp`); False if it was recorded before.

        Entries whose stamp is outside the window are dropped: such a request fails the timestamp
        check anyway, so the table holds at most five minutes of traffic.
        """
        with transaction(self.db) as conn:
            conn.execute("DELETE FROM seen_requests WHERE stamp < ?", (int(now) - window - 1,))
            cur = conn.execute("INSERT OR IGNORE INTO seen_requests (key, stamp) VALUES (?, ?)", (key, stamp))
            return cur.rowcount == 1
