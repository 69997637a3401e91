"""Ad data as imported: immutable snapshots of a period's rows, published all at once."""

from __future__ import annotations

import uuid
from datetime import datetime

from storage.base import Part, iso
from storage.db import transaction
from storage.rows import METRIC_COLUMNS, Snapshot


class Snapshots(Part):
    def begin(self, team_id: str, report_id: str, period: str, *, source: str, file_hash: str,
              rows: int, dropped: int, now: datetime) -> int | None:
        """Start storing one immutable import of a period's rows; None when that file was imported
        before. The snapshot stays invisible (ready = 0) until it is published."""
        with transaction(self.db) as conn:
            found = conn.execute("SELECT id FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? "
                                 "AND file_hash = ? AND ready = 1", (team_id, report_id, period, file_hash)).fetchone()
            if found:
                conn.execute("UPDATE snapshots SET seen_at = ? WHERE id = ?", (iso(now), found[0]))
                return None
            # The real hash is set when it is published: a placeholder keeps the UNIQUE constraint
            # from meeting a concurrent import of the same file until then.
            cur = conn.execute(
                "INSERT INTO snapshots (team_id, report_id, period, source, file_hash, pulled_at, rows, dropped, "
                "seen_at, ready) VALUES (?,?,?,?,?,?,?,?,?,0)",
                (team_id, report_id, period, source, f"pending:{uuid.uuid4().hex}", iso(now), rows, dropped,
                 iso(now)))
            return cur.lastrowid

    def add_rows(self, snapshot_id: int, rows: list[tuple]) -> None:
        """One chunk of a snapshot's rows (tuples in METRIC_COLUMNS order), in its own short
        transaction. executemany, not insert_all: this is the import's hot loop."""
        with transaction(self.db) as conn:
            conn.executemany(f"INSERT INTO metric_rows (snapshot_id, {', '.join(METRIC_COLUMNS)}) "
                             f"VALUES ({', '.join('?' * (len(METRIC_COLUMNS) + 1))})",
                             [(snapshot_id, *r) for r in rows])

    def publish(self, snapshot_ids: list[int], file_hash: str) -> list[int]:
        """Make complete snapshots visible, all in one transaction. Returns the ids that were the
        same file as one published meanwhile (by another import): those stay hidden, to discard."""
        duplicates = []
        with transaction(self.db) as conn:
            for sid in snapshot_ids:
                team_id, report_id, period = conn.execute(
                    "SELECT team_id, report_id, period FROM snapshots WHERE id = ?", (sid,)).fetchone()
                if conn.execute("SELECT 1 FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? "
                                "AND file_hash = ?", (team_id, report_id, period, file_hash)).fetchone():
                    duplicates.append(sid)
                else:
                    conn.execute("UPDATE snapshots SET ready = 1, file_hash = ? WHERE id = ?", (file_hash, sid))
        return duplicates

    def publish_streamed(self, rows: dict[int, int], file_hash: str, *, now: datetime) -> list[int]:
        """Publish snapshots written as their rows arrived (`rows`: id -> row count), all in one
        transaction. One whose period already has a snapshot with this hash stays hidden (returned,
        to discard) and the existing one is marked as seen now: the source was read, unchanged."""
        duplicates = []
        with transaction(self.db) as conn:
            for sid, count in rows.items():
                team_id, report_id, period = conn.execute(
                    "SELECT team_id, report_id, period FROM snapshots WHERE id = ?", (sid,)).fetchone()
                found = conn.execute("SELECT id FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? "
                                     "AND file_hash = ?", (team_id, report_id, period, file_hash)).fetchone()
                if found:
                    conn.execute("UPDATE snapshots SET seen_at = ? WHERE id = ?", (iso(now), found[0]))
                    duplicates.append(sid)
                else:
                    conn.execute("UPDATE snapshots SET ready = 1, file_hash = ?, rows = ? WHERE id = ?",
                                 (file_hash, count, sid))
        return duplicates

    def discard(self, snapshot_ids: list[int], *, chunk: int = 5_000) -> None:
        """Delete unpublished snapshots and their rows, a chunk of rows per transaction."""
        for sid in snapshot_ids:
            while True:
                with transaction(self.db) as conn:
                    n = conn.execute("DELETE FROM metric_rows WHERE rowid IN (SELECT rowid FROM metric_rows "
                                     "WHERE snapshot_id = ? LIMIT ?)", (sid, chunk)).rowcount
                if n < chunk:
                    break
            with transaction(self.db) as conn:
                conn.execute("DELETE FROM snapshots WHERE id = ? AND ready = 0", (sid,))

    def unpublished(self, before: datetime) -> list[int]:
        """Snapshots an import started before `before` and never published (it failed or was killed)."""
        rows = self._rows("SELECT id, pulled_at FROM snapshots WHERE ready = 0")
        return [r["id"] for r in rows if datetime.fromisoformat(r["pulled_at"]) < before]

    def of(self, team_id: str, report_id: str, period: str) -> list[Snapshot]:
        """A period's published snapshots, oldest first (so that later ones win when combined)."""
        return [Snapshot.from_row(r) for r in self._rows(
            "SELECT * FROM snapshots WHERE team_id = ? AND report_id = ? AND period = ? AND ready = 1 "
            "ORDER BY pulled_at, id", (team_id, report_id, period))]

    def rows(self, snapshot_id: int) -> list[tuple]:
        """A snapshot's rows, as tuples in METRIC_COLUMNS order."""
        with self.db.lock:
            return self.db.conn.execute(f"SELECT {', '.join(METRIC_COLUMNS)} FROM metric_rows WHERE snapshot_id = ?",
                                        (snapshot_id,)).fetchall()

    def as_of(self, team_id: str, report_id: str, period: str) -> str | None:
        """When a period's data was last read from a source or an upload (ISO), None without data."""
        row = self._row("SELECT MAX(COALESCE(seen_at, pulled_at)) AS at FROM snapshots "
                        "WHERE team_id = ? AND report_id = ? AND period = ? AND ready = 1", (team_id, report_id, period))
        return row["at"] if row else None
