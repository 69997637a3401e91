"""`/feedsum status` latency on a big database, against the stack's own floor.

    python benchmarks/bench_status.py                 # 1,000 reports x 24 months, 2,000 requests each
    python benchmarks/bench_status.py --reports 50 --months 6 --requests 300   # quick look

The database is generated through the store (reports.upsert, periods.open,
ledger claim/complete + prompts.record for every prompt, answers.save for most sections, a few
permanent failures), then the real HTTP endpoint (waitress + Bolt, signed requests, fake Web API) is asked,
interleaved in one run:

* `/feedsum status YYYY-MM` from a report's channel (resolve_report, summary, away_map,
  next_actions, Block Kit rendering), and
* `/other`, a command with no listener: Bolt answers 404 after signature check, authorization and
  listener matching. That is the floor of the stack (HTTP + waitress + Bolt), with none of our code.

It prints p50/p99/max of both and the p50/p99 ratios. `--db PATH` keeps the generated database for
reruns (it is reused when the file exists).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.model import periods  # noqa: E402
from feedsum.fake_slack import TEAM_ID  # noqa: E402
from storage import Store  # noqa: E402
from storage.keys import LedgerKey  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=SH)
KEYS = ["results", "data", "lessons", "solutions", "plan", "team", "market"]


def report_dict(i: int) -> dict:
    owners = [f"U{i:05d}A{j}" for j in range(3)]
    return {
        "id": f"team-{i:04d}", "name": f"投放组 {i}", "channel": f"C{i:08d}", "admins": [f"U{i:05d}AD"],
        "timezone": "Asia/Shanghai", "locale": "zh-CN", "calendar": "CN", "template": "feed-ads",
        "sections": [{"key": k, "owners": [owners[n % 3]] + ([owners[(n + 1) % 3]] if n == 2 else [])}
                     for n, k in enumerate(KEYS)],
    }


def generate(path: Path, n_reports: int, n_months: int) -> None:
    """Fill a database through the storage functions (what the bot itself would have written)."""
    from dataclasses import replace

    from bot.model.config import parse_reports

    store = Store.open(path)
    store.db.conn.execute("PRAGMA synchronous = OFF")  # generation only; the benchmark reopens normally
    months = [periods.shift(periods.default_period(NOW), -k) for k in range(n_months)][::-1]
    t0 = time.perf_counter()
    for i in range(n_reports):
        parsed = parse_reports({"reports": [report_dict(i)]}, file="bench")[0]
        base = replace(parsed, team_id=TEAM_ID, source="setup").to_dict()
        created = NOW - timedelta(days=31 * (n_months + 1))
        store.reports.upsert(TEAM_ID, base, actor="bench", now=created)
        for m, period in enumerate(months):
            first, _last = periods.bounds(period)
            opened = datetime.combine(first, datetime.min.time(), tzinfo=SH) + timedelta(days=25)
            store.periods.open(TEAM_ID, base["id"], period, by="bench", due_at=opened + timedelta(days=8), now=opened)
            for n, sec in enumerate(base["sections"]):
                for owner in sec["owners"]:
                    rcpt = f"{sec['key']}:{owner}"
                    key = LedgerKey(TEAM_ID, base["id"], period, "prompt", rcpt)
                    store.ledger.claim(key, now=opened, wall=opened.timestamp())
                    if (i + m + n) % 97 == 0:
                        store.ledger.fail(key, "user_not_found", now=opened)
                        continue
                    store.ledger.complete(key, now=opened)
                    store.prompts.record(TEAM_ID, base["id"], period, sec["key"], owner, channel="D" + owner[1:],
                                         ts=f"{1_700_000_000 + i * 1000 + m}.{n:06d}", now=opened)
                if m == len(months) - 1 and n >= 4:
                    continue  # the current month is still being written
                store.answers.save(TEAM_ID, base["id"], period, sec["key"],
                                   text=f"{sec['key']} of {period}: " + "正文 " * 60,
                                   author=sec["owners"][0], via="bench", now=opened + timedelta(days=2))
            if m < len(months) - 1:
                key = LedgerKey(TEAM_ID, base["id"], period, "post", base["channel"])
                store.ledger.claim(key, now=opened, wall=opened.timestamp())
                store.ledger.complete(key, now=opened)
                store.periods.mark_posted(TEAM_ID, base["id"], period, channel=base["channel"],
                                          ts=f"{1_700_000_000 + m}.000001", by="bench", now=opened + timedelta(days=8))
        if (i + 1) % 100 == 0:
            print(f"  generated {i + 1}/{n_reports} reports ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    store.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--requests", type=int, default=2000, help="requests of each kind")
    ap.add_argument("--db", help="keep/reuse the generated database here")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)  # Bolt warns on every unhandled /other request

    work = Path(tempfile.mkdtemp(prefix="bench-status-"))
    db_path = work / "feedsum.db"
    if args.db and Path(args.db).exists():
        shutil.copy(args.db, db_path)
        print(f"reusing {args.db}", file=sys.stderr)
    else:
        t0 = time.perf_counter()
        generate(db_path, args.reports, args.months)
        print(f"generated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        if args.db:
            shutil.copy(db_path, args.db)

    from tests.slack_harness import Clock, Harness

    harness = Harness(work, Clock(NOW))
    try:
        db = harness.db
        counts = {t: db.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("reports", "periods", "answers", "revisions", "ledger", "prompts", "audit")}
        target = report_dict(args.reports // 2)
        period = periods.default_period(NOW)

        def status():
            return harness.command(f"status {period}", user=target["admins"][0], channel=target["channel"])

        def other():
            form = {"team_id": TEAM_ID, "channel_id": target["channel"], "user_id": target["admins"][0],
                    "command": "/other", "text": "", "response_url": harness.fake.url + "/response/x",
                    "trigger_id": "1.2.3"}
            return harness.post(urllib.parse.urlencode(form), content_type="application/x-www-form-urlencoded")

        first = status()
        assert first.status == 200, first.body
        body = json.dumps(first.json(), ensure_ascii=False)
        assert "4/7" in body, body[:500]
        assert other().status == 404
        for _ in range(50):  # warm up both paths
            status(), other()
        lat = {"status": [], "floor": []}
        for _ in range(args.requests):
            for name, fn in (("status", status), ("floor", other)):
                t = time.perf_counter()
                r = fn()
                lat[name].append((time.perf_counter() - t) * 1000)
                assert r.status == (200 if name == "status" else 404)
        print(f"database: {json.dumps(counts)}  ({db_path.stat().st_size / 1e6:.0f} MB)")
        print(f"{'':8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  (n={args.requests} each, interleaved)")
        for name, xs in lat.items():
            print(f"{name:8} {pct(xs, 50):8.2f} {pct(xs, 99):8.2f} {max(xs):8.2f}")
        print(f"ratio    {pct(lat['status'], 50) / pct(lat['floor'], 50):8.2f} {pct(lat['status'], 99) / pct(lat['floor'], 99):8.2f}"
              f"   (status / floor; mean {statistics.mean(lat['status']):.2f} vs {statistics.mean(lat['floor']):.2f} ms)")
    finally:
        harness.close()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
