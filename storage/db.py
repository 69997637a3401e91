"""The connection, transactions and file backups. Only `storage/` talks SQL (storage/store.py)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import sqlite_utils

BUSY_TIMEOUT_MS = 10_000


class StorageError(Exception):
    """A write could not be made; nothing of it was kept."""


def connect(path: str | Path) -> sqlite_utils.Database:
    """Open the database in WAL mode with a busy timeout, shared safely across threads."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if str(path) != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    db = sqlite_utils.Database(conn)
    db.lock = threading.RLock()  # one connection, many listener threads
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite3.Connection]:
    """One user action = one transaction; BEGIN IMMEDIATE takes the write lock up front."""
    with db.lock:
        conn = db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StorageError(str(exc)) from exc
        try:
            yield conn
        except BaseException as exc:
            _rollback(conn)
            # Disk full, read-only file, I/O error, corrupt file: the environment refused the
            # write. Callers catch StorageError and tell the user nothing was saved.
            if isinstance(exc, sqlite3.DatabaseError) and not isinstance(
                    exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
                raise StorageError(str(exc)) from exc
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            _rollback(conn)
            raise StorageError(str(exc)) from exc


def _rollback(conn: sqlite3.Connection) -> None:
    # SQLite already rolls back by itself on SQLITE_FULL / IOERR: a second ROLLBACK would raise
    # "no transaction is active" and hide the real error.
    if conn.in_transaction:
        with suppress(sqlite3.DatabaseError):
            conn.execute("ROLLBACK")


class BackupError(Exception):
    """A backup that was not made: what is wrong with the source database, or with the copy."""

    def __init__(self, path: str | Path, problem: str, *, source: bool = True):
        self.path, self.problem, self.source = str(path), problem, source
        super().__init__(f"{path}: {problem}")


SQLITE_HEADER = b"SQLite format 3\x00"


def backup_file(source: str | Path, dest: str | Path) -> dict[str, int]:
    """Copy the database file `source` to `dest`, verified; returns the copy's rows per table.

    Never creates or migrates `source`: a missing, empty or foreign file is a BackupError (a backup
    that silently copies nothing is worse than none). The copy is written next to `dest` under a
    temporary name, passes `PRAGMA integrity_check` and then replaces `dest`, so a failed backup
    never overwrites a good one.
    """
    source, dest = Path(source), Path(dest)
    if not source.exists():
        raise BackupError(source, "does not exist")
    if not source.is_file():
        raise BackupError(source, "is not a file")
    with source.open("rb") as fh:
        head = fh.read(len(SQLITE_HEADER))
    if not head:
        raise BackupError(source, "is empty (0 bytes)")
    if head != SQLITE_HEADER:
        raise BackupError(source, "is not a SQLite database")
    if not dest.parent.is_dir():
        raise BackupError(dest, "cannot be written: its folder does not exist", source=False)
    if dest.exists() and dest.resolve() == source.resolve():
        raise BackupError(dest, "is the database itself", source=False)
    # Read-only: opening never creates the file (the checks above could race with a delete).
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        tables = [r[0] for r in src.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        if "_migrations" not in tables:
            raise BackupError(source, "has no feedsum tables" if tables else "holds no tables")
        tmp.unlink(missing_ok=True)
        copy = sqlite3.connect(str(tmp))
        try:
            src.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            verdict = copy.execute("PRAGMA integrity_check").fetchall()
            if [r[0] for r in verdict] != ["ok"]:
                raise BackupError(dest, "the copy failed its integrity check: "
                                  + "; ".join(str(r[0]) for r in verdict[:3]), source=False)
            counts = {t: copy.execute(f'SELECT COUNT(*) FROM "{t.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
                      for t in tables if not t.startswith("_")}
        finally:
            copy.close()
        if not any(counts.values()):
            raise BackupError(source, "holds no rows in any table")
        tmp.replace(dest)
        return counts
    except sqlite3.DatabaseError as exc:
        raise BackupError(source, f"could not be copied: {exc}") from exc
    finally:
        src.close()
        tmp.unlink(missing_ok=True)
