"""Report administration end to end: setup, owners, targets, history, export, App Home, rights.

Signed requests through the real WSGI endpoint, against the fake Web API.
"""

from __future__ import annotations

import csv
import io
import json
import time

import openpyxl
import pytest

from bot.core import admin
from bot.report.export import export_csv, export_xlsx, neutralise
from handlers.render import button_value
from storage.rows import AuditAction
from tests.slack_harness import (
    ADMIN,
    CHANNEL,
    CONFIG,
    OWNER_A,
    OWNER_B,
    STRANGER,
    Harness,
    modal_values,
)

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

PERIOD = "2026-11"
NEW_CHANNEL = "C0NEWTEAM1"
KEYS = ("results", "data", "lessons", "solutions", "plan", "team", "market")


def _json(v):
    return json.loads(v) if isinstance(v, str) else v


def last_view(h, method="views.open", before=0):
    h.wait_for(lambda: len(h.fake.calls_to(method)) > before)
    return _json(h.fake.calls_to(method)[-1].params["view"])


def setup_values(*, name="增长组", admins=(STRANGER,), locale="zh-CN", tz="Asia/Shanghai", calendar="CN",
                 included=KEYS, owners=None, open_nth="3", open_time="10:00", due_nth="2", due_time="12:00",
                 targets=None, budget=""):
    """The state values Slack sends when the setup modal is submitted."""
    owners = owners if owners is not None else {k: [OWNER_A] for k in KEYS}
    values = {
        "name": {"v": {"type": "plain_text_input", "value": name}},
        "admins": {"v": {"type": "multi_users_select", "selected_users": list(admins)}},
        "locale": {"v": {"type": "static_select", "selected_option": {"value": locale}}},
        "timezone": {"v": {"type": "plain_text_input", "value": tz}},
        "calendar": {"v": {"type": "plain_text_input", "value": calendar}},
        "included": {"v": {"type": "checkboxes", "selected_options": [{"value": k} for k in included]}},
        "open_nth_last_business_day": {"v": {"type": "number_input", "value": open_nth}},
        "open_time": {"v": {"type": "timepicker", "selected_time": open_time}},
        "due_nth_business_day": {"v": {"type": "number_input", "value": due_nth}},
        "due_time": {"v": {"type": "timepicker", "selected_time": due_time}},
        "budget": {"v": {"type": "plain_text_input", "value": budget or None}},
    }
    for k in KEYS:
        values[f"owner_{k}"] = {"v": {"type": "multi_users_select", "selected_users": list(owners.get(k, []))}}
    for kpi in ("ctr", "cvr", "cpa", "roas"):
        values[f"target_{kpi}"] = {"v": {"type": "plain_text_input", "value": (targets or {}).get(kpi)}}
    return values


def open_setup(h, user=STRANGER, channel=NEW_CHANNEL, team=None):
    before = len(h.fake.calls_to("views.open"))
    r = h.command("setup", user=user, channel=channel, team=team)
    assert r.status == 200
    return last_view(h, before=before)


def create_report(h, user=STRANGER, channel=NEW_CHANNEL, **kw):
    modal = open_setup(h, user, channel)
    r = h.submit_view(modal, setup_values(**kw), user)
    assert r.status == 200 and r.body == "", r.body
    return h.core.resolve_report(h.fake.team_id, channel, user)


def db_state(h):
    """Everything a refused admin command could have changed."""
    def rows(table):
        with h.db.lock:
            return h.db.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
    return {t: rows(t) for t in ("reports", "periods", "prompts", "answers", "targets", "audit", "ledger", "delegations")}


def sent(h):
    return [(c.method, c.params.get("channel")) for c in h.fake.calls
            if c.method in ("chat.postMessage", "chat.update", "views.open", "files.completeUploadExternal")]


# --- setup -----------------------------------------------------------------------------------

