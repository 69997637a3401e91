"""Intent-named reads and writes. Every multi-row write is one transaction."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from storage.db import transaction


def _iso(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def _rows(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    with db.lock:
        cur = db.conn.execute(sql, params)
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def _row(db: sqlite_utils.Database, sql: str, params: tuple = ()) -> dict[str, Any] | None:
    rows = _rows(db, sql, params)
    return rows[0] if rows else None


def _audit(conn, team_id: str, actor: str, action: str, target: str, before: Any, after: Any, now: datetime) -> None:
    conn.execute(
        "INSERT INTO audit (team_id, actor, action, target, before, after, at) VALUES (?,?,?,?,?,?,?)",
        (team_id, actor, action, target,
         None if before is None else json.dumps(before, ensure_ascii=False, default=str),
         None if after is None else json.dumps(after, ensure_ascii=False, default=str), _iso(now)),
    )


# --- reports ---------------------------------------------------------------------------------

def upsert_report(db, team_id: str, data: dict[str, Any], *, actor: str, now: datetime) -> bool:
    """Create or replace a report definition; returns True when something changed."""
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True)
    with transaction(db) as conn:
        old = conn.execute("SELECT data FROM reports WHERE team_id = ? AND id = ?", (team_id, data["id"])).fetchone()
        if old and old[0] == payload:
            return False
        conn.execute(
            "INSERT INTO reports (team_id, id, data, source, channel, updated_at) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT (team_id, id) DO UPDATE SET data = excluded.data, source = excluded.source, "
            "channel = excluded.channel, updated_at = excluded.updated_at",
            (team_id, data["id"], payload, data["source"], data["channel"], _iso(now)),
        )
        _audit(conn, team_id, actor, "report.save", data["id"], json.loads(old[0]) if old else None, data, now)
    return True


def remove_reports(db, team_id: str, ids: list[str], *, actor: str, now: datetime) -> None:
    """Forget report definitions (history of their periods is kept)."""
    with transaction(db) as conn:
        for rid in ids:
            conn.execute("DELETE FROM reports WHERE team_id = ? AND id = ?", (team_id, rid))
            _audit(conn, team_id, actor, "report.remove", rid, None, None, now)


def report_created_at(db, team_id: str, report_id: str) -> str | None:
    """When feedsum first saw the report (its first save in the audit log)."""
    row = _row(db, "SELECT MIN(at) AS at FROM audit WHERE team_id = ? AND action = 'report.save' AND target = ?",
               (team_id, report_id))
    return row["at"] if row else None


def report_data(db, team_id: str, report_id: str) -> dict[str, Any] | None:
    row = _row(db, "SELECT data FROM reports WHERE team_id = ? AND id = ?", (team_id, report_id))
    return json.loads(row["data"]) if row else None


def reports_data(db, team_id: str | None = None, *, channel: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
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
    return [json.loads(r["data"]) for r in _rows(db, sql + " ORDER BY team_id, id", tuple(params))]


# --- periods ---------------------------------------------------------------------------------

def period_row(db, team_id: str, report_id: str, period: str) -> dict[str, Any] | None:
    return _row(db, "SELECT * FROM periods WHERE team_id = ? AND report_id = ? AND period = ?",
                (team_id, report_id, period))


def open_period(db, team_id: str, report_id: str, period: str, *, by: str, due_at: datetime, now: datetime) -> bool:
    """Mark a period open; returns False when it already was (opening twice is harmless)."""
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO periods (team_id, report_id, period, state, opened_at, opened_by, due_at) "
            "VALUES (?,?,?,?,?,?,?)",
            (team_id, report_id, period, "open", _iso(now), by, _iso(due_at)),
        )
        if cur.rowcount:
            _audit(conn, team_id, by, "period.open", f"{report_id}/{period}", None, {"due_at": _iso(due_at)}, now)
        return bool(cur.rowcount)


def mark_posted(db, team_id: str, report_id: str, period: str, *, channel: str, ts: str, by: str, now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO periods (team_id, report_id, period, state, compiled_at, post_channel, post_ts) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (team_id, report_id, period) DO UPDATE SET "
            "state = 'posted', compiled_at = excluded.compiled_at, post_channel = excluded.post_channel, "
            "post_ts = excluded.post_ts",
            (team_id, report_id, period, "posted", _iso(now), channel, ts),
        )
        _audit(conn, team_id, by, "period.post", f"{report_id}/{period}", None, {"channel": channel, "ts": ts}, now)


def periods_of(db, team_id: str, report_id: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT * FROM periods WHERE team_id = ? AND report_id = ? ORDER BY period DESC",
                 (team_id, report_id))


# --- prompts ---------------------------------------------------------------------------------

def record_prompt(db, team_id: str, report_id: str, period: str, section: str, owner: str,
                  *, channel: str, ts: str, now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute(
            "INSERT INTO prompts (team_id, report_id, period, section, owner, channel, ts, sent_at) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET channel = excluded.channel, "
            "ts = excluded.ts, sent_at = excluded.sent_at",
            (team_id, report_id, period, section, owner, channel, ts, _iso(now)),
        )


def prompts_of(db, team_id: str, report_id: str, period: str, section: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM prompts WHERE team_id = ? AND report_id = ? AND period = ?"
    params: tuple = (team_id, report_id, period)
    if section is not None:
        sql += " AND section = ?"
        params += (section,)
    return _rows(db, sql, params)


def prompt_by_message(db, team_id: str, channel: str, ts: str) -> dict[str, Any] | None:
    """The prompt a DM thread belongs to."""
    return _row(db, "SELECT * FROM prompts WHERE team_id = ? AND channel = ? AND ts = ?", (team_id, channel, ts))


def prompts_for_user(db, team_id: str, user: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT * FROM prompts WHERE team_id = ? AND owner = ? ORDER BY period DESC", (team_id, user))


# --- answers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    revision: int
    previous: str | None
    text: str
    duplicate: bool = False


def answers_of(db, team_id: str, report_id: str, period: str) -> dict[str, dict[str, Any]]:
    rows = _rows(db, "SELECT * FROM answers WHERE team_id = ? AND report_id = ? AND period = ?",
                 (team_id, report_id, period))
    for r in rows:
        r["authors"] = json.loads(r["authors"])
    return {r["section"]: r for r in rows}


class StaleRevision(Exception):
    """The answer is no longer at the revision a save started from; nothing was written."""

    def __init__(self, revision: int, text: str):
        self.revision, self.text = revision, text
        super().__init__(f"the answer is at revision {revision}")


def _ts_key(ts: str) -> tuple[int, str]:
    # Slack message ts: "<seconds>.<6 digits>", compared as numbers.
    sec, _, frac = ts.partition(".")
    return (int(sec) if sec.isdecimal() else 0, frac)


def _joined(head: str, replies: list[list[str]]) -> str:
    return "\n".join(([head] if head else []) + [text for _, text in replies])


def _head(text: str, replies: list[list[str]]) -> str | None:
    """The text before its trailing thread replies; None when it no longer ends with them."""
    tail = "\n".join(r for _, r in replies)
    if not replies or text == tail:
        return "" if replies else text
    return text[:-len(tail) - 1] if text.endswith("\n" + tail) else None


def _still_at_end(text: str, replies: list[list[str]]) -> list[list[str]]:
    """The replies that `text` still ends with (an edit in the form may have changed earlier ones):
    the run that later replies are ordered into."""
    while replies and _head(text, replies) is None:
        replies = replies[1:]
    return replies


def save_answer(db, team_id: str, report_id: str, period: str, section: str, *, text: str, author: str,
                via: str, now: datetime, append: bool = False, event_id: str | None = None,
                ts: str | None = None, expected_revision: int | None = None, form: str | None = None) -> Saved:
    """Store a section's text, keeping the previous version as a revision.

    `append` adds a DM thread reply; with its message `ts` it is put among the replies at the end
    of the text in ts order (a late retry of an earlier reply lands before later ones), and a ts
    already there is not added again. An `event_id` seen before makes the call a no-op, so a
    retried Slack event is stored once. `expected_revision`: compare-and-set, the write happens
    only if the answer is still at that revision (StaleRevision otherwise), in one transaction.
    `form` identifies the form submission, recorded with the revision (see form_saved()).
    """
    with transaction(db) as conn:
        if event_id is not None:
            cur = conn.execute("INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, _iso(now)))
            if not cur.rowcount:
                row = conn.execute("SELECT revision, text FROM answers WHERE team_id=? AND report_id=? AND period=? AND section=?",
                                   (team_id, report_id, period, section)).fetchone()
                return Saved(revision=row[0] if row else 0, previous=None, text=row[1] if row else "", duplicate=True)
        old = conn.execute(
            "SELECT text, authors, revision, replies FROM answers "
            "WHERE team_id = ? AND report_id = ? AND period = ? AND section = ?",
            (team_id, report_id, period, section),
        ).fetchone()
        previous = old[0] if old else None
        current = old[2] if old else 0
        if expected_revision is not None and expected_revision != current:
            raise StaleRevision(current, previous or "")
        replies = json.loads(old[3]) if old else []
        if append and ts is not None:
            if any(r_ts == ts for r_ts, _ in replies):
                return Saved(revision=current, previous=None, text=previous or "", duplicate=True)
            replies = _still_at_end(previous or "", replies)
            head = _head(previous or "", replies)
            replies = sorted([*replies, [ts, text]], key=lambda r: _ts_key(r[0]))
            new_text = _joined(head, replies)
        else:
            new_text = f"{previous}\n{text}" if append and previous else text
            replies = [] if append else _still_at_end(new_text, replies)
        authors = json.loads(old[1]) if old else []
        if author not in authors:
            authors.append(author)
        revision = current + 1
        conn.execute(
            "INSERT INTO answers (team_id, report_id, period, section, text, authors, revision, first_at, updated_at, "
            "replies) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET text = excluded.text, "
            "authors = excluded.authors, revision = excluded.revision, updated_at = excluded.updated_at, "
            "replies = excluded.replies",
            (team_id, report_id, period, section, new_text, json.dumps(authors), revision, _iso(now), _iso(now),
             json.dumps(replies, ensure_ascii=False)),
        )
        conn.execute(
            "INSERT INTO revisions (team_id, report_id, period, section, revision, text, author, via, created_at, form) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (team_id, report_id, period, section, revision, new_text, author, via, _iso(now), form),
        )
        return Saved(revision=revision, previous=previous, text=new_text)


def form_saved(db, team_id: str, report_id: str, period: str, section: str, form: str) -> bool:
    """Whether a revision was made by this form submission already."""
    return _row(db, "SELECT 1 AS x FROM revisions WHERE team_id = ? AND report_id = ? AND period = ? AND section = ? "
                "AND form = ?", (team_id, report_id, period, section, form)) is not None


def mark_shown(db, team_id: str, report_id: str, period: str, revisions: dict[str, int]) -> None:
    """Record which revision of each section a summary post shows (never lowering it)."""
    with transaction(db) as conn:
        conn.executemany(
            "UPDATE answers SET shown_revision = MAX(shown_revision, ?) "
            "WHERE team_id = ? AND report_id = ? AND period = ? AND section = ?",
            [(rev, team_id, report_id, period, key) for key, rev in revisions.items()])


def claim_shown(db, team_id: str, report_id: str, period: str, section: str, revision: int) -> int | None:
    """Claim showing `revision` of a section in the posted summary; returns the revision shown
    before (0: none), or None when this or a later revision is claimed already."""
    with transaction(db) as conn:
        row = conn.execute("SELECT shown_revision FROM answers WHERE team_id = ? AND report_id = ? AND period = ? "
                           "AND section = ?", (team_id, report_id, period, section)).fetchone()
        if row is None or row[0] >= revision:
            return None
        conn.execute("UPDATE answers SET shown_revision = ? WHERE team_id = ? AND report_id = ? AND period = ? "
                     "AND section = ?", (revision, team_id, report_id, period, section))
        return row[0]


def revisions_of(db, team_id: str, report_id: str, period: str, section: str) -> list[dict[str, Any]]:
    return _rows(db, "SELECT * FROM revisions WHERE team_id = ? AND report_id = ? AND period = ? AND section = ? "
                 "ORDER BY revision", (team_id, report_id, period, section))


def event_seen(db, event_id: str, now: datetime) -> bool:
    """Record an event id; True when it was already recorded (a Slack retry)."""
    with transaction(db) as conn:
        cur = conn.execute("INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, _iso(now)))
        return not cur.rowcount


# --- the delivery ledger ---------------------------------------------------------------------

def ledger_key(team_id: str, report_id: str, period: str, action: str, recipient: str) -> str:
    return f"{team_id}|{report_id}|{period}|{action}|{recipient}"


def claim(db, team_id: str, report_id: str, period: str, action: str, recipient: str, *,
          now: datetime, wall: float, owner: str | None = None, lease_s: float = 120) -> str:
    """Claim an outgoing message before sending it, with a lease until `wall + lease_s`.

    Returns "new" (send it), "done" (already sent), "busy" (another process is sending it now: its
    lease is live) or "recover" (a claim whose lease ran out, or left uncertain: check Slack before
    sending again). `now` is recorded; `wall` (epoch seconds) is the clock leases are kept in.
    """
    key = ledger_key(team_id, report_id, period, action, recipient)
    until = wall + lease_s
    with transaction(db) as conn:
        cur = conn.execute(
            "INSERT OR IGNORE INTO ledger (key, team_id, report_id, period, action, recipient, state, claimed_at, "
            "attempts, owner, lease_until) VALUES (?,?,?,?,?,?,?,?,1,?,?)",
            (key, team_id, report_id, period, action, recipient, "claimed", _iso(now), owner, until),
        )
        if cur.rowcount:
            return "new"
        state, claimed_at, lease_until = conn.execute(
            "SELECT state, claimed_at, lease_until FROM ledger WHERE key = ?", (key,)).fetchone()
        if state == "done":
            return "done"
        if state == "claimed":
            if lease_until is None:  # claimed before leases existed
                live = (now - datetime.fromisoformat(claimed_at)).total_seconds() < lease_s
            else:
                live = lease_until > wall
            if live:
                return "busy"
        conn.execute("UPDATE ledger SET state = 'claimed', claimed_at = ?, attempts = attempts + 1, owner = ?, "
                     "lease_until = ? WHERE key = ?", (_iso(now), owner, until, key))
        return "recover" if state in ("claimed", "uncertain") else "new"


def renew_leases(db, keys: list[str], owner: str | None, *, until: float) -> int:
    """Extend the leases of claims `owner` still holds; returns how many it still held."""
    renewed = 0
    with transaction(db) as conn:
        for i in range(0, len(keys), 500):  # within SQLite's limit on bound parameters
            chunk = keys[i:i + 500]
            cur = conn.execute(
                f"UPDATE ledger SET lease_until = ? WHERE state = 'claimed' AND owner IS ? "
                f"AND key IN ({','.join('?' * len(chunk))})", (until, owner, *chunk))
            renewed += cur.rowcount
    return renewed


def ledger_entry(db, key: str) -> dict[str, Any] | None:
    return _row(db, "SELECT * FROM ledger WHERE key = ?", (key,))


def complete(db, key: str, *, now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute("UPDATE ledger SET state = 'done', done_at = ?, error = NULL WHERE key = ?", (_iso(now), key))


def fail(db, key: str, error: str, *, now: datetime) -> None:
    """A permanent per-recipient failure: recorded, shown in status, not retried every pass."""
    with transaction(db) as conn:
        conn.execute("UPDATE ledger SET state = 'failed', done_at = ?, error = ? WHERE key = ?", (_iso(now), error, key))


def release(db, key: str, owner: str | None = None) -> None:
    """Give a claim back after a transient failure so the next pass retries it.

    Only the holder's own claim: one whose lease ran out may be another process's by now.
    """
    with transaction(db) as conn:
        conn.execute("DELETE FROM ledger WHERE key = ? AND state = 'claimed' AND owner IS ?", (key, owner))


def mark_uncertain(db, key: str, owner: str | None = None) -> None:
    """The send may have reached Slack (timeout, lost response, interrupt): keep the claim so that
    the next pass recovers it (looks in Slack first) instead of sending again blind."""
    with transaction(db) as conn:
        conn.execute("UPDATE ledger SET state = 'uncertain' WHERE key = ? AND state = 'claimed' AND owner IS ?",
                     (key, owner))


def ledger_entries(db, team_id: str, report_id: str, period: str, *, state: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM ledger WHERE team_id = ? AND report_id = ? AND period = ?"
    params: tuple = (team_id, report_id, period)
    if state:
        sql += " AND state = ?"
        params += (state,)
    return _rows(db, sql + " ORDER BY claimed_at", params)


def period_progress(db, team_id: str, report_id: str, period: str
                    ) -> tuple[str | None, set[str], set[str], str | None]:
    """(period state or None, scheduled actions done, sections answered, the period's own section
    list as stored — JSON, None when it follows the report) in one round trip."""
    key = (team_id, report_id, period)
    with db.lock:
        state, done, answered, sections = db.conn.execute(
            "SELECT (SELECT state FROM periods WHERE team_id = ? AND report_id = ? AND period = ?), "
            "(SELECT group_concat(action, char(31)) FROM ledger WHERE team_id = ? AND report_id = ? AND period = ? "
            " AND recipient = '*' AND state = 'done'), "
            "(SELECT group_concat(section, char(31)) FROM answers WHERE team_id = ? AND report_id = ? AND period = ?), "
            "(SELECT sections FROM periods WHERE team_id = ? AND report_id = ? AND period = ?)",
            key * 4).fetchone()
    return (state, set(done.split("\x1f")) if done else set(), set(answered.split("\x1f")) if answered else set(),
            sections)


def unnotified_failures(db, team_id: str, report_id: str, period: str) -> list[dict[str, Any]]:
    """Failures the admins have not been told about yet; marks them told."""
    with transaction(db) as conn:
        cur = conn.execute("SELECT key, action, recipient, error FROM ledger WHERE team_id = ? AND report_id = ? "
                           "AND period = ? AND state = 'failed' AND notified = 0", (team_id, report_id, period))
        rows = [dict(zip(("key", "action", "recipient", "error"), r, strict=True)) for r in cur.fetchall()]
        conn.executemany("UPDATE ledger SET notified = 1 WHERE key = ?", [(r["key"],) for r in rows])
        return rows


def audit_log(db, team_id: str, limit: int = 100) -> list[dict[str, Any]]:
    return _rows(db, "SELECT * FROM audit WHERE team_id = ? ORDER BY id DESC LIMIT ?", (team_id, limit))


def record_audit(db, team_id: str, actor: str, action: str, target: str, before: Any, after: Any, now: datetime) -> None:
    with transaction(db) as conn:
        _audit(conn, team_id, actor, action, target, before, after, now)


# --- away and hand-overs ---------------------------------------------------------------------

def set_away(db, team_id: str, user: str, until: str | None, *, now: datetime) -> None:
    """Mark a user away until a date (inclusive, ISO); None clears it."""
    with transaction(db) as conn:
        if until is None:
            conn.execute("DELETE FROM away WHERE team_id = ? AND user_id = ?", (team_id, user))
        else:
            conn.execute("INSERT INTO away VALUES (?,?,?) ON CONFLICT DO UPDATE SET until = excluded.until",
                         (team_id, user, until))
        _audit(conn, team_id, user, "away", user, None, until, now)


def away_of(db, team_id: str, users) -> dict[str, str]:
    """user -> away-until date, for those of `users` who set one."""
    users = list(users)
    if not users:
        return {}
    marks = ",".join("?" * len(users))
    rows = _rows(db, f"SELECT user_id, until FROM away WHERE team_id = ? AND user_id IN ({marks})", (team_id, *users))
    return {r["user_id"]: r["until"] for r in rows}


def away_until(db, team_id: str, user: str) -> str | None:
    row = _row(db, "SELECT until FROM away WHERE team_id = ? AND user_id = ?", (team_id, user))
    return row["until"] if row else None


def delegate(db, team_id: str, report_id: str, period: str, section: str, owner: str, delegate_to: str,
             *, now: datetime) -> None:
    with transaction(db) as conn:
        conn.execute("INSERT INTO delegations VALUES (?,?,?,?,?,?,?) ON CONFLICT (team_id, report_id, period, section) "
                     "DO UPDATE SET owner = excluded.owner, delegate = excluded.delegate, at = excluded.at",
                     (team_id, report_id, period, section, owner, delegate_to, _iso(now)))
        _audit(conn, team_id, owner, "delegate", f"{report_id}/{period}/{section}", owner, delegate_to, now)


def delegations_of(db, team_id: str, report_id: str, period: str) -> dict[tuple[str, str], str]:
    """(section, owner) -> the person the owner handed it to."""
    rows = _rows(db, "SELECT section, owner, delegate FROM delegations WHERE team_id = ? AND report_id = ? AND period = ?",
                 (team_id, report_id, period))
    return {(r["section"], r["owner"]): r["delegate"] for r in rows}


# --- metric snapshots ------------------------------------------------------------------------

# In the table's order: `creative` came last (m014).
METRIC_COLUMNS = ("date", "platform", "account", "campaign", "ad_group", "campaign_id",
                  "impressions", "clicks", "spend", "conversions", "revenue", "creative")


def begin_snapshot(db, team_id: str, report_id: str, period: str, *, source: str, file_hash: str,
                   rows: int, dropped: int, now: datetime) -> int | None:
    """Start storing one immutable import of a period's rows; None when that file was imported
    before. The snapshot stays invisible (ready = 0) until publish_snapshots()."""
    with transaction(db) as conn:
        found = conn.execute("SELECT id FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? "
                             "AND file_hash = ? AND ready = 1", (team_id, report_id, period, file_hash)).fetchone()
        if found:
            conn.execute("UPDATE snapshots SET seen_at = ? WHERE id = ?", (_iso(now), found[0]))
            return None
        # The real hash is set when it is published: a placeholder keeps the UNIQUE constraint
        # from meeting a concurrent import of the same file until then.
        cur = conn.execute(
            "INSERT INTO snapshots (team_id, report_id, period, source, file_hash, pulled_at, rows, dropped, seen_at, "
            "ready) VALUES (?,?,?,?,?,?,?,?,?,0)",
            (team_id, report_id, period, source, f"pending:{uuid.uuid4().hex}", _iso(now), rows, dropped, _iso(now)))
        return cur.lastrowid


def add_snapshot_rows(db, snapshot_id: int, rows: list[tuple]) -> None:
    """One chunk of a snapshot's rows, in its own short transaction."""
    with transaction(db) as conn:
        conn.executemany(f"INSERT INTO metric_rows (snapshot_id, {', '.join(METRIC_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * (len(METRIC_COLUMNS) + 1))})", [(snapshot_id, *r) for r in rows])


