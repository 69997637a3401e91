"""Report definitions, periods, targets, A/B comparisons, away marks and hand-overs, the audit log.

Every read filters by workspace (team_id): one workspace never sees another's rows, even when
report ids or channel ids are the same. Every change is audited in the transaction making it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.base import Part, audit, iso
from storage.db import transaction
from storage.rows import AuditAction, AuditEntry, PeriodRow, PeriodState


class Reports(Part):
    def upsert(self, team_id: str, data: dict[str, Any], *, actor: str, now: datetime) -> bool:
        """Create or replace a report definition; returns True when something changed."""
        payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
        with transaction(self.db) as conn:
            old = conn.execute("SELECT data FROM reports WHERE team_id = ? AND id = ?",
                               (team_id, data["id"])).fetchone()
            if old and old[0] == payload:
                return False
            self.db["reports"].upsert({"team_id": team_id, "id": data["id"], "data": payload,
                                       "source": data["source"], "channel": data["channel"],
                                       "updated_at": iso(now)}, pk=("team_id", "id"))
            audit(conn, team_id, actor, AuditAction.REPORT_SAVE, data["id"], json.loads(old[0]) if old else None,
                  data, now)
        return True

    def remove(self, team_id: str, ids: list[str], *, actor: str, now: datetime) -> None:
        """Forget report definitions (history of their periods is kept)."""
        with transaction(self.db) as conn:
            for rid in ids:
                conn.execute("DELETE FROM reports WHERE team_id = ? AND id = ?", (team_id, rid))
                audit(conn, team_id, actor, AuditAction.REPORT_REMOVE, rid, None, None, now)

    def created_at(self, team_id: str, report_id: str) -> str | None:
        """When feedsum first saw the report (its first save in the audit log)."""
        row = self._row("SELECT MIN(at) AS at FROM audit WHERE team_id = ? AND action = ? AND target = ?",
                        (team_id, AuditAction.REPORT_SAVE.value, report_id))
        return row["at"] if row else None

    def get(self, team_id: str, report_id: str) -> dict[str, Any] | None:
        """A report's definition (as bot.model.config.Report.to_dict wrote it)."""
        row = self._row("SELECT data FROM reports WHERE team_id = ? AND id = ?", (team_id, report_id))
        return json.loads(row["data"]) if row else None

    def all(self, team_id: str | None = None, *, channel: str | None = None,
            source: str | None = None) -> list[dict[str, Any]]:
        """Report definitions, optionally of one workspace, channel or source."""
        sql, params = "SELECT data FROM reports WHERE 1=1", []
        if team_id is not None:
            sql += " AND team_id = ?"
            params.append(team_id)
        if channel is not None:
            sql += " AND channel = ?"
            params.append(channel)
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        return [json.loads(r["data"]) for r in self._rows(sql + " ORDER BY team_id, id", params)]


