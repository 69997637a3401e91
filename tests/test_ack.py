"""Ack first, always: Slack gets its answer however slowly its Web API answers.

The fake Web API holds every answer until the test lets it go (`held`): an ack that comes back
meanwhile cannot have waited on any call, and no clock is involved. Modals still open with the
click's trigger id, a too slow Slack gives a button to try again, and a crash gives an apology
with an id to quote.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import threading

import pytest

from handlers import actions, commands
from tests.slack_harness import ADMIN, CHANNEL, CONFIG, OWNER_A, OWNER_B, STRANGER, Harness

PERIOD = "2026-11"
TRIGGER = "4242.7.click"  # the trigger id of the click (or command) under test
NEW_CHANNEL = "C0NEWTEAM"


def value(section: str) -> str:
    return json.dumps({"r": "feed-ads", "p": PERIOD, "s": section}, separators=(",", ":"))


def as_dict(view):
    return json.loads(view) if isinstance(view, str) else view


def views_opened(h, before: int = 0):
    return h.wait_for(lambda: h.fake.calls_to("views.open")[before:])


def held(h) -> threading.Event:
    """From now on Slack takes every call but answers none until `let_go`: a reply that arrives
    meanwhile never waited on it (one that did would hang until the request timed out)."""
    h.fake.reset_calls()
    h.fake.faults.gate = threading.Event()
    return h.fake.faults.gate


def let_go(h) -> None:
    h.fake.faults.gate.set()
    h.fake.faults.gate = None


def opened_period(h):
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    return h


# --- every button and command that opens a view ----------------------------------------------

def _write(h):
    return h.click("write", value("results"), OWNER_A, trigger_id=TRIGGER)


def _edit(h):  # Write on a prompt already answered: the same action, the form holds the text
    h.core.submit(h.report, PERIOD, "results", OWNER_A, "已经写好的内容", h.clock(), via="test")
    h.fake.reset_calls()
    return h.click("write", value("results"), OWNER_A, trigger_id=TRIGGER)


def _draft(h):
    return h.click("draft", value("data"), OWNER_B, trigger_id=TRIGGER)


def _away(h):
    return h.click("away", value("results"), OWNER_A, trigger_id=TRIGGER)


def _write_command(h):
    return h.command(f"write results {PERIOD}", user=OWNER_A, trigger_id=TRIGGER)


def _setup_command(h):
    h.fake.users[STRANGER] = {"id": STRANGER, "name": "s", "tz": "Europe/Berlin", "profile": {}}
    return h.command("setup", user=STRANGER, channel=NEW_CHANNEL, trigger_id=TRIGGER)


@pytest.mark.parametrize("act", [_write, _edit, _draft, _away, _write_command, _setup_command],
                         ids=["write", "edit", "draft", "away", "/feedsum write", "/feedsum setup"])
def test_a_slow_web_api_never_delays_the_ack_and_the_modal_opens_at_once(harness, act):
    h = opened_period(harness)
    held(h)
    reply = act(h)
    assert reply.status == 200  # answered while Slack had answered nothing
    # views.open reaches Slack while every call is still unanswered: it is the first thing after
    # the ack, not behind another Slack call.
    call = views_opened(h)[0]
    assert call.params["trigger_id"] == TRIGGER
    let_go(h)


def test_answers_from_the_database_stay_in_the_ack(harness):
    h = opened_period(harness)
    held(h)
    for text, needle in ((f"status {PERIOD}", "信息流投放组"), ("owners", "<@U0OWNERA1>"), ("history", "2026"),
                         (f"targets {PERIOD}", ""), ("help", "/feedsum"), ("away until 2026-12-10", "2026-12-10")):
        reply = h.command(text, user=OWNER_A)
        assert needle in json.dumps(reply.json(), ensure_ascii=False), text
    # Admin commands whose work talks to Slack: a quick "working" ack, the work after it.
    for text in (f"open {PERIOD}", f"compile {PERIOD} --preview", "remind", f"export {PERIOD}", "refresh"):
        reply = h.command(text)
        assert reply.json()["text"], text
    let_go(h)


def test_delegating_answers_first_and_prompts_the_delegate_after(harness):
    h = opened_period(harness)
    held(h)
    reply = h.command("delegate data <@U0HELPER1>", user=OWNER_B)
    assert "U0HELPER1" in reply.json()["text"]
    let_go(h)
    h.wait_for(lambda: any(m["channel"] == "D0HELPER1" for m in h.fake.posted()), timeout=5)


# --- rights that need Slack: decided after the ack -------------------------------------------

def test_a_non_admin_is_refused_after_the_ack(harness):
    h = harness
    held(h)
    reply = h.command(f"open {PERIOD}", user=OWNER_A)
    assert reply.status == 200 and reply.body == ""  # nothing promised before Slack has said who they are
    let_go(h)
    refusal = h.wait_for(lambda: [b for p, b in h.fake.responded if p == f"/response/{OWNER_A}"])[0]
    assert "管理员" in refusal["text"] and refusal["response_type"] == "ephemeral"
    assert h.fake.calls_to("users.info")[0].params["user"] == OWNER_A
    h.deps.shutdown()
    assert h.prompts() == [] and h.core.summary(h.report, PERIOD, h.clock()).state == "none"


def test_a_workspace_admin_is_let_in_after_the_ack(harness):
    h = harness
    h.fake.users[STRANGER] = {"id": STRANGER, "name": "s", "is_admin": True, "profile": {}}
    held(h)
    reply = h.command(f"open {PERIOD}", user=STRANGER)
    assert reply.status == 200 and reply.body == ""
    let_go(h)
    h.wait_for(lambda: len(h.prompts()) == 8)
    # Known now (cached): the next command is decided, and answered, in the ack.
    assert "⏳" in h.command("remind", user=STRANGER).json()["text"]


# --- Slack too slow for the trigger id: a button to try again --------------------------------

@pytest.mark.parametrize("error", ["expired_trigger_id", "trigger_expired"])
def test_an_expired_trigger_gives_a_button_that_tries_again(harness, error):
    h = opened_period(harness)
    h.fake.faults.method_errors["views.open"] = error
    assert h.click("write", value("results"), OWNER_A).status == 200
    told = h.wait_for(lambda: [b for p, b in h.fake.responded if p == f"/response/{OWNER_A}"])[0]
    assert told["response_type"] == "ephemeral" and told["replace_original"] is False
    assert "Slack" in told["text"]
    button = told["blocks"][1]["elements"][0]
    assert (button["action_id"], button["value"]) == ("write", value("results"))
    # The button is the same action: clicked when Slack is itself again, the form opens.
    del h.fake.faults.method_errors["views.open"]
    before = len(h.fake.calls_to("views.open"))
    h.click(button["action_id"], button["value"], OWNER_A)
    view = as_dict(views_opened(h, before)[0].params["view"])
    assert view["callback_id"] == "write_section"


def test_a_views_open_timeout_gives_the_button_too(harness):
    h = opened_period(harness)
    h.deps.modal_timeout = 0.2
    held(h)  # views.open never answers in time
    reply = h.command(f"write results {PERIOD}", user=OWNER_A)
    assert reply.status == 200
    told = h.wait_for(lambda: [b for p, b in h.fake.responded if p == f"/response/{OWNER_A}"])[0]
    assert told["blocks"][1]["elements"][0]["value"] == value("results")
    let_go(h)


def test_setup_too_slow_offers_setup_again(harness):
    h = harness
    h.fake.faults.method_errors["views.open"] = "expired_trigger_id"
    assert h.command("setup", user=STRANGER, channel=NEW_CHANNEL).status == 200
    told = h.wait_for(lambda: [b for p, b in h.fake.responded if p == f"/response/{STRANGER}"])[0]
    button = told["blocks"][1]["elements"][0]
    assert button["action_id"] == "setup" and json.loads(button["value"])["ch"] == NEW_CHANNEL
    del h.fake.faults.method_errors["views.open"]
    h.click("setup", button["value"], STRANGER, channel=NEW_CHANNEL)
    view = as_dict(views_opened(h)[-1].params["view"])
    assert view["callback_id"] == "setup"


def test_from_the_home_tab_the_button_comes_by_dm(harness):
    h = opened_period(harness)
    h.fake.faults.method_errors["views.open"] = "expired_trigger_id"
    payload = {"type": "block_actions", "user": {"id": OWNER_A, "team_id": h.fake.team_id},
               "team": {"id": h.fake.team_id}, "api_app_id": "A0FEEDSUM", "trigger_id": TRIGGER,
               "container": {"type": "view", "view_id": "VHOME"}, "view": {"id": "VHOME", "type": "home"},
               "actions": [{"action_id": "write", "block_id": "b", "value": value("results"), "type": "button"}]}
    assert h.interactive(payload).status == 200  # a Home tab click carries no response_url
    dm = h.wait_for(lambda: [m for m in h.fake.posted("D" + OWNER_A[1:]) if m.get("blocks")
                             and m["blocks"][-1]["type"] == "actions"])[0]
    assert dm["blocks"][-1]["elements"][0]["value"] == value("results")


# --- crashes: logged with their stack and an id, an apology quoting it -----------------------

def _error_id(text: str) -> str:
    return re.search(r"`([0-9a-f]{8})`", text).group(1)


def _logged_with_stack(caplog, eid: str, exc: str) -> None:
    found = [r for r in caplog.records if eid in r.getMessage()]
    assert found and found[0].exc_info and found[0].exc_info[0].__name__ == exc


def test_a_command_crash_is_apologised_for_in_the_ack(harness, monkeypatch, caplog):
    h = harness

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setitem(commands.HANDLERS, "status", broken)
    reply = h.command(f"status {PERIOD}")
    assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
    text = reply.json()["text"]
    assert "抱歉" in text and "boom" not in text and "Traceback" not in text
    _logged_with_stack(caplog, _error_id(text), "RuntimeError")


def test_a_crash_after_a_click_is_apologised_for_through_the_response_url(harness, monkeypatch, caplog):
    h = opened_period(harness)
    monkeypatch.setattr(actions, "write_view", lambda *a, **k: {}["missing"])
    assert h.click("write", value("results"), OWNER_A).status == 200
    told = h.wait_for(lambda: [b for p, b in h.fake.responded if p == f"/response/{OWNER_A}"])[0]
    assert "抱歉" in told["text"] and told["response_type"] == "ephemeral"
    h.deps.shutdown()
    _logged_with_stack(caplog, _error_id(told["text"]), "KeyError")
    assert h.fake.calls_to("views.open") == []


def test_a_crash_in_the_work_after_a_command_is_apologised_for(harness, monkeypatch, caplog):
    h = harness

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(h.core, "open", broken)
    assert "⏳" in h.command(f"open {PERIOD}").json()["text"]
    told = h.wait_for(lambda: [b for b in h.fake.responses if "抱歉" in (b.get("text") or "")])[0]
    h.deps.shutdown()
    _logged_with_stack(caplog, _error_id(told["text"]), "RuntimeError")


def test_a_crashing_submission_keeps_the_form_under_an_apology(harness, caplog):
    h = opened_period(harness)
    modal = h.modal_for("results", OWNER_A, PERIOD)
    broken = dict(modal, private_metadata=json.dumps({"r": "feed-ads"}))  # no period: a KeyError
    reply = h.submit_view(broken, {"part_0": {"text": {"type": "plain_text_input", "value": "x"}}}, OWNER_A)
    body = reply.json()
    assert reply.status == 200 and body["response_action"] == "push"  # the form stays underneath
    text = body["view"]["blocks"][0]["text"]["text"]
    _logged_with_stack(caplog, _error_id(text), "KeyError")


def test_the_apology_is_in_the_reports_language(tmp_path, clock, monkeypatch):
    config = copy.deepcopy(CONFIG)
    config["reports"][0]["locale"] = "en"
    h = Harness(tmp_path, clock, config=config)
    try:
        monkeypatch.setitem(commands.HANDLERS, "status", lambda *a, **k: 1 / 0)
        text = h.command("status", channel=CHANNEL).json()["text"]
        assert text.startswith("Sorry") and _error_id(text)
    finally:
        h.close()


def test_work_after_the_acks_is_finished_at_shutdown(harness):
    h = harness
    h.fake.faults.latency = 0.1
    assert h.command(f"open {PERIOD}").status == 200
    h.deps.shutdown(wait=True)  # what `feedsum run` does on SIGTERM or Ctrl-C
    assert len(h.prompts()) == 8
    assert any("2026年11月" in (b.get("text") or "") for b in h.fake.responses)


def test_no_listener_calls_slack_before_its_ack(harness, caplog):
    """The outbox notices a Slack call made while a listener is still working out its ack."""
    h = opened_period(harness)
    caplog.set_level(logging.WARNING, logger="handlers.outbox")
    for text in (f"status {PERIOD}", f"open {PERIOD}", "delegate data <@U0HELPER1>", f"write results {PERIOD}",
                 "owners", "history", f"export {PERIOD}", f"targets {PERIOD}"):
        h.command(text, user=OWNER_B if "delegate" in text else ADMIN)
    h.deps.shutdown()
    assert not [r for r in caplog.records if "before the ack" in r.getMessage()]




def test_a_crash_after_a_save_says_the_answer_is_saved(harness, monkeypatch, caplog):
    h = opened_period(harness)
    modal = h.modal_for("results", OWNER_A, PERIOD)

    def broken(*args, **kwargs):
        raise RuntimeError("prompt refresh broke")

    monkeypatch.setattr(h.core, "announce", broken)
    r = h.submit_view(modal, {"part_0": {"text": {"type": "plain_text_input", "value": "写好了"}}}, OWNER_A)
    assert r.status == 200 and r.body == ""
    dm = h.wait_for(lambda: [m for m in h.fake.posted("D" + OWNER_A[1:]) if "已保存" in (m["text"] or "")])[0]
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text == "写好了"
    h.deps.shutdown()
    _logged_with_stack(caplog, _error_id(dm["text"]), "RuntimeError")


def test_after_shutdown_new_work_is_refused_quietly(harness):
    h = harness
    h.deps.shutdown()
    assert h.deps.later(lambda: 1 / 0).result(timeout=1) is None  # not started, nothing raised
