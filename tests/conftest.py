from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
TESTS = Path(__file__).resolve().parent

# No cyclic garbage collection while the tests are imported: rewriting their asserts builds
# large ASTs that would set off a dozen full collections per worker (see pytest_collection_finish).
gc.disable()

# Property tests: the same examples on every run here and in CI (a failure is reproducible, never
# a flake); HYPOTHESIS_PROFILE=deep searches far wider with fresh random examples.
settings.register_profile("ci", max_examples=30, derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("deep", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def no_real_slack(monkeypatch):
    """A real token or workspace setting can never leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FEEDSUM_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock():
    # Imported here, not at the top: xdist's controller loads this file too and starts the
    # workers only after it, and the harness brings the whole app with it.
    from tests.slack_harness import Clock

    return Clock(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def harness(request, tmp_path, clock):
    # A module about listener logic says HARNESS_TRANSPORT = "app"; the endpoint's own behaviour
    # (signatures, replays, slow clients, acks over the wire) keeps the real HTTP server.
    from tests.slack_harness import Harness

    h = Harness(tmp_path, clock, transport=getattr(request.module, "HARNESS_TRANSPORT", "http"))
    yield h
    h.close()


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: one worker more than there are cores. Some tests spend most of their time
    waiting on a subprocess, a server or a Retry-After; the extra worker keeps every core busy."""
    return (os.cpu_count() or 1) + 1


@pytest.hookimpl(wrapper=True)
def pytest_collection(session):
    """Each xdist worker imports the test modules starting at its own share of them.

    Every worker imports every test module, and pytest rewrites a module's asserts on import
    (about 2.5 s of CPU for the suite). Started at different places, the workers rewrite
    different modules first and each keeps what it rewrote in __pycache__ for the others, so
    most modules are rewritten once rather than once per worker."""
    worker = getattr(session.config, "workerinput", None)
    if worker is not None and [Path(a).resolve() for a in session.config.args] == [TESTS]:
        names = sorted(p.stem for p in TESTS.glob("test_*.py"))
        first = len(names) * int(worker["workerid"].removeprefix("gw")) // worker["workercount"]
        sys.dont_write_bytecode = False  # PYTHONDONTWRITEBYTECODE would make every worker redo it
        for name in names[first:] + names[:first]:
            with contextlib.suppress(Exception):  # pytest imports it again below and reports the error
                importlib.import_module(f"tests.{name}")
    return (yield)


def pytest_collection_finish(session):
    """What collection loaded (modules, libraries, test functions) lives to the end: frozen, the
    collector does not walk it again at every full collection. The tests themselves run with
    fewer, larger collections than Python's default (each full one costs a worker ~0.1 s)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 50, 100)
    gc.enable()


def pytest_xdist_setupnodes(config, specs):
    gc.enable()  # xdist's controller imports no tests: its collector is back on at once
