"""Listeners one by one, called as Bolt calls them, with a fake `ack`, `respond` and `client`.

The parts come from the composition root (feedsum/root.py); the outbox behind the core talks to
the fake Web API, whose call log shows that nothing reached Slack before the ack. What the
end-to-end tests check through the real HTTP endpoint is not repeated here: these pin each
listener's translation between a Slack payload and the core.
"""

from __future__ import annotations

import json
import re
from unittest.mock import Mock

import pytest
from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.core.service import Refused
from bot.model.config import Settings, parse_reports
from bot.text import catalogue
from feedsum.fake_slack import TEAM_ID, FakeSlack
from feedsum.root import build
from handlers import abtest, actions, commands, events, views
from handlers.app import LISTENERS, on_error
from handlers.ratelimit import Limits
from tests.slack_harness import ADMIN, CHANNEL, CONFIG, OWNER_A, STRANGER

PERIOD = "2026-11"


@pytest.fixture(scope="module")
def fake():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def deps(tmp_path, clock, fake):
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_BASE_URL": fake.api_url,
                                  "FEEDSUM_DB": str(tmp_path / "f.db")})
    root = build(settings, clock=clock, limits=Limits(speed=0))
    root.load_reports(parse_reports(CONFIG, file="t.toml"), team_id=fake.team_id)
    fake.reset_calls()
    yield root.deps
    root.shutdown(wait=True)


@pytest.fixture
def ack():
    return Mock(Ack)


@pytest.fixture
def respond():
    return Mock(Respond)


@pytest.fixture
def client():
    return Mock(WebClient)


def command(text: str, user: str = ADMIN) -> dict:
    return {"team_id": TEAM_ID, "channel_id": CHANNEL, "user_id": user, "command": "/feedsum", "text": text,
            "response_url": "https://hooks.slack.com/commands/T/1/x", "trigger_id": "1.2.3"}


def submission(callback_id: str, values: dict, meta: dict, user: str) -> dict:
    view = {"id": "V1", "callback_id": callback_id, "private_metadata": json.dumps(meta),
            "state": {"values": values}, "hash": "h"}
    return {"type": "view_submission", "team": {"id": TEAM_ID}, "user": {"id": user, "team_id": TEAM_ID}, "view": view}


def acked(ack: Mock) -> dict:
    """What the single ack carried, as one dict."""
    ack.assert_called_once()
    args, kwargs = ack.call_args
    return {**(args[0] if args and isinstance(args[0], dict) else {}), **kwargs}


class Recorder:
    """Stands in for the Bolt app: records app.<kind>(id)(listener)."""

    def __init__(self):
        self.listeners: list[tuple[str, object, object]] = []

    def __getattr__(self, kind: str):
        def matching(what, **_):
            def take(fn):
                self.listeners.append((kind, what, fn))
                return fn
            return take
        return matching


def test_every_surface_registers_named_module_level_listeners():
    app = Recorder()
    for surface in LISTENERS:
        surface.register(app)
    kinds = {kind for kind, _, _ in app.listeners}
    assert kinds == {"command", "action", "view", "event", "options"}
    for _, what, fn in app.listeners:
        assert fn.__qualname__ == fn.__name__, what  # a named function anyone can call, not a closure
        assert "deps" in fn.__code__.co_varnames[:fn.__code__.co_argcount], what


def test_status_is_answered_in_the_ack_from_the_database(deps, ack, respond, client, fake):
    commands.feedsum_command(ack=ack, body=command(f"status {PERIOD}"), respond=respond, client=client, deps=deps)
    answer = acked(ack)
    assert answer["response_type"] == "ephemeral" and answer["blocks"]
    assert "0/7" in json.dumps(answer["blocks"], ensure_ascii=False)
    respond.assert_not_called()
    assert client.method_calls == [] and fake.calls == []


def test_an_unknown_command_gets_help_with_the_nearest_one(deps, ack, respond, client):
    commands.feedsum_command(ack=ack, body=command("stauts"), respond=respond, client=client, deps=deps)
    assert "/feedsum status" in json.dumps(acked(ack)["blocks"], ensure_ascii=False)


def test_away_is_set_and_told_in_the_ack(deps, ack, respond, client, clock):
    commands.feedsum_command(ack=ack, body=command("away until 2026-12-05", user=OWNER_A), respond=respond,
                             client=client, deps=deps)
    assert "2026-12-05" in acked(ack)["text"]
    report = deps.core.report(TEAM_ID, "feed-ads")
    assert deps.core.away_map(report, PERIOD, clock()) == {OWNER_A: "2026-12-05"}


def test_the_away_form_needs_a_date(deps, ack):
    body = submission("away", {"until": {"date": {"selected_date": None}}}, {"r": "feed-ads"}, OWNER_A)
    views.save_away(ack=ack, body=body, view=body["view"], deps=deps)
    assert acked(ack)["response_action"] == "errors" and "until" in acked(ack)["errors"]


