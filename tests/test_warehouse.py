"""SQL sources on real engines: a PostgreSQL server the tests start (Debian's `postgresql`) and
DuckDB (`duckdb-engine`). The data is generated inside each engine; the query aggregates there;
the KPIs are checked against truth computed here from the same formulas. In CI a server that
cannot start fails these tests; elsewhere they are skipped, saying why."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.runner import tick
from bot.data.metrics import Metrics, SourceError
from bot.model.config import MetricSource, parse_reports
from feedsum.root import sync_reports
from tests.slack_harness import ADMIN, CONFIG, OWNER_A, Harness

# One worker runs this module: its module fixtures are costly to build twice.
pytestmark = pytest.mark.xdist_group("postgres")

SH = ZoneInfo("Asia/Shanghai")
PERIOD = "2026-11"
ROWS = 20_000
PLATFORMS = ("百度", "腾讯广告", "巨量引擎")
QUERY = ("SELECT day AS date, platform, campaign, SUM(impr) AS impressions, SUM(clk) AS clicks, "
         "SUM(cost) AS spend, SUM(conv) AS conversions FROM ads WHERE day BETWEEN :start AND :end "
         "GROUP BY day, platform, campaign")


def unavailable(why: str):
    """A missing engine fails in CI (nothing may silently not run there) and skips elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI installs it: .ci/run)")
    pytest.skip(why)


# Row i of the generated table, the same formula in both engines' SQL and in truth() below.
def row(i: int) -> tuple[date, str, str, int, int, float, int | None]:
    return (date(2026, 10, 1) + timedelta(days=i % 92), PLATFORMS[i % 3], f"campaign-{i // 7 % 4}",
            100 + i % 11, i % 7, (i % 13) * 0.5, None if i % 5 == 0 else i % 3)


def pg_table(n: int, day_type: str = "DATE") -> str:
    day = "DATE '2026-10-01' + (i % 92)"
    return (f"CREATE TABLE ads AS SELECT CAST({day} AS {day_type}) AS day, "
            "(ARRAY['百度','腾讯广告','巨量引擎'])[1 + i % 3] AS platform, 'campaign-' || (i / 7 % 4) AS campaign, "
            "100 + i % 11 AS impr, i % 7 AS clk, (i % 13) * 0.5 AS cost, "
            f"CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 END AS conv FROM generate_series(0, {n - 1}) AS i")


def duck_table(n: int, day_type: str = "DATE") -> str:
    day = "DATE '2026-10-01' + CAST(i % 92 AS INTEGER)"
    return (f"CREATE TABLE ads AS SELECT CAST({day} AS {day_type}) AS day, "
            "['百度','腾讯广告','巨量引擎'][1 + i % 3] AS platform, 'campaign-' || (i // 7 % 4) AS campaign, "
            "100 + i % 11 AS impr, i % 7 AS clk, (i % 13) * 0.5 AS cost, "
            f"CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 END AS conv FROM range({n}) t(i)")


def truth(n: int, period: str = PERIOD, grouped: bool = True) -> dict:
    """The month's KPIs from the formulas, in Python: the rows as the query returns them (summed
    per day, platform and campaign, or raw), a ratio over the rows that carry both its counts."""
    rows: dict = {}
    for i in range(n):
        day, platform, campaign, impr, clk, cost, conv = row(i)
        if day.strftime("%Y-%m") != period:
            continue
        key = (day, platform, campaign) if grouped else i
        r = rows.setdefault(key, [0, 0, 0.0, None])
        r[0] += impr
        r[1] += clk
        r[2] += cost
        if conv is not None:  # SQL's SUM skips NULLs; a group of NULLs sums to NULL
            r[3] = (r[3] or 0) + conv
    t = {"impressions": sum(r[0] for r in rows.values()), "clicks": sum(r[1] for r in rows.values()),
         "spend": sum(r[2] for r in rows.values()),
         "conversions": sum(r[3] for r in rows.values() if r[3] is not None), "rows": len(rows)}
    t["ctr"] = t["clicks"] / t["impressions"]
    t["cpa"] = sum(r[2] for r in rows.values() if r[3] is not None) / t["conversions"]
    return t


def assert_kpis(totals: dict, expected: dict) -> None:
    for key in ("impressions", "clicks", "spend", "conversions", "ctr", "cpa"):
        assert totals[key] == pytest.approx(expected[key], rel=1e-9), key