def publish_snapshots(db, snapshot_ids: list[int], file_hash: str) -> list[int]:
    """Make complete snapshots visible, all in one transaction. Returns the ids that were the
    same file as one published meanwhile (by another import): those stay hidden, to discard."""
    duplicates = []
    with transaction(db) as conn:
        for sid in snapshot_ids:
            team_id, report_id, period = conn.execute(
                "SELECT team_id, report_id, period FROM snapshots WHERE id = ?", (sid,)).fetchone()
            if conn.execute("SELECT 1 FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? "
                            "AND file_hash = ?", (team_id, report_id, period, file_hash)).fetchone():
                duplicates.append(sid)
            else:
                conn.execute("UPDATE snapshots SET ready = 1, file_hash = ? WHERE id = ?", (file_hash, sid))
    return duplicates


def publish_streamed_snapshots(db, rows: dict[int, int], file_hash: str, *, now: datetime) -> list[int]:
    """Publish snapshots written as their rows arrived (`rows`: id -> row count), all in one
    transaction. One whose period already has a snapshot with this hash stays hidden (returned,
    to discard) and the existing one is marked as seen now: the source was read, unchanged."""
    duplicates = []
    with transaction(db) as conn:
        for sid, count in rows.items():
            team_id, report_id, period = conn.execute(
                "SELECT team_id, report_id, period FROM snapshots WHERE id = ?", (sid,)).fetchone()
            found = conn.execute("SELECT id FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? "
                                 "AND file_hash = ?", (team_id, report_id, period, file_hash)).fetchone()
            if found:
                conn.execute("UPDATE snapshots SET seen_at = ? WHERE id = ?", (_iso(now), found[0]))
                duplicates.append(sid)
            else:
                conn.execute("UPDATE snapshots SET ready = 1, file_hash = ?, rows = ? WHERE id = ?",
                             (file_hash, count, sid))
    return duplicates


