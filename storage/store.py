"""The store: the one way to feedsum's database.

Opened once by the composition root (`Store.open`), handed to whoever needs it, and used through
its parts, each an area of intent-named reads and writes returning typed rows (storage/rows.py):

    store.reports   report definitions          store.answers    answers and their revisions
    store.periods   report-months and states    store.prompts    prompts sent, where they are
    store.ledger    delivery claims             store.snapshots  imported ad data
    store.targets   KPI targets per month       store.sources    sources' pulls, errors, tokens
    store.comparisons  A/B comparisons chosen   store.people     away marks and hand-overs
    store.audit     who changed what            store.workspaces removed workspaces, forgetting
    store.dm_channels  DM channel ids           store.replay     signed requests seen

Nothing outside storage/ touches the database connection (tests/test_store.py checks it).
"""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from storage.answers import Answers, Prompts
from storage.db import connect
from storage.ledger import Ledger
from storage.migrations import migrate
from storage.reports import Audit, Comparisons, People, Periods, Reports, Targets
from storage.snapshots import Snapshots
from storage.sources import Sources
from storage.workspaces import DmChannels, Replay, Workspaces


class Store:
    def __init__(self, db: sqlite_utils.Database):
        self.db = db  # storage/ and tests only
        self.reports = Reports(db)
        self.periods = Periods(db)
        self.prompts = Prompts(db)
        self.answers = Answers(db)
        self.ledger = Ledger(db)
        self.targets = Targets(db)
        self.comparisons = Comparisons(db)
        self.people = People(db)
        self.audit = Audit(db)
        self.snapshots = Snapshots(db)
        self.sources = Sources(db)
        self.workspaces = Workspaces(db)
        self.dm_channels = DmChannels(db)
        self.replay = Replay(db)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Connect (WAL, busy timeout) and bring the schema up to date."""
        db = connect(path)
        migrate(db)
        return cls(db)

    def close(self) -> None:
        self.db.conn.close()