# --- engines ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def postgres():
    try:
        import psycopg  # noqa: F401
        import sqlalchemy  # noqa: F401

        from tests.pg_server import PostgresServer, ServerUnavailable
    except ImportError as exc:
        unavailable(f"PostgreSQL tests need feedsum[sql]: {exc}")
    try:
        server = PostgresServer().start()
    except ServerUnavailable as exc:
        unavailable(str(exc))
    yield server
    server.close()


@pytest.fixture(scope="module")
def pg_ads(postgres):
    """A database whose `ads` table has ROWS generated rows (DATE days)."""
    import sqlalchemy

    url = postgres.create_database("ads")
    with sqlalchemy.create_engine(url).begin() as conn:
        conn.execute(sqlalchemy.text(pg_table(ROWS)))
    return url


def duck_ads(path, n: int = ROWS, day_type: str = "DATE") -> str:
    try:
        import duckdb
        import duckdb_engine  # noqa: F401
    except ImportError as exc:
        unavailable(f"DuckDB tests need feedsum[sql]: {exc}")
    with duckdb.connect(str(path)) as conn:
        conn.execute(duck_table(n, day_type))
    return f"duckdb:///{path}"


def harness_with(tmp_path, clock, url: str, query: str = QUERY) -> Harness:
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["metrics"] = [{"url": url, "query": query}]
    h = Harness(tmp_path, clock, config=config)
    [r] = parse_reports(config, file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
    sync_reports(h.core, [r], h.fake.team_id, clock())
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    return h


def answered(h, word: str, before: int = 0) -> str:
    def found():
        return [x.get("text") or "" for x in h.fake.responses[before:] if word in (x.get("text") or "")]
    return h.wait_for(found)[0]


def admin_dms(h, word: str) -> list[str]:
    return [m["text"] or "" for m in h.fake.posted("D" + ADMIN[1:]) if word in (m["text"] or "")]


# --- end to end ------------------------------------------------------------------------------

def test_postgres_source_refresh_gives_the_months_kpis_aggregated_in_the_server(tmp_path, clock, postgres, pg_ads):
    h = harness_with(tmp_path, clock, pg_ads)
    try:
        shown = f"postgresql+psycopg://feedsum:***@127.0.0.1:{postgres.port}/ads"
        h.command(f"refresh {PERIOD}")
        text = answered(h, shown)
        expected = truth(ROWS)
        # The server grouped: one row per day, platform and campaign came back, not ROWS raw rows.
        assert f"{expected['rows']} 行" in text and "s3cret-pw" not in text
        kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
        assert_kpis(kpi.totals, expected)
        assert not admin_dms(h, "SQL")
    finally:
        h.close()


def test_duckdb_source_scheduled_pull_gives_the_months_kpis(tmp_path, clock):
    url = duck_ads(tmp_path / "warehouse.duckdb")
    h = harness_with(tmp_path, clock, url)
    try:
        tick(h.core, datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH))  # the scheduled open pulls first
        h.idle()
        kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
        assert_kpis(kpi.totals, truth(ROWS))
        [snapshot] = h.store.snapshots.of(h.report.team_id, h.report.id, PERIOD)
        assert snapshot.rows == truth(ROWS)["rows"]
    finally:
        h.close()


def test_duckdb_file_relative_to_the_config_opens_read_only_and_quiet(tmp_path, clock):
    """Read-only, and without DuckDB's progress bar (drawn on stdout for a query over 2 s)."""
    duck_ads(tmp_path / "warehouse.duckdb", n=500)
    h = harness_with(tmp_path, clock, "duckdb:///warehouse.duckdb",
                     query=QUERY.replace("GROUP BY", "AND current_setting('access_mode') = 'read_only' "
                                                     "AND NOT current_setting('enable_progress_bar') GROUP BY"))
    try:
        [pull] = h.core.pull(h.report, PERIOD, h.clock())
        assert pull.error is None and pull.outcome.rows == truth(500)["rows"]
    finally:
        h.close()


def test_postgres_query_error_names_the_source_and_the_servers_message(tmp_path, clock, postgres, pg_ads):
    h = harness_with(tmp_path, clock, pg_ads, query=QUERY.replace("FROM ads", "FROM ad_stats"))
    try:
        h.command(f"refresh {PERIOD}")
        shown = f"postgresql+psycopg://feedsum:***@127.0.0.1:{postgres.port}/ads"
        text = answered(h, "ad_stats")
        assert shown in text and 'relation "ad_stats" does not exist' in text and "查询出错" in text
        assert "s3cret-pw" not in text and "sqlalche.me" not in text and "[SQL:" not in text
        [told] = admin_dms(h, "ad_stats")
        assert shown in told and "s3cret-pw" not in told
    finally:
        h.close()


