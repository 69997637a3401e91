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


def m005_ledger_leases(conn: sqlite3.Connection) -> None:
    # Who holds a claim and until when (wall-clock epoch seconds). The holder's heartbeat moves
    # lease_until on while it works, so only a dead process's claims run out. Claims from before
    # this migration have no lease and count from claimed_at, as they did.
    _script(conn,
        """
        ALTER TABLE ledger ADD COLUMN owner TEXT;
        ALTER TABLE ledger ADD COLUMN lease_until REAL
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [m001_initial, m002_metrics, m003_people]
MIGRATIONS.append(m004_status_indexes)
MIGRATIONS.append(m005_ledger_leases)


def m006_data_freshness(conn: sqlite3.Connection) -> None:
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


MIGRATIONS.append(m006_data_freshness)


def m007_answer_order(conn: sqlite3.Connection) -> None:
    # `replies`: the DM thread replies at the end of an answer's text, with their message ts, so a
    # late-delivered earlier reply is put before later ones. `shown_revision`: the revision the
    # posted summary shows, so a save made while it was being posted still reaches the channel
    # (already posted periods show their answers, as their late edits were announced).
    # `revisions.form`: which form submission (start revision + text) made a revision, so the
    # same submission sent again is recognised and not applied twice.
    _script(conn,
        """
        ALTER TABLE answers ADD COLUMN replies TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE answers ADD COLUMN shown_revision INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE revisions ADD COLUMN form TEXT;
        UPDATE answers SET shown_revision = revision WHERE EXISTS (
            SELECT 1 FROM periods p WHERE p.team_id = answers.team_id AND p.report_id = answers.report_id
            AND p.period = answers.period AND p.state = 'posted');
        """
    )


def m008_seen_requests(conn: sqlite3.Connection) -> None:
    # Signed requests seen in the last five minutes (signature and timestamp), so that a captured
    # request replayed to any process sharing this database acts only once.
    _script(conn,
        """
        CREATE TABLE seen_requests (key TEXT PRIMARY KEY, stamp INTEGER NOT NULL);
        CREATE INDEX seen_requests_stamp ON seen_requests (stamp);
        """
    )


MIGRATIONS.append(m007_answer_order)
MIGRATIONS.append(m008_seen_requests)


def m009_snapshot_ready(conn: sqlite3.Connection) -> None:
    # An import is inserted in chunks, each its own short transaction, so that other writers
    # never wait for a whole file; the snapshot counts only once its last chunk is in (ready = 1).
    _script(conn, "ALTER TABLE snapshots ADD COLUMN ready INTEGER NOT NULL DEFAULT 1")


MIGRATIONS.append(m009_snapshot_ready)
def m010_workspace_removals(conn: sqlite3.Connection) -> None:
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


MIGRATIONS.append(m010_workspace_removals)


def m011_api_sources(conn: sqlite3.Connection) -> None:
    # source_state: each configured source's last pull (rows, outcome) and, for an ad platform's
    # API, what the account is (name, currency, time zone): `/feedsum sources` lists it, and the
    # currencies keep accounts of different currencies from being added up unconverted.
    # api_tokens: tokens a platform hands out and rotates, Fernet-encrypted (never in clear text).
    _script(conn,
        """
        CREATE TABLE source_state (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
            last_pull_at TEXT, last_ok_at TEXT, rows INTEGER, error TEXT,
            platform TEXT, account TEXT, account_name TEXT, currency TEXT, timezone TEXT, campaigns INTEGER,
            PRIMARY KEY (team_id, report_id, source)
        );
        CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY, token TEXT NOT NULL, expires_at TEXT, updated_at TEXT NOT NULL
        );
        """
    )


MIGRATIONS.append(m011_api_sources)


def m012_optimise(conn: sqlite3.Connection) -> None:
    # periods.sections: the section keys a period is limited to (JSON list), NULL for "the report's
    # sections as they are". Periods that exist now keep the sections they had, so the template's
    # new optimise/feedback sections reach reports on the default set from the next period on, and
    # never appear as "not submitted" in a month that was collected without them.
    # comparisons: the A/B comparisons chosen in a period's optimise section, in order; `variants`
    # is a JSON list of {level, platform, campaign, ad_group}; figures are computed from the data.
    _script(conn,
        """
        ALTER TABLE periods ADD COLUMN sections TEXT;
        UPDATE periods SET sections = (
            SELECT json_group_array(json_extract(s.value, '$.key'))
            FROM reports r, json_each(r.data, '$.sections') s
            WHERE r.team_id = periods.team_id AND r.id = periods.report_id);
        CREATE TABLE comparisons (
            team_id TEXT NOT NULL, report_id TEXT NOT NULL, period TEXT NOT NULL,
            position INTEGER NOT NULL, variants TEXT NOT NULL, saved_by TEXT NOT NULL, saved_at TEXT NOT NULL,
            PRIMARY KEY (team_id, report_id, period, position)
        );
        """
    )


MIGRATIONS.append(m012_optimise)


def m013_dm_channels(conn: sqlite3.Connection) -> None:
    # The DM channel between the bot and each person, as conversations.open answered: it never
    # changes, so a fan-out opens each person's DM once, not once per process or per month.
    _script(conn,
        """
        CREATE TABLE dm_channels (
            team_id TEXT NOT NULL, user_id TEXT NOT NULL, channel TEXT NOT NULL, opened_at TEXT NOT NULL,
            PRIMARY KEY (team_id, user_id)
        );
        """
    )


MIGRATIONS.append(m013_dm_channels)


def m014_creatives(conn: sqlite3.Connection) -> None:
    # The level below the ad group (a creative / 素材 / ad): what A/B tests usually vary. Rows
    # stored before it have none (NULL), and read as rows without a creative.
    _script(conn, "ALTER TABLE metric_rows ADD COLUMN creative TEXT")


MIGRATIONS.append(m014_creatives)


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
