"""Concurrent clients against a running Harness: slash commands, clicks, modal submits, events.

Used by tests/test_load.py (10 clients, 5 s) and benchmarks/bench_load.py (50 clients, 60 s).
Each client loops over a mix of requests for `seconds`; every request's latency (time to the
HTTP response, i.e. the ack) and status are recorded.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field

from tests.slack_harness import ADMIN, OWNER_A, OWNER_B, STRANGER

PERIOD = "2026-11"


@dataclass
class LoadResult:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[tuple[str, int, str]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def all(self) -> list[float]:
        return sorted(x for xs in self.latencies.values() for x in xs)

    def pct(self, p: float, kind: str | None = None) -> float:
        xs = sorted(self.latencies.get(kind, [])) if kind else self.all
        return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")

    def table(self) -> str:
        lines = [f"{'kind':10} {'n':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"]
        for kind in sorted(self.latencies) + [None]:
            xs = sorted(self.latencies[kind]) if kind else self.all
            lines.append(f"{kind or 'all':10} {len(xs):7d} {self.pct(50, kind) * 1000:8.1f} "
                         f"{self.pct(99, kind) * 1000:8.1f} {max(xs) * 1000:8.1f}")
        lines.append(f"errors: {len(self.errors)}; {len(self.all) / self.seconds:.0f} requests/s over {self.seconds:.0f} s")
        return "\n".join(lines)


def prepare(h) -> dict[str, dict]:
    """Open the period so prompts, threads and modals exist; returns one write modal per owner."""
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    return {OWNER_A: h.modal_for("results", OWNER_A, PERIOD), OWNER_B: h.modal_for("data", OWNER_B, PERIOD)}


def run_load(h, *, clients: int, seconds: float) -> LoadResult:
    modals = prepare(h)
    prompt = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|plan:U0OWNERB1"))
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "results"}, separators=(",", ":"))
    counter = itertools.count()
    result = LoadResult()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def status():
        return h.command(f"status {PERIOD}", user=STRANGER), 200

    def click():
        return h.click("write", value, OWNER_A), 200

    def submit():
        user = OWNER_A if next(counter) % 2 else OWNER_B
        modal = modals[user]
        text = f"load test {next(counter)} <!channel> & 数据"
        values = {"part_0": {"text": {"type": "plain_text_input", "value": text}}}
        return h.submit_view(modal, values, user), 200

    def event():
        n = next(counter)
        ev = {"type": "message", "channel_type": "im", "channel": prompt["channel"], "user": OWNER_B,
              "text": f"第 {n} 段", "ts": f"1800000000.{n:06d}", "thread_ts": prompt["ts"]}
        return h.event(ev, event_id=f"EvLoad{n}"), 200

    mix = [("status", status), ("click", click), ("submit", submit), ("event", event)]

    def client(i: int):
        local: dict[str, list[float]] = {k: [] for k, _ in mix}
        errs = []
        j = i
        while time.monotonic() < stop_at:
            kind, fn = mix[j % len(mix)]
            j += 1
            t0 = time.perf_counter()
            try:
                reply, want = fn()
                status_code, body = reply.status, reply.body[:200]
            except Exception as exc:  # noqa: BLE001 - a connection error is an error to count
                status_code, body, want = 0, repr(exc), 200
            local[kind].append(time.perf_counter() - t0)
            if status_code != want or (kind == "submit" and body not in ("",)):
                errs.append((kind, status_code, body))
        with lock:
            for k, xs in local.items():
                result.latencies.setdefault(k, []).extend(xs)
            result.errors.extend(errs)

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - t0
    return result