def test_duckdb_query_error_names_the_source_and_the_engines_message(tmp_path, clock):
    url = duck_ads(tmp_path / "warehouse.duckdb", n=100)
    h = harness_with(tmp_path, clock, url, query=QUERY.replace("SUM(clk)", "SUM(clicks_typo)"))
    try:
        [pull] = h.core.pull(h.report, PERIOD, h.clock())
        assert url in pull.error and "clicks_typo" in pull.error and "\n" not in pull.error
        [told] = admin_dms(h, "clicks_typo")
        assert url in told
    finally:
        h.close()


def test_postgres_down_keeps_the_last_snapshot_and_tells_admins_once(tmp_path, clock, postgres, pg_ads):
    h = harness_with(tmp_path, clock, pg_ads)
    shown = f"postgresql+psycopg://feedsum:***@127.0.0.1:{postgres.port}/ads"
    expected = truth(ROWS)
    try:
        h.command(f"refresh {PERIOD}")
        answered(h, shown)
        assert_kpis(h.core.summary(h.report, PERIOD, h.clock()).kpi.totals, expected)

        postgres.stop()
        try:
            h.clock.now += timedelta(hours=1)
            before = len(h.fake.responses)
            h.command(f"refresh {PERIOD}")
            text = answered(h, shown, before)
            assert "连接失败" in text and "Connection refused" in text and "s3cret-pw" not in text
            # The month's KPIs stay as the last pull left them.
            summary = h.core.summary(h.report, PERIOD, h.clock())
            assert_kpis(summary.kpi.totals, expected)
            [told] = admin_dms(h, "连接失败")
            assert shown in told

            # The scheduled pulls meet the same error: nobody is told again.
            tick(h.core, datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH))
            tick(h.core, datetime(2026, 11, 27, 10, 0, 30, tzinfo=SH))
            h.idle()
            assert len(admin_dms(h, "连接失败")) == 1
            assert_kpis(h.core.summary(h.report, PERIOD, h.clock()).kpi.totals, expected)
        finally:
            postgres.start()

        # Back up: the pull works again, and a later failure would be news again.
        [pull] = h.core.pull(h.report, PERIOD, h.clock())
        assert pull.error is None and pull.outcome.new == 0  # the same rows as before
        assert h.store.sources.note_errors(h.report.team_id, h.report.id, {}, now=h.clock()) == {}
    finally:
        h.close()


def test_closed_port_is_a_clear_error_in_english(tmp_path, clock, postgres):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once it is closed
    report = _report(tmp_path, locale="en")
    url = f"postgresql+psycopg://ads:pw-9f8e@127.0.0.1:{port}/warehouse"
    with pytest.raises(SourceError) as err:
        Metrics(_db(tmp_path)).import_sql(report, MetricSource(url=url, query=QUERY), PERIOD, _now())
    message = str(err.value)
    assert message.startswith(f"SQL source postgresql+psycopg://ads:***@127.0.0.1:{port}/warehouse: cannot connect")
    assert "Connection refused" in message and "pw-9f8e" not in message


def test_a_server_that_never_answers_gives_up_after_the_connect_timeout(tmp_path, postgres, monkeypatch):
    """A host that takes the connection but never speaks (a hung server, a black-holing firewall)
    must not hold the pull, and the scheduler with it, for the kernel's TCP timeout."""
    import socket
    import time

    import bot.data.metrics as metrics

    monkeypatch.setattr(metrics, "CONNECT_TIMEOUT_SECONDS", 2)  # libpq's smallest
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
        url = f"postgresql+psycopg://ads:pw@127.0.0.1:{mute.getsockname()[1]}/warehouse"
        started = time.monotonic()
        with pytest.raises(SourceError) as err:
            Metrics(_db(tmp_path)).import_sql(_report(tmp_path, "en"), MetricSource(url=url, query=QUERY), PERIOD,
                                              _now())
        assert time.monotonic() - started < 10
    assert "cannot connect" in str(err.value) and "timeout" in str(err.value).lower()


