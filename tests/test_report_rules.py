"""One validator for report definitions: the config file and `/feedsum setup` accept and refuse
the same values, with the same message (the form's in the user's language)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.admin import SetupForm, SetupInvalid, build_report, schedule_fields
from bot.model.config import ConfigError, parse_reports
from bot.model.schedule import Schedule

ADMIN = "U0AAAAAAA"
TABLE = {"id": "r", "name": "增长组", "channel": "C0123456789", "admins": [ADMIN], "timezone": "Asia/Shanghai",
         "locale": "en", "calendar": "CN", "sections": [{"key": "results"}, {"key": "data"}]}
FORM = SetupForm(name="增长组", locale="en", timezone="Asia/Shanghai", calendar="CN", admins=(ADMIN,),
                 included=("results", "data"), owners={})

# (form field, where the file says it, value in the file, what is typed in the form, accepted)
CASES = [
    ("open_time", "schedule.open_time", "25:00", "25:00", False),
    ("open_time", "schedule.open_time", "9:00", "9:00", False),
    ("open_time", "schedule.open_time", "ab:cd", "ab:cd", False),
    ("open_time", "schedule.open_time", "09:30", "09:30", True),
    ("due_time", "schedule.due_time", "24:00", "24:00", False),
    ("due_time", "schedule.due_time", "", "", False),
    ("due_time", "schedule.due_time", "23:59", "23:59", True),
    ("open_nth_last_business_day", "schedule.open_nth_last_business_day", 0, "0", False),
    ("open_nth_last_business_day", "schedule.open_nth_last_business_day", 11, "11", False),
    ("open_nth_last_business_day", "schedule.open_nth_last_business_day", "abc", "abc", False),
    ("open_nth_last_business_day", "schedule.open_nth_last_business_day", 10, "10", True),
    ("due_nth_business_day", "schedule.due_nth_business_day", 4, "4", True),
    ("name", "name", "", "", False),
    ("name", "name", "   ", "   ", False),
    ("name", "name", "x" * 81, "x" * 81, True),  # the form's field stops at 80 as people type
    ("timezone", "timezone", "Mars/Olympus", "Mars/Olympus", False),
    ("timezone", "timezone", "Europe/Berlin", "Europe/Berlin", True),
    ("calendar", "calendar", "XX", "XX", False),
    ("calendar", "calendar", "", "", False),
    ("calendar", "calendar", "none", "none", True),
    ("calendar", "calendar", "DE", "DE", True),
    ("locale", "locale", "fr", "fr", False),
    ("locale", "locale", "zh-CN", "zh-CN", True),
    ("admins", "admins", [], (), False),
    ("admins", "admins", ["bob"], ("bob",), False),
    ("included", "sections", [], (), False),
    ("target_ctr", "targets.ctr", 3, "3", False),
    ("target_ctr", "targets.ctr", 1.5, "150%", False),
    ("target_ctr", "targets.ctr", -1.0, "-1", False),
    ("target_ctr", "targets.ctr", 0.03, "3%", True),
    ("target_ctr", "targets.ctr", 0.03, "0.03", True),
    ("target_cpa", "targets.cpa", -1.0, "-1", False),
    ("target_cpa", "targets.cpa", 45_000.0, "4.5万", True),
    ("budget", "budget", 0.0, "0", False),
    ("budget", "budget", -5.0, "-5", False),
    ("budget", "budget", 200_000, "200,000", True),
]


def _config(where: str, value):
    table = {**TABLE, "schedule": {}, "targets": {}}
    *parents, key = where.split(".")
    target = table
    for p in parents:
        target = target[p]
    target[key] = value
    return parse_reports({"reports": [table]}, file="feedsum.toml")[0]


def _form(field: str, typed) -> SetupForm:
    if field in schedule_fields(Schedule()):
        return replace(FORM, schedule={**FORM.schedule, field: typed})
    if field.startswith("target_"):
        return replace(FORM, targets={field.removeprefix("target_"): typed})
    return replace(FORM, **{field: typed})


def _setup(form: SetupForm):
    return build_report(form, team_id="T1", channel="C0123456789", report_id="r")


@pytest.mark.parametrize("field, where, value, typed, accepted", CASES,
                         ids=[f"{c[0]}={c[3]!r}" for c in CASES])
def test_file_and_setup_accept_and_refuse_the_same(field, where, value, typed, accepted):
    try:
        from_file, refused_by_file = _config(where, value), None
    except ConfigError as exc:
        from_file, refused_by_file = None, exc
    try:
        from_setup, refused_by_setup = _setup(_form(field, typed)), None
    except SetupInvalid as exc:
        from_setup, refused_by_setup = None, exc
    assert (refused_by_file is None, refused_by_setup is None) == (accepted, accepted)
    if accepted:
        attr = where.split(".")[0]
        assert getattr(from_setup, attr) == getattr(from_file, attr)
        return
    # The same message: the form shows under the field what `feedsum check` says after the key.
    assert set(refused_by_setup.errors) == {field}
    shown = refused_by_setup.texts("en")[field]
    assert refused_by_file.key.startswith(f"reports[0].{where.split('.')[0]}")
    assert shown and shown in str(refused_by_file), (shown, str(refused_by_file))


def test_setup_messages_in_the_users_language_name_each_field():
    form = replace(FORM, locale="zh-CN", name=" ",
                   schedule={**FORM.schedule, "open_time": "25:00", "due_time": "9:00"})
    with pytest.raises(SetupInvalid) as info:
        _setup(form)
    zh, en = info.value.texts("zh-CN"), info.value.texts("en")
    assert set(zh) == {"name", "open_time", "due_time"}  # each time under its own field
    assert en["open_time"] == 'expected "HH:MM", got "25:00"' and en["due_time"] == 'expected "HH:MM", got "9:00"'
    assert zh["open_time"] == '应为 "HH:MM"，收到 "25:00"' and zh["name"] == "不能为空"


def test_setup_keeps_what_the_form_does_not_show():
    first = _setup(replace(FORM, targets={"ctr": "3%"}))
    edited = replace(first, targets={**first.targets, "cpc": 1.5}, roi="profit")
    again = build_report(replace(FORM, name="二组", targets={"ctr": ""}), team_id="T1", channel="C0123456789",
                         report_id="r", existing=edited)
    assert again.name == "二组" and again.targets == {"cpc": 1.5} and again.roi == "profit"
    assert again.source == "setup" and again.team_id == "T1"
