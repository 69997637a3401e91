"""Metric snapshots: imports of ad-platform data kept immutably per report-month, and the KPI
report the summary is rendered from.

Each import is hashed; importing the same file twice adds nothing, and when exports overlap the
newest snapshot wins for each (date, platform, campaign), so a re-import after conversions were
backfilled replaces the stale figures.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import logging
import math
import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bot.data.exports import (
    CANONICAL_COLUMNS,
    ExportError,
    MonthHint,
    dedupe,
    empty_rows,
    read_export,
)
from bot.data.imported import ImportOutcome
from bot.data.sources.base import ApiError
from bot.data.sources.pulling import ApiKit, import_api
from bot.insight.kpi import BASE_KEYS, KPIReport, KPIs, build_report, kpis, one_currency
from bot.model import periods
from bot.model.config import RATIO_KPIS, MetricSource, Report, check_target
from bot.text.i18n import Msg, t_plain, text_of
from bot.text.mrkdwn import plain
from storage import Store
from storage.rows import METRIC_COLUMNS

log = logging.getLogger(__name__)
# Rows per insert transaction: a few ms of write lock each (SQLite inserts ~300,000 rows/s here),
# so a save or a Write click that arrives during a big import waits for one chunk, not the file.
IMPORT_CHUNK_ROWS = 5_000
# An unpublished snapshot this old belongs to an import that died; a real one takes seconds.
ABANDONED_AFTER = timedelta(hours=1)
TARGET_KPIS = ("ctr", "cvr", "cpa", "cpc", "cpm", "roas", "profit_roi", "conversions", "clicks", "impressions",
               "revenue")


class SourceError(Exception):
    """A configured metrics source could not be read; says which and why (str: English; `text`:
    in a locale when it was raised with a catalogue Msg)."""

    def text(self, locale: str) -> str:
        return plain(text_of(self.args[0], locale)) if self.args else ""


@dataclass
class SourcePull:
    """One configured source (each file of a glob apart) pulled: what it imported, or why not."""

    source: str  # as the config names it: a file relative to the config, a glob, an SQL URL sans password
    outcome: ImportOutcome | None = None
    error: str | None = None


class Metrics:
    """Imports and KPI reports for the core; pandas stays in here."""

    def __init__(self, store: Store, api=None):
        self.store = store
        self.api = api or ApiKit()  # how ad platforms' APIs are reached (bot/data/sources/)

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
                    sid = self.store.snapshots.begin(report.team_id, report.id, str(period),
                                                     source=f"{origin}:{name}", file_hash=digest, rows=len(part),
                                                     dropped=dropped, now=now)
                    if sid is None:  # this file was imported before
                        continue
                    pending.append(sid)
                    for start in range(0, len(part), IMPORT_CHUNK_ROWS):
                        self.store.snapshots.add_rows(sid, _records(part.iloc[start:start + IMPORT_CHUNK_ROWS]))
            duplicates = self.store.snapshots.publish(pending, digest)
        except BaseException:
            self._discard(pending)
            raise
        self._discard(duplicates)
        new = len(pending) - len(duplicates)
        return ImportOutcome(file=name, rows=len(rows), dropped=dropped, periods=out, new=new, warnings=warnings or [])

    def discard_abandoned(self, now: datetime) -> None:
        """Delete snapshots whose import died before publishing them (a killed process)."""
        self._discard(self.store.snapshots.unpublished(before=now - ABANDONED_AFTER))

    def _discard(self, snapshot_ids: list[int]) -> None:
        try:
            self.store.snapshots.discard(snapshot_ids)
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
        if result.rows["creative"].notna().any():
            # Read with its creatives: not the import of the same file made before they were read.
            how += ("creative",)
        digest = hashlib.sha256(raw)  # fed in two parts: no copy of a big file
        digest.update(repr(how).encode())
        return self.import_frame(report, result.rows, name=name, origin=origin, digest=digest.hexdigest(),
                                 dropped=result.dropped, now=now, warnings=result.warnings)

    def pull(self, report: Report, period: str, now: datetime, progress=None) -> list[SourcePull]:
        """Import every configured source again (files matching the globs, SQL queries, APIs).

        A source that fails is reported in its SourcePull; the others still import. `progress` is
        called with each configured source's label once it is done.
        """
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
        return import_api(self, report, source, period, now, self.api)[0]

    def as_of(self, report: Report, period: str) -> datetime | None:
        """When the period's data was last read (a pull or an upload); None without data."""
        at = self.store.snapshots.as_of(report.team_id, report.id, period)
        return datetime.fromisoformat(at) if at else None

    def import_sql(self, report: Report, source: MetricSource, period: str, now: datetime) -> ImportOutcome:
        """Run the source's query for the period in its own database and store the result.

        :start and :end are the month's first and last day as 'YYYY-MM-DD' text. The result is
        read SQL_CHUNK_ROWS at a time (a server-side cursor where the driver has one), so memory
        stays bounded whatever the query returns; a result of one chunk (an aggregating query's
        usual size) is stored as import_frame does, a bigger one chunk by chunk as it arrives.
        """
        first, last = periods.bounds(period)
        params = {"start": first.isoformat(), "end": last.isoformat()}
        shown = redact_url(source.url or "")  # what messages and snapshots name: never the password
        with closing(_sql_frames(report, source.url or "", source.query or "", params)) as frames:
            head = next(frames, None)
            second = next(frames, None) if head is not None else None
            if second is None:  # the whole result in one chunk
                rows = head if head is not None else empty_rows()
                digest = _RowDigest()
                digest.update(rows)
                return self.import_frame(report, rows, name=shown, origin="sql", digest=digest.hexdigest(),
                                         dropped=0, now=now)
            return self._import_chunks(report, itertools.chain((head, second), frames), name=shown, origin="sql",
                                       now=now)

    def _import_chunks(self, report: Report, chunks, *, name: str, origin: str, now: datetime) -> ImportOutcome:
        """Store canonical rows that arrive in chunks, never all in memory; all or nothing, as
        import_frame. The digest is known only at the end, so an unchanged result is written and
        then dropped again when it is published (it then only marks the earlier snapshot as seen)."""
        self.discard_abandoned(now)
        snapshots: dict[str, int] = {}  # period -> its snapshot being written
        counts: dict[int, int] = {}
        bases: list[pd.DataFrame] = []  # per chunk: each month's sums by which counts a row has
        digest = _RowDigest()
        total = 0
        try:
            for part in chunks:
                if not len(part):
                    continue
                digest.update(part)
                total += len(part)
                months = part["date"].dt.strftime("%Y-%m")
                bases.append(_kpi_bases(part, months))
                for period, index in sorted(part.groupby(months, sort=True).indices.items()):
                    period = str(period)
                    if period not in snapshots:
                        sid = self.store.snapshots.begin(report.team_id, report.id, period,
                                                         source=f"{origin}:{name}",
                                                         file_hash=f"streaming:{uuid.uuid4().hex}", rows=0, dropped=0,
                                                         now=now)
                        snapshots[period], counts[sid] = sid, 0
                    sid = snapshots[period]
                    rows = part.iloc[index]
                    for start in range(0, len(rows), IMPORT_CHUNK_ROWS):
                        self.store.snapshots.add_rows(sid, _records(rows.iloc[start:start + IMPORT_CHUNK_ROWS]))
                    counts[sid] += len(rows)
            duplicates = self.store.snapshots.publish_streamed(counts, digest.hexdigest(), now=now)
        except BaseException:
            self._discard(list(snapshots.values()))
            raise
        self._discard(duplicates)
        sums = pd.concat(bases) if bases else pd.DataFrame(columns=["_month", *BASE_KEYS])
        out = {str(m): kpis(part) for m, part in sums.groupby("_month", sort=True)}
        return ImportOutcome(file=name, rows=total, dropped=0, periods=out, new=len(counts) - len(duplicates))

    # --- reading ---------------------------------------------------------------------------

    def rows(self, report: Report, period: str, upto: int | None = None) -> pd.DataFrame:
        """The period's rows: its snapshots combined, newest winning (`upto`: as they were when
        this snapshot id was the newest)."""
        frames = [_frame(self.store.snapshots.rows(s.id))
                  for s in self.store.snapshots.of(report.team_id, report.id, period)
                  if upto is None or s.id <= upto]
        return dedupe(frames) if frames else empty_rows()

    def targets(self, report: Report, period: str) -> dict[str, float]:
        """Standing targets from the config, overridden by the period's own (set in the plan)."""
        return {**report.targets, **self.store.targets.of(report.team_id, report.id, period)}

    def report(self, report: Report, period: str, now: datetime) -> KPIReport | None:
        """The KPI report of a month, or None when no data was imported for it."""
        if not self.store.snapshots.of(report.team_id, report.id, period):
            return None  # asked for every report a fan-out opens: not even an empty frame to build
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
        """Accounts' amounts in the report's currency, or refused when they can't be (bot/insight/kpi.py)."""
        currency_of = self.store.sources.account_currencies(report.team_id, report.id)
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
        error = exc.text(report.locale) if isinstance(exc, ExportError | SourceError) else str(exc)
        return SourcePull(label, error=error if len(error) <= ERROR_CHARS else error[:ERROR_CHARS - 1] + "…")
    except Exception as exc:  # a bug or an odd file must not stop the other sources
        log.exception("pulling %s for %s failed", label, report.id)
        return SourcePull(label, error=t_plain(report.locale, "source.unexpected", kind=type(exc).__name__))


