"""Slack's syntax in message text, on top of the text layer's mrkdwn (bot/text/mrkdwn.py):
`<@U…>` mentions, `<#C…>` channel links, `<url|label>` links, and a message's text decoded back
to what its author typed. Only the Slack layer speaks it; the core names people by user id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.text.mrkdwn import Mrkdwn, escape, storable

_ID = re.compile(r"[UWBCGDS][A-Z0-9]{2,40}")
_URL = re.compile(r"https?://[^\s<>|]+")


def mention(user_id: str) -> Mrkdwn:
    """<@U…> for a Slack id; anything else is shown as text."""
    return Mrkdwn(f"<@{user_id}>") if _ID.fullmatch(user_id or "") else escape(user_id or "")


def mentions(user_ids: Iterable[str], sep: str = " ") -> Mrkdwn:
    return Mrkdwn(sep).join(mention(u) for u in user_ids)


def channel(channel_id: str) -> Mrkdwn:
    return Mrkdwn(f"<#{channel_id}>") if _ID.fullmatch(channel_id or "") else escape(channel_id or "")


def link(url: str | None, label: str) -> Mrkdwn:
    """<url|label> with the label escaped; just the label when the URL is not a plain http(s) URL."""
    if not url or not _URL.fullmatch(url):
        return escape(label)
    return Mrkdwn(f"<{escape(url)}|{escape(label)}>")


# One pass over Slack's message text: an entity <…> (literal < and > arrive as &lt; &gt;) or an escape.
_SLACK_TEXT = re.compile(r"<([^<>]*)>|&(amp|lt|gt);")
_UNESCAPE = {"amp": "&", "lt": "<", "gt": ">"}


def _unescape(text: str) -> str:
    return re.sub(r"&(amp|lt|gt);", lambda m: _UNESCAPE[m.group(1)], text)


def from_slack(text: str, names: Callable[[str], str] | None = None) -> str:
    """A message's text as its author typed it: Slack's escapes and entities decoded once.

    Mentions keep an inert readable form (`<@U1>` → "@name" through `names`, `<#C1|ads>` →
    "#ads", `<!channel>` → "@channel"); a labelled link keeps its address ("label (url)") unless
    the label is the address itself. Escape the result again wherever it is shown (escape()).
    """

    def decode(m: re.Match) -> str:
        if m.group(2):
            return _UNESCAPE[m.group(2)]
        target, _, label = m.group(1).partition("|")
        target, label = _unescape(target), _unescape(label)
        if target.startswith("@"):
            if label:
                return label if label.startswith("@") else "@" + label
            return "@" + (_name(names, target[1:]))
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            word = target[1:]
            if word.startswith("subteam^"):
                handle = label or word.split("^", 1)[1]
                return handle if handle.startswith("@") else "@" + handle
            if word.startswith("date^"):
                return label or word
            return label or "@" + word  # !channel, !here, !everyone
        if not label or label == target or target.split("://", 1)[-1] == label or target == f"mailto:{label}":
            return label or target
        return f"{label} ({target})"

    return storable(_SLACK_TEXT.sub(decode, text))


def _name(names: Callable[[str], str] | None, user: str) -> str:
    if names is None:
        return user
    try:
        return names(user) or user
    except Exception:  # a name is a nicety: never lose a reply over it
        return user