class Periods(Part):
    def get(self, team_id: str, report_id: str, period: str) -> PeriodRow | None:
        row = self._row("SELECT * FROM periods WHERE team_id = ? AND report_id = ? AND period = ?",
                        (team_id, report_id, period))
        return PeriodRow.from_row(row) if row else None

    def open(self, team_id: str, report_id: str, period: str, *, by: str, due_at: datetime, now: datetime) -> bool:
        """Mark a period open; returns False when it already was (opening twice is harmless)."""
        with transaction(self.db) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO periods (team_id, report_id, period, state, opened_at, opened_by, due_at) "
                "VALUES (?,?,?,?,?,?,?)",
                (team_id, report_id, period, PeriodState.OPEN.value, iso(now), by, iso(due_at)),
            )
            if cur.rowcount:
                audit(conn, team_id, by, AuditAction.PERIOD_OPEN, f"{report_id}/{period}", None,
                      {"due_at": iso(due_at)}, now)
            return bool(cur.rowcount)

    def mark_posted(self, team_id: str, report_id: str, period: str, *, channel: str, ts: str, by: str,
                    now: datetime) -> None:
        with transaction(self.db) as conn:
            conn.execute(
                "INSERT INTO periods (team_id, report_id, period, state, compiled_at, post_channel, post_ts) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT (team_id, report_id, period) DO UPDATE SET "
                "state = 'posted', compiled_at = excluded.compiled_at, post_channel = excluded.post_channel, "
                "post_ts = excluded.post_ts",
                (team_id, report_id, period, PeriodState.POSTED.value, iso(now), channel, ts),
            )
            audit(conn, team_id, by, AuditAction.PERIOD_POST, f"{report_id}/{period}", None,
                  {"channel": channel, "ts": ts}, now)

    def of_report(self, team_id: str, report_id: str) -> list[PeriodRow]:
        """Every period of a report, newest first."""
        return [PeriodRow.from_row(r) for r in self._rows(
            "SELECT * FROM periods WHERE team_id = ? AND report_id = ? ORDER BY period DESC", (team_id, report_id))]

    def posted(self, team_id: str, report_ids: list[str], limit: int = 6) -> list[PeriodRow]:
        """The most recently posted summaries of some reports of one workspace, newest first."""
        if not report_ids:
            return []
        marks = ",".join("?" for _ in report_ids)
        return [PeriodRow.from_row(r) for r in self._rows(
            f"SELECT * FROM periods WHERE team_id = ? AND report_id IN ({marks}) AND state = ? "
            "ORDER BY compiled_at DESC, period DESC LIMIT ?",
            (team_id, *report_ids, PeriodState.POSTED.value, limit))]

    def progress(self, team_id: str, report_id: str, period: str
                 ) -> tuple[PeriodState | None, set[str], set[str], tuple[str, ...] | None]:
        """(period state or None, scheduled actions done, sections answered, the period's own section
        keys — None when it follows the report) in one round trip (the planner asks for every report)."""
        key = (team_id, report_id, period)
        with self.db.lock:
            state, done, answered, sections = self.db.conn.execute(
                "SELECT (SELECT state FROM periods WHERE team_id = ? AND report_id = ? AND period = ?), "
                "(SELECT group_concat(action, char(31)) FROM ledger WHERE team_id = ? AND report_id = ? "
                " AND period = ? AND recipient = '*' AND state = 'done'), "
                "(SELECT group_concat(section, char(31)) FROM answers WHERE team_id = ? AND report_id = ? "
                " AND period = ?), "
                "(SELECT sections FROM periods WHERE team_id = ? AND report_id = ? AND period = ?)",
                key * 4).fetchone()
        return (None if state is None else PeriodState(state), set(done.split("\x1f")) if done else set(),
                set(answered.split("\x1f")) if answered else set(),
                None if sections is None else tuple(json.loads(sections)))


class Targets(Part):
    def of(self, team_id: str, report_id: str, period: str) -> dict[str, float]:
        """A period's own KPI targets (those set for it; standing ones are in the report)."""
        rows = self._rows("SELECT kpi, value FROM targets WHERE team_id = ? AND report_id = ? AND period = ?",
                          (team_id, report_id, period))
        return {r["kpi"]: r["value"] for r in rows}

    def set(self, team_id: str, report_id: str, period: str, values: dict[str, float | None], *, by: str,
            now: datetime) -> dict[str, float]:
        """Set (or with None, clear) some of a period's targets, audited with all of them before and
        after when they changed; returns the targets as they were before."""
        where = (team_id, report_id, period)
        with transaction(self.db) as conn:
            before = dict(conn.execute("SELECT kpi, value FROM targets WHERE team_id = ? AND report_id = ? "
                                       "AND period = ?", where).fetchall())
            for kpi, value in values.items():
                if value is None:
                    conn.execute("DELETE FROM targets WHERE team_id = ? AND report_id = ? AND period = ? AND kpi = ?",
                                 (*where, kpi))
                else:
                    self.db["targets"].upsert({"team_id": team_id, "report_id": report_id, "period": period,
                                               "kpi": kpi, "value": float(value), "set_by": by, "set_at": iso(now)},
                                              pk=("team_id", "report_id", "period", "kpi"))
            after = dict(conn.execute("SELECT kpi, value FROM targets WHERE team_id = ? AND report_id = ? "
                                      "AND period = ?", where).fetchall())
            if before != after:
                audit(conn, team_id, by, AuditAction.TARGETS_SET, f"{report_id}/{period}", before, after, now)
            return before


