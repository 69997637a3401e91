from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.slack_harness import Clock, Harness

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def no_real_slack(monkeypatch):
    """A real token or workspace setting can never leak into a test."""
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FEEDSUM_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock():
    return Clock(datetime(2026, 11, 26, 10, 0, tzinfo=SHANGHAI))


@pytest.fixture
def harness(tmp_path, clock):
    h = Harness(tmp_path, clock)
    yield h
    h.close()
