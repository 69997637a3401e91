"""The store is the only way to the database: typed rows out, codecs for the keys that leave it."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import StorageError, Store
from storage.db import transaction
from storage.keys import LedgerKey, SectionRef, part_key, report_of
from storage.rows import AuditAction, Claim, ClaimState, PeriodState

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)
# What code outside storage/ may import of it: the store, its errors, row types and codecs.
PUBLIC = {"storage", "storage.rows", "storage.keys"}
# The connection and what only the database has: nothing outside storage/ names them.
PRIVATE_ATTRIBUTES = {"db", "conn", "_db", "executemany", "executescript"}
# Entry points, where the composition root opens the store and hands it around.
OPENERS = ("feedsum/",)


def _modules():
    for package in ("bot", "handlers", "feedsum"):
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path))


def violations(name: str, tree: ast.AST) -> list[str]:
    """Where module `name` reaches past the store to the database."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{name}:{node.lineno}: import {a.name}" for a in node.names
                      if a.name.split(".")[0] == "sqlite_utils" or (a.name.startswith("storage") and a.name not in PUBLIC)]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.split(".")[0] == "sqlite_utils" or (
                    node.module.startswith("storage") and node.module not in PUBLIC):
                found.append(f"{name}:{node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE_ATTRIBUTES:
            found.append(f"{name}:{node.lineno}: .{node.attr}")
        elif (isinstance(node, ast.Attribute) and node.attr == "open" and isinstance(node.value, ast.Name)
              and node.value.id == "Store" and not name.startswith(OPENERS)):
            found.append(f"{name}:{node.lineno}: Store.open outside the entry points")
    return found


def test_nothing_outside_storage_touches_the_database():
    found = [v for name, tree in _modules() for v in violations(name, tree)]
    assert not found, "\n".join(found)


def test_the_check_sees_every_way_around_the_store():
    source = ("from storage.repo import claim\nimport sqlite_utils\nfrom storage.db import transaction\n"
              "core.db.execute('DELETE FROM ledger')\nself.store.db.conn.close()\nStore.open(path)\n"
              "from storage import Store\nfrom storage.rows import PeriodState\nstore.ledger.entries(t, r, p)\n")
    found = violations("bot/core/x.py", ast.parse(source))
    assert sorted(f.split(": ", 1)[1] for f in found) == sorted([
        "from storage.repo import …", "import sqlite_utils", "from storage.db import …", ".db", ".db", ".conn",
        "Store.open outside the entry points"]), found
    assert violations("feedsum/cli.py", ast.parse("store = Store.open(settings.db_path)")) == []


# --- codecs ------------------------------------------------------------------------------------

def test_a_ledger_key_is_written_and_read_in_one_place():
    key = LedgerKey("T1", "feed-ads", "2026-11", "prompt", "results:U0OWNERA1")
    assert str(key) == "T1|feed-ads|2026-11|prompt|results:U0OWNERA1"
    assert LedgerKey.parse(str(key)) == key
    odd = LedgerKey("T1", "r", "2026-11", "post", "C|with|bars")  # the recipient is the rest
    assert LedgerKey.parse(str(odd)) == odd
    with pytest.raises(ValueError):
        LedgerKey.parse("T1|r|2026-11")
    assert part_key(str(key), 2) == f"{key}#2"  # a post's second thread reply


def test_a_section_reference_is_the_button_value_slack_round_trips():
    ref = SectionRef("feed-ads", "2026-11", "results")
    assert ref.value() == '{"r":"feed-ads","p":"2026-11","s":"results"}'  # as buttons always carried it
    assert SectionRef.parse(ref.value()) == ref == SectionRef.parse({**ref.fields(), "v": 3})
    for bad in ("", "nope", "[]", '{"r":"x"}', None):
        with pytest.raises(ValueError):
            SectionRef.parse(bad)
    assert report_of(ref.value()) == "feed-ads"
    assert report_of('{"ch":"C1"}') is None and report_of("not json") is None and report_of(None) is None


# --- rows ----------------------------------------------------------------------------------------

def test_rows_come_out_typed(tmp_path):
    store = Store.open(tmp_path / "f.db")
    assert store.periods.open("T", "r", "2026-11", by="U1", due_at=NOW, now=NOW)
    assert not store.periods.open("T", "r", "2026-11", by="U1", due_at=NOW, now=NOW)  # opening twice: harmless
    row = store.periods.get("T", "r", "2026-11")
    assert row.state is PeriodState.OPEN and row.due_at == NOW.isoformat() and row.sections is None
    store.db.conn.execute("UPDATE periods SET sections = '[\"results\",\"data\"]'")
    assert store.periods.get("T", "r", "2026-11").sections == ("results", "data")
    assert store.periods.progress("T", "r", "2026-11") == (PeriodState.OPEN, set(), set(), ("results", "data"))
    key = LedgerKey("T", "r", "2026-11", "post", "C1")
    assert store.ledger.claim(key, now=NOW, wall=0.0, owner="me") is Claim.NEW
    store.ledger.complete(key, now=NOW)
    assert store.ledger.claim(key, now=NOW, wall=0.0, owner="you") is Claim.DONE
    assert store.ledger.entry(key).state is ClaimState.DONE
    saved = store.answers.save("T", "r", "2026-11", "results", text="x", author="U1", via="test", now=NOW)
    answer = store.answers.of("T", "r", "2026-11")["results"]
    assert (saved.revision, answer.text, answer.authors) == (1, "x", ("U1",))


def test_one_audit_vocabulary_that_still_reads_older_rows(tmp_path):
    store = Store.open(tmp_path / "f.db")
    store.targets.set("T", "r", "2026-11", {"ctr": 0.03}, by="U1", now=NOW)
    store.targets.set("T", "r", "2026-11", {"ctr": 0.03}, by="U1", now=NOW)  # no change: not audited
    store.db.conn.execute("INSERT INTO audit (team_id, actor, action, target, before, after, at) "
                          "VALUES ('T', 'U1', 'target.set', 'r/2026-10/cpa', NULL, '{\"cpa\": 80}', ?)",
                          (NOW.isoformat(),))  # as `/feedsum target` wrote it before
    store.db.conn.execute("INSERT INTO audit (team_id, actor, action, target, before, after, at) "
                          "VALUES ('T', 'U1', 'some.future.action', 'x', NULL, NULL, ?)", (NOW.isoformat(),))
    future, old, new = store.audit.log("T")
    assert new.action is AuditAction.TARGETS_SET and json.loads(new.after) == {"ctr": 0.03}
    assert old.action is AuditAction.TARGETS_SET and old.target == "r/2026-10/cpa"
    assert future.action == "some.future.action"  # kept as written, not an error


def test_sqlite_utils_writes_stay_inside_the_transaction(tmp_path):
    """upsert/insert_all inside a transaction are part of it (sqlite-utils 4 nests them in a
    savepoint): a failure later in the transaction takes them back too."""
    store = Store.open(tmp_path / "f.db")
    with pytest.raises(StorageError), transaction(store.db) as conn:
        store.db["away"].upsert({"team_id": "T", "user_id": "U1", "until": "2026-12-01"}, pk=("team_id", "user_id"))
        store.db["comparisons"].insert_all([{"team_id": "T", "report_id": "r", "period": "p", "position": 0,
                                             "variants": "[]", "saved_by": "U1", "saved_at": "now"}])
        assert conn.in_transaction
        conn.execute("PRAGMA query_only = ON")
        try:
            conn.execute("INSERT INTO seen_events VALUES ('e', 'now')")  # the disk refuses the last write
        finally:
            conn.execute("PRAGMA query_only = OFF")
    counts = store.db.conn.execute("SELECT (SELECT COUNT(*) FROM away), (SELECT COUNT(*) FROM comparisons)")
    assert counts.fetchone() == (0, 0) and not store.db.conn.in_transaction
