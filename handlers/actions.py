"""Button clicks: Write/Edit opens the section modal; I'm away opens the away form."""

from __future__ import annotations

import json
import logging

from bot.workflow import Refused
from handlers import render
from handlers.deps import Deps

log = logging.getLogger(__name__)


def register(app, deps: Deps) -> None:
    @app.action("write")
    def open_write_modal(ack, body, client, respond):
        ack()  # trigger_id must reach views.open within ~3 s: nothing slow before it
        team = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
        user = body["user"]["id"]
        value = json.loads(body["actions"][0]["value"])
        report = deps.core.report(team, value["r"])
        if report is None:
            return
        try:
            summary, section = deps.core.section_for_writing(report, value["p"], value["s"], user, deps.clock())
        except Refused as exc:
            respond(text=deps.refusal(exc, report), response_type="ephemeral", replace_original=False)
            return
        metadata = {"r": report.id, "p": value["p"], "s": section.key, "rev": section.revision}
        client.views_open(trigger_id=body["trigger_id"], view=render.write_modal(summary, section, metadata))

    @app.action("away")
    def open_away_modal(ack, body, client):
        ack()
        team = body["team"]["id"] if body.get("team") else body["user"]["team_id"]
        value = json.loads(body["actions"][0]["value"])
        report = deps.core.report(team, value["r"])
        if report is None:
            return
        today = deps.clock().astimezone(report.tz).date()
        client.views_open(trigger_id=body["trigger_id"], view=render.away_modal(report, today))
