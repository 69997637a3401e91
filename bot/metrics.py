"""Metric snapshots: imports of ad-platform data kept immutably per report-month, and the KPI
report the summary is rendered from.

Each import is hashed; importing the same file twice adds nothing, and when exports overlap the
newest snapshot wins for each (date, platform, campaign), so a re-import after conversions were
backfilled replaces the stale figures.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import math
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from bot import periods
from bot.config import MetricSource, Report
from bot.exports import CANONICAL_COLUMNS, ExportError, MonthHint, dedupe, empty_rows, read_export
from bot.kpi import KPIReport, KPIs, build_report, kpis
from bot.sources.base import ApiError
from storage import repo

log = logging.getLogger(__name__)
# Rows per insert transaction: a few ms of write lock each (SQLite inserts ~300,000 rows/s here),
# so a save or a Write click that arrives during a big import waits for one chunk, not the file.
IMPORT_CHUNK_ROWS = 5_000
# An unpublished snapshot this old belongs to an import that died; a real one takes seconds.
ABANDONED_AFTER = timedelta(hours=1)
TARGET_KPIS = ("ctr", "cvr", "cpa", "cpc", "cpm", "roas", "profit_roi", "conversions", "clicks", "impressions",
               "revenue")


class SourceError(Exception):
    """A configured metrics source could not be read; says which and why."""


@dataclass
class ImportOutcome:
    file: str
    rows: int
    dropped: int
    periods: dict[str, KPIs]  # period -> that period's totals in this file
    new: int  # snapshots added (0: the same file was imported before)
    warnings: list[str] = field(default_factory=list)  # Msg: .text(locale) in the report's language


@dataclass
class SourcePull:
    """One configured source (each file of a glob apart) pulled: what it imported, or why not."""

    source: str  # as the config names it: a file relative to the config, a glob, an SQL URL sans password
    outcome: ImportOutcome | None = None
    error: str | None = None


class Metrics:
    """Imports and KPI reports for the core; pandas stays in here."""

    def __init__(self, db, api=None):
        from bot.sources.pulling import ApiKit

        self.db = db
        self.api = api or ApiKit()  # how ad platforms' APIs are reached (bot/sources/)

    # --- imports ---------------------------------------------------------------------------

    def import_frame(self, report: Report, rows: pd.DataFrame, *, name: str, origin: str, digest: str,
                     dropped: int, now: datetime, warnings: list[str] | None = None) -> ImportOutcome:
        """Split canonical rows by month and store one snapshot per month.

        Rows go in chunks of IMPORT_CHUNK_ROWS, each its own short transaction, so saves and
        reads of other people wait for one chunk at most, never for the whole file; the months'
        snapshots become visible together once every chunk is in. On any failure what was
        inserted is deleted again (and the exception raised): nothing of the file counts.
        """
        self.discard_abandoned(now)
        out: dict[str, KPIs] = {}
        pending: list[int] = []
        try:
            if len(rows):
                months = rows["date"].dt.strftime("%Y-%m")
                for period, index in sorted(rows.groupby(months, sort=True).indices.items()):
                    part = rows.iloc[index]
                    out[str(period)] = kpis(part)
                    sid = repo.begin_snapshot(self.db, report.team_id, report.id, str(period),
                                              source=f"{origin}:{name}", file_hash=digest, rows=len(part),
                                              dropped=dropped, now=now)
                    if sid is None:  # this file was imported before
                        continue
                    pending.append(sid)
                    for start in range(0, len(part), IMPORT_CHUNK_ROWS):
                        repo.add_snapshot_rows(self.db, sid, _records(part.iloc[start:start + IMPORT_CHUNK_ROWS]))
            duplicates = repo.publish_snapshots(self.db, pending, digest)
        except BaseException:
            self._discard(pending)
            raise
        self._discard(duplicates)
        new = len(pending) - len(duplicates)
        return ImportOutcome(file=name, rows=len(rows), dropped=dropped, periods=out, new=new, warnings=warnings or [])

    def discard_abandoned(self, now: datetime) -> None:
        """Delete snapshots whose import died before publishing them (a killed process)."""
        self._discard(repo.unpublished_snapshots(self.db, before=now - ABANDONED_AFTER))

    def _discard(self, snapshot_ids: list[int]) -> None:
        try:
            repo.discard_snapshots(self.db, snapshot_ids)
        except Exception:  # noqa: BLE001 - still hidden; discard_abandoned() retries later
            log.exception("could not delete unpublished snapshots %s", snapshot_ids)

    def import_file(self, report: Report, data: bytes | str | Path, *, name: str, origin: str, now: datetime,
                    preset: str = "auto", columns: dict[str, str] | None = None,
                    platform: str | None = None, month: str | MonthHint | None = None,
                    date_format: str | None = None, context: str = "cli") -> ImportOutcome:
        """Read one export (all or nothing: ExportError names file, row and column) and store it.

        ``month`` files a report that covers a period rather than days under that month;
        ``date_format`` states the day/month order; ``context`` ("config", "slack", "cli") says
        how an error message tells the person to fix it."""
        raw = data if isinstance(data, bytes) else Path(data).read_bytes()
        result = read_export(raw, name=name, preset=preset, columns=columns or None, platform=platform, month=month,
                             date_format=date_format, context=context, today=now.astimezone(report.tz).date())
        how = (preset, sorted((columns or {}).items()), platform, str(month) if month else None, date_format)
        digest = hashlib.sha256(raw)  # fed in two parts: no copy of a big file
        digest.update(repr(how).encode())
        return self.import_frame(report, result.rows, name=name, origin=origin, digest=digest.hexdigest(),
                                 dropped=result.dropped, now=now, warnings=result.warnings)

    def pull(self, report: Report, period: str, now: datetime, progress=None) -> list[SourcePull]:
        """Import every configured source again (files matching the globs, SQL queries, APIs).

        A source that fails is reported in its SourcePull; the others still import. `progress` is
        called with each configured source's label once it is done.
        """
        from bot.i18n import t_plain  # an error is data (stored, logged): escaped where it is shown

        pulls = []
        for source in report.metrics:
            if source.path:
                pattern = source.path if Path(source.path).is_absolute() else str(Path(report.base_dir) / source.path)
                paths = sorted(glob.glob(pattern))
                if not paths:
                    pulls.append(SourcePull(source.path, error=t_plain(report.locale, "source.no_files", pattern=source.path)))
                for path in paths:
                    label = path if Path(source.path).is_absolute() else os.path.relpath(path, report.base_dir)
                    pulls.append(_pull_one(report, label, lambda p=path, n=label, s=source: self.import_file(
                        report, Path(p), name=n, origin="file", now=now, preset=s.preset, columns=s.columns,
                        platform=s.platform, month=s.month, date_format=s.date_format, context="config")))
            elif source.api:
                pulls.append(_pull_one(report, source.label, lambda s=source: self.import_api(report, s, period, now)))
            else:
                pulls.append(_pull_one(report, redact_url(source.url or ""),
                                       lambda s=source: self.import_sql(report, s, period, now)))
            if progress is not None:
                progress(source.label)
        return pulls

    def import_api(self, report: Report, source: MetricSource, period: str, now: datetime) -> ImportOutcome:
        """Pull an ad platform's reporting API for the period and its backfill window."""
        from bot.sources.pulling import import_api

        return import_api(self, report, source, period, now, self.api)[0]

    def as_of(self, report: Report, period: str) -> datetime | None:
        """When the period's data was last read (a pull or an upload); None without data."""
        at = repo.data_as_of(self.db, report.team_id, report.id, period)
        return datetime.fromisoformat(at) if at else None

    def import_sql(self, report: Report, source: MetricSource, period: str, now: datetime) -> ImportOutcome:
        """Run the source's query for the period (with :start and :end dates) in its own database."""
        first, last = periods.bounds(period)
        params = {"start": first.isoformat(), "end": last.isoformat()}
        url = source.url or ""
        shown = redact_url(url)  # what messages and snapshots name: never the password
        try:
            if "://" in url:
                try:
                    import sqlalchemy
                except ImportError:
                    raise SourceError(f"{shown}: SQLAlchemy URLs need `pip install 'feedsum[sql]'`") from None
                with sqlalchemy.create_engine(url).connect() as conn:
                    frame = pd.read_sql_query(sqlalchemy.text(source.query), conn, params=params)
            else:
                path = url if Path(url).is_absolute() else str(Path(report.base_dir) / url)
                if not Path(path).exists():
                    raise SourceError(f"{path}: no such SQLite database")
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                    frame = pd.read_sql_query(source.query, conn, params=params)
        except SourceError:
            raise
        except Exception as exc:  # the driver's own message is the useful part
            raise SourceError(f"SQL source {shown}: {str(exc).replace(url, shown)}") from exc
        rows = canonical_from_sql(frame, shown)
        digest = hashlib.sha256(pd.util.hash_pandas_object(rows, index=False).values.tobytes()).hexdigest()
        return self.import_frame(report, rows, name=shown, origin="sql", digest=digest, dropped=0, now=now)

    # --- reading ---------------------------------------------------------------------------

    def rows(self, report: Report, period: str, upto: int | None = None) -> pd.DataFrame:
        """The period's rows: its snapshots combined, newest winning (`upto`: as they were when
        this snapshot id was the newest)."""
        frames = [_frame(repo.snapshot_rows(self.db, s["id"]))
                  for s in repo.snapshots_of(self.db, report.team_id, report.id, period)
                  if upto is None or s["id"] <= upto]
        return dedupe(frames) if frames else empty_rows()

    def targets(self, report: Report, period: str) -> dict[str, float]:
        """Standing targets from the config, overridden by the period's own (set in the plan)."""
        return {**report.targets, **repo.period_targets(self.db, report.team_id, report.id, period)}

    def report(self, report: Report, period: str, now: datetime) -> KPIReport | None:
        """The KPI report of a month, or None when no data was imported for it."""
        rows = self.rows(report, period)
        if not len(rows):
            return None
        previous = self.rows(report, periods.shift(period, -1))
        (rows, previous), mixed = self._one_currency(report, [rows, previous])
        targets = self.targets(report, period)
        budget = targets.pop("spend", None) or report.budget
        first, _last = periods.bounds(period)
        today = now.astimezone(report.tz).date()
        as_of = today if first <= today else None  # after the month: pacing is final
        built = build_report(period, rows, previous if len(previous) else None, targets=targets, budget=budget,
                             as_of=as_of, roi_mode=report.roi)
        built.mixed_currencies = mixed
        return built

    def _one_currency(self, report: Report, frames: list[pd.DataFrame]):
        """Accounts' amounts in the report's currency, or refused when they can't be (bot/kpi.py)."""
        from bot.kpi import one_currency
        from storage import sources as source_store

        currency_of = source_store.account_currencies(self.db, report.team_id, report.id)
        if not currency_of:
            return frames, ()
        return one_currency(frames, currency_of, report.currency, report.currency_rates)

    def mixed_currencies(self, report: Report, period: str) -> tuple[str, ...]:
        """The currencies that keep the month's amounts from being added up (empty: none)."""
        return self._one_currency(report, [self.rows(report, period)])[1]


