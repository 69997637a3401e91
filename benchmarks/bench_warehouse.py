"""SQL sources on real engines: the month aggregated in the engine against fetching the raw rows.

    python benchmarks/bench_warehouse.py                  # 10,000,000 rows in PostgreSQL and DuckDB
    python benchmarks/bench_warehouse.py --rows 1000000   # quicker
    python benchmarks/bench_warehouse.py --no-raw-import  # skip storing the raw rows in feedsum

Starts a PostgreSQL server (tests/pg_server.py: Debian's binaries, a temporary data directory)
and makes a DuckDB file, each with an `ads` table of N rows generated inside the engine
(`generate_series` / `range()`), all in November 2026: 30 days × 3 platforms × 200 campaigns.
Then, each in a fresh child process (wall time and that child's peak RSS):

- **feedsum, aggregated**: `Metrics.import_sql` with the README's kind of query (`SUM(…) … WHERE
  day BETWEEN :start AND :end GROUP BY day, platform, campaign`): the engine aggregates, feedsum
  reads and stores the groups.
- **raw rows fetched**: the same month's raw rows read into Python (`pandas.read_sql_query`
  with `chunksize`, 50,000 rows a chunk, the PostgreSQL driver on a server-side cursor) and
  summed per group in pandas: the floor of any approach that aggregates outside the engine.
- **feedsum, raw rows** (unless `--no-raw-import`): `import_sql` with a query that returns the raw
  rows; feedsum reads and stores them chunk by chunk: the memory bound at work.

The totals of each side are compared. The parent imports nothing heavy (a child's ru_maxrss on
Linux starts at its parent's RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PERIOD = "2026-11"
AGGREGATED = ("SELECT day AS date, platform, campaign, SUM(impr) AS impressions, SUM(clk) AS clicks, "
              "SUM(cost) AS spend, SUM(conv) AS conversions FROM ads WHERE day BETWEEN :start AND :end "
              "GROUP BY day, platform, campaign")
RAW = ("SELECT day AS date, platform, campaign, impr AS impressions, clk AS clicks, cost AS spend, "
       "conv AS conversions FROM ads WHERE day BETWEEN :start AND :end")


def table_sql(engine: str, n: int) -> str:
    if engine == "postgresql":
        platform, source, div = "(ARRAY['百度','腾讯广告','巨量引擎'])[1 + (i / 30) % 3]", f"generate_series(0, {n - 1}) AS i", "/"
    else:
        platform, source, div = "['百度','腾讯广告','巨量引擎'][1 + (i // 30) % 3]", f"range({n}) t(i)", "//"
    return (f"CREATE TABLE ads AS SELECT DATE '2026-11-01' + CAST(i % 30 AS INTEGER) AS day, {platform} AS platform, "
            f"'campaign-' || (i {div} 90 % 200) AS campaign, 100 + i % 11 AS impr, i % 7 AS clk, "
            f"CAST((i % 13) * 0.5 AS DOUBLE PRECISION) AS cost, "
            f"CASE WHEN i % 5 = 0 THEN NULL ELSE i % 3 END AS conv FROM {source}")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm(url: str) -> None:
    """Load SQLAlchemy, the dialect and the driver before the clock starts, as a running bot has."""
    import sqlalchemy

    engine = sqlalchemy.create_engine(url)
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text("SELECT 1"))
    engine.dispose()


# --- children ---------------------------------------------------------------------------------

def child_generate(url: str, engine: str, n: int) -> dict:
    import sqlalchemy

    start = time.perf_counter()
    with sqlalchemy.create_engine(url).begin() as conn:
        conn.execute(sqlalchemy.text(table_sql(engine, n)))
        if engine == "postgresql":
            conn.execute(sqlalchemy.text("ANALYZE ads"))
    return {"seconds": time.perf_counter() - start}


def child_feedsum(url: str, query: str) -> dict:
    import logging
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.data.metrics import Metrics
    from bot.model.config import MetricSource, parse_reports
    from storage import Store
    from tests.slack_harness import CONFIG

    logging.disable(logging.WARNING)
    work = Path(tempfile.mkdtemp(prefix="bench-warehouse-"))
    [report] = parse_reports(CONFIG, file=str(work / "feedsum.toml"), base_dir=str(work))
    metrics = Metrics(Store.open(str(work / "feedsum.db")))
    now = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    _warm(url)
    start = time.perf_counter()
    outcome = metrics.import_sql(report, MetricSource(url=url, query=query), PERIOD, now)
    seconds = time.perf_counter() - start
    totals = outcome.periods[PERIOD]
    return {"seconds": seconds, "rows": outcome.rows, "peak_mib": _peak_mib(),
            "totals": {k: totals[k] for k in ("impressions", "clicks", "spend", "conversions")}}


def child_fetch(url: str, query: str) -> dict:
    import pandas as pd
    import sqlalchemy

    _warm(url)
    start = time.perf_counter()
    engine = sqlalchemy.create_engine(url)
    groups, rows = None, 0
    with engine.connect() as conn:
        conn = conn.execution_options(stream_results=True, max_row_buffer=50_000)
        params = {"start": "2026-11-01", "end": "2026-11-30"}
        for chunk in pd.read_sql_query(sqlalchemy.text(query), conn, params=params, chunksize=50_000):
            rows += len(chunk)
            part = chunk.groupby(["date", "platform", "campaign"]).sum(min_count=1)
            groups = part if groups is None else pd.concat([groups, part]).groupby(level=[0, 1, 2]).sum(min_count=1)
    seconds = time.perf_counter() - start
    engine.dispose()
    return {"seconds": seconds, "rows": rows, "groups": len(groups), "peak_mib": _peak_mib(),
            "totals": {k: float(groups[k].sum()) for k in ("impressions", "clicks", "spend", "conversions")}}


def run_child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if proc.returncode:
        raise SystemExit(f"child {args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- parent -----------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--no-raw-import", action="store_true", help="skip feedsum storing the raw rows")
    parser.add_argument("--engine", choices=("postgresql", "duckdb"), action="append",
                        help="only this engine (repeatable); default both")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *rest = args.child
        result = {"generate": lambda: child_generate(rest[0], rest[1], int(rest[2])),
                  "feedsum": lambda: child_feedsum(rest[0], rest[1]),
                  "fetch": lambda: child_fetch(rest[0], rest[1])}[mode]()
        print(json.dumps(result))
        return

    from tests.pg_server import PostgresServer

    n = args.rows
    print(f"{n:,} rows, all in {PERIOD}; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    server = PostgresServer().start()
    work = Path(tempfile.mkdtemp(prefix="bench-warehouse-"))
    engines = {"postgresql": server.create_database("ads"), "duckdb": f"duckdb:///{work / 'ads.duckdb'}"}
    try:
        for engine, url in engines.items():
            if args.engine and engine not in args.engine:
                continue
            made = run_child("generate", url, engine, str(n))
            print(f"\n{engine}: {n:,} rows generated in the engine in {made['seconds']:.1f} s")
            results = {"feedsum, aggregated in the engine": run_child("feedsum", url, AGGREGATED),
                       "raw rows fetched, summed in pandas": run_child("fetch", url, RAW)}
            if not args.no_raw_import:
                results["feedsum, raw rows stored"] = run_child("feedsum", url, RAW)
            base = results["feedsum, aggregated in the engine"]
            print(f"| {engine} | rows read | wall | × aggregated | peak RSS |")
            print("|---|---:|---:|---:|---:|")
            for name, r in results.items():
                print(f"| {name} | {r['rows']:,} | {r['seconds']:.2f} s | {r['seconds'] / base['seconds']:.1f} "
                      f"| {r['peak_mib']:.0f} MiB |")
            for name, r in results.items():
                for key, value in base["totals"].items():
                    if abs(r["totals"][key] - value) > 1e-6 * max(1.0, abs(value)):
                        raise SystemExit(f"{engine}: {name} {key} = {r['totals'][key]} != {value}")
            print(f"totals agree: {base['totals']}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
