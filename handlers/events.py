"""Events: a reply in a prompt's DM thread is appended to that section."""

from __future__ import annotations

import logging

from bot.i18n import t
from bot.mrkdwn import escape
from bot.workflow import Refused
from handlers.deps import Deps
from storage.db import StorageError

log = logging.getLogger(__name__)


def register(app, deps: Deps) -> None:
    @app.event("message")
    def thread_reply(event, body, client, context):
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        thread_ts = event.get("thread_ts")
        if not thread_ts or thread_ts == event.get("ts") or not (event.get("text") or "").strip():
            return
        team = body.get("team_id") or context.get("team_id")
        found = deps.core.prompt_for_thread(team, event["channel"], thread_ts)
        if found is None:
            return
        report, period, key = found
        now = deps.clock()
        try:
            result = deps.core.submit(report, period, key, event["user"], event["text"], now, via="thread",
                                      append=True, event_id=body.get("event_id"))
        except (Refused, StorageError) as exc:
            if isinstance(exc, Refused):
                text = deps.refusal(exc, report)
            else:
                text = t(report.locale, "refuse.not_saved", error=exc) + "\n>>> " + escape(event["text"])
            client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, text=text)
            return
        if not result.saved.duplicate:
            client.reactions_add(channel=event["channel"], timestamp=event["ts"], name="white_check_mark")
        deps.core.announce(report, period, result, event["user"], now)