ERROR_CHARS = 500  # a driver's message may quote the whole query; admins need the start of it


def _pull_one(report: Report, label: str, load) -> SourcePull:
    try:
        return SourcePull(label, outcome=load())
    except (SourceError, ExportError, OSError, ApiError) as exc:
        log.warning("data source %s of %s/%s: %s", label, report.team_id, report.id, exc)
        error = exc.text(report.locale) if isinstance(exc, ExportError) else str(exc)
        return SourcePull(label, error=error if len(error) <= ERROR_CHARS else error[:ERROR_CHARS - 1] + "…")
    except Exception as exc:  # a bug or an odd file must not stop the other sources
        from bot.i18n import t_plain  # an error is data (stored, logged): escaped where it is shown

        log.exception("pulling %s for %s failed", label, report.id)
        return SourcePull(label, error=t_plain(report.locale, "source.unexpected", kind=type(exc).__name__))


_PASSWORD = re.compile(r"(://[^/:@]*:)[^/]*@")


def redact_url(url: str) -> str:
    """An SQLAlchemy URL as it may be shown: `postgresql://user:***@host/db`."""
    return _PASSWORD.sub(r"\1***@", url)


def _records(part: pd.DataFrame) -> list[tuple]:
    frame = part[list(CANONICAL_COLUMNS)].copy()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame.itertuples(index=False, name=None))


