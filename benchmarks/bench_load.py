"""The HTTP endpoint under concurrent clients (full size).

    python benchmarks/bench_load.py                 # 50 clients for 60 s
    python benchmarks/bench_load.py --clients 10 --seconds 5

A running feedsum (waitress with 16 threads + Bolt, SQLite in WAL mode, fake Web API) is hit by
N client threads, each looping over: `/feedsum status`, a Write button click (which opens a
modal through views.open), a modal submission (saves a section and refreshes the prompts) and a
DM thread reply event (appended to a section after the ack). Latency is the time to the HTTP
response, i.e. the ack Slack waits for (limit 3 s). Prints p50/p99/max per kind and errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.load_driver import run_load  # noqa: E402
from tests.slack_harness import Clock, Harness  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--threads", type=int, default=16, help="waitress threads (feedsum run uses 16)")
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    h = Harness(Path(tempfile.mkdtemp(prefix="bench-load-")), Clock(datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai"))))
    if args.threads != 8:  # the harness serves with 8 threads; rebuild with the production count
        import threading

        from handlers.server import make_server

        h.server.close()
        h.server = make_server(h.app, host="127.0.0.1", port=0, threads=args.threads, guard=h.deps.guard)
        h.url = f"http://127.0.0.1:{h.server.effective_port}"
        threading.Thread(target=h.server.run, daemon=True).start()
    try:
        result = run_load(h, clients=args.clients, seconds=args.seconds)
        print(f"{args.clients} clients, {args.seconds:.0f} s, waitress threads={args.threads}")
        print(result.table())
        over = sum(1 for x in result.all if x >= 3.0)
        print(f"acks at or over 3 s: {over}")
        for e in result.errors[:10]:
            print("error:", e)
        time.sleep(1)  # let listeners that run after the ack finish before shutting down
    finally:
        h.close()
    return 0 if not result.errors else 1


if __name__ == "__main__":
    sys.exit(main())