def test_setup_creates_a_report_that_open_then_uses(harness):
    h = harness
    h.fake.users[STRANGER] = {"id": STRANGER, "name": "s", "tz": "Europe/Berlin", "profile": {"display_name": "S"}}
    modal = open_setup(h)
    assert modal["callback_id"] == "setup" and modal["submit"]
    assert len(modal["blocks"]) <= 100 and len(modal["title"]["text"]) <= 24
    assert len(modal["private_metadata"]) <= 3000
    # The form opens at once; the user's time zone (users.info) follows as an update of it.
    updated = last_view(h, "views.update")
    assert h.fake.calls_to("views.update")[-1].params["view_id"].startswith("V")
    tz_block = next(b for b in updated["blocks"] if b.get("block_id") == "timezone")
    assert tz_block["element"]["initial_value"] == "Europe/Berlin"
    assert [b.get("block_id") for b in updated["blocks"]] == [b.get("block_id") for b in modal["blocks"]]
    owner_blocks = [b for b in modal["blocks"] if b.get("block_id", "").startswith("owner_")]
    assert [b["element"]["type"] for b in owner_blocks] == ["multi_users_select"] * 9
    r = h.submit_view(modal, setup_values(
        included=("results", "data", "plan"), owners={"results": [OWNER_A], "data": [OWNER_B, OWNER_A]},
        targets={"ctr": "3%", "roas": "2.5"}, budget="200,000", open_time="09:30"), STRANGER)
    assert r.status == 200 and r.body == ""
    report = h.core.resolve_report(h.fake.team_id, NEW_CHANNEL, STRANGER)
    assert report.source == "setup" and report.team_id == h.fake.team_id and report.channel == NEW_CHANNEL
    assert report.admins == (STRANGER,) and report.name == "增长组"
    assert [(s.key, s.owners) for s in report.sections] == [
        ("results", (OWNER_A,)), ("data", (OWNER_B, OWNER_A)), ("plan", (STRANGER,))]  # nobody picked: admins
    assert report.targets == {"ctr": 0.03, "roas": 2.5} and report.budget == 200000
    assert f"{report.schedule.open_time:%H:%M}" == "09:30"
    saved = [a for a in h.store.audit.log(h.fake.team_id) if a.action == "report.save" and a.target == report.id]
    assert saved and saved[0].actor == STRANGER and saved[0].before is None and saved[0].after
    # The new report is what `open` in that channel uses.
    r = h.command(f"open {PERIOD}", user=STRANGER, channel=NEW_CHANNEL)
    assert r.status == 200
    h.wait_for(lambda: len(h.prompts()) == 4)
    keys = sorted(m["metadata"]["event_payload"]["key"].split("|")[1] for m in h.prompts())
    assert set(keys) == {report.id}


def test_setup_edit_by_admin_changes_and_audits(harness):
    h = harness
    report = create_report(h)
    modal = open_setup(h)
    assert json.loads(modal["private_metadata"])["r"] == report.id
    name = next(b for b in modal["blocks"] if b.get("block_id") == "name")
    assert name["element"]["initial_value"] == "增长组"
    r = h.submit_view(modal, setup_values(name="增长二组", admins=(STRANGER, ADMIN)), STRANGER)
    assert r.body == ""
    after = h.core.report(h.fake.team_id, report.id)
    assert after.name == "增长二组" and after.admins == (STRANGER, ADMIN)
    audits = [a for a in h.store.audit.log(h.fake.team_id) if a.target == report.id]
    assert json.loads(audits[0].before)["name"] == "增长组" and json.loads(audits[0].after)["name"] == "增长二组"


def test_setup_form_errors_are_inline(harness):
    h = harness
    modal = open_setup(h)
    r = h.submit_view(modal, setup_values(tz="Mars/Olympus", included=(), targets={"ctr": "300"}), STRANGER)
    errors = r.json()["errors"]
    assert set(errors) == {"timezone", "included", "target_ctr"}
    assert h.core.reports(h.fake.team_id) == [h.report]


def test_setup_refuses_as_the_config_file_would_under_each_field(harness):
    h = harness
    modal = open_setup(h)
    r = h.submit_view(modal, setup_values(calendar="XX", due_time="25:00", budget="0"), STRANGER)
    errors = r.json()["errors"]
    assert errors == {"calendar": "未知日历 'XX'（请写国家代码如 \"CN\"，或 \"none\"）",
                      "due_time": '应为 "HH:MM"，收到 "25:00"', "budget": "应为正数，收到 0.0"}
    assert h.core.reports(h.fake.team_id) == [h.report]