def discard_snapshots(db, snapshot_ids: list[int], *, chunk: int = 5_000) -> None:
    """Delete unpublished snapshots and their rows, a chunk of rows per transaction."""
    for sid in snapshot_ids:
        while True:
            with transaction(db) as conn:
                n = conn.execute("DELETE FROM metric_rows WHERE rowid IN (SELECT rowid FROM metric_rows "
                                 "WHERE snapshot_id = ? LIMIT ?)", (sid, chunk)).rowcount
            if n < chunk:
                break
        with transaction(db) as conn:
            conn.execute("DELETE FROM snapshots WHERE id = ? AND ready = 0", (sid,))


def unpublished_snapshots(db, before: datetime) -> list[int]:
    """Snapshots an import started before `before` and never published (it failed or was killed)."""
    rows = _rows(db, "SELECT id, pulled_at FROM snapshots WHERE ready = 0")
    return [r["id"] for r in rows if datetime.fromisoformat(r["pulled_at"]) < before]


def snapshots_of(db, team_id: str, report_id: str, period: str) -> list[dict[str, Any]]:
    """A period's published snapshots, oldest first (so that later ones win when combined)."""
    return _rows(db, "SELECT * FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? AND ready = 1 "
                     "ORDER BY pulled_at, id", (team_id, report_id, period))


