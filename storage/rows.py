"""What the store returns: one frozen dataclass per kind of row, StrEnums for states and kinds.

Rows are built from the table's columns by name (`from_row`), so a column added by a later
migration is read where the dataclass names it and ignored elsewhere. JSON columns are decoded
here: nothing outside storage/ parses a stored string.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from enum import StrEnum
from functools import cache
from typing import Any, Self


class PeriodState(StrEnum):
    """Where a report-month is. NONE is never stored: a period without a row."""

    NONE = "none"
    OPEN = "open"
    POSTED = "posted"


class ClaimState(StrEnum):
    """A delivery-ledger entry."""

    CLAIMED = "claimed"  # someone is sending it (their lease says until when)
    UNCERTAIN = "uncertain"  # a send may have reached the platform: look there before sending again
    DONE = "done"
    FAILED = "failed"  # permanently (the recipient cannot be reached); admins are told once


class Claim(StrEnum):
    """What claiming a ledger key found (storage.store.Ledger.claim)."""

    NEW = "new"  # send it
    DONE = "done"  # sent before
    BUSY = "busy"  # another process holds a live lease on it
    RECOVER = "recover"  # an earlier claim died or was left uncertain: look before sending


class AuditAction(StrEnum):
    """The audit log's vocabulary. `parse` also reads names older rows were written with."""

    REPORT_SAVE = "report.save"
    REPORT_REMOVE = "report.remove"
    PERIOD_OPEN = "period.open"
    PERIOD_POST = "period.post"
    TARGETS_SET = "targets.set"
    COMPARISONS_SET = "comparisons.set"
    AWAY = "away"
    DELEGATE = "delegate"

    @classmethod
    def parse(cls, name: str) -> AuditAction | str:
        """The action an audit row records; an unknown name is kept as it is."""
        name = _LEGACY_AUDIT.get(name, name)
        try:
            return cls(name)
        except ValueError:
            return name


# `/feedsum target` wrote one KPI per row as "target.set" (target report/period/kpi) until both
# ways of setting targets became one write.
_LEGACY_AUDIT = {"target.set": AuditAction.TARGETS_SET.value}


class SourceKind(StrEnum):
    FILE = "file"
    SQL = "sql"
    API = "api"
    CURRENCY = "currency"  # not a source: accounts in several currencies without rates, shown as one


@cache
def _names(cls) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))


class _Row:
    __slots__ = ()

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Self:
        names = _names(cls)
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass(frozen=True)
class PeriodRow(_Row):
    team_id: str
    report_id: str
    period: str
    state: PeriodState
    opened_at: str | None = None
    opened_by: str | None = None
    due_at: str | None = None
    compiled_at: str | None = None
    post_channel: str | None = None
    post_ts: str | None = None
    # The section keys the period is limited to (m012); None: the report's sections as they are.
    sections: tuple[str, ...] | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PeriodRow:
        raw = row.get("sections")
        return super().from_row({**row, "state": PeriodState(row["state"]),
                                 "sections": None if raw is None else tuple(json.loads(raw))})


@dataclass(frozen=True)
class Prompt(_Row):
    """A section's prompt as sent to one owner: where it is in Slack."""

    team_id: str
    report_id: str
    period: str
    section: str
    owner: str
    channel: str | None
    ts: str | None
    sent_at: str | None


@dataclass(frozen=True)
class Answer(_Row):
    team_id: str
    report_id: str
    period: str
    section: str
    text: str
    authors: tuple[str, ...]
    revision: int
    first_at: str
    updated_at: str
    shown_revision: int = 0  # the revision the posted summary shows

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Answer:
        return super().from_row({**row, "authors": tuple(json.loads(row["authors"]))})


@dataclass(frozen=True)
class Revision(_Row):
    id: int
    team_id: str
    report_id: str
    period: str
    section: str
    revision: int
    text: str
    author: str
    via: str
    created_at: str
    form: str | None = None


@dataclass(frozen=True)
class Saved:
    """What a save of a section's text did."""

    revision: int
    previous: str | None
    text: str
    duplicate: bool = False


@dataclass(frozen=True)
class LedgerEntry(_Row):
    key: str
    team_id: str
    report_id: str
    period: str
    action: str
    recipient: str
    state: ClaimState
    claimed_at: str
    attempts: int
    done_at: str | None = None
    error: str | None = None
    notified: int = 0
    owner: str | None = None
    lease_until: float | None = None  # wall-clock epoch seconds (m005); None: claimed before leases

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LedgerEntry:
        return super().from_row({**row, "state": ClaimState(row["state"])})


@dataclass(frozen=True)
class AuditEntry(_Row):
    id: int
    team_id: str
    actor: str
    action: AuditAction | str
    target: str
    before: str | None  # JSON
    after: str | None  # JSON
    at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuditEntry:
        return super().from_row({**row, "action": AuditAction.parse(row["action"])})


@dataclass(frozen=True)
class Snapshot(_Row):
    """One immutable import of a period's ad data (its rows are in metric_rows)."""

    id: int
    team_id: str
    report_id: str
    period: str
    source: str
    file_hash: str
    pulled_at: str
    rows: int
    dropped: int
    seen_at: str | None = None
    ready: int = 1


# A snapshot's rows (metric_rows) are plain tuples in this order: there are many of them. In the
# table's order: `creative` came last (m014).
METRIC_COLUMNS = ("date", "platform", "account", "campaign", "ad_group", "campaign_id",
                  "impressions", "clicks", "spend", "conversions", "revenue", "creative")


@dataclass(frozen=True)
class SourceError(_Row):
    source: str
    error: str
    since: str


@dataclass(frozen=True)
class SourceState(_Row):
    """A configured source's last pull and, for an ad platform's API, what its account is."""

    source: str
    kind: SourceKind | str
    last_pull_at: str | None = None
    last_ok_at: str | None = None
    rows: int | None = None
    error: str | None = None
    platform: str | None = None
    account: str | None = None
    account_name: str | None = None
    currency: str | None = None
    timezone: str | None = None
    campaigns: int | None = None
    since: str | None = None  # not stored here: when the current error began (source_errors)


@dataclass(frozen=True)
class Pulled:
    """One source's pull to record: rows (None when it failed), error, and an API's account."""

    source: str
    kind: SourceKind | str
    rows: int | None = None
    error: str | None = None
    platform: str | None = None
    account: str | None = None
    account_name: str | None = None
    currency: str | None = None
    timezone: str | None = None
    campaigns: int | None = None


ACCOUNT_FIELDS = ("platform", "account", "account_name", "currency", "timezone", "campaigns")


@dataclass(frozen=True)
class StoredToken(_Row):
    token: str  # encrypted
    expires_at: str | None


@dataclass(frozen=True)
class Removal(_Row):
    """A workspace that removed the app."""

    team_id: str
    reason: str
    at: str