def test_wrong_password_never_shows_the_password(tmp_path, postgres):
    url = postgres.url("postgres").replace("s3cret-pw", "not-the-pw")
    with pytest.raises(SourceError) as err:
        Metrics(_db(tmp_path)).import_sql(_report(tmp_path, "en"), MetricSource(url=url, query=QUERY), PERIOD, _now())
    assert "password authentication failed" in str(err.value) and "not-the-pw" not in str(err.value)


def test_missing_driver_says_which_package(tmp_path):
    pytest.importorskip("sqlalchemy")
    url = "nosuchdialect://project/dataset"
    with pytest.raises(SourceError) as err:
        Metrics(_db(tmp_path)).import_sql(_report(tmp_path, "en"), MetricSource(url=url, query=QUERY), PERIOD, _now())
    assert "no driver for nosuchdialect://" in str(err.value) and "sqlalchemy-bigquery" in str(err.value)


# --- :start and :end on each engine -----------------------------------------------------------

DATE_FORMS = {
    "date column, text parameters": ("DATE", "day BETWEEN :start AND :end"),
    "date column, CAST parameters": ("DATE", "day BETWEEN CAST(:start AS DATE) AND CAST(:end AS DATE)"),
    "text column, text parameters": ("VARCHAR(10)", "day BETWEEN :start AND :end"),
    "timestamp column, cast to date": ("TIMESTAMP", "CAST(day AS DATE) BETWEEN :start AND :end"),
    "date column, :: casts": ("DATE", "day BETWEEN :start::date AND :end::date"),
}


