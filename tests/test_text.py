from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.model.periods import PeriodError, default_period, label, parse_period, shift
from bot.text.mrkdwn import escape, split_text, storable
from handlers.command_text import parse
from handlers.slack_text import from_slack


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


# --- text on the way in: decoded once, storable ----------------------------------------------------

@given(st.text())
def test_slack_escaping_is_undone_exactly_once(text):
    # A reply is escaped by Slack (& < > only, no entity can appear); decoding gives it back.
    assert from_slack(escape(text)) == storable(text)


def test_slack_entities_keep_an_inert_readable_form():
    names = {"U0ALICE01": "alice"}.get
    cases = {
        "<@U0ALICE01>": "@alice", "<@U0BOB0001>": "@U0BOB0001", "<@U0BOB0001|bob>": "@bob",
        "<#C0ADS0001|ads>": "#ads", "<#C0ADS0001>": "#C0ADS0001",
        "<!channel> <!here> <!everyone>": "@channel @here @everyone",
        "<!subteam^S0TEAM001|@ads-team>": "@ads-team", "<!subteam^S0TEAM001>": "@S0TEAM001",
        "<!date^1392734382^{date_num}|2014-02-18>": "2014-02-18",
        "<https://x.example/a?b=1&amp;c=2|报表>": "报表 (https://x.example/a?b=1&c=2)",
        "<https://x.example/>": "https://x.example/", "<http://x.example|x.example>": "x.example",
        "<mailto:a@x.example|a@x.example>": "a@x.example",
        "a &amp;lt; b": "a &lt; b", "&lt;@U0ALICE01&gt;": "<@U0ALICE01>",
    }
    for sent, typed in cases.items():
        assert from_slack(sent, names) == typed, sent
    assert from_slack("<@U0ALICE01>", lambda uid: 1 / 0) == "@U0ALICE01"  # a failed lookup keeps the id


def test_storable_replaces_only_what_utf8_cannot_encode():
    assert storable("上线\ud800完成\udfff") == "上线\ufffd完成\ufffd"
    assert storable("\ud83d\ude00") == "😀"  # a pair that arrived split is joined
    assert storable("普通 text 😀") == "普通 text 😀"
    storable("x\ud800").encode("utf-8")


def test_a_form_edit_is_merged_only_with_additions_at_the_end():
    from bot.core.service import merge_appended

    assert merge_appended("base", "base\nreply", "base edited") == "base edited\nreply"
    assert merge_appended("", "reply", "mine") == "mine\nreply"
    assert merge_appended("base", "base", "mine") == "mine"
    assert merge_appended("base", "base\n\nmore\nlines", "mine\n") == "mine\nmore\nlines"
    assert merge_appended("base", "changed base\nreply", "mine") is None
    assert merge_appended("base", "", "mine") is None


@given(st.permutations(range(6)), st.sampled_from([None, 2, 4]))
def test_thread_replies_end_up_in_message_order_whatever_the_arrival(order, edit_after):
    from datetime import UTC, datetime

    from storage import Store

    store, now = Store.open(":memory:"), datetime(2026, 11, 26, tzinfo=UTC)
    head = "form text"
    store.answers.save("T", "r", "p", "s", text=head, author="U", via="modal", now=now)
    for n, i in enumerate(order):
        store.answers.save("T", "r", "p", "s", text=f"reply {i}", author="U", via="thread", now=now,
                         append=True, ts=f"1800000000.{i:06d}")
        store.answers.save("T", "r", "p", "s", text=f"reply {i}", author="U", via="thread", now=now,
                         append=True, ts=f"1800000000.{i:06d}")  # delivered twice: stored once
        if n == edit_after:  # the form rewrites the top; later replies still find their place
            text = store.answers.of("T", "r", "p")["s"].text
            head = "FORM TEXT"
            store.answers.save("T", "r", "p", "s", text=text.replace("form text", head), author="U",
                             via="modal", now=now)
    text = store.answers.of("T", "r", "p")["s"].text
    assert text == "\n".join([head] + [f"reply {i}" for i in range(6)])


def test_one_period_arithmetic_for_the_planner_and_everything_else():
    from datetime import date

    import pytest

    from bot.model import periods
    from bot.planning import schedule, workdays

    assert schedule.shift_period is periods.shift and schedule.default_period is periods.default_period
    assert periods.shift("2026-12", 1) == "2027-01" and periods.shift("2026-01", -13) == "2024-12"
    assert periods.bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert periods.bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert workdays._month_days(2028, 2) == [date(2028, 2, d) for d in range(1, 30)]
    for bad in ("2026-1", "2026-13", "26-01", None):
        with pytest.raises(ValueError, match='period: expected "YYYY-MM"'):
            periods.shift(bad, 1)
