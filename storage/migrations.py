"""The schema's history: each migration registered where it is defined, applied once, in order.

A migration is named by its function (recorded in `_migrations`), so names and order never
change once released: a database made by any earlier version migrates from where it stopped.
Each runs in its own BEGIN IMMEDIATE transaction, checked inside the write lock, so two
processes starting together apply it once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from storage.db import transaction

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    """Register `fn` as the next migration (after every one defined above it)."""
    if MIGRATIONS and fn.__name__ <= MIGRATIONS[-1].__name__:
        raise ValueError(f"migration {fn.__name__} must sort after {MIGRATIONS[-1].__name__}")
    MIGRATIONS.append(fn)
    return fn


def _script(conn: sqlite3.Connection, sql: str) -> None:
    # executescript() would COMMIT the surrounding transaction, so run statements one by one.
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


@migration
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


@migration
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


@migration
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


@migration
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


@migration
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


@migration
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


@migration
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


@migration
def m008_seen_requests(conn: sqlite3.Connection) -> None:
    # Signed requests seen in the last five minutes (signature and timestamp), so that a captured
    # request replayed to any process sharing this database acts only once.
    _script(conn,
        """
        CREATE TABLE seen_requests (key TEXT PRIMARY KEY, stamp INTEGER NOT NULL);
        CREATE INDEX seen_requests_stamp ON seen_requests (stamp);
        """
    )


@migration
def m009_snapshot_ready(conn: sqlite3.Connection) -> None:
    # An import is inserted in chunks, each its own short transaction, so that other writers
    # never wait for a whole file; the snapshot counts only once its last chunk is in (ready = 1).
    _script(conn, "ALTER TABLE snapshots ADD COLUMN ready INTEGER NOT NULL DEFAULT 1")


@migration
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


@migration
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


@migration
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


@migration
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


@migration
def m014_creatives(conn: sqlite3.Connection) -> None:
    # The level below the ad group (a creative / 素材 / ad): what A/B tests usually vary. Rows
    # stored before it have none (NULL), and read as rows without a creative.
    _script(conn, "ALTER TABLE metric_rows ADD COLUMN creative TEXT")


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