def test_an_empty_section_is_refused_inside_the_form(deps, ack, client):
    meta = {"r": "feed-ads", "p": PERIOD, "s": "results", "v": 0}
    body = submission("write_section", {"part_0": {"text": {"type": "plain_text_input", "value": "  "}}}, meta,
                      OWNER_A)
    views.on_save_section(ack=ack, body=body, view=body["view"], client=client, deps=deps)
    answer = acked(ack)
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["part_0"]
    assert client.method_calls == []


def test_a_saved_section_is_stored_before_the_ack_and_the_home_tab_redrawn_after(deps, ack, client, clock):
    report = deps.core.report(TEAM_ID, "feed-ads")
    deps.core.open(report, PERIOD, ADMIN, clock())
    meta = {"r": "feed-ads", "p": PERIOD, "s": "results", "v": 0}
    body = submission("write_section", {"part_0": {"text": {"type": "plain_text_input", "value": "本月完成"}}},
                      meta, OWNER_A)
    views.on_save_section(ack=ack, body=body, view=body["view"], client=client, deps=deps)
    assert acked(ack) == {}  # the modal closes
    assert next(s for s in deps.core.summary(report, PERIOD, clock()).sections if s.key == "results").text == "本月完成"
    deps.shutdown(wait=True)  # the work after the ack
    assert client.views_publish.call_args.kwargs["user_id"] == OWNER_A


def test_the_home_tab_is_drawn_after_the_ack(deps, client):
    event = {"type": "app_home_opened", "user": OWNER_A, "tab": "home"}
    events.home_opened(event=event, body={"team_id": TEAM_ID, "event": event}, client=client, context={}, deps=deps)
    deps.shutdown(wait=True)
    view = client.views_publish.call_args.kwargs["view"]
    assert client.views_publish.call_args.kwargs["user_id"] == OWNER_A and view["type"] == "home"


def test_a_workspace_that_removes_the_app_is_served_no_more(deps):
    assert deps.workspaces.serves(TEAM_ID)
    events.on_app_uninstalled(body={"team_id": TEAM_ID}, context={"team_id": TEAM_ID}, deps=deps)
    assert not deps.workspaces.serves(TEAM_ID)


def test_a_stranger_searching_variants_gets_none(deps, ack):
    body = {"type": "block_suggestion", "team": {"id": TEAM_ID}, "user": {"id": STRANGER}, "value": "a",
            "view": {"private_metadata": json.dumps({"r": "feed-ads", "p": PERIOD, "s": "optimise", "ab": []})}}
    abtest.variant_options(ack=ack, body=body, deps=deps)
    assert acked(ack) == {"options": []}


def test_a_click_is_acked_before_anything_else(deps, ack, client, respond):
    order = []
    ack.side_effect = lambda *a, **k: order.append("ack")
    body = {"type": "block_actions", "team": {"id": TEAM_ID}, "user": {"id": OWNER_A, "team_id": TEAM_ID},
            "trigger_id": "1.2.3", "actions": [{"action_id": "write", "value": json.dumps({"r": "nope", "p": PERIOD, "s": "results"})}]}
    actions.open_write_modal(ack=ack, body=body, client=client, respond=respond, deps=deps)
    assert order == ["ack"] and client.method_calls == []  # an unknown report: nothing more


def test_a_crashed_command_gets_an_apology_quoting_an_error_id_in_the_ack(deps, respond, caplog):
    try:
        raise RuntimeError("boom")
    except RuntimeError:  # Bolt calls the error handler while the listener's exception is handled
        reply = on_error(body=command("status"), respond=respond, deps=deps)
    answer = json.loads(reply.body)
    assert reply.status == 200 and answer["response_type"] == "ephemeral"
    eid = re.search(r"`([0-9a-f]{8})`", answer["text"]).group(1)
    logged = [r for r in caplog.records if eid in r.getMessage()]
    assert "boom" not in answer["text"] and logged[0].exc_info[0] is RuntimeError
    respond.assert_not_called()


def test_the_core_names_people_by_id_and_the_listener_mentions_them(deps, ack, respond, client, fake):
    # Whether the stranger is a workspace admin takes a users.info: an empty ack, the answer after.
    commands.feedsum_command(ack=ack, body=command(f"write results {PERIOD}", user=STRANGER), respond=respond,
                             client=client, deps=deps)
    assert acked(ack) == {}
    deps.shutdown(wait=True)
    told = respond.call_args.kwargs
    assert f"<@{OWNER_A}>" in told["text"] and told["response_type"] == "ephemeral"
    assert [c.method for c in fake.calls] == ["users.info"]
    report = deps.core.report(TEAM_ID, "feed-ads")
    with pytest.raises(Refused) as refused:
        deps.core.require_writer(report, PERIOD, "results", STRANGER)
    assert refused.value.values["owners"] == (OWNER_A,)  # the core's refusal: ids, no Slack syntax


def test_the_catalogue_speaks_no_slack_syntax():
    """Mentions, channel links and <url|label> links are the Slack layer's (handlers/slack_text.py):
    a template names the thing, the listener passes it in Slack's form."""
    slack = re.compile(r"<[@#!]|<https?:|\|[^|]*>")
    for locale in catalogue.locales():
        for key, template in catalogue.get(locale).strings.items():
            for text in template.values() if isinstance(template, dict) else [template]:
                assert not slack.search(text), (locale, key, text)