class Comparisons(Part):
    """The A/B comparisons chosen in a period's optimise section, in order."""

    def of(self, team_id: str, report_id: str, period: str) -> list[list[dict[str, Any]]]:
        """Each comparison a list of variant dicts ({level, platform, campaign, ad_group})."""
        rows = self._rows("SELECT variants FROM comparisons WHERE team_id = ? AND report_id = ? AND period = ? "
                          "ORDER BY position", (team_id, report_id, period))
        return [json.loads(r["variants"]) for r in rows]

    def set(self, team_id: str, report_id: str, period: str, comparisons: list[list[dict[str, Any]]], *,
            by: str, now: datetime) -> bool:
        """Replace a period's comparisons (audited when they change); returns True when they did."""
        where = (team_id, report_id, period)
        with transaction(self.db) as conn:
            before = [json.loads(r[0]) for r in conn.execute(
                "SELECT variants FROM comparisons WHERE team_id = ? AND report_id = ? AND period = ? "
                "ORDER BY position", where)]
            if before == comparisons:
                return False
            conn.execute("DELETE FROM comparisons WHERE team_id = ? AND report_id = ? AND period = ?", where)
            self.db["comparisons"].insert_all(
                {"team_id": team_id, "report_id": report_id, "period": period, "position": i,
                 "variants": json.dumps(c, ensure_ascii=False, sort_keys=True), "saved_by": by, "saved_at": iso(now)}
                for i, c in enumerate(comparisons))
            audit(conn, team_id, by, AuditAction.COMPARISONS_SET, f"{report_id}/{period}", before, comparisons, now)
            return True


class People(Part):
    """Away marks and hand-overs."""

    def set_away(self, team_id: str, user: str, until: str | None, *, now: datetime) -> None:
        """Mark a user away until a date (inclusive, ISO); None clears it."""
        with transaction(self.db) as conn:
            if until is None:
                conn.execute("DELETE FROM away WHERE team_id = ? AND user_id = ?", (team_id, user))
            else:
                self.db["away"].upsert({"team_id": team_id, "user_id": user, "until": until},
                                       pk=("team_id", "user_id"))
            audit(conn, team_id, user, AuditAction.AWAY, user, None, until, now)

    def away_of(self, team_id: str, users) -> dict[str, str]:
        """user -> away-until date, for those of `users` who set one."""
        users = list(users)
        if not users:
            return {}
        marks = ",".join("?" * len(users))
        rows = self._rows(f"SELECT user_id, until FROM away WHERE team_id = ? AND user_id IN ({marks})",
                          (team_id, *users))
        return {r["user_id"]: r["until"] for r in rows}

    def away_until(self, team_id: str, user: str) -> str | None:
        row = self._row("SELECT until FROM away WHERE team_id = ? AND user_id = ?", (team_id, user))
        return row["until"] if row else None

    def delegate(self, team_id: str, report_id: str, period: str, section: str, owner: str, delegate_to: str,
                 *, now: datetime) -> None:
        """Hand a section over for one period (a later hand-over of the section replaces it)."""
        with transaction(self.db) as conn:
            self.db["delegations"].upsert({"team_id": team_id, "report_id": report_id, "period": period,
                                           "section": section, "owner": owner, "delegate": delegate_to,
                                           "at": iso(now)}, pk=("team_id", "report_id", "period", "section"))
            audit(conn, team_id, owner, AuditAction.DELEGATE, f"{report_id}/{period}/{section}", owner, delegate_to,
                  now)

    def delegations(self, team_id: str, report_id: str, period: str) -> dict[tuple[str, str], str]:
        """(section, owner) -> the person the owner handed it to."""
        rows = self._rows("SELECT section, owner, delegate FROM delegations WHERE team_id = ? AND report_id = ? "
                          "AND period = ?", (team_id, report_id, period))
        return {(r["section"], r["owner"]): r["delegate"] for r in rows}


class Audit(Part):
    def log(self, team_id: str, limit: int = 100) -> list[AuditEntry]:
        """The workspace's latest changes, newest first."""
        return [AuditEntry.from_row(r) for r in self._rows(
            "SELECT * FROM audit WHERE team_id = ? ORDER BY id DESC LIMIT ?", (team_id, limit))]

    def record(self, team_id: str, actor: str, action: AuditAction, target: str, before: Any, after: Any,
               now: datetime) -> None:
        with transaction(self.db) as conn:
            audit(conn, team_id, actor, action, target, before, after, now)