def _frame(records: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(repo.METRIC_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("impressions", "clicks", "spend", "conversions", "revenue"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in ("platform", "account", "campaign", "ad_group", "campaign_id"):
        frame[col] = frame[col].astype("str").where(frame[col].notna(), None)
    return frame


def canonical_from_sql(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check and complete a query result that should already have canonical columns."""
    missing = [c for c in ("date", "platform", "campaign", "impressions", "clicks", "spend") if c not in frame.columns]
    if missing:
        raise SourceError(f"SQL source {source}: the query must return columns {', '.join(missing)}")
    out = frame.copy()
    for col in CANONICAL_COLUMNS:
        if col not in out.columns:
            out[col] = None if col in ("account", "ad_group", "campaign_id") else float("nan")
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    if out["date"].isna().any():
        bad = int(out["date"].isna().idxmax())
        raise SourceError(f"SQL source {source}: row {bad + 1}, column \"date\": not a date")
    return out[list(CANONICAL_COLUMNS)]


RATIO_TARGETS = ("ctr", "cvr")


def parse_target(kpi: str, text: str) -> float:
    """A KPI target as typed: "3%" or 0.03 for shares, "45", "1,200,000" or "4.5万" otherwise.

    Raises ValueError for words, negatives, a percent on a money KPI, or a share above 100%.
    """
    raw = (text or "").strip().replace(",", "").replace("，", "")
    percent = raw.endswith(("%", "％"))
    scale = 1.0
    if percent:
        raw = raw[:-1].strip()
    elif raw.endswith(("万", "w", "W")):
        raw, scale = raw[:-1].strip(), 10_000.0
    value = float(raw) * scale  # ValueError for words
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    if percent:
        if kpi not in RATIO_TARGETS and kpi not in ("roas", "profit_roi"):
            raise ValueError(text)
        value /= 100
    if kpi in RATIO_TARGETS and value > 1:
        raise ValueError(text)
    return value


__all__ = ["ExportError", "ImportOutcome", "Metrics", "SourceError", "SourcePull", "date", "parse_target",
           "redact_url"]
