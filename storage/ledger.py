"""The delivery ledger's rows: every outgoing message and scheduled action is claimed here first.

The SQL here is the exactly-once guarantee across processes: a claim is one BEGIN IMMEDIATE
transaction (INSERT OR IGNORE, then a look at the existing row), and every change to a claim is
conditioned on its holder (`owner IS ?`) so that a process whose lease ran out cannot undo the
claim of the process that took it over. bot/core/ledger.py decides what to do with them.
"""

from __future__ import annotations

from datetime import datetime

from storage.base import Part, iso
from storage.db import transaction
from storage.keys import LedgerKey
from storage.rows import Claim, ClaimState, LedgerEntry


class Ledger(Part):
    def claim(self, key: LedgerKey, *, now: datetime, wall: float, owner: str | None = None,
              lease_s: float = 120) -> Claim:
        """Claim an outgoing message before sending it, with a lease until `wall + lease_s`.

        NEW: send it; DONE: already sent; BUSY: another process is sending it now (its lease is
        live); RECOVER: a claim whose lease ran out, or left uncertain: check Slack before sending
        again. `now` is recorded; `wall` (epoch seconds) is the clock leases are kept in.
        """
        until = wall + lease_s
        with transaction(self.db) as conn:
            cur = conn.execute(
                "INSERT OR IGNORE INTO ledger (key, team_id, report_id, period, action, recipient, state, claimed_at, "
                "attempts, owner, lease_until) VALUES (?,?,?,?,?,?,?,?,1,?,?)",
                (str(key), key.team_id, key.report_id, key.period, key.action, key.recipient,
                 ClaimState.CLAIMED.value, iso(now), owner, until),
            )
            if cur.rowcount:
                return Claim.NEW
            state, claimed_at, lease_until = conn.execute(
                "SELECT state, claimed_at, lease_until FROM ledger WHERE key = ?", (str(key),)).fetchone()
            if state == ClaimState.DONE:
                return Claim.DONE
            if state == ClaimState.CLAIMED:
                if lease_until is None:  # claimed before leases existed
                    live = (now - datetime.fromisoformat(claimed_at)).total_seconds() < lease_s
                else:
                    live = lease_until > wall
                if live:
                    return Claim.BUSY
            conn.execute("UPDATE ledger SET state = 'claimed', claimed_at = ?, attempts = attempts + 1, owner = ?, "
                         "lease_until = ? WHERE key = ?", (iso(now), owner, until, str(key)))
            return Claim.RECOVER if state in (ClaimState.CLAIMED, ClaimState.UNCERTAIN) else Claim.NEW

    def renew(self, keys: list[LedgerKey | str], owner: str | None, *, until: float) -> int:
        """Extend the leases of claims `owner` still holds; returns how many it still held."""
        keys = [str(k) for k in keys]
        renewed = 0
        with transaction(self.db) as conn:
            for i in range(0, len(keys), 500):  # within SQLite's limit on bound parameters
                chunk = keys[i:i + 500]
                cur = conn.execute(
                    f"UPDATE ledger SET lease_until = ? WHERE state = 'claimed' AND owner IS ? "
                    f"AND key IN ({','.join('?' * len(chunk))})", (until, owner, *chunk))
                renewed += cur.rowcount
        return renewed

    def entry(self, key: LedgerKey | str) -> LedgerEntry | None:
        row = self._row("SELECT * FROM ledger WHERE key = ?", (str(key),))
        return LedgerEntry.from_row(row) if row else None

    def complete(self, key: LedgerKey | str, *, now: datetime) -> None:
        with transaction(self.db) as conn:
            conn.execute("UPDATE ledger SET state = 'done', done_at = ?, error = NULL WHERE key = ?",
                         (iso(now), str(key)))

    def fail(self, key: LedgerKey | str, error: str, *, now: datetime) -> None:
        """A permanent per-recipient failure: recorded, shown in status, not retried every pass."""
        with transaction(self.db) as conn:
            conn.execute("UPDATE ledger SET state = 'failed', done_at = ?, error = ? WHERE key = ?",
                         (iso(now), error, str(key)))

    def release(self, key: LedgerKey | str, owner: str | None = None) -> None:
        """Give a claim back after a transient failure so the next pass retries it.

        Only the holder's own claim: one whose lease ran out may be another process's by now.
        """
        with transaction(self.db) as conn:
            conn.execute("DELETE FROM ledger WHERE key = ? AND state = 'claimed' AND owner IS ?", (str(key), owner))

    def mark_uncertain(self, key: LedgerKey | str, owner: str | None = None) -> None:
        """The send may have reached Slack (timeout, lost response, interrupt): keep the claim so that
        the next pass recovers it (looks in Slack first) instead of sending again blind."""
        with transaction(self.db) as conn:
            conn.execute("UPDATE ledger SET state = 'uncertain' WHERE key = ? AND state = 'claimed' AND owner IS ?",
                         (str(key), owner))

    def entries(self, team_id: str, report_id: str, period: str, *,
                state: ClaimState | None = None) -> list[LedgerEntry]:
        sql = "SELECT * FROM ledger WHERE team_id = ? AND report_id = ? AND period = ?"
        params: tuple = (team_id, report_id, period)
        if state:
            sql += " AND state = ?"
            params += (str(state),)
        return [LedgerEntry.from_row(r) for r in self._rows(sql + " ORDER BY claimed_at", params)]

    def unnotified_failures(self, team_id: str, report_id: str, period: str) -> list[LedgerEntry]:
        """Failures the admins have not been told about yet; marks them told."""
        with transaction(self.db) as conn:
            cur = conn.execute("SELECT * FROM ledger WHERE team_id = ? AND report_id = ? "
                               "AND period = ? AND state = 'failed' AND notified = 0", (team_id, report_id, period))
            cols = [c[0] for c in cur.description]
            rows = [LedgerEntry.from_row(dict(zip(cols, r, strict=True))) for r in cur.fetchall()]
            conn.executemany("UPDATE ledger SET notified = 1 WHERE key = ?", [(r.key,) for r in rows])
            return rows
