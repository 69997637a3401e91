"""Migrations are registered where they are defined (`@migration`), in the order and under the
names released: a database made by any earlier version migrates to today's schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from storage import Store, migrations
from storage.db import connect

# What the released code's migrations made, after each of them (tests/schema_history.json).
HISTORY = json.loads((Path(__file__).parent / "schema_history.json").read_text(encoding="utf-8"))


def schema(db) -> list[list]:
    return [list(r) for r in db.conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid")]


def applied(db) -> list[str]:
    return [r[0] for r in db.conn.execute("SELECT name FROM _migrations ORDER BY rowid")]


def test_the_released_migrations_keep_their_names_and_order():
    assert [m.__name__ for m in migrations.MIGRATIONS][:len(HISTORY["migrations"])] == HISTORY["migrations"]


def test_a_new_database_has_the_released_schema(tmp_path):
    store = Store.open(tmp_path / "new.db")
    assert schema(store.db) == [HISTORY["objects"][i] for i in HISTORY["steps"][-1]]
    assert applied(store.db) == [m.__name__ for m in migrations.MIGRATIONS]


@pytest.mark.parametrize("step", range(len(HISTORY["steps"])))
def test_a_database_made_at_each_released_step_migrates_to_the_same_schema(tmp_path, step):
    """Rebuild the database the released code left after `step` migrations (its exact schema and
    migration records), open it with today's code, and compare with a database made today."""
    old = connect(tmp_path / "old.db")
    for *_, sql in (HISTORY["objects"][i] for i in HISTORY["steps"][step]):
        if sql:  # the _migrations table included; automatic indexes come with their tables
            old.conn.execute(sql)
    old.conn.executemany("INSERT INTO _migrations VALUES (?, datetime('now'))",
                         [(name,) for name in HISTORY["migrations"][:step]])
    old.conn.close()
    upgraded = Store.open(tmp_path / "old.db")
    fresh = Store.open(tmp_path / "fresh.db")
    assert schema(upgraded.db) == schema(fresh.db)
    assert applied(upgraded.db) == applied(fresh.db)


def test_a_migration_must_come_after_the_ones_before_it():
    def m000_too_early(conn):
        raise AssertionError("never run")

    with pytest.raises(ValueError, match="must sort after"):
        migrations.migration(m000_too_early)
    assert m000_too_early not in migrations.MIGRATIONS
