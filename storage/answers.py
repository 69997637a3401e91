"""Prompts sent, and the answers written to them with every revision kept."""

from __future__ import annotations

import json
from datetime import datetime

from storage.base import Part, iso
from storage.db import transaction
from storage.rows import Answer, Prompt, Revision, Saved


class StaleRevision(Exception):
    """The answer is no longer at the revision a save started from; nothing was written."""

    def __init__(self, revision: int, text: str):
        self.revision, self.text = revision, text
        super().__init__(f"the answer is at revision {revision}")


class Prompts(Part):
    def record(self, team_id: str, report_id: str, period: str, section: str, owner: str,
               *, channel: str, ts: str, now: datetime) -> None:
        """Where a section's prompt to one owner is (sent again: where it is now)."""
        with transaction(self.db):
            self.db["prompts"].upsert({"team_id": team_id, "report_id": report_id, "period": period,
                                       "section": section, "owner": owner, "channel": channel, "ts": ts,
                                       "sent_at": iso(now)},
                                      pk=("team_id", "report_id", "period", "section", "owner"))

    def of(self, team_id: str, report_id: str, period: str, section: str | None = None) -> list[Prompt]:
        sql = "SELECT * FROM prompts WHERE team_id = ? AND report_id = ? AND period = ?"
        params: tuple = (team_id, report_id, period)
        if section is not None:
            sql += " AND section = ?"
            params += (section,)
        return [Prompt.from_row(r) for r in self._rows(sql, params)]

    def by_message(self, team_id: str, channel: str, ts: str) -> Prompt | None:
        """The prompt a DM thread belongs to."""
        row = self._row("SELECT * FROM prompts WHERE team_id = ? AND channel = ? AND ts = ?", (team_id, channel, ts))
        return Prompt.from_row(row) if row else None

    def for_user(self, team_id: str, user: str) -> list[Prompt]:
        return [Prompt.from_row(r) for r in self._rows(
            "SELECT * FROM prompts WHERE team_id = ? AND owner = ? ORDER BY period DESC", (team_id, user))]


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


class Answers(Part):
    def of(self, team_id: str, report_id: str, period: str) -> dict[str, Answer]:
        """A period's answers by section key."""
        rows = self._rows("SELECT * FROM answers WHERE team_id = ? AND report_id = ? AND period = ?",
                          (team_id, report_id, period))
        return {r["section"]: Answer.from_row(r) for r in rows}

    def answered_by_period(self, team_id: str, report_id: str) -> dict[str, set[str]]:
        """For every period of a report, the section keys that have an answer."""
        out: dict[str, set[str]] = {}
        for r in self._rows("SELECT period, section FROM answers WHERE team_id = ? AND report_id = ?",
                            (team_id, report_id)):
            out.setdefault(r["period"], set()).add(r["section"])
        return out

    def save(self, team_id: str, report_id: str, period: str, section: str, *, text: str, author: str,
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
        with transaction(self.db) as conn:
            if event_id is not None:
                cur = conn.execute("INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, iso(now)))
                if not cur.rowcount:
                    row = conn.execute("SELECT revision, text FROM answers WHERE team_id=? AND report_id=? "
                                       "AND period=? AND section=?", (team_id, report_id, period, section)).fetchone()
                    return Saved(revision=row[0] if row else 0, previous=None, text=row[1] if row else "",
                                 duplicate=True)
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
                "INSERT INTO answers (team_id, report_id, period, section, text, authors, revision, first_at, "
                "updated_at, replies) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET text = excluded.text, "
                "authors = excluded.authors, revision = excluded.revision, updated_at = excluded.updated_at, "
                "replies = excluded.replies",
                (team_id, report_id, period, section, new_text, json.dumps(authors), revision, iso(now), iso(now),
                 json.dumps(replies, ensure_ascii=False)),
            )
            conn.execute(
                "INSERT INTO revisions (team_id, report_id, period, section, revision, text, author, via, "
                "created_at, form) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (team_id, report_id, period, section, revision, new_text, author, via, iso(now), form),
            )
            return Saved(revision=revision, previous=previous, text=new_text)

    def form_saved(self, team_id: str, report_id: str, period: str, section: str, form: str) -> bool:
        """Whether a revision was made by this form submission already."""
        return self._row("SELECT 1 AS x FROM revisions WHERE team_id = ? AND report_id = ? AND period = ? "
                         "AND section = ? AND form = ?", (team_id, report_id, period, section, form)) is not None

    def mark_shown(self, team_id: str, report_id: str, period: str, revisions: dict[str, int]) -> None:
        """Record which revision of each section a summary post shows (never lowering it)."""
        with transaction(self.db) as conn:
            conn.executemany(
                "UPDATE answers SET shown_revision = MAX(shown_revision, ?) "
                "WHERE team_id = ? AND report_id = ? AND period = ? AND section = ?",
                [(rev, team_id, report_id, period, key) for key, rev in revisions.items()])

    def claim_shown(self, team_id: str, report_id: str, period: str, section: str, revision: int) -> int | None:
        """Claim showing `revision` of a section in the posted summary; returns the revision shown
        before (0: none), or None when this or a later revision is claimed already."""
        with transaction(self.db) as conn:
            row = conn.execute("SELECT shown_revision FROM answers WHERE team_id = ? AND report_id = ? "
                               "AND period = ? AND section = ?", (team_id, report_id, period, section)).fetchone()
            if row is None or row[0] >= revision:
                return None
            conn.execute("UPDATE answers SET shown_revision = ? WHERE team_id = ? AND report_id = ? AND period = ? "
                         "AND section = ?", (revision, team_id, report_id, period, section))
            return row[0]

    def revisions(self, team_id: str, report_id: str, period: str, section: str) -> list[Revision]:
        """A section's revisions, oldest first."""
        return [Revision.from_row(r) for r in self._rows(
            "SELECT * FROM revisions WHERE team_id = ? AND report_id = ? AND period = ? AND section = ? "
            "ORDER BY revision", (team_id, report_id, period, section))]

    def event_seen(self, event_id: str, now: datetime) -> bool:
        """Record an event id; True when it was already recorded (a Slack retry)."""
        with transaction(self.db) as conn:
            cur = conn.execute("INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, iso(now)))
            return not cur.rowcount