def test_setup_on_a_config_report_is_read_only(harness):
    h = harness
    before = db_state(h)
    modal = open_setup(h, user=ADMIN, channel=CHANNEL)
    assert "submit" not in modal and modal["callback_id"] == "setup_readonly"
    text = json.dumps(modal["blocks"], ensure_ascii=False)
    assert "feedsum.toml" in text and "feed-ads" in text and "<@U0OWNERA1>" in text
    # A forged submission against it is refused and changes nothing.
    forged = {**modal, "callback_id": "setup", "private_metadata": json.dumps({"ch": CHANNEL, "r": "feed-ads"})}
    r = h.submit_view(forged, setup_values(admins=(ADMIN,)), ADMIN)
    assert r.json()["response_action"] == "errors" and "feedsum.toml" in r.json()["errors"]["name"]
    assert db_state(h) == before


def test_owner_command_on_a_config_report_points_to_the_file(harness):
    r = harness.command(f"owner results <@{OWNER_B}>", user=ADMIN)
    assert "feedsum.toml" in r.json()["text"] and "feed-ads" in r.json()["text"]
    assert harness.core.report(harness.fake.team_id, "feed-ads").owners_of("results") == (OWNER_A,)


def test_owner_command_replaces_owners_and_is_audited(harness):
    h = harness
    report = create_report(h)
    r = h.command(f"owner data <@{OWNER_B}|b> <@{ADMIN}>", user=STRANGER, channel=NEW_CHANNEL)
    assert r.json()["response_type"] == "ephemeral" and "<@U0OWNERB1>" in r.json()["text"]
    assert h.core.report(h.fake.team_id, report.id).owners_of("data") == (OWNER_B, ADMIN)
    last = h.store.audit.log(h.fake.team_id, 1)[0]
    assert last.actor == STRANGER and last.action == "report.save"
    before = {s["key"]: s["owners"] for s in json.loads(last.before)["sections"]}
    after = {s["key"]: s["owners"] for s in json.loads(last.after)["sections"]}
    assert before["data"] == [OWNER_A] and after["data"] == [OWNER_B, ADMIN]
    r = h.command("owners", user=OWNER_B, channel=NEW_CHANNEL)  # anyone may read
    assert "<@U0OWNERB1> <@U0ADMIN01>" in json.dumps(r.json(), ensure_ascii=False)


def test_target_command_stores_period_targets_with_audit(harness):
    h = harness
    r = h.command("target ctr 3%", user=ADMIN)
    assert r.json()["response_type"] == "ephemeral" and "3%" in r.json()["text"]
    h.command("target ctr 0.035", user=ADMIN)
    h.command("target cpa 85.5 2026-12", user=ADMIN)
    assert h.store.targets.of(h.fake.team_id, "feed-ads", PERIOD) == {"ctr": 0.035}
    assert h.store.targets.of(h.fake.team_id, "feed-ads", "2026-12") == {"cpa": 85.5}
    audits = [a for a in h.store.audit.log(h.fake.team_id) if a.action == AuditAction.TARGETS_SET]
    assert [(a.target, a.before, a.after) for a in reversed(audits)] == [
        ("feed-ads/2026-11", "{}", '{"ctr": 0.03}'),
        ("feed-ads/2026-11", '{"ctr": 0.03}', '{"ctr": 0.035}'),
        ("feed-ads/2026-12", "{}", '{"cpa": 85.5}'),
    ]
    for bad in ("target ctr 300", "target ctr abc", "target nope 3", "target ctr"):
        r = h.command(bad, user=ADMIN)
        assert r.json()["response_type"] == "ephemeral"
    assert h.store.targets.of(h.fake.team_id, "feed-ads", PERIOD) == {"ctr": 0.035}


@pytest.mark.parametrize(("kpi", "text", "value"), [
    ("ctr", "3%", 0.03), ("ctr", "0.03", 0.03), ("cvr", "12.5 %", 0.125), ("roas", "250%", 2.5),
    ("spend", "1,200,000", 1_200_000), ("cpa", "80", 80.0)])
def test_parse_kpi_value(kpi, text, value):
    assert admin.parse_kpi_value(kpi, text) == pytest.approx(value)


@pytest.mark.parametrize(("kpi", "text"), [("ctr", "3"), ("ctr", "-1%"), ("cpa", "5%"), ("cpa", "x"), ("spend", "nan")])
def test_parse_kpi_value_refuses(kpi, text):
    with pytest.raises(ValueError):
        admin.parse_kpi_value(kpi, text)


# --- non-admins change nothing ---------------------------------------------------------------

