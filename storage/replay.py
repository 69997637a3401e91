"""The seen-set of signed Slack requests, shared by every process using the database."""

from __future__ import annotations

from storage.db import transaction

WINDOW_S = 300  # Slack's signatures are accepted for 5 minutes either side of now


def first_use(db, key: str, stamp: int, *, now: float, window: int = WINDOW_S) -> bool:
    """Record a signed request (`key`, sent at `stamp`); False if it was recorded before.

    Entries whose stamp is outside the window are dropped: such a request fails the timestamp
    check anyway, so the table holds at most five minutes of traffic.
    """
    with transaction(db) as conn:
        conn.execute("DELETE FROM seen_requests WHERE stamp < ?", (int(now) - window - 1,))
        cur = conn.execute("INSERT OR IGNORE INTO seen_requests (key, stamp) VALUES (?, ?)", (key, stamp))
        return cur.rowcount == 1
