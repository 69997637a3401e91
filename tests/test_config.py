from __future__ import annotations

import pytest

from bot.model.config import ConfigError, Settings, load_config, parse_reports
from feedsum.cli import main

GOOD = """
[[reports]]
id = "feed-ads"
name = "信息流投放组"
channel = "C0123456789"
admins = ["U0AAAAAAA"]

[[reports.sections]]
key = "results"
owners = ["U0BBBBBBB"]

[[reports.sections]]
key = "weekly_wins"
owners = ["U0BBBBBBB", "U0CCCCCCC"]
title = "Wins"
prompt = "What went well?"
"""


def write(tmp_path, text):
    p = tmp_path / "feedsum.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_good_config_loads(tmp_path):
    [report] = load_config(write(tmp_path, GOOD))
    assert report.id == "feed-ads" and report.locale == "zh-CN" and report.timezone == "Asia/Shanghai"
    assert [s.key for s in report.sections] == ["results", "weekly_wins"]
    assert report.title(report.sections[0]) == "本月工作成果"
    assert report.sections[1].owners == ("U0BBBBBBB", "U0CCCCCCC")


def test_default_sections_are_the_whole_template_owned_by_admins():
    [r] = parse_reports({"reports": [{"id": "a", "name": "A", "channel": "C0123", "admins": ["U0AAA"]}]}, file="f.toml")
    assert [s.key for s in r.sections] == ["results", "data", "lessons", "solutions", "plan", "optimise", "team",
                                          "market", "feedback"]
    assert all(s.owners == ("U0AAA",) for s in r.sections)


@pytest.mark.parametrize("change, key, words", [
    (('channel = "C0123456789"', 'channel = "#ads"'), "reports[0].channel", "channel id"),
    (('admins = ["U0AAAAAAA"]', 'admins = ["bob"]'), "reports[0].admins", "user ids"),
    (('id = "feed-ads"', 'id = "Feed Ads"'), "reports[0].id", "lowercase"),
    (('key = "results"', 'key = "results"\nowner = ["U0BBBBBBB"]'), "reports[0].sections[0].owner", "unknown key"),
    (('title = "Wins"\n', ''), "reports[0].sections[1]", "title and a prompt"),
    (('name = "信息流投放组"', 'name = "x"\ntimezone = "Mars/Base"'), "reports[0].timezone", "unknown timezone"),
    (('name = "信息流投放组"', 'name = "x"\nlocale = "fr"'), "reports[0].locale", "zh-CN"),
    (('prompt = "What went well?"', 'prompt = "What went well?"\n[reports.targets]\nctr = 3'), "reports[0].targets.ctr", "fractions"),
    (('prompt = "What went well?"', 'prompt = "What went well?"\n[reports.schedule]\nopen_time = "25:00"'), "reports[0].schedule", "open_time"),
])
def test_config_errors_name_file_key_and_problem(tmp_path, change, key, words):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert err.file == str(path) and err.key.startswith(key) and words in str(err)
    assert str(err).startswith(f"{path}: {key}")


def test_invalid_toml_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="feedsum.toml: is not valid TOML"):
        load_config(write(tmp_path, "[[reports]\nid="))


def test_cli_reports_config_errors_without_traceback(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, GOOD.replace('channel = "C0123456789"', 'channel = "ads"'))
    monkeypatch.setenv("FEEDSUM_CONFIG", str(path))
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: reports[0].channel: expected a channel id" in err and "Traceback" not in err


def test_settings_from_env():
    s = Settings.from_env({"SLACK_API_BASE_URL": "http://127.0.0.1:9/api", "PORT": "8080"})
    assert s.api_base_url == "http://127.0.0.1:9/api/" and s.port == 8080 and s.db_path == "./feedsum.db"
    with pytest.raises(ConfigError, match="environment: PORT"):
        Settings.from_env({"PORT": "http"})


METRICS = GOOD + """
[[reports.metrics]]
path = "exports/*.csv"
platform = "Pinterest"
month = "2026-11"
date_format = "DMY"
"""


def test_metric_sources_take_platform_month_and_date_format(tmp_path):
    [report] = load_config(write(tmp_path, METRICS))
    [source] = report.metrics
    assert (source.platform, source.month, source.date_format) == ("Pinterest", "2026-11", "DMY")


@pytest.mark.parametrize("change, key, words", [
    (('month = "2026-11"', 'month = "Nov"'), "metrics[0].month", "2026-11"),
    (('month = "2026-11"', 'month = "2026-13"'), "metrics[0].month", "2026-11"),
    (('date_format = "DMY"', 'date_format = "banana"'), "metrics[0].date_format", "MDY"),
    (('platform = "Pinterest"', 'platform = ""'), "metrics[0].platform", "name"),
])
def test_metric_source_errors(tmp_path, change, key, words):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, METRICS.replace(*change)))
    assert key in str(info.value) and words in str(info.value)


def test_schedule_is_typed_when_read_and_stored_as_written(tmp_path):
    import json
    from datetime import UTC, datetime, time

    from bot.core.service import Feedsum, plan_of
    from bot.model.config import Report
    from bot.model.schedule import Schedule
    from feedsum.root import sync_reports
    from storage import Store

    # TOML allows an unquoted local time: it used to reach the database as a time object and stop the start.
    text = GOOD + (
        "\n[reports.schedule]\nopen_time = 09:30:00\ndue_nth_business_day = 3\n")
    [report] = load_config(write(tmp_path, text))
    assert isinstance(report.schedule, Schedule)
    assert (report.schedule.open_time, report.schedule.due_nth_business_day) == (time(9, 30), 3)
    assert plan_of(report).schedule is report.schedule  # the planner takes the value as it is

    store = Store.open(tmp_path / "feedsum.db")
    core = Feedsum(store, outbox=None)
    sync_reports(core, [report], "T1", datetime(2026, 11, 1, tzinfo=UTC))
    assert store.reports.get("T1", "feed-ads")["schedule"] == {"open_time": "09:30", "due_nth_business_day": 3}
    assert core.report("T1", "feed-ads").schedule == report.schedule

    # What earlier versions stored reads back to the same value and is written back byte for byte.
    for stored in ({}, {"open_nth_last_business_day": 3, "open_time": "10:00", "due_nth_business_day": 2,
                        "due_time": "12:00"}, {"reminders": False, "last_call_hours": 1.5}):
        data = {**report.to_dict(), "schedule": stored}
        again = Report.from_dict(json.loads(json.dumps(data)))
        assert again.schedule == Schedule.from_mapping(stored)
        assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(data, sort_keys=True)
