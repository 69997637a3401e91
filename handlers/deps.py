"""What listeners are given: the core service, the outbox, the clock and a worker pool; no globals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Report
from bot.i18n import t
from bot.mrkdwn import as_mrkdwn
from bot.workflow import Feedsum, Refused

log = logging.getLogger(__name__)


@dataclass
class Deps:
    core: Feedsum
    outbox: Any
    clock: Callable[[], datetime]
    default_locale: str = "zh-CN"
    config_path: str = "feedsum.toml"  # where file-managed reports are changed (named in refusals)
    workspaces: Any = None  # handlers.oauth.Workspaces: which workspaces are served, with which token
    guard: Any = None  # handlers.server.RequestGuard for the HTTP endpoint (None in Socket Mode tests)
    # The app answers Slack as soon as a listener returns (process_before_response), so slow work
    # (fan-outs, posts, imports, Slack calls after a save) runs here, after the ack has gone out.
    workers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="feedsum-work"))

    def refusal(self, exc: Refused, report: Report | None = None) -> str:
        return t(report.locale if report else self.default_locale, exc.key, **exc.values)

    def later(self, fn: Callable[[], Any], *, respond: Callable | None = None, report: Report | None = None) -> Future:
        """Run `fn` after the ack. A refusal or failure is told to the user through `respond`."""

        def run():
            try:
                return fn()
            except Refused as exc:
                if respond is None:
                    raise
                respond(text=self.refusal(exc, report), response_type="ephemeral", replace_original=False)
            except Exception:
                log.exception("background work failed")
                if respond is not None:
                    locale = report.locale if report else self.default_locale
                    respond(text=t(locale, "error.generic"), response_type="ephemeral", replace_original=False)
            return None

        return self.workers.submit(run)


def say(ack, text: str) -> None:
    """An ephemeral plain-text reply as the ack itself."""
    ack({"text": as_mrkdwn(text), "response_type": "ephemeral"})


def ack_message(ack, message: tuple[str, list]) -> None:
    """An ephemeral Block Kit reply (fallback text, blocks) as the ack itself."""
    text, blocks = message
    ack(text=as_mrkdwn(text), blocks=blocks, response_type="ephemeral")


def team_of(body: dict) -> str:
    """The workspace an interaction comes from (block_actions and view_submission payloads)."""
    return body["team"]["id"] if body.get("team") else body["user"]["team_id"]