def test_non_admin_attempts_at_every_admin_command_change_nothing(harness):
    h = harness
    report = create_report(h, user=ADMIN, admins=(ADMIN,))
    h.fake.reset_calls()
    before_db, before_calls = db_state(h), sent(h)
    for channel in (CHANNEL, NEW_CHANNEL):
        for text in (f"open {PERIOD}", f"compile {PERIOD}", "remind", f"owner results <@{OWNER_B}>",
                     "target ctr 3%", "setup"):
            if text == "setup" and channel == CHANNEL:  # a file-managed report: read-only for everyone
                assert h.command(text, user=OWNER_A, channel=channel).body == ""
                assert last_view(h)["callback_id"] == "setup_readonly"
                continue
            told = h.answer(text, user=OWNER_A, channel=channel)  # in the ack, or after a Slack lookup
            assert told["response_type"] == "ephemeral", text
            assert "管理员" in told["text"] or "feedsum.toml" in told["text"], (text, told)
    # A forged setup submission for the report someone else administers: refused inline, as Slack
    # has said (just above, cached) that they are no workspace admin.
    forged = {"type": "modal", "callback_id": "setup", "private_metadata": json.dumps({"ch": NEW_CHANNEL, "r": report.id})}
    r = h.submit_view(forged, setup_values(admins=(OWNER_A,)), OWNER_A)
    assert r.json()["response_action"] == "errors"
    h.idle()
    assert db_state(h) == before_db
    assert [c for c in sent(h) if c[0] != "views.open"] == [c for c in before_calls if c[0] != "views.open"]
    assert [_json(c.params["view"])["callback_id"] for c in h.fake.calls_to("views.open")] == ["setup_readonly"]


def test_workspace_admins_may_edit(harness):
    h = harness
    report = create_report(h, user=ADMIN, admins=(ADMIN,))
    h.fake.users[OWNER_B] = {"id": OWNER_B, "name": "b", "is_admin": True, "profile": {}}
    h.answer("target roas 3", user=OWNER_B, channel=NEW_CHANNEL)  # decided once Slack has answered
    assert h.store.targets.of(h.fake.team_id, report.id, PERIOD) == {"roas": 3.0}


# --- history, export ------------------------------------------------------------------------

def _open_write_compile(h):
    h.command(f"open {PERIOD}")
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    for key, user, text in (("results", OWNER_A, "=HYPERLINK(\"http://x\")，上线 12 条计划"),
                            ("data", OWNER_B, "点击率 2.1%\n-5% 的转化成本")):
        modal = h.modal_for(key, user, PERIOD)
        assert h.submit_view(modal, modal_values(modal, text), user).body == ""
    h.command(f"compile {PERIOD}")
    h.wait_for(lambda: h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).state == "posted")


def test_history_lists_periods_with_completion_and_links(harness):
    h = harness
    _open_write_compile(h)
    h.command("open 2026-12")
    h.wait_for(lambda: h.store.periods.get(h.fake.team_id, "feed-ads", "2026-12"))
    r = h.command("history", user=STRANGER)
    body = r.json()
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"], ensure_ascii=False)
    prow = h.store.periods.get(h.fake.team_id, "feed-ads", PERIOD)
    assert "2026年11月 · 已发布 · 2/7" in text and "2026年12月 · 收集中 · 0/7" in text
    # Links point at the Slack host of SLACK_API_BASE_URL (here the fake Web API), never a fixed slack.com.
    assert f"{h.fake.url}/archives/{CHANNEL}/p{prow.post_ts.replace('.', '')}" in text and "slack.com" not in text
    assert text.index("2026年12月") < text.index("2026年11月")


def _uploads(h, n_before):
    h.wait_for(lambda: len(h.fake.calls_to("files.completeUploadExternal")) > n_before)
    call = h.fake.calls_to("files.completeUploadExternal")[-1]
    files = _json(call.params["files"])
    return call, {f["id"]: h.fake.uploads[f["id"]] for f in files}