def _report(tmp_path, locale="zh-CN"):
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["locale"] = locale
    [r] = parse_reports(config, file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
    return r


def _db(tmp_path):
    from storage import Store

    return Store.open(str(tmp_path / "feedsum.db"))


def _now():
    return datetime(2026, 11, 26, 10, tzinfo=SH)


def _import(tmp_path, url: str, where: str):
    query = QUERY.replace("day BETWEEN :start AND :end", where)
    return Metrics(_db(tmp_path)).import_sql(_report(tmp_path), MetricSource(url=url, query=query), PERIOD, _now())


@pytest.mark.parametrize("form", list(DATE_FORMS))
def test_month_parameters_on_postgres(tmp_path, postgres, form):
    import sqlalchemy

    day_type, where = DATE_FORMS[form]
    url = postgres.create_database(f"dates_{abs(hash(form)) % 10**8}")
    with sqlalchemy.create_engine(url).begin() as conn:
        conn.execute(sqlalchemy.text(pg_table(600, day_type)))
    outcome = _import(tmp_path, url, where)
    assert list(outcome.periods) == [PERIOD]
    assert_kpis(outcome.periods[PERIOD], truth(600))


@pytest.mark.parametrize("form", list(DATE_FORMS))
def test_month_parameters_on_duckdb(tmp_path, form):
    day_type, where = DATE_FORMS[form]
    url = duck_ads(tmp_path / "dates.duckdb", n=600, day_type=day_type)
    outcome = _import(tmp_path, url, where)
    assert list(outcome.periods) == [PERIOD]
    assert_kpis(outcome.periods[PERIOD], truth(600))


# --- big results in chunks --------------------------------------------------------------------

def test_raw_rows_are_read_and_stored_in_chunks_with_exact_kpis(tmp_path, clock, postgres, pg_ads, monkeypatch):
    """A query that returns raw rows instead of aggregating: read a chunk at a time (here 1,000
    rows), stored as it arrives, the month's totals exact; the same rows in another order count
    as unchanged."""
    import bot.data.metrics as metrics

    monkeypatch.setattr(metrics, "SQL_CHUNK_ROWS", 1_000)
    seen = []
    real = metrics.canonical_from_sql
    monkeypatch.setattr(metrics, "canonical_from_sql", lambda frame, *a, **kw: seen.append(len(frame)) or real(frame, *a, **kw))
    raw = ("SELECT day AS date, platform, campaign, impr AS impressions, clk AS clicks, cost AS spend, "
           "conv AS conversions FROM ads WHERE day BETWEEN :start AND :end ORDER BY random()")
    h = harness_with(tmp_path, clock, pg_ads, query=raw)
    try:
        [pull] = h.core.pull(h.report, PERIOD, h.clock())
        expected = truth(ROWS, grouped=False)
        in_month = expected["rows"]
        assert pull.error is None and pull.outcome.rows == in_month and pull.outcome.new == 1
        assert max(seen) == 1_000 and sum(seen) == in_month and len(seen) > 5
        assert_kpis(pull.outcome.periods[PERIOD], expected)
        assert_kpis(h.core.summary(h.report, PERIOD, h.clock()).kpi.totals, expected)
        [snapshot] = h.store.snapshots.of(h.report.team_id, h.report.id, PERIOD)
        assert snapshot.rows == in_month

        # Another order, same rows: nothing new, and the data counts as read now.
        h.clock.now += timedelta(hours=3)
        [pull] = h.core.pull(h.report, PERIOD, h.clock())
        assert pull.error is None and pull.outcome.new == 0
        assert len(h.store.snapshots.of(h.report.team_id, h.report.id, PERIOD)) == 1
        assert h.core.data.as_of(h.report, PERIOD) == h.clock.now
    finally:
        h.close()


def test_failure_mid_result_leaves_nothing_behind(tmp_path, postgres, pg_ads, monkeypatch):
    """A result that breaks after some chunks were stored (here: a value that is not a number)
    stores nothing, and names the row."""
    import bot.data.metrics as metrics

    monkeypatch.setattr(metrics, "SQL_CHUNK_ROWS", 1_000)
    query = ("SELECT day AS date, platform, campaign, impr AS impressions, "
             "CASE WHEN i = 4500 THEN 'n/a' ELSE CAST(clk AS TEXT) END AS clicks, cost AS spend "
             "FROM (SELECT *, row_number() OVER (ORDER BY day, platform, campaign, impr, clk, cost) AS i FROM ads "
             "WHERE day BETWEEN :start AND :end) t ORDER BY i")
    store = _db(tmp_path)
    report = _report(tmp_path, "en")
    with pytest.raises(SourceError) as err:
        Metrics(store).import_sql(report, MetricSource(url=pg_ads, query=query), PERIOD, _now())
    assert 'row 4500, column "clicks": not a number' in str(err.value)
    assert store.snapshots.of(report.team_id, report.id, PERIOD) == []
    assert store.snapshots.unpublished(before=_now() + timedelta(days=1)) == []


def test_refused_for_non_admins_does_not_touch_the_warehouse(tmp_path, clock, postgres, pg_ads):
    h = harness_with(tmp_path, clock, pg_ads)
    try:
        assert "管理员" in h.answer(f"refresh {PERIOD}", user=OWNER_A)["text"]  # in the ack, or after a lookup
        assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None
    finally:
        h.close()


def test_an_sql_source_may_return_creatives_and_results_without_them_digest_as_before(tmp_path):
    """`creative` is an optional column of a query's result, stored with the rows; a result
    without one (or with none in it) digests as a result did before creatives were read, so a
    pull after the upgrade finds it unchanged instead of adding a snapshot."""
    import sqlite3

    import pandas as pd

    from bot.data.metrics import _RowDigest, canonical_from_sql

    with sqlite3.connect(tmp_path / "wh.db") as conn:
        conn.execute("CREATE TABLE ads (day TEXT, platform TEXT, campaign TEXT, grp TEXT, ad TEXT, impressions REAL, "
                     "clicks REAL, spend REAL)")
        conn.executemany("INSERT INTO ads VALUES (?,?,?,?,?,?,?,?)",
                         [("2026-11-03", "Meta", "Spring", "Broad", "Hook A", 1000, 20, 5.0),
                          ("2026-11-03", "Meta", "Spring", "Broad", "Hook B", 1000, 26, 5.0)])
    [report] = parse_reports({"reports": [{**CONFIG["reports"][0], "metrics": [{
        "url": "wh.db", "query": "SELECT day AS date, platform, campaign, grp AS ad_group, ad AS creative, impressions, "
                                 "clicks, spend FROM ads WHERE day BETWEEN :start AND :end"}]}]},
        file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
    data = Metrics(_db(tmp_path))
    data.import_sql(report, report.metrics[0], PERIOD, datetime(2026, 11, 26, tzinfo=SH))
    rows = data.rows(report, PERIOD)
    assert sorted(rows["creative"]) == ["Hook A", "Hook B"] and set(rows["ad_group"]) == {"Broad"}

    frame = canonical_from_sql(pd.DataFrame({"date": ["2026-11-03"], "platform": ["Meta"], "campaign": ["Spring"],
                                             "impressions": [1000], "clicks": [20], "spend": [5.0]}), "wh")
    digests = []
    for creative in (None, None, "Hook A"):
        d = _RowDigest()
        d.update(frame.assign(creative=creative) if creative or digests else frame.drop(columns="creative"))
        digests.append(d.hexdigest())
    assert digests[0] == digests[1] != digests[2]
