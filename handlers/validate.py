"""A Bolt middleware that answers 400 to requests missing the fields every listener relies on.

Signed but malformed bodies (a hand-made curl, a proxy that mangles payloads, a Slack change)
must get a 4xx and a log line, never a listener crash and a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltResponse

from bot.text.mrkdwn import storable

log = logging.getLogger(__name__)


def _str(d: Any, *path: str) -> bool:
    for key in path:
        if not isinstance(d, dict):
            return False
        d = d.get(key)
    return isinstance(d, str) and bool(d)


def problem(body: Any) -> str | None:
    """What is missing from a request body, or None when listeners can rely on it."""
    if not isinstance(body, dict):
        return "the body is not an object"
    if "command" in body:
        missing = [k for k in ("team_id", "user_id", "command") if not _str(body, k)]
        return f"command without {', '.join(missing)}" if missing else None
    kind = body.get("type")
    if kind in ("block_actions", "view_submission", "view_closed", "block_suggestion"):
        if not _str(body, "user", "id"):
            return f"{kind} without user.id"
        if not (_str(body, "team", "id") or _str(body, "user", "team_id")):
            return f"{kind} without a team id"
        if kind == "block_actions":
            actions = body.get("actions")
            if not isinstance(actions, list) or not actions or not all(isinstance(a, dict) for a in actions):
                return "block_actions without actions"
        elif kind != "block_suggestion":
            view = body.get("view")
            if not isinstance(view, dict) or not isinstance((view.get("state") or {}).get("values", {}), dict):
                return f"{kind} without a view"
    if kind == "event_callback" and (
            not _str(body, "team_id") or not isinstance(body.get("event"), dict) or not _str(body, "event", "type")):
        return "event_callback without team_id or event"
    return None


def reject_malformed(body, next, logger):  # noqa: A002 - Bolt passes `next` by name
    why = problem(body)
    if why:
        logger.warning("malformed request refused: %s", why)
        return BoltResponse(status=400, body=why)
    return next()


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = _storable(item)
    elif isinstance(value, list):
        value[:] = [_storable(item) for item in value]
    return value


def replace_unencodable(body, next):  # noqa: A002 - Bolt passes `next` by name
    """JSON may carry lone surrogates ("\\ud800") that UTF-8 cannot encode: storing or sending
    them would fail. Every string of the body is made storable (U+FFFD) before any listener."""
    _storable(body)
    return next()
