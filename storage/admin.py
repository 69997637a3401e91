"""Intent-named reads and writes for report administration: period targets, history, App Home.

Every function takes the workspace (team_id) and filters by it: one workspace never sees
another's rows, even when report ids or channel ids are the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.db import transaction
from storage.repo import _audit, _iso, _row, _rows


def set_period_target(db, team_id: str, report_id: str, period: str, kpi: str, value: float,
                      *, by: str, now: datetime) -> float | None:
    """Store one KPI target for a report-month (audited before/after); returns the previous value."""
    with transaction(db) as conn:
        old = conn.execute("SELECT value FROM targets WHERE team_id = ? AND report_id = ? AND period = ? AND kpi = ?",
                           (team_id, report_id, period, kpi)).fetchone()
        conn.execute(
            "INSERT INTO targets (team_id, report_id, period, kpi, value, set_by, set_at) VALUES (?,?,?,?,?,?,?) "
            "ON CONFLICT (team_id, report_id, period, kpi) DO UPDATE SET value = excluded.value, "
            "set_by = excluded.set_by, set_at = excluded.set_at",
            (team_id, report_id, period, kpi, value, by, _iso(now)),
        )
        previous = old[0] if old else None
        _audit(conn, team_id, by, "target.set", f"{report_id}/{period}/{kpi}",
               None if previous is None else {kpi: previous}, {kpi: value}, now)
        return previous


def answered_sections_by_period(db, team_id: str, report_id: str) -> dict[str, set[str]]:
    """For every period of a report, the section keys that have an answer."""
    out: dict[str, set[str]] = {}
    for r in _rows(db, "SELECT period, section FROM answers WHERE team_id = ? AND report_id = ?", (team_id, report_id)):
        out.setdefault(r["period"], set()).add(r["section"])
    return out


def posted_summaries(db, team_id: str, report_ids: list[str], limit: int = 6) -> list[dict[str, Any]]:
    """The most recently posted summaries of some reports of one workspace, newest first."""
    if not report_ids:
        return []
    marks = ",".join("?" for _ in report_ids)
    return _rows(db, f"SELECT * FROM periods WHERE team_id = ? AND report_id IN ({marks}) AND state = 'posted' "
                 "ORDER BY compiled_at DESC, period DESC LIMIT ?", (team_id, *report_ids, limit))


def report_source(db, team_id: str, channel: str) -> dict[str, Any] | None:
    """Whether a channel of a workspace already has a report (id and source of the first one)."""
    return _row(db, "SELECT id, source FROM reports WHERE team_id = ? AND channel = ? ORDER BY id LIMIT 1",
                (team_id, channel))