def test_export_sends_markdown_and_xlsx_matching_the_stored_period(harness):
    h = harness
    _open_write_compile(h)
    r = h.command(f"export {PERIOD}", user=STRANGER)  # posted: anyone may read it
    assert r.json()["response_type"] == "ephemeral"
    call, uploads = _uploads(h, 0)
    assert call.params["channel_id"] == "D" + STRANGER[1:]  # the requester's DM
    names = [c.params["filename"] for c in h.fake.calls_to("files.getUploadURLExternal")]
    assert names == ["feedsum-feed-ads-2026-11.md", "feedsum-feed-ads-2026-11.xlsx"]
    md, xlsx = (uploads[f["id"]] for f in _json(call.params["files"]))
    summary = h.core.summary(h.report, PERIOD, h.clock())
    md_text = md.decode("utf-8")
    assert md_text.startswith("# 信息流投放组 · 2026年11月工作总结")
    for s in summary.sections:
        assert f"## {s.title}" in md_text
        if s.text:  # each line as written (lines of a paragraph end in a Markdown line break)
            assert all(line in md_text for line in s.text.splitlines())
    assert "点击率 2.1%  \n-5% 的转化成本" in md_text
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert wb.sheetnames == ["Sections"]  # no metrics configured: no KPI sheets
    rows = list(wb["Sections"].iter_rows(values_only=True))
    assert rows[0] == ("key", "title", "authors", "updated", "text")
    assert [r[0] for r in rows[1:]] == [s.key for s in summary.sections]
    results = rows[1]
    assert results[1] == "本月工作成果" and results[2] == OWNER_A and results[3] == "2026-11-26 10:00 UTC+08:00"
    assert results[4] == summary.sections[0].text  # as written: a typed text cell, never a formula
    assert wb["Sections"]["E2"].data_type == "s"
    assert rows[2][4] == summary.sections[1].text
    assert rows[3][4] in (None, "")
    h.wait_for(lambda: "私信" in (h.fake.responses[-1].get("text") or ""))
    assert h.fake.responses[-1]["response_type"] == "ephemeral"


def test_export_csv_and_private_periods(harness):
    h = harness
    h.command(f"open {PERIOD}")
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    modal = h.modal_for("results", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "@SUM(A1) 上线"), OWNER_A)
    told = h.answer(f"export {PERIOD}", user=STRANGER)  # not posted yet: only the report's people
    assert "负责人" in told["text"]
    r = h.command(f"export {PERIOD} pdf", user=ADMIN)
    assert "md|xlsx|csv" in r.json()["text"]
    h.command(f"export {PERIOD} csv", user=OWNER_B)
    call, uploads = _uploads(h, 0)
    data = next(iter(uploads.values())).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == ["key", "title", "authors", "updated", "text"]
    assert rows[1][0] == "results" and rows[1][4] == "'@SUM(A1) 上线" and len(rows) == 8


def test_export_falls_back_to_ephemeral_markdown_when_the_dm_fails(harness):
    h = harness
    _open_write_compile(h)
    h.fake.faults.user_errors[STRANGER] = "cannot_dm_bot"
    h.fake.responses.clear()
    h.command(f"export {PERIOD} md", user=STRANGER)
    h.wait_for(lambda: any("Markdown" in (x.get("text") or "") for x in h.fake.responses))
    reply = h.fake.responses[-1]
    assert reply["response_type"] == "ephemeral" and "上线 12 条计划" in json.dumps(reply["blocks"], ensure_ascii=False)


# --- formula neutralisation (unit) -----------------------------------------------------------

@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+33", "'+33"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("plain", "plain"), ("", ""), ("a=b", "a=b"), (12, 12), (None, None)])
def test_neutralise(cell, safe):
    assert neutralise(cell) == safe


def test_xlsx_with_kpis_has_kpi_and_platform_sheets_and_neutralises_names(harness):
    import pandas as pd

    h = harness

    class FakeKPI:  # the two attributes the export reads from bot.insight.kpi.KPIReport
        totals = {"spend": 1234.5, "ctr": 0.021, "cpa": None}
        by_platform = pd.DataFrame({"spend": [1000.0, 234.5], "ctr": [0.02, 0.03]},
                                   index=pd.Index(["巨量引擎", "=cmd|' /C calc'!A0"], name="platform"))

    summary = h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False)
    summary.kpi = FakeKPI()
    wb = openpyxl.load_workbook(io.BytesIO(export_xlsx(summary, lambda u: u)))
    assert wb.sheetnames == ["KPIs", "Platforms", "Sections"]
    assert list(wb["KPIs"].iter_rows(values_only=True)) == [
        ("kpi", "value", "name", "covers"), ("spend", 1234.5, "消耗", None), ("ctr", 0.021, "点击率 CTR", None),
        ("cpa", None, "转化成本 CPA", None)]
    platforms = list(wb["Platforms"].iter_rows(values_only=True))
    assert platforms[0] == ("platform", "spend", "ctr")
    assert platforms[1] == ("巨量引擎", 1000.0, 0.02) and platforms[2][0] == "=cmd|' /C calc'!A0"
    assert wb["Platforms"]["A3"].data_type == "s"  # text, not a DDE formula
    csv_rows = list(csv.reader(io.StringIO(export_csv(summary, lambda u: u).decode("utf-8-sig"))))
    assert len(csv_rows) == 8