def snapshot_rows(db, snapshot_id: int) -> list[tuple]:
    with db.lock:
        return db.conn.execute(f"SELECT {', '.join(METRIC_COLUMNS)} FROM metric_rows WHERE snapshot_id = ?",
                               (snapshot_id,)).fetchall()


def data_as_of(db, team_id: str, report_id: str, period: str) -> str | None:
    """When a period's data was last read from a source or an upload (ISO), None without data."""
    row = _row(db, "SELECT MAX(COALESCE(seen_at, pulled_at)) AS at FROM snapshots "
                   "WHERE team_id = ? AND report_id = ? AND period = ? AND ready = 1", (team_id, report_id, period))
    return row["at"] if row else None


def note_source_errors(db, team_id: str, report_id: str, errors: dict[str, str], *, now: datetime) -> dict[str, str]:
    """Record the outcome of a pull of every source: `errors` maps each failing source to its error,
    every other source is fine. Returns the errors that are new or changed (what to tell admins),
    once even when two processes pull together."""
    with transaction(db) as conn:
        known = dict(conn.execute("SELECT source, error FROM source_errors WHERE team_id = ? AND report_id = ?",
                                  (team_id, report_id)).fetchall())
        news = {source: error for source, error in errors.items() if known.get(source) != error}
        conn.executemany("DELETE FROM source_errors WHERE team_id = ? AND report_id = ? AND source = ?",
                         [(team_id, report_id, source) for source in known if source not in errors])
        conn.executemany("INSERT INTO source_errors VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET "
                         "error = excluded.error, since = excluded.since",
                         [(team_id, report_id, source, error, _iso(now)) for source, error in news.items()])
        return news


