"""Database connection and schema migrations. Only `storage/` talks SQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
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


def _script(conn: sqlite3.Connection, sql: str) -> None:
    # executescript() would COMMIT the surrounding transaction, so run statements one by one.
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def m001_initial(conn: sqlite3.Connection) -> None:
    _script(conn,
        """
        CREATE TABLE reports (
            team_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, source TEXT NOT NULL,
            channel TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, id)
        );
        CREATE INDEX reports_channel ON reports (team_id, channel);
        CREATE TABLE periods (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, period TEXT NOT NULL,
            state TEXT NOT NULL, opened_at TEXT, opened_by TEXT, due_at TEXT,
            compiled_at TEXT, post_channel TEXT, post_ts TEXT,
            PRIMARY KEY (team_id, report_id, period)
        );
        CREATE TABLE prompts (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, period TEXT NOT NULL,
            section TEXT NOT NULL, owner TEXT NOT NULL, channel TEXT, ts TEXT, sent_at TEXT,
            PRIMARY KEY (team_id, report_id, period, section, owner)
        );
        CREATE INDEX prompts_thread ON prompts (team_id, channel, ts);
        CREATE TABLE answers (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, period TEXT NOT NULL,
            section TEXT NOT NULL, text TEXT NOT NULL, authors TEXT NOT NULL,
            revision INTEGER NOT NULL, first_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            PRIMARY KEY (team_id, report_id, period, section)
        );
        CREATE TABLE revisions (
            id INTEGER PRIMARY KEY, team_id TEXT NOT NULL, report_id TEXT NOT NULL,
            period TEXT NOT NULL, section TEXT NOT NULL, revision INTEGER NOT NULL,
            text TEXT NOT NULL, author TEXT NOT NULL, via TEXT NOT NULL, created_at TEXT NOT NULL,
            UNIQUE (team_id, report_id, period, section, revision)
        );
        CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, received_at TEXT NOT NULL);
        CREATE TABLE ledger (
            key TEXT PRIMARY KEY, team_id TEXT NOT NULL, report_id TEXT NOT NULL,
            period TEXT NOT NULL, action TEXT NOT NULL, recipient TEXT NOT NULL,
            state TEXT NOT NULL, claimed_at TEXT NOT NULL, done_at TEXT, attempts INTEGER NOT NULL,
            error TEXT, notified INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX ledger_period ON ledger (team_id, report_id, period);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY, team_id TEXT NOT NULL, actor TEXT NOT NULL,
            action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT, at TEXT NOT NULL
        );
        """
    )


def m002_metrics(conn: sqlite3.Connection) -> None:
    _script(conn,
        """
        CREATE TABLE snapshots (
            id INTEGER PRIMARY KEY, team_id TEXT NOT NULL, report_id TEXT NOT NULL,
            period TEXT NOT NULL, source TEXT NOT NULL, file_hash TEXT NOT NULL,
            pulled_at TEXT NOT NULL, rows INTEGER NOT NULL, dropped INTEGER NOT NULL,
            UNIQUE (team_id, report_id, period, file_hash)
        );
        CREATE TABLE metric_rows (
            snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
            date TEXT NOT NULL, platform TEXT NOT NULL, account TEXT, campaign TEXT NOT NULL,
            ad_group TEXT, campaign_id TEXT, impressions REAL, clicks REAL, spend REAL,
            conversions REAL, revenue REAL
        );
        CREATE INDEX metric_rows_snapshot ON metric_rows (snapshot_id);
        CREATE TABLE targets (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, period TEXT NOT NULL,
            kpi TEXT NOT NULL, value REAL NOT NULL, set_by TEXT NOT NULL, set_at TEXT NOT NULL,
            PRIMARY KEY (team_id, report_id, period, kpi)
        );
        """
    )


def m003_people(conn: sqlite3.Connection) -> None:
    _script(conn,
        """
        CREATE TABLE away (
            team_id TEXT NOT NULL, user_id TEXT NOT NULL, until TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );
        CREATE TABLE delegations (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, period TEXT NOT NULL,
            section TEXT NOT NULL, owner TEXT NOT NULL, delegate TEXT NOT NULL, at TEXT NOT NULL,
            PRIMARY KEY (team_id, report_id, period, section)
        );
        """
    )


def m004_status_indexes(conn: sqlite3.Connection) -> None:
    # `/feedsum status` on a big database: the channel lookup scanned every report of the team
    # (the planner preferred the primary key for ORDER BY id), and report_created_at's MIN(at)
    # scanned the whole audit log, three times per status. Both are index lookups now.
    _script(conn,
        """
        CREATE INDEX reports_channel_id ON reports (team_id, channel, id);
        CREATE INDEX audit_action_target ON audit (team_id, action, target, at);
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_initial, m002_metrics, m003_people]
MIGRATIONS.append(m004_status_indexes)


def m005_data_freshness(conn: sqlite3.Connection) -> None:
    # seen_at: when a snapshot's data was last read from its source (an unchanged file read again
    # adds no snapshot, but the data is then known to be current). source_errors: the error each
    # failing source last had, so admins are told once per distinct error, not on every pull.
    _script(conn,
        """
        ALTER TABLE snapshots ADD COLUMN seen_at TEXT;
        CREATE TABLE source_errors (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, source TEXT NOT NULL,
            error TEXT NOT NULL, since TEXT NOT NULL,
            PRIMARY KEY (team_id, report_id, source)
        );
        """
    )


MIGRATIONS.append(m005_data_freshness)


def m006_workspace_removals(conn: sqlite3.Connection) -> None:
    # A workspace that removed the app (app_uninstalled / tokens_revoked): the scheduler stops
    # serving it while its data stays. token_sha256 names SLACK_BOT_TOKEN when it was that
    # workspace's token, so a restart with the same (dead) token still leaves it alone.
    _script(conn,
        """
        CREATE TABLE workspace_removals (
            team_id TEXT PRIMARY KEY, reason TEXT NOT NULL, token_sha256 TEXT, at TEXT NOT NULL
        );
        CREATE INDEX workspace_removals_token ON workspace_removals (token_sha256);
        """
    )


MIGRATIONS.append(m006_workspace_removals)


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; returns the names applied."""
    applied: list[str] = []
    with db.lock:
        db.conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        for fn in MIGRATIONS:
            with transaction(db) as conn:
                # Checked inside the write lock so two processes starting together apply it once.
                if conn.execute("SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,)).fetchone():
                    continue
                fn(conn)
                conn.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", (fn.__name__,))
                applied.append(fn.__name__)
    return applied


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Connect and bring the schema up to date."""
    db = connect(path)
    migrate(db)
    return db


def backup(db: sqlite_utils.Database, dest: str | Path) -> None:
    """Copy the live database with SQLite's online backup API (safe while the bot runs)."""
    target = sqlite3.connect(str(dest))
    try:
        with db.lock:
            db.conn.backup(target)
    finally:
        target.close()
