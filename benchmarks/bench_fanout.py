"""A fan-out of ~1,000 prompts through Slack rate limiting, against its floor.

    python benchmarks/bench_fanout.py                       # 143 owners x 7 sections = 1,001 prompts
    python benchmarks/bench_fanout.py --owners 14 --every 25   # ~100 prompts, quick

Two runs of `Feedsum.open` on fresh databases and fake Web APIs (real HTTP, slack_sdk WebClient
with feedsum's RateLimitErrorRetryHandler(max_retry_count=5)):

1. no faults: T0 = the fan-out's own time;
2. every Nth write call (chat.postMessage, conversations.open, …) answers HTTP 429 with
   `Retry-After: R`: T = total time.

Floor: the fan-out is sequential and every 429 must be waited out before that call can be made
again, so no client can do better than  T_floor = T0 + N429 x R  (N429 = 429s answered, counted
by the fake). Reported: T / T_floor, and exactly-once (distinct ledger keys in Slack = messages
in Slack = prompts). slack_sdk's handler sleeps R + random.random() (jitter in [0, 1) s), so the
expected ratio is about (T0 + 1.5 N429 R') / (T0 + N429 R) with R'=R+0.5 on average.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.slack_harness import ADMIN, CONFIG, Clock, Harness  # noqa: E402

WRITES = {"chat.postMessage", "chat.update", "conversations.open", "views.open", "views.publish",
          "chat.postEphemeral", "reactions.add"}


def config(owners: int) -> dict:
    c = json.loads(json.dumps(CONFIG))
    ids = [f"U0F{i:06d}" for i in range(owners)]
    for sec in c["reports"][0]["sections"]:
        sec["owners"] = ids
    return c


def run(owners: int, every: int, retry_after: int) -> dict:
    clock = Clock(datetime(2026, 11, 26, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    h = Harness(Path(tempfile.mkdtemp(prefix="bench-fanout-")), clock, config=config(owners))
    try:
        report = h.core.report(h.fake.team_id, "feed-ads")
        h.fake.faults.rate_limit_every = every
        h.fake.faults.retry_after = retry_after
        t0 = time.monotonic()
        result = h.core.open(report, "2026-11", ADMIN, clock())
        elapsed = time.monotonic() - t0
        calls = h.fake.calls
        n429 = sum(1 for i, c in enumerate(calls) if every and (i + 1) % every == 0 and c.method in WRITES)
        keys = [m["metadata"]["event_payload"]["key"] for m in h.fake.posted() if m.get("metadata")]
        return {"prompts": owners * len(report.sections), "sent": result.sent, "failed": result.failed,
                "messages": len(h.fake.posted()), "distinct_keys": len(set(keys)), "n429": n429,
                "calls": len(calls), "seconds": elapsed}
    finally:
        h.close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--owners", type=int, default=143, help="owners of each of the 7 sections")
    ap.add_argument("--every", type=int, default=10, help="every Nth write call answers 429")
    ap.add_argument("--retry-after", type=int, default=1)
    args = ap.parse_args(argv)
    logging.disable(logging.WARNING)
    clean = run(args.owners, 0, args.retry_after)
    faulty = run(args.owners, args.every, args.retry_after)
    floor = clean["seconds"] + faulty["n429"] * args.retry_after
    for name, r in (("no faults", clean), (f"429 every {args.every}th write", faulty)):
        print(f"{name:24} prompts={r['prompts']} sent={r['sent']} failed={r['failed']} messages={r['messages']} "
              f"distinct={r['distinct_keys']} 429s={r['n429']} calls={r['calls']} time={r['seconds']:.1f} s")
    ok = faulty["messages"] == faulty["distinct_keys"] == faulty["prompts"] == faulty["sent"]
    print(f"floor = T0 {clean['seconds']:.1f} s + {faulty['n429']} x {args.retry_after} s = {floor:.1f} s; "
          f"measured {faulty['seconds']:.1f} s; ratio {faulty['seconds'] / floor:.2f}; exactly once: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
