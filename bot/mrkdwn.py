"""Safe Slack mrkdwn: escaping user text and splitting it without losing a character."""

from __future__ import annotations

import re

SECTION_TEXT_LIMIT = 3000
# Headroom under the section limit so a chunk can carry a heading line.
CHUNK = 2800
_ENTITY = re.compile(r"&(amp|lt|gt);")


def escape(text: str) -> str:
    """Escape exactly & < > so user text can never form <!channel>, <@U…> or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
