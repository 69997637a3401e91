from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.commands import parse
from bot.mrkdwn import escape, split_text
from bot.periods import PeriodError, default_period, label, parse_period, shift


@given(st.text(alphabet=st.sampled_from(list("ab &<>\n\n。x")), max_size=4000), st.integers(16, 500))
def test_split_text_loses_nothing_and_respects_the_limit(text, limit):
    chunks = split_text(escape(text), limit)
    assert "".join(chunks) == escape(text)
    assert all(len(c) <= limit for c in chunks)
    assert all(not c.endswith(("&", "&a", "&am", "&amp", "&l", "&lt", "&g", "&gt")) or c.endswith(";")
               for c in chunks[:-1])


@given(st.text())
def test_escape_never_leaves_a_live_mention(text):
    out = escape(text)
    assert "<" not in out and ">" not in out


def test_parse_command():
    c = parse("compile 2026-11 --preview --report feed-ads")
    assert (c.name, c.args, c.report, c.flags) == ("compile", ("2026-11",), "feed-ads", frozenset({"preview"}))
    assert parse("").name == "help"
    unknown = parse("stauts")
    assert unknown.name == "help" and unknown.suggestion == "status"
    assert parse("delegate data <@U0BOB|bob>").users() == ["U0BOB"]


def test_periods():
    assert parse_period("2026/1") == "2026-01" and parse_period("202612") == "2026-12"
    for bad in ("2026-13", "26-11", "nov"):
        try:
            parse_period(bad)
            raise AssertionError(bad)
        except PeriodError:
            pass
    assert shift("2026-01", -1) == "2025-12" and shift("2026-12", 1) == "2027-01"
    assert label("2026-11", "zh-CN") == "2026年11月" and label("2026-11", "en") == "November 2026"
    from datetime import UTC, datetime
    assert default_period(datetime(2026, 12, 2, tzinfo=UTC)) == "2026-11"
    assert default_period(datetime(2026, 11, 28, tzinfo=UTC)) == "2026-11"
