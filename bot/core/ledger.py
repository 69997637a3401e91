"""Exactly-once delivery: every outgoing message and scheduled action is claimed before it runs.

`Ledger.once` claims a key in the store's ledger (one BEGIN IMMEDIATE transaction), keeps the
claim's lease renewed while the work runs (bot/core/leases.py), and then marks it done; failed
for good when the platform refused the recipient; uncertain when the send may have reached the
platform (the next pass looks there before sending again); or gives it back after a transient
refusal. Restarts, crashes and two running copies therefore never send anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.core.access import Refused
from bot.core.leases import Leases
from storage import Store
from storage.keys import LedgerKey
from storage.rows import Claim, ClaimState, LedgerEntry

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What `once` did."""

    SENT = "sent"  # the work ran now (its result comes with it)
    DONE = "done"  # it had run before
    FAILED = "failed"  # the platform refused the recipient for good (the error code comes with it)
    BUSY = "busy"  # another process is at it (its ledger entry, or the Busy raised, comes with it)


class Delivery(StrEnum):
    """The kinds of message the core sends (a ledger key's action, or its start)."""

    PROMPT = "prompt"  # to "<section>:<owner>"
    POST = "post"  # the summary, to the report channel
    REMIND = "remind"  # "remind:<slot>", to an owner
    DATA = "data"  # "data:<state>", a posted summary's figures updated, to the report channel


SCHEDULED = "*"  # the recipient of a scheduled action's own claim (the planner's key is its action)


def action(kind: Delivery, detail: str) -> str:
    """An action told apart by `detail` (a reminder's slot, a data update's state)."""
    return f"{kind}:{detail}"


def prompt_recipient(section: str, owner: str) -> str:
    return f"{section}:{owner}"


def prompted_owner(recipient: str) -> str:
    """The person a prompt's recipient names."""
    return recipient.split(":", 1)[1]


class DeliveryError(Exception):
    """The chat platform did not take a message. A permanent failure (the recipient can't be
    reached, the message can never be sent as it is) is recorded and not tried again; which
    failures are permanent is the outbox's to say. `code` names the reason."""

    def __init__(self, code: str, *, permanent: bool = False):
        self.code, self.permanent = code, permanent
        super().__init__(code)


class Busy(Refused):
    """Another process holds the claim on this work and is at it now (its lease is live)."""


class Unfinished(Exception):
    """Some messages of a fan-out are claimed by another process whose lease is still live (it is
    sending them, or died a moment ago): the fan-out is not finished, so a claim on the whole of it
    must be given back rather than marked done; a later pass sends what that process did not."""

    def __init__(self, busy: int):
        self.busy = busy
        super().__init__(f"{busy} message(s) claimed elsewhere")


class Ledger:
    def __init__(self, store: Store, leases: Leases):
        self.store = store
        self.leases = leases

    def once(self, key: LedgerKey, now: datetime, send: Callable[[str, bool], Any]) -> tuple[Outcome, Any]:
        """Run `send` at most once per ledger key; returns (outcome, result).

        `send(key, recovering)` gets recovering=True when an earlier attempt crashed after
        claiming: it must first look in Slack for a message carrying the key. The claim's lease
        is renewed for as long as `send` runs, however long that is. A BUSY outcome comes with
        the ledger entry of the live claim (or the `Busy` or `Unfinished` that `send` raised).
        """
        ledger, leases = self.store.ledger, self.leases
        state = ledger.claim(key, now=now, wall=leases.now(), owner=leases.owner, lease_s=leases.seconds)
        if state == Claim.DONE:
            return Outcome.DONE, None
        if state == Claim.BUSY:
            return Outcome.BUSY, ledger.entry(key)
        with leases.hold(str(key)):
            try:
                result = send(str(key), state == Claim.RECOVER)
            except (Busy, Unfinished) as exc:
                # Part of this work is another process's right now: give this claim back, so a
                # later pass does it if that process never finishes.
                ledger.release(key, leases.owner)
                return Outcome.BUSY, exc
            except DeliveryError as exc:
                if exc.permanent:
                    ledger.fail(key, exc.code, now=now)
                    return Outcome.FAILED, exc.code
                if state == Claim.RECOVER:
                    # Slack refused the look-up (or the send) this time: what an earlier attempt
                    # may have delivered is still unknown, so the next pass looks again.
                    ledger.mark_uncertain(key, leases.owner)
                else:
                    ledger.release(key, leases.owner)
                raise
            except BaseException:
                # Not an answer from Slack (a timeout, a lost response, an interrupt, a failed write
                # of our own after the post): the message may be in Slack already. Releasing the
                # claim would send it again blind; keep it so the next pass looks in Slack first.
                try:
                    ledger.mark_uncertain(key, leases.owner)
                except Exception:
                    log.exception("could not mark %s for recovery; it is retried once its lease runs out", key)
                raise
            ledger.complete(key, now=now)
        return Outcome.SENT, result

    def failures(self, team_id: str, report_id: str, period: str) -> list[LedgerEntry]:
        """Recipients a period's messages could not reach, for good."""
        return self.store.ledger.entries(team_id, report_id, period, state=ClaimState.FAILED)

    def untold_failures(self, team_id: str, report_id: str, period: str) -> list[LedgerEntry]:
        """Failures the admins have not been told about yet; marks them told."""
        return self.store.ledger.unnotified_failures(team_id, report_id, period)
