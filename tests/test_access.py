"""The access policy on its own (bot/core/access.py): who may read, write, hand over, open, compile."""

from __future__ import annotations

import inspect

import pytest

from bot.core import access
from bot.core.access import NeedsLookup
from bot.model.config import parse_reports
from storage.rows import PeriodState

ADMIN, OWNER_A, OWNER_B, CO_OWNER, DELEGATE, WS_ADMIN, STRANGER = (
    "U0ADMIN01", "U0OWNERA1", "U0OWNERB1", "U0COOWNER", "U0DELEGAT", "U0WSADMIN", "U0STRANGE")

[REPORT] = parse_reports({"reports": [{
    "id": "feed-ads", "name": "信息流投放组", "channel": "C0REPORT1", "admins": [ADMIN],
    "sections": [{"key": "results", "owners": [OWNER_A]}, {"key": "data", "owners": [OWNER_B]},
                 {"key": "lessons", "owners": [OWNER_A, CO_OWNER]}],
}]}, file="t.toml")

HANDED = {("data", OWNER_B): DELEGATE}  # OWNER_B handed `data` to DELEGATE this period


def workspace_admins(*users):
    """A look-up that knows `users` are workspace admins, and records who was asked about."""
    asked = []

    def lookup_for(user):
        def lookup():
            asked.append(user)
            return user in users
        return lookup
    return lookup_for, asked


def never(user):
    def lookup():
        raise AssertionError(f"asked Slack about {user}")
    return lookup


@pytest.mark.parametrize(("user", "key", "handed", "may"), [
    (OWNER_A, "results", {}, True),  # an owner
    (CO_OWNER, "lessons", {}, True),  # a co-owner
    (OWNER_A, "lessons", {}, True),  # the other co-owner
    (CO_OWNER, "results", {}, False),  # a co-owner of another section only
    (DELEGATE, "data", HANDED, True),  # the person a section was handed to
    (OWNER_B, "data", HANDED, False),  # who handed it over, for this period
    (OWNER_B, "data", {}, True),  # another period: no hand-over
    (DELEGATE, "results", HANDED, False),
    (ADMIN, "data", HANDED, True),  # a report admin writes anything
    (STRANGER, "results", {}, False),
])
def test_who_may_write_a_section(user, key, handed, may):
    lookup_for, _ = workspace_admins()
    assert access.may_write(REPORT, key, user, handed, lookup_for(user)) is may


def test_workspace_admins_may_write_and_slack_is_asked_only_when_the_report_does_not_decide():
    lookup_for, asked = workspace_admins(WS_ADMIN)
    assert access.may_write(REPORT, "results", WS_ADMIN, {}, lookup_for(WS_ADMIN))
    assert not access.may_write(REPORT, "results", STRANGER, {}, lookup_for(STRANGER))
    assert asked == [WS_ADMIN, STRANGER]
    # Owners, delegates and report admins are decided locally: no look-up that could need Slack.
    for user, key in ((OWNER_A, "results"), (DELEGATE, "data"), (ADMIN, "results")):
        assert access.may_write(REPORT, key, user, HANDED, never(user))


def test_an_answer_that_cannot_wait_for_slack_stops_where_the_report_does_not_decide():
    def local_only():
        raise NeedsLookup("users.info")

    assert access.may_write(REPORT, "results", OWNER_A, {}, local_only)
    with pytest.raises(NeedsLookup):
        access.may_write(REPORT, "results", STRANGER, {}, local_only)


def test_being_away_changes_no_right():
    """Away only stops reminders: the policy is not even told who is away, and an owner who is
    away may still write, hand over and read."""
    lookup_for, _ = workspace_admins()
    assert access.may_write(REPORT, "results", OWNER_A, {}, lookup_for(OWNER_A))
    assert access.may_hand_over(REPORT, "results", OWNER_A, lookup_for(OWNER_A))
    assert access.may_read(REPORT, PeriodState.OPEN, OWNER_A, {}, lookup_for(OWNER_A))


def test_writing_goes_on_after_the_summary_is_posted():
    """Late answers update the posted summary: the period's state is no fact of the right to write
    (tests/test_runner.py: a late answer updates the posted summary)."""
    assert "state" not in inspect.signature(access.may_write).parameters
    assert "state" in inspect.signature(access.may_read).parameters


@pytest.mark.parametrize(("user", "handed", "before", "after"), [
    (STRANGER, {}, False, True),  # anyone, once posted
    (ADMIN, {}, True, True),
    (OWNER_A, {}, True, True),
    (CO_OWNER, {}, True, True),
    (OWNER_B, HANDED, True, True),  # still an owner of the report after handing a section over
    (DELEGATE, HANDED, True, True),  # this period's writer
    (DELEGATE, {}, False, True),  # not one of this period's people
    (WS_ADMIN, {}, True, True),
])
def test_who_may_read_a_periods_text(user, handed, before, after):
    lookup_for, _ = workspace_admins(WS_ADMIN)
    for state in (PeriodState.NONE, PeriodState.OPEN):
        assert access.may_read(REPORT, state, user, handed, lookup_for(user)) is before
    assert access.may_read(REPORT, PeriodState.POSTED, user, handed, never(user)) is after


@pytest.mark.parametrize(("user", "key", "may"), [
    (OWNER_A, "results", True), (CO_OWNER, "lessons", True), (OWNER_B, "data", True),
    (DELEGATE, "data", False),  # whom a section was handed to cannot hand it on
    (ADMIN, "data", True), (WS_ADMIN, "data", True), (STRANGER, "results", False), (OWNER_A, "data", False),
])
def test_who_may_hand_a_section_over(user, key, may):
    lookup_for, _ = workspace_admins(WS_ADMIN)
    assert access.may_hand_over(REPORT, key, user, lookup_for(user)) is may


@pytest.mark.parametrize(("user", "may"), [
    (ADMIN, True), (WS_ADMIN, True), (OWNER_A, False), (CO_OWNER, False), (DELEGATE, False), (STRANGER, False)])
def test_only_admins_open_compile_and_administer(user, may):
    lookup_for, _ = workspace_admins(WS_ADMIN)
    for right in (access.may_open, access.may_compile, access.may_administer):
        assert right(REPORT, user, lookup_for(user)) is may


def test_who_belongs_to_a_report_and_who_writes_each_section():
    assert access.writers(REPORT, "data", HANDED) == (DELEGATE,)
    assert access.writers(REPORT, "lessons") == (OWNER_A, CO_OWNER)
    assert access.writers(REPORT, "lessons", {("lessons", OWNER_A): CO_OWNER}) == (CO_OWNER,)  # once each
    assert access.writers(REPORT, "nosuch") == ()
    for user in (ADMIN, OWNER_A, OWNER_B, CO_OWNER):
        assert access.belongs(REPORT, user)
    assert access.belongs(REPORT, DELEGATE, HANDED) and not access.belongs(REPORT, DELEGATE)
    assert not access.belongs(REPORT, STRANGER, HANDED) and not access.belongs(REPORT, WS_ADMIN)
