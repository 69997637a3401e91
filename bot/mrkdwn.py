"""Safe Slack mrkdwn: user text decoded once on the way in, escaped on the way out, split losslessly."""

from __future__ import annotations

import re
from collections.abc import Callable

SECTION_TEXT_LIMIT = 3000
# Headroom under the section limit so a chunk can carry a heading line.
CHUNK = 2800
_ENTITY = re.compile(r"&(amp|lt|gt);")


def escape(text: str) -> str:
    """Escape exactly & < > so user text can never form <!channel>, <@U…> or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# One pass over Slack's message text: an entity <…> (literal < and > arrive as &lt; &gt;) or an escape.
_SLACK_TEXT = re.compile(r"<([^<>]*)>|&(amp|lt|gt);")
_UNESCAPE = {"amp": "&", "lt": "<", "gt": ">"}


def _unescape(text: str) -> str:
    return re.sub(r"&(amp|lt|gt);", lambda m: _UNESCAPE[m.group(1)], text)


def storable(text: str) -> str:
    """Text that can be stored and sent: surrogate pairs joined, lone surrogates (which UTF-8
    cannot encode) replaced by U+FFFD. Everything else is kept as it is."""
    if not re.search("[\ud800-\udfff]", text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


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


def split_text(text: str, limit: int = CHUNK) -> list[str]:
    """Split text into chunks of at most `limit` characters; joining them gives the text back.

    Cuts prefer a paragraph break, then a line break, then a space, and never fall inside an
    escape entity such as `&amp;` (which would show as garbage).
    """
    if limit < 16:
        raise ValueError("limit too small")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " ", "。", "，", ","):
            pos = window.rfind(sep)
            if pos >= limit // 2:
                cut = pos + len(sep)
                break
        if cut == -1:
            cut = limit
        amp = rest.rfind("&", max(0, cut - 5), cut)
        if amp != -1 and _ENTITY.match(rest, amp) and _ENTITY.match(rest, amp).end() > cut:
            cut = amp
        chunks.append(rest[:cut])
        rest = rest[cut:]
    chunks.append(rest)
    return chunks


def preview(text: str, length: int = 140) -> str:
    """A one-line preview of user text (unescaped; escape it where it is shown)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"