def source_errors(db, team_id: str, report_id: str) -> list[dict[str, Any]]:
    """Sources whose last pull failed, with the error and since when."""
    return _rows(db, "SELECT source, error, since FROM source_errors WHERE team_id = ? AND report_id = ? "
                     "ORDER BY source", (team_id, report_id))


# --- targets ---------------------------------------------------------------------------------

def period_targets(db, team_id: str, report_id: str, period: str) -> dict[str, float]:
    rows = _rows(db, "SELECT kpi, value FROM targets WHERE team_id = ? AND report_id = ? AND period = ?",
                 (team_id, report_id, period))
    return {r["kpi"]: r["value"] for r in rows}


def set_targets(db, team_id: str, report_id: str, period: str, values: dict[str, float], *, by: str, now: datetime) -> None:
    """Set (or with None, clear) a period's targets, audited with before and after."""
    with transaction(db) as conn:
        before = dict(conn.execute("SELECT kpi, value FROM targets WHERE team_id = ? AND report_id = ? AND period = ?",
                                   (team_id, report_id, period)).fetchall())
        for kpi, value in values.items():
            if value is None:
                conn.execute("DELETE FROM targets WHERE team_id = ? AND report_id = ? AND period = ? AND kpi = ?",
                             (team_id, report_id, period, kpi))
            else:
                conn.execute("INSERT INTO targets VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET value = excluded.value, "
                             "set_by = excluded.set_by, set_at = excluded.set_at",
                             (team_id, report_id, period, kpi, float(value), by, _iso(now)))
        after = dict(conn.execute("SELECT kpi, value FROM targets WHERE team_id = ? AND report_id = ? AND period = ?",
                                  (team_id, report_id, period)).fetchall())
        if before != after:
            _audit(conn, team_id, by, "targets.set", f"{report_id}/{period}", before, after, now)


