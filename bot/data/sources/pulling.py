"""An API source pulled into snapshots: the period and the backfill window, whole or not at all.

The client fetches every day of the period (up to today) and the last `backfill_days` days — in
the account's own time zone, since that is the zone the platform's days are in — before anything
is stored: a rate limit or an error half-way stores nothing and keeps the last good snapshot.
Each month touched becomes one snapshot holding the source's whole month (the days fetched now,
and its earlier days as stored before), so a month whose figures did not change adds nothing, and
one whose conversions were backfilled adds a snapshot that replaces the stale rows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from bot.data.exports import CANONICAL_COLUMNS, empty_rows
from bot.data.imported import ImportOutcome
from bot.data.sources import client_class
from bot.data.sources.base import MAX_WAIT_SECONDS, Account, Client, Context
from bot.data.sources.secrets import TokenStore
from bot.insight.kpi import kpis
from bot.model import periods
from bot.model.config import MetricSource, Report
from storage import Store
from storage.rows import Pulled, SourceKind

log = logging.getLogger(__name__)


@dataclass
class ApiKit:
    """How this process reaches the platforms: the environment holding the secrets, the key that
    encrypts stored tokens, and how to wait (tests pass a sleep that does not)."""

    secret_key: str | None = None
    env: Mapping[str, str] | None = None  # None: os.environ when a pull starts
    sleep: Callable[[float], None] | None = None
    max_wait: float = MAX_WAIT_SECONDS
    _stores: dict[int, TokenStore] = field(default_factory=dict, repr=False)

    def context(self, store: Store | None, report: Report, now: datetime) -> Context:
        tokens = self._stores.get(id(store))
        if tokens is None:
            tokens = self._stores[id(store)] = TokenStore(store, self.secret_key)
        ctx = Context(env=self.env if self.env is not None else dict(os.environ), tokens=tokens,
                      base_dir=report.base_dir, now=lambda: now, max_wait=self.max_wait)
        if self.sleep is not None:
            ctx.sleep = self.sleep
        return ctx

    def client(self, store: Store | None, report: Report, source: MetricSource, now: datetime) -> Client:
        return client_class(source.api)(source, self.context(store, report, now))


def zone_of(account: Account, report: Report) -> ZoneInfo:
    """The zone the platform's days are in: the account's, else the report's."""
    try:
        return ZoneInfo(account.timezone) if account.timezone else report.tz
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("account %s has an unknown time zone %r; using the report's", account.id, account.timezone)
        return report.tz


def pull_ranges(period: str, today: date, backfill_days: int) -> list[tuple[date, date]]:
    """The days to fetch: the period up to today, and the last `backfill_days` days (merged)."""
    first, last = periods.bounds(period)
    spans = []
    if first <= today:
        spans.append((first, min(last, today)))
    if backfill_days:
        spans.append((today - timedelta(days=backfill_days), today))
    spans.sort()
    merged: list[tuple[date, date]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def canonical(records: list[dict]) -> pd.DataFrame:
    if not records:
        return empty_rows()
    frame = pd.DataFrame.from_records(records)
    for col in CANONICAL_COLUMNS:
        if col not in frame:  # a level a client does not fill (the creative below its rows)
            frame[col] = None
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("impressions", "clicks", "spend", "conversions", "revenue"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame[list(CANONICAL_COLUMNS)]


def _digest(label: str, month: str, rows: pd.DataFrame) -> str:
    """The same rows give the same digest however they were read (fetched now, or stored)."""
    def cell(v):
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return None
        if isinstance(v, float):
            return round(v, 6)
        return str(v)

    # Without creatives, the columns digested before they were read: an unchanged month stays unchanged.
    columns = [c for c in CANONICAL_COLUMNS if c != "creative" or rows["creative"].notna().any()]
    records = sorted((r[0].strftime("%Y-%m-%d"), *(cell(v) for v in r[1:]))
                     for r in rows[columns].itertuples(index=False, name=None))
    return hashlib.sha256(json.dumps([label, month, records], default=str).encode()).hexdigest()


def import_api(metrics, report: Report, source: MetricSource, period: str, now: datetime, kit: ApiKit):
    """Pull one API source for `period` and the backfill window; returns (ImportOutcome, Account)."""
    client = kit.client(metrics.store, report, source, now)
    account = client.account()
    today = now.astimezone(zone_of(account, report)).date()
    ranges = pull_ranges(period, today, source.backfill_days)
    records = []
    for since, until in ranges:
        records += client.fetch(since, until, account)
    fetched = canonical(records)
    # What the account is goes on record first: its currency decides how its rows may be added up.
    metrics.store.sources.record_pulls(report.team_id, report.id, [Pulled(
        source.label, SourceKind.API, rows=len(fetched), platform=client.row_platform, account=source.account,
        account_name=account.name, currency=account.currency, timezone=account.timezone)], now=now)
    covered: dict[str, set] = {}
    for since, until in ranges:
        for d in pd.date_range(since, until):
            covered.setdefault(d.strftime("%Y-%m"), set()).add(d)
    outcome = ImportOutcome(file=source.label, rows=len(fetched), dropped=0, periods={}, new=0)
    months = fetched["date"].dt.strftime("%Y-%m") if len(fetched) else pd.Series(dtype=str)
    for month, days in sorted(covered.items()):
        stored = metrics.rows(report, month)
        mine = stored[(stored["platform"] == client.row_platform) & (stored["account"] == source.account)]
        kept = mine[~mine["date"].isin(days)]
        part = fetched[months == month]
        merged = pd.concat([f for f in (kept[list(CANONICAL_COLUMNS)], part) if len(f)], ignore_index=True) \
            if len(kept) or len(part) else empty_rows()
        if not len(merged):
            continue
        merged = merged.sort_values(["date", "campaign", "ad_group"], na_position="first", kind="stable")
        done = metrics.import_frame(report, merged.reset_index(drop=True), name=source.label, origin="api",
                                    digest=_digest(source.label, month, merged), dropped=0, now=now)
        outcome.periods[month] = kpis(merged)
        outcome.new += done.new
    return outcome, account
