"""Tests for bot.planning.workdays and bot.planning.schedule (pure: no clock, no I/O).

Dates below were checked against holidays 0.109 output, e.g. for CN 2026:
Spring Festival off 02-16..02-20 and 02-23, make-up workdays Sat 02-14 and
Sat 02-28; Mid-Autumn 09-25; National Day off 10-01..10-07, make-up workdays
Sun 09-20 and Sat 10-10.  US DST 2026: 03-08 (spring forward), 11-01 (back).
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.planning import workdays
from bot.planning.schedule import (
    Action,
    PeriodState,
    ReportPlan,
    Schedule,
    Timeline,
    default_period,
    due_actions,
    next_actions,
    timeline,
)
from bot.planning.workdays import (
    business_days_between,
    is_business_day,
    nth_business_day,
    nth_last_business_day,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def sh(*a: int) -> datetime:
    return datetime(*a, tzinfo=SH)


def ny(*a: int) -> datetime:
    return datetime(*a, tzinfo=NY)


def plan(tz: str = "Asia/Shanghai", cal: str = "CN", rid: str = "r1", **sched) -> ReportPlan:
    return ReportPlan(rid, tz, cal, Schedule.from_mapping(sched))


POSTED = PeriodState(opened=True, posted=True, done_keys=frozenset({"open", "due"}))


def opened(*keys: str, all_submitted: bool = False) -> PeriodState:
    return PeriodState(opened=True, posted=False, done_keys=frozenset({"open", *keys}), all_submitted=all_submitted)


# ---------------------------------------------------------------- workdays


@pytest.mark.parametrize(
    "d, cal, expected",
    [
        (date(2026, 2, 14), "CN", True),  # Sat, Spring Festival make-up workday
        (date(2026, 2, 17), "CN", False),  # Spring Festival
        (date(2026, 2, 23), "CN", False),  # Mon, day off (substituted from 02-28)
        (date(2026, 2, 28), "CN", True),  # Sat, make-up workday
        (date(2026, 2, 21), "CN", False),  # plain Saturday
        (date(2026, 9, 20), "CN", True),  # Sun, National Day make-up workday
        (date(2026, 9, 25), "CN", False),  # Mid-Autumn Festival (Fri)
        (date(2026, 10, 7), "CN", False),  # National Day week
        (date(2026, 10, 8), "CN", True),
        (date(2026, 10, 10), "CN", True),  # Sat, make-up workday
        (date(2026, 11, 26), "US", False),  # Thanksgiving
        (date(2026, 11, 26), "none", True),
        (date(2026, 2, 14), "none", False),  # "none" knows no make-up days
        (date(2026, 10, 1), "none", True),
        (date(2026, 10, 1), "cn", False),  # codes are case-insensitive
    ],
)
def test_is_business_day(d, cal, expected):
    assert is_business_day(d, cal) is expected


@pytest.mark.parametrize(
    "year, month, cal, last3, first3",
    [
        # Feb 2026 CN: short month ending on a make-up Saturday.
        (2026, 2, "CN", [date(2026, 2, 28), date(2026, 2, 27), date(2026, 2, 26)], [date(2026, 2, 2), date(2026, 2, 3), date(2026, 2, 4)]),
        (2026, 2, "US", [date(2026, 2, 27), date(2026, 2, 26), date(2026, 2, 25)], [date(2026, 2, 2), date(2026, 2, 3), date(2026, 2, 4)]),
        # Oct 2026 CN: starts with the National Day week, 31 days ending on Sat.
        (2026, 10, "CN", [date(2026, 10, 30), date(2026, 10, 29), date(2026, 10, 28)], [date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10)]),
        (2026, 10, "none", [date(2026, 10, 30), date(2026, 10, 29), date(2026, 10, 28)], [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5)]),
        # Jan 2026 CN: first business day is the make-up Sunday 01-04.
        (2026, 1, "CN", [date(2026, 1, 30), date(2026, 1, 29), date(2026, 1, 28)], [date(2026, 1, 4), date(2026, 1, 5), date(2026, 1, 6)]),
        (2026, 11, "US", [date(2026, 11, 30), date(2026, 11, 27), date(2026, 11, 25)], [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]),
    ],
)
def test_nth_business_days(year, month, cal, last3, first3):
    assert [nth_last_business_day(year, month, n, cal) for n in (1, 2, 3)] == last3
    assert [nth_business_day(year, month, n, cal) for n in (1, 2, 3)] == first3


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (
            date(2026, 9, 24),
            date(2026, 10, 12),
            [date(2026, 9, 24), date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30),
             date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)],
        ),
        (
            date(2026, 2, 12),
            date(2026, 3, 3),
            [date(2026, 2, 12), date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 24), date(2026, 2, 25),
             date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 2), date(2026, 3, 3)],
        ),
        (date(2026, 10, 1), date(2026, 10, 7), []),
        (date(2026, 3, 3), date(2026, 3, 2), []),
    ],
)
def test_business_days_between_cn(start, end, expected):
    assert business_days_between(start, end, "CN") == expected


@pytest.mark.parametrize("call", [
    lambda: is_business_day(date(2026, 1, 1), "XX"),
    lambda: nth_business_day(2026, 1, 1, "XX"),
    lambda: business_days_between(date(2026, 1, 2), date(2026, 1, 1), "XX"),
])
def test_unknown_calendar_names_the_code(call):
    with pytest.raises(ValueError, match=r"unknown calendar code 'XX'"):
        call()


def test_nth_beyond_month_is_an_error():
    with pytest.raises(ValueError, match=r"2026-10 has only \d+ business days"):
        nth_business_day(2026, 10, 40, "CN")


def test_calendars_cached_per_code_and_year():
    assert workdays._holidays_for("CN", 2026) is workdays._holidays_for("CN", 2026)
    assert workdays._holidays_for("CN", 2026) is not workdays._holidays_for("CN", 2027)


# ---------------------------------------------------------------- config

EXAMPLE_TOML = """
[reports.schedule]
open_nth_last_business_day = 3
open_time = "10:00"
remind_time = "10:00"
due_nth_business_day = 2
due_time = "12:00"
reminders = true
last_call_hours = 3
post_when_complete = false
"""


def test_example_config_equals_defaults():
    table = tomllib.loads(EXAMPLE_TOML)["reports"]["schedule"]
    assert Schedule.from_mapping(table) == Schedule()
    assert Schedule.from_mapping({}) == Schedule()
    assert Schedule() == Schedule(3, time(10), time(10), 2, time(12), True, 3, False)


def test_from_mapping_values_and_toml_local_time():
    table = tomllib.loads("open_time = 09:30:00\ndue_time = \"17:45\"\nreminders = false\nlast_call_hours = 1.5")
    assert Schedule.from_mapping(table) == Schedule(
        open_time=time(9, 30), due_time=time(17, 45), reminders=False, last_call_hours=1.5
    )


@pytest.mark.parametrize(
    "mapping, message",
    [
        ({"open_time": "25:00"}, 'open_time: expected "HH:MM", got "25:00"'),
        ({"remind_time": "10:60"}, 'remind_time: expected "HH:MM", got "10:60"'),
        ({"due_time": "9:00"}, 'due_time: expected "HH:MM", got "9:00"'),
        ({"due_time": 1200}, 'due_time: expected "HH:MM", got 1200'),
        ({"open_nth_last_business_day": 0}, "open_nth_last_business_day: must be 1..10, got 0"),
        ({"due_nth_business_day": 11}, "due_nth_business_day: must be 1..10, got 11"),
        ({"due_nth_business_day": "2"}, 'due_nth_business_day: expected an integer 1..10, got "2"'),
        ({"due_nth_business_day": True}, "due_nth_business_day: expected an integer 1..10, got True"),
        ({"reminders": "yes"}, 'reminders: expected true or false, got "yes"'),
        ({"post_when_complete": 1}, "post_when_complete: expected true or false, got 1"),
        ({"last_call_hours": -1}, "last_call_hours: must be 0..72 hours, got -1"),
        ({"last_call_hours": "3"}, 'last_call_hours: expected a number of hours 0..72, got "3"'),
        (
            {"remind_tme": "10:00", "due_time": "noon"},
            "unknown schedule key(s): remind_tme (known: open_nth_last_business_day, open_time, remind_time, "
            "due_nth_business_day, due_time, reminders, last_call_hours, post_when_complete); "
            'due_time: expected "HH:MM", got "noon"',
        ),
    ],
)
def test_config_validation_errors(mapping, message):
    with pytest.raises(ValueError) as exc:
        Schedule.from_mapping(mapping)
    assert str(exc.value) == message


def test_all_problems_reported_at_once():
    with pytest.raises(ValueError) as exc:
        Schedule.from_mapping({"open_time": "x", "due_nth_business_day": 0})
    assert str(exc.value) == 'open_time: expected "HH:MM", got "x"; due_nth_business_day: must be 1..10, got 0'


@pytest.mark.parametrize(
    "tz, cal, message",
    [
        ("Mars/Olympus", "CN", 'timezone: unknown IANA timezone "Mars/Olympus"'),
        ("Asia/Shanghai", "ZZ", "calendar: unknown calendar code 'ZZ'"),
    ],
)
def test_report_plan_validation(tz, cal, message):
    with pytest.raises(ValueError, match=message):
        ReportPlan("r", tz, cal, Schedule())


# ---------------------------------------------------------------- timeline


@pytest.mark.parametrize(
    "p, period, expected",
    [
        # National Day: due 2nd business day of Oct = 10-09 (10-01..07 off).
        (
            plan(),
            "2026-09",
            Timeline("r1", "2026-09", sh(2026, 9, 28, 10),
                     [sh(2026, 9, 29, 10), sh(2026, 9, 30, 10), sh(2026, 10, 8, 10), sh(2026, 10, 9, 10)],
                     sh(2026, 10, 9, 9), sh(2026, 10, 9, 12)),
        ),
        # Spring Festival month: Feb 28 (Sat) is a make-up workday, so it gets a reminder.
        (
            plan(),
            "2026-02",
            Timeline("r1", "2026-02", sh(2026, 2, 26, 10),
                     [sh(2026, 2, 27, 10), sh(2026, 2, 28, 10), sh(2026, 3, 2, 10), sh(2026, 3, 3, 10)],
                     sh(2026, 3, 3, 9), sh(2026, 3, 3, 12)),
        ),
        # Opening inside the Spring Festival window: open 6th-last of Feb = 02-14 (make-up Sat).
        (
            plan(open_nth_last_business_day=6, due_nth_business_day=1, last_call_hours=0),
            "2026-02",
            Timeline("r1", "2026-02", sh(2026, 2, 14, 10),
                     [sh(2026, 2, 24, 10), sh(2026, 2, 25, 10), sh(2026, 2, 26, 10), sh(2026, 2, 27, 10),
                      sh(2026, 2, 28, 10), sh(2026, 3, 2, 10)],
                     None, sh(2026, 3, 2, 12)),
        ),
        # 31-day month ending on a Saturday.
        (
            plan(),
            "2026-10",
            Timeline("r1", "2026-10", sh(2026, 10, 28, 10),
                     [sh(2026, 10, 29, 10), sh(2026, 10, 30, 10), sh(2026, 11, 2, 10), sh(2026, 11, 3, 10)],
                     sh(2026, 11, 3, 9), sh(2026, 11, 3, 12)),
        ),
        # 31-day December into a new year: CN 2027-01-01 (Fri) is off, so due is 01-05.
        (
            plan(),
            "2026-12",
            Timeline("r1", "2026-12", sh(2026, 12, 29, 10),
                     [sh(2026, 12, 30, 10), sh(2026, 12, 31, 10), sh(2027, 1, 4, 10), sh(2027, 1, 5, 10)],
                     sh(2027, 1, 5, 9), sh(2027, 1, 5, 12)),
        ),
        # New York across spring-forward (03-08): wall clock stays 10:00/12:00,
        # the last call is 48 *elapsed* hours before due, so 11:00 EST.
        (
            plan("America/New_York", "US", due_nth_business_day=6, last_call_hours=48),
            "2026-02",
            Timeline("r1", "2026-02", ny(2026, 2, 25, 10),
                     [ny(2026, 2, 26, 10), ny(2026, 2, 27, 10), ny(2026, 3, 2, 10), ny(2026, 3, 3, 10),
                      ny(2026, 3, 4, 10), ny(2026, 3, 5, 10), ny(2026, 3, 6, 10), ny(2026, 3, 9, 10)],
                     ny(2026, 3, 7, 11), ny(2026, 3, 9, 12)),
        ),
        # New York across fall-back (11-01).
        (
            plan("America/New_York", "US", last_call_hours=48),
            "2026-10",
            Timeline("r1", "2026-10", ny(2026, 10, 28, 10),
                     [ny(2026, 10, 29, 10), ny(2026, 10, 30, 10), ny(2026, 11, 2, 10), ny(2026, 11, 3, 10)],
                     ny(2026, 11, 1, 12), ny(2026, 11, 3, 12)),
        ),
        # Remind time not before due time: no reminder on the due day; reminders off: none.
        (
            plan(remind_time="12:00"),
            "2026-09",
            Timeline("r1", "2026-09", sh(2026, 9, 28, 10),
                     [sh(2026, 9, 29, 12), sh(2026, 9, 30, 12), sh(2026, 10, 8, 12)],
                     sh(2026, 10, 9, 9), sh(2026, 10, 9, 12)),
        ),
        (
            plan(reminders=False, last_call_hours=0),
            "2026-09",
            Timeline("r1", "2026-09", sh(2026, 9, 28, 10), [], None, sh(2026, 10, 9, 12)),
        ),
        # A last call that would come before the open is dropped.
        (
            plan(open_nth_last_business_day=1, due_nth_business_day=1, last_call_hours=72),
            "2026-11",
            Timeline("r1", "2026-11", sh(2026, 11, 30, 10), [sh(2026, 12, 1, 10)], None, sh(2026, 12, 1, 12)),
        ),
    ],
)
def test_timeline(p, period, expected):
    assert timeline(p, period) == expected


def test_timeline_utc_offsets_around_dst():
    tl = timeline(plan("America/New_York", "US", due_nth_business_day=6), "2026-02")
    # 10:00 EST = 15:00 UTC before the switch, 10:00 EDT = 14:00 UTC after it.
    assert [r.astimezone(UTC).hour for r in tl.reminders[-3:]] == [15, 15, 14]


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "26-01", "", "2026/01"])
def test_bad_period(period):
    with pytest.raises(ValueError, match='period: expected "YYYY-MM"'):
        timeline(plan(), period)


_times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))


@given(
    where=st.sampled_from([("Asia/Shanghai", "CN"), ("America/New_York", "US"), ("America/New_York", "none")]),
    year=st.integers(2025, 2027),
    month=st.integers(1, 12),
    open_n=st.integers(1, 10),
    due_n=st.integers(1, 10),
    open_time=_times,
    remind_time=_times,
    due_time=_times,
    hours=st.integers(0, 72),
)
def test_timeline_invariants(where, year, month, open_n, due_n, open_time, remind_time, due_time, hours):
    tz, cal = where
    p = plan(tz, cal, open_nth_last_business_day=open_n, due_nth_business_day=due_n, open_time=open_time,
             remind_time=remind_time, due_time=due_time, last_call_hours=hours)
    tl = timeline(p, f"{year:04d}-{month:02d}")
    zone = ZoneInfo(tz)
    # Wall-clock times as asked (US DST switches happen on Sundays at 02:00,
    # never on a business day) and on business days only.
    assert (tl.open_at.date().month, tl.open_at.strftime("%H:%M")) == (month, open_time)
    assert tl.due_at.strftime("%H:%M") == due_time
    assert all(r.strftime("%H:%M") == remind_time for r in tl.reminders)
    for at in [tl.open_at, *tl.reminders, tl.due_at]:
        assert at.tzinfo == zone and is_business_day(at.date(), cal)
    utc = [r.astimezone(UTC) for r in tl.reminders]
    assert utc == sorted(utc) and len({r.date() for r in tl.reminders}) == len(tl.reminders)
    assert all(tl.open_at.date() < r.date() and r < tl.due_at for r in tl.reminders)
    if tl.last_call_at is not None:
        # Elapsed time: compare in UTC (same-zone datetimes compare by wall clock).
        assert tl.open_at.astimezone(UTC) < tl.last_call_at.astimezone(UTC) < tl.due_at.astimezone(UTC)
        assert tl.due_at.astimezone(UTC) - tl.last_call_at.astimezone(UTC) == timedelta(hours=hours)


# ---------------------------------------------------------------- due_actions

P = plan()  # Shanghai / CN, defaults; period 2026-09 timeline is above.


def A(kind: str, at: datetime, period: str = "2026-09", rid: str = "r1", key: str | None = None) -> Action:
    if key is None:
        key = f"remind:{at.date().isoformat()}" if kind == "remind" else kind
    return Action(rid, period, kind, at, key)


def states(sep: PeriodState | None = None, oct_: PeriodState | None = None, aug: PeriodState = POSTED) -> dict:
    out = {("r1", "2026-08"): aug}
    if sep is not None:
        out[("r1", "2026-09")] = sep
    if oct_ is not None:
        out[("r1", "2026-10")] = oct_
    return out


@pytest.mark.parametrize(
    "state, now, expected",
    [
        pytest.param(states(), sh(2026, 9, 28, 9, 59), [], id="before-open"),
        pytest.param(states(), sh(2026, 9, 28, 10), [A("open", sh(2026, 9, 28, 10))], id="open"),
        pytest.param(states(opened()), sh(2026, 9, 28, 17), [], id="no-reminder-on-open-day"),
        pytest.param(states(), sh(2026, 9, 30, 15), [A("open", sh(2026, 9, 28, 10))], id="missed-open-catch-up-no-reminder"),
        pytest.param(states(opened()), sh(2026, 9, 29, 10, 1), [A("remind", sh(2026, 9, 29, 10))], id="remind"),
        pytest.param(states(opened("remind:2026-09-29")), sh(2026, 9, 29, 11), [], id="remind-done"),
        pytest.param(states(opened()), sh(2026, 10, 8, 10, 30), [A("remind", sh(2026, 10, 8, 10))], id="downtime-only-latest-reminder"),
        pytest.param(states(opened()), sh(2026, 9, 29, 18, 0), [], id="reminder-stale-after-8h"),
        pytest.param(states(opened()), sh(2026, 9, 29, 17, 59), [A("remind", sh(2026, 9, 29, 10))], id="reminder-fresh-within-8h"),
        pytest.param(states(opened()), sh(2026, 10, 2, 10), [], id="no-reminder-on-holiday"),
        pytest.param(states(opened()), sh(2026, 10, 3, 10), [], id="no-reminder-on-weekend-holiday"),
        pytest.param(states(opened()), sh(2026, 10, 9, 9), [A("last_call", sh(2026, 10, 9, 9))], id="last-call"),
        pytest.param(
            states(opened()),
            sh(2026, 10, 9, 10),
            [A("last_call", sh(2026, 10, 9, 9)), A("remind", sh(2026, 10, 9, 10))],
            id="last-call-and-due-day-reminder",
        ),
        pytest.param(states(opened("last_call")), sh(2026, 10, 9, 10), [A("remind", sh(2026, 10, 9, 10))], id="last-call-done"),
        pytest.param(states(opened()), sh(2026, 10, 9, 12), [A("due", sh(2026, 10, 9, 12))], id="due-and-last-call-stale"),
        pytest.param(states(opened()), sh(2026, 10, 20, 15), [A("due", sh(2026, 10, 9, 12))], id="due-catch-up"),
        pytest.param(
            states(),
            sh(2026, 10, 9, 13),
            [A("open", sh(2026, 9, 28, 10)), A("due", sh(2026, 10, 9, 12))],
            id="missed-everything-open-then-due",
        ),
        pytest.param(states(POSTED), sh(2026, 10, 9, 12), [], id="posted"),
        pytest.param(
            states(PeriodState(opened=True, posted=False, done_keys=frozenset({"open", "due"}), all_submitted=False)),
            sh(2026, 10, 20, 15),
            [],
            id="due-key-counts-as-posted",
        ),
        pytest.param(states(opened(all_submitted=True)), sh(2026, 9, 29, 10), [], id="complete-no-nagging"),
        pytest.param(
            states(POSTED, oct_=None),
            sh(2026, 10, 28, 10),
            [A("open", sh(2026, 10, 28, 10), period="2026-10")],
            id="next-period-open",
        ),
        pytest.param(
            states(opened(), aug=opened()),
            sh(2026, 9, 29, 10),
            [A("due", sh(2026, 9, 2, 12), period="2026-08"), A("remind", sh(2026, 9, 29, 10))],
            id="previous-period-due-catch-up",
        ),
    ],
)
def test_due_actions(state, now, expected):
    assert due_actions([P], state, now) == expected


def test_due_actions_callable_state_and_utc_now():
    table = states(opened())
    now = sh(2026, 9, 29, 10, 1).astimezone(UTC)
    assert due_actions([P], lambda rid, per: table.get((rid, per), PeriodState()), now) == [
        A("remind", sh(2026, 9, 29, 10))
    ]


def test_reminder_from_yesterday_is_stale_even_within_8h():
    p = plan(remind_time="20:00", due_time="23:00")
    # 20:00 slot on 09-29; at 02:00 on 09-30 it is only 6 h old but another day.
    assert due_actions([p], states(opened()), sh(2026, 9, 29, 20, 30)) == [A("remind", sh(2026, 9, 29, 20))]
    assert due_actions([p], states(opened()), sh(2026, 9, 30, 2)) == []


def test_reminders_off():
    p = plan(reminders=False)
    assert due_actions([p], states(opened()), sh(2026, 9, 29, 10, 1)) == []
    assert due_actions([p], states(opened()), sh(2026, 10, 9, 9, 5)) == [A("last_call", sh(2026, 10, 9, 9))]


@pytest.mark.parametrize(
    "post_when_complete, state, expected",
    [
        (True, opened(all_submitted=True), [A("due", sh(2026, 10, 9, 12))]),
        (True, opened("remind:2026-09-29", all_submitted=False), []),
        (False, opened(all_submitted=True), []),
        # Not opened yet (missed open): open first; the early post waits for the next run.
        (True, PeriodState(all_submitted=True), [A("open", sh(2026, 9, 28, 10))]),
    ],
)
def test_post_when_complete(post_when_complete, state, expected):
    p = plan(post_when_complete=post_when_complete)
    assert due_actions([p], states(state), sh(2026, 9, 29, 11)) == expected


@pytest.mark.parametrize(
    "now, expected",
    [
        # 10:00 EDT on 03-09 is 14:00 UTC (a fixed EST offset would say 15:00).
        (datetime(2026, 3, 9, 13, 59, tzinfo=UTC), []),
        (datetime(2026, 3, 9, 14, 0, tzinfo=UTC), [A("remind", ny(2026, 3, 9, 10), period="2026-02", rid="ny")]),
    ],
)
def test_due_actions_spring_forward(now, expected):
    p = plan("America/New_York", "US", rid="ny", due_nth_business_day=6, last_call_hours=0)
    state = {("ny", "2026-01"): POSTED, ("ny", "2026-02"): opened()}
    assert due_actions([p], state, now) == expected


@pytest.mark.parametrize(
    "now, expected",
    [
        # 10:00 EST on 11-02 is 15:00 UTC (it was 14:00 UTC the week before).
        (datetime(2026, 11, 2, 14, 59, tzinfo=UTC), []),
        (datetime(2026, 11, 2, 15, 0, tzinfo=UTC), [A("remind", ny(2026, 11, 2, 10), period="2026-10", rid="ny")]),
        (datetime(2026, 11, 3, 17, 0, tzinfo=UTC), [A("due", ny(2026, 11, 3, 12), period="2026-10", rid="ny")]),
    ],
)
def test_due_actions_fall_back(now, expected):
    p = plan("America/New_York", "US", rid="ny", last_call_hours=0)
    state = {("ny", "2026-10"): opened(), ("ny", "2026-11"): PeriodState()}
    assert due_actions([p], state, now) == expected


def test_multiple_reports_sorted_by_instant():
    p_sh = plan(rid="sh")
    p_ny = plan("America/New_York", "US", rid="ny")
    state = {("sh", "2026-08"): POSTED, ("ny", "2026-08"): POSTED}
    now = datetime(2026, 9, 28, 14, 30, tzinfo=UTC)  # 22:30 Shanghai, 10:30 New York
    assert due_actions([p_ny, p_sh], state, now) == [
        A("open", sh(2026, 9, 28, 10), rid="sh"),
        A("open", ny(2026, 9, 28, 10), rid="ny"),
    ]


def test_naive_now_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        due_actions([P], {}, datetime(2026, 9, 28, 10))  # noqa: DTZ001 - naive on purpose


# ---------------------------------------------------------------- next_actions / default_period


@pytest.mark.parametrize(
    "state, now, limit, expected",
    [
        (
            {"2026-08": POSTED},
            sh(2026, 9, 28, 9),
            3,
            [A("open", sh(2026, 9, 28, 10)), A("remind", sh(2026, 9, 29, 10)), A("remind", sh(2026, 9, 30, 10))],
        ),
        (
            {"2026-08": POSTED, "2026-09": opened("last_call")},
            sh(2026, 10, 9, 9, 30),
            3,
            [A("remind", sh(2026, 10, 9, 10)), A("due", sh(2026, 10, 9, 12)), A("open", sh(2026, 10, 28, 10), period="2026-10")],
        ),
        (
            {("r1", "2026-09"): POSTED},
            sh(2026, 10, 9, 9, 30),
            1,
            [A("open", sh(2026, 10, 28, 10), period="2026-10")],
        ),
        ({"2026-08": POSTED}, sh(2026, 9, 28, 9), 0, []),
    ],
)
def test_next_actions(state, now, limit, expected):
    assert next_actions(P, state, now, limit=limit) == expected


def test_next_actions_callable_and_none():
    now = sh(2026, 9, 28, 9)
    assert next_actions(P, lambda per: POSTED if per == "2026-08" else None, now, limit=1) == [
        A("open", sh(2026, 9, 28, 10))
    ]
    # Nothing recorded: August's unposted due comes first.
    assert next_actions(P, None, sh(2026, 9, 2, 11), limit=1) == [A("due", sh(2026, 9, 2, 12), period="2026-08")]


@pytest.mark.parametrize(
    "now_local, expected",
    [
        (sh(2026, 3, 14, 23, 59), "2026-02"),
        (sh(2026, 3, 15, 0, 0), "2026-03"),
        (sh(2026, 1, 1, 9), "2025-12"),
        (ny(2026, 12, 31, 23), "2026-12"),
    ],
)
def test_default_period(now_local, expected):
    assert default_period(now_local) == expected


def test_reports_with_the_same_schedule_share_one_computation(monkeypatch):
    """A host with 10,000 reports on the default schedule: the instants are worked out once per
    distinct schedule and month, not once per report (a per-report cache thrashed past 4,096)."""
    counted = []
    real = workdays.nth_last_business_day
    monkeypatch.setattr(workdays, "nth_last_business_day", lambda *a: counted.append(a) or real(*a))
    plans = [ReportPlan(f"T{i:07d}/feed-ads", "Asia/Shanghai", "CN") for i in range(10_000)]
    for _ in range(2):  # two scheduler passes
        lines = [timeline(p, "2030-11") for p in plans]
    assert len(counted) == 1
    assert [t.report_id for t in lines[:2]] == ["T0000000/feed-ads", "T0000001/feed-ads"]
    alone = timeline(ReportPlan("T0000001/feed-ads", "Asia/Shanghai", "CN", Schedule(reminders=False)), "2030-11")
    assert lines[1].open_at == alone.open_at and lines[1].reminders and not alone.reminders