# --- App Home --------------------------------------------------------------------------------

def home_for(h, user, team=None, n=None):
    before = len(h.fake.calls_to("views.publish"))
    ev = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.1"}
    assert h.event(ev, event_id=f"EvHome{user}{time.monotonic_ns()}", team=team).status == 200
    h.wait_for(lambda: len(h.fake.calls_to("views.publish")) > before)
    call = h.fake.calls_to("views.publish")[-1]
    return call.params, _json(call.params["view"])


def test_app_home_shows_the_viewers_pending_sections(harness):
    h = harness
    h.command(f"open {PERIOD}")
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    modal = h.modal_for("results", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "done"), OWNER_A)
    params, view = home_for(h, OWNER_A)
    assert params["user_id"] == OWNER_A and view["type"] == "home" and len(view["blocks"]) <= 100
    buttons = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "write"]
    assert [b["value"] for b in buttons] == [button_value("feed-ads", PERIOD, k)
                                             for k in ("lessons", "solutions", "market")]
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert "1/7" in text and "收集中" in text and "接下来" in text
    # The Write button of the Home tab opens the same modal as a prompt's.
    before = len(h.fake.calls_to("views.open"))
    h.click("write", buttons[0]["value"], OWNER_A)
    assert last_view(h, before=before)["callback_id"] == "write_section"


def test_app_home_lists_recent_summaries_and_strangers_see_a_hint(harness):
    h = harness
    _open_write_compile(h)
    _, view = home_for(h, OWNER_B)
    prow = h.store.periods.get(h.fake.team_id, "feed-ads", PERIOD)
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert f"p{prow.post_ts.replace('.', '')}|信息流投放组 · 2026年11月工作总结" in text
    _, view = home_for(h, STRANGER)
    assert "/feedsum setup" in json.dumps(view["blocks"], ensure_ascii=False)


def test_help_lists_every_command_in_both_locales():
    from handlers.command_text import COMMANDS
    from handlers.render import HELP

    for locale, rows in HELP.items():
        listed = {cmd.split()[0] for cmd, _ in rows}
        assert listed == set(COMMANDS), locale


def test_help_in_a_report_channel_speaks_the_report_language(tmp_path, clock):
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["locale"] = "en"
    h = Harness(tmp_path, clock, config=config)
    try:
        text = json.dumps(h.command("help").json(), ensure_ascii=False)
        assert "post the summary to the channel" in text and "汇总" not in text
        text = json.dumps(h.command("halp").json(), ensure_ascii=False)
        assert "There is no `halp` command" in text
    finally:
        h.close()


def test_home_is_redrawn_after_a_save(harness):
    h = harness
    h.command(f"open {PERIOD}")
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    before = len(h.fake.calls_to("views.publish"))
    modal = h.modal_for("market", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "done"), OWNER_A)
    call = h.wait_for(lambda: h.fake.calls_to("views.publish")[before:])[-1]
    assert call.params["user_id"] == OWNER_A
    values = [b["accessory"]["value"] for b in _json(call.params["view"])["blocks"]
              if b.get("accessory", {}).get("action_id") == "write"]
    assert button_value("feed-ads", PERIOD, "market") not in values
    assert button_value("feed-ads", PERIOD, "results") in values


@pytest.mark.parametrize("api, link", [
    ("https://slack.com/api/", "https://slack.com/archives/C0123/p1800000000000100"),
    ("https://slack-gov.com/api/", "https://slack-gov.com/archives/C0123/p1800000000000100"),
    ("http://127.0.0.1:9000/api", "http://127.0.0.1:9000/archives/C0123/p1800000000000100"),
])
def test_links_to_posts_are_on_the_web_apis_slack_host(api, link):
    from handlers.outbox import SlackOutbox, permalink_url

    assert permalink_url(api, "C0123", "1800000000.000100") == link
    assert SlackOutbox(lambda team: None, api_base_url=api).permalink("T1", "C0123", "1800000000.000100") == link
    assert permalink_url(api, "C0123", None) is None and permalink_url(api, None, "1.2") is None