# --- A/B comparisons ---------------------------------------------------------------------------

def comparisons_of(db, team_id: str, report_id: str, period: str) -> list[list[dict[str, Any]]]:
    """The comparisons chosen for a period, in order: each a list of variant dicts."""
    rows = _rows(db, "SELECT variants FROM comparisons WHERE team_id = ? AND report_id = ? AND period = ? "
                 "ORDER BY position", (team_id, report_id, period))
    return [json.loads(r["variants"]) for r in rows]


def set_comparisons(db, team_id: str, report_id: str, period: str, comparisons: list[list[dict[str, Any]]], *,
                    by: str, now: datetime) -> bool:
    """Replace a period's comparisons (audited when they change); returns True when they did."""
    with transaction(db) as conn:
        where = (team_id, report_id, period)
        before = [json.loads(r[0]) for r in conn.execute(
            "SELECT variants FROM comparisons WHERE team_id = ? AND report_id = ? AND period = ? ORDER BY position",
            where)]
        if before == comparisons:
            return False
        conn.execute("DELETE FROM comparisons WHERE team_id = ? AND report_id = ? AND period = ?", where)
        conn.executemany("INSERT INTO comparisons VALUES (?,?,?,?,?,?,?)",
                         [(*where, i, json.dumps(c, ensure_ascii=False, sort_keys=True), by, _iso(now))
                          for i, c in enumerate(comparisons)])
        _audit(conn, team_id, by, "comparisons.set", f"{report_id}/{period}", before, comparisons, now)
        return True
