"""A big export shared in Slack while people keep writing: peak memory and how long writes wait.

    python benchmarks/bench_import.py                 # 430,000 rows, about 45 MB of CSV
    python benchmarks/bench_import.py --rows 100000   # quicker

Generates a 巨量引擎-style daily export (the generator of bench_metrics.py) in a child process,
then runs a whole feedsum in another child: the real HTTP endpoint (waitress + Bolt, signed
requests) against the fake Web API, a month opened so that Write buttons and modals exist. A
probe thread clicks **Write** (the listener reads the section and calls views.open before it
answers) and saves a section through the modal, one after the other, for the whole import; the
admin shares the export (file_shared → download → import → reply). Reported: import wall time,
the probe's latencies while the import ran (p50, max, how many took 3 s or more: Slack's limit
for an ack, and the life of a trigger id), and the serving process's peak RSS (VmHWM) before and
after. The fake Slack runs in the same process and holds the file's bytes (counted in the RSS).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-11"


def _hwm_mib() -> float:
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", text).group(1)) / 1024


def serve_and_import(path: Path) -> None:
    """Child: a running feedsum imports `path` while a probe keeps writing."""
    sys.path.insert(0, str(ROOT))
    from tests.load_driver import prepare
    from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, Clock, Harness

    logging.disable(logging.WARNING)
    h = Harness(Path(tempfile.mkdtemp(prefix="bench-import-")),
                Clock(datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai"))))
    try:
        modal = prepare(h)[OWNER_A]
        data = path.read_bytes()
        h.fake.add_file("FBIG", path.name, data, ADMIN)
        del data
        value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "results"}, separators=(",", ":"))
        # Warm both paths once so the first probe does not pay for imports and caches.
        h.click("write", value, OWNER_A)
        h.submit_view(modal, {"part_0": {"text": {"type": "plain_text_input", "value": "warm"}}}, OWNER_A)
        base = _hwm_mib()
        lat: dict[str, list[float]] = {"write click": [], "save": []}
        stop = threading.Event()

        def probe():
            n = 0
            while not stop.is_set():
                t0 = time.perf_counter()
                h.click("write", value, OWNER_A)
                lat["write click"].append(time.perf_counter() - t0)
                n += 1
                text = {"part_0": {"text": {"type": "plain_text_input", "value": f"probe {n}"}}}
                t0 = time.perf_counter()
                h.submit_view(modal, text, OWNER_A)
                lat["save"].append(time.perf_counter() - t0)
                time.sleep(0.05)

        def replied():
            calls = h.fake.calls_to("chat.postEphemeral")
            return [c for c in calls if path.name in (c.params.get("text") or "")]

        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        t0 = time.perf_counter()
        h.event({"type": "file_shared", "file_id": "FBIG", "user_id": ADMIN, "channel_id": CHANNEL,
                 "file": {"id": "FBIG"}, "event_ts": "1.1"}, event_id="EvBenchImport")
        answer = h.wait_for(replied, timeout=600)[0].params["text"]
        wall = time.perf_counter() - t0
        stop.set()
        thread.join()
        print(f"import: {wall:.1f} s; answer: {answer.splitlines()[0][:100]}")
        print(f"peak RSS (VmHWM): {base:.0f} MiB before the import, {_hwm_mib():.0f} MiB after")
        for kind, xs in lat.items():
            xs = sorted(xs)
            over = sum(1 for x in xs if x >= 3.0)
            print(f"{kind:12s} n={len(xs):4d}  p50 {xs[len(xs) // 2] * 1000:7.0f} ms  "
                  f"max {xs[-1] * 1000:7.0f} ms  >= 3 s: {over}")
    finally:
        h.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=430_000)
    ap.add_argument("--child", metavar="PATH", help=argparse.SUPPRESS)  # internal: the serving child
    args = ap.parse_args(argv)
    if args.child:
        serve_and_import(Path(args.child))
        return 0
    tmp = Path(tempfile.mkdtemp(prefix="feedsum-bench-import-"))
    path = tmp / "oceanengine_2026-03.csv"
    gen = ("import sys; sys.path.insert(0, sys.argv[1]); from bench_metrics import make_export; "
           "from pathlib import Path; make_export(Path(sys.argv[2]), int(sys.argv[3]))")
    subprocess.run([sys.executable, "-c", gen, str(Path(__file__).parent), str(path), str(args.rows)], check=True)
    print(f"generated {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")
    try:
        return subprocess.run([sys.executable, __file__, "--child", str(path)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}).returncode
    finally:
        path.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    sys.exit(main())