_PASSWORD = re.compile(r"(://[^/:@]*:)[^/]*@")


def redact_url(url: str) -> str:
    """An SQLAlchemy URL as it may be shown: `postgresql://user:***@host/db`."""
    return _PASSWORD.sub(r"\1***@", url)


def _records(part: pd.DataFrame) -> list[tuple]:
    frame = part[list(METRIC_COLUMNS)].copy()  # the storage's order
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    frame = frame.astype(object).where(frame.notna(), None)
    return list(frame.itertuples(index=False, name=None))


def _frame(records: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(METRIC_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"])
    for col in ("impressions", "clicks", "spend", "conversions", "revenue"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in ("platform", "account", "campaign", "ad_group", "creative", "campaign_id"):
        frame[col] = frame[col].astype("str").where(frame[col].notna(), None)
    return frame[list(CANONICAL_COLUMNS)]


# Rows fetched per round trip of an SQL source, and the most held in memory at once: an
# aggregating query returns far fewer; a query returning raw rows is stored chunk by chunk.
SQL_CHUNK_ROWS = 50_000
# Without it libpq waits for the kernel's TCP timeout (minutes) on a host that drops packets.
CONNECT_TIMEOUT_SECONDS = 15
_TEXT_COLUMNS = ("platform", "account", "campaign", "ad_group", "creative", "campaign_id")
# PostgreSQL's `:start::date` would hide the parameter from SQLAlchemy's text() (a colon may not
# follow a parameter name); a space keeps the cast and makes it a parameter again.
_PG_CAST = re.compile(r"(?<![:\w\\]):(start|end)::")


def _sql_frames(report: Report, url: str, query: str, params: dict[str, str]) -> Iterator[pd.DataFrame]:
    """The query's result as canonical frames of at most SQL_CHUNK_ROWS rows.

    Any failure is a SourceError that names the source (password masked) and carries the
    engine's own message; the connection is closed when the generator is.
    """
    shown = redact_url(url)
    if "://" not in url:
        path = url if Path(url).is_absolute() else str(Path(report.base_dir) / url)
        if not Path(path).exists():
            raise SourceError(Msg("source.sqlite_missing", path=path))
        conn, statement, engine = sqlite3.connect(f"file:{path}?mode=ro", uri=True), query, None
    else:
        try:
            import sqlalchemy
        except ImportError:
            raise SourceError(Msg("source.sql_extra", source=shown)) from None
        try:
            engine = _engine(report, url)
        except Exception as exc:  # a malformed URL, or no driver installed for its dialect
            raise _sql_error(report, "source.sql_driver" if isinstance(exc, sqlalchemy.exc.NoSuchModuleError)
                             else "source.sql_connect", url, exc) from exc
        try:
            # stream_results: a server-side cursor where the driver has one (psycopg), so the
            # server sends the result as it is fetched instead of all at once.
            conn = engine.connect().execution_options(stream_results=True, max_row_buffer=SQL_CHUNK_ROWS)
        except Exception as exc:
            engine.dispose()
            raise _sql_error(report, "source.sql_connect", url, exc) from exc
        statement = sqlalchemy.text(_PG_CAST.sub(r":\1 ::", query))
    try:
        try:
            frames = pd.read_sql_query(statement, conn, params=params, chunksize=SQL_CHUNK_ROWS)
            offset = 0
            while True:
                try:
                    frame = next(frames)
                except StopIteration:
                    return
                yield canonical_from_sql(frame, shown, offset=offset)
                offset += len(frame)
        except SourceError:
            raise
        except Exception as exc:  # the driver's own message is the useful part
            raise _sql_error(report, "source.sql_query", url, exc) from exc
    finally:
        try:
            conn.close()
        finally:
            if engine is not None:
                engine.dispose()


def _engine(report: Report, url: str):
    """An engine for one pull: no pool (nothing stays open between pulls), read-only where the
    driver can be told, and a relative DuckDB/SQLite file is relative to the config, as a path is."""
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    parsed = sqlalchemy.engine.make_url(url)
    backend = parsed.get_backend_name()
    connect_args: dict[str, object] = {}
    local = backend in ("duckdb", "sqlite") and parsed.database and ":" not in parsed.database  # not :memory:, md:, file:
    if local and not Path(parsed.database).is_absolute():
        parsed = parsed.set(database=str(Path(report.base_dir) / parsed.database))
    if local and backend == "duckdb" and "access_mode" not in parsed.query:
        connect_args["read_only"] = True
    if backend == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    engine = sqlalchemy.create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    if backend == "duckdb":  # its progress bar would be drawn on the bot's stdout during a long query
        sqlalchemy.event.listen(engine, "connect", lambda dbapi, _record: dbapi.execute("SET enable_progress_bar = false"))
    return engine


def _sql_error(report: Report, key: str, url: str, exc: BaseException) -> SourceError:
    """The engine's message (its first line, without SQLAlchemy's echo of the statement and
    its link), with the URL and password masked, in a sentence naming the source."""
    if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ is not None:
        exc = exc.__cause__  # pandas' wrapper quotes the whole query before the message
    orig = getattr(exc, "orig", None)  # SQLAlchemy's wrapper adds the statement and a link
    text = str(orig if orig is not None else exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    message = lines[0] if lines else type(exc).__name__
    shown = redact_url(url)
    message = message.replace(url, shown)
    password = _url_password(url)
    if password:
        message = message.replace(password, "***")
    dialect = url.split("://", 1)[0]
    return SourceError(t_plain(report.locale, key, source=shown, error=message, dialect=dialect))


def _url_password(url: str) -> str | None:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).password
    except Exception:  # noqa: BLE001 - no SQLAlchemy or no valid URL: the pattern's guess
        match = re.search(r"://[^/:@]*:([^/]*)@", url)
        return match.group(1) if match else None


class _RowDigest:
    """A digest of a result's rows that does not depend on their order: a query without ORDER BY
    may return the same rows in another order each time, and that must still count as unchanged.
    Each row is hashed (two independent 64-bit hashes); their sums and XORs, with the row count,
    make the digest."""

    _KEYS = ("feedsum-rows-a01", "feedsum-rows-b02")  # hash_pandas_object wants 16 characters

    def __init__(self):
        self.sums = np.zeros(len(self._KEYS), dtype=np.uint64)
        self.xors = np.zeros(len(self._KEYS), dtype=np.uint64)
        self.rows = 0

    def update(self, rows: pd.DataFrame) -> None:
        if not len(rows):
            return
        normal = pd.DataFrame({"date": rows["date"].to_numpy(dtype="datetime64[ns]").view("int64")}, index=rows.index)
        for col in BASE_KEYS:
            normal[col] = rows[col].astype("float64")
        for col in _TEXT_COLUMNS:
            if col != "creative":
                normal[col] = rows[col].astype(object).where(rows[col].notna(), "\x00").astype(str).astype(object)
        # A row without a creative hashes as it did before creatives were read, so an unchanged
        # result stays unchanged across the upgrade; a row with one hashes it too.
        creative = rows["creative"].notna().to_numpy() if "creative" in rows else np.zeros(len(rows), dtype=bool)
        for i, key in enumerate(self._KEYS):
            hashes = pd.util.hash_pandas_object(normal, index=False, hash_key=key).to_numpy(dtype=np.uint64)
            if creative.any():
                named = normal[creative].assign(creative=rows["creative"][creative].astype(str).astype(object))
                hashes = hashes.copy()
                hashes[creative] = pd.util.hash_pandas_object(named, index=False, hash_key=key).to_numpy(dtype=np.uint64)
            np.add(self.sums[i:i + 1], hashes.sum(dtype=np.uint64), out=self.sums[i:i + 1])  # wraps around
            np.bitwise_xor(self.xors[i:i + 1], np.bitwise_xor.reduce(hashes), out=self.xors[i:i + 1])
        self.rows += len(rows)

    def hexdigest(self) -> str:
        return hashlib.sha256(self.sums.tobytes() + self.xors.tobytes() + str(self.rows).encode()).hexdigest()


def _kpi_bases(rows: pd.DataFrame, months: pd.Series) -> pd.DataFrame:
    """The rows' base counts summed per month and per set of counts a row has: kpis() of these
    few rows equals kpis() of the rows (a ratio uses only rows that carry both its counts)."""
    base = rows[list(BASE_KEYS)].astype("float64")
    present = base.notna()
    keys = [months.rename("_month")] + [present[k].rename(f"_has_{k}") for k in BASE_KEYS]
    sums = base.groupby(keys, sort=False).sum(min_count=1).reset_index()
    return sums[["_month", *BASE_KEYS]]


def canonical_from_sql(frame: pd.DataFrame, source: str, offset: int = 0) -> pd.DataFrame:
    """Check and complete a query result that should already have canonical columns.

    `offset` is the number of result rows before this chunk (for the row an error names).
    Counts become floats (PostgreSQL's SUM gives decimals), names text, dates days.
    """
    missing = [c for c in ("date", "platform", "campaign", "impressions", "clicks", "spend") if c not in frame.columns]
    if missing:
        raise SourceError(Msg("source.sql_columns", source=source, columns=", ".join(missing)))
    out = frame.copy()
    for col in CANONICAL_COLUMNS:
        if col not in out.columns:
            out[col] = None if col in _TEXT_COLUMNS else float("nan")
    dates = pd.to_datetime(out["date"], errors="coerce")
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)  # the day as the server's session time zone sees it
    out["date"] = dates.dt.normalize()
    if out["date"].isna().any():
        bad = int(out["date"].isna().to_numpy().argmax())
        raise SourceError(Msg("source.sql_date", source=source, row=offset + bad + 1))
    for col in BASE_KEYS:
        values = pd.to_numeric(out[col], errors="coerce")
        wrong = values.isna() & out[col].notna()
        if wrong.any():
            bad = int(wrong.to_numpy().argmax())
            raise SourceError(Msg("source.sql_number", source=source, row=offset + bad + 1, column=col,
                                  value=repr(str(out[col].iloc[bad])[:40])))
        out[col] = values.astype("float64")
    for col in _TEXT_COLUMNS:
        values = out[col]
        out[col] = values.astype("str").where(values.notna(), None)
    return out[list(CANONICAL_COLUMNS)]


RATIO_TARGETS = RATIO_KPIS


def target_number(kpi: str, text: str) -> float:
    """A KPI target as typed, as a number: "3%" or 0.03 for shares, "45", "1,200,000" or "4.5万".

    Raises ValueError for words or a percent on a money KPI; whether the number is a valid
    target is the report rule's (config.check_target)."""
    raw = (text or "").strip().replace(",", "").replace("，", "")
    percent = raw.endswith(("%", "％"))
    scale = 1.0
    if percent:
        raw = raw[:-1].strip()
    elif raw.endswith(("万", "w", "W")):
        raw, scale = raw[:-1].strip(), 10_000.0
    value = float(raw) * scale  # ValueError for words
    if not math.isfinite(value):
        raise ValueError(text)
    if percent:
        if kpi not in RATIO_TARGETS and kpi not in ("roas", "profit_roi"):
            raise ValueError(text)
        value /= 100
    return value


def parse_target(kpi: str, text: str) -> float:
    """A KPI target as typed (see target_number), checked by the report rule.

    Raises ValueError for words, negatives, a percent on a money KPI, or a share above 100%.
    """
    try:
        return check_target(kpi, target_number(kpi, text))
    except ValueError:
        raise ValueError(text) from None


__all__ = ["ExportError", "ImportOutcome", "Metrics", "SourceError", "SourcePull", "date", "parse_target",
           "redact_url"]
