"""The HTTP endpoint under concurrent clients: no errors, nothing lost.

Latency under load is measured by benchmarks/bench_load.py (figures in docs/benchmarks.md): a
timing limit here would fail on a busy machine without telling anything about the code."""

from __future__ import annotations

from tests.load_driver import PERIOD, run_load


def test_ten_concurrent_clients_for_half_a_second(harness):
    h = harness
    result = run_load(h, clients=10, seconds=0.5)
    print("\n" + result.table())
    assert not result.errors, result.errors[:5]
    assert len(result.all) > 10
    # The work behind the acks happened: answers saved, thread replies appended.
    summary = h.core.summary(h.report, PERIOD, h.clock())
    assert summary.sections[0].text and summary.sections[0].text.startswith("load test")
    h.wait_for(lambda: (h.core.summary(h.report, PERIOD, h.clock()).sections[4].text or "").count("段")
               == len(result.latencies["event"]), timeout=20)
