"""Safe Slack mrkdwn: escaping user text and splitting it without losing a character.

One mechanism: text that is safe to send as mrkdwn is a `Mrkdwn` (our markup, every user string
inside it escaped). `escape`, `md`, `i18n.t` and the mention/link helpers make one; where text
enters a mrkdwn field (`as_mrkdwn`: block text objects, message `text`, `initial_comment`) a
plain `str` is escaped. A forgotten escape shows `&lt;` at worst, never a live `<!channel>`.
Plain-text fields (headers, labels, titles, files) take `plain(...)`: what people typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECTION_TEXT_LIMIT = 3000
# Headroom under the section limit so a chunk can carry a heading line.
CHUNK = 2800
_ENTITY = re.compile(r"&(amp|lt|gt);")


_ID = re.compile(r"[UWBCGDS][A-Z0-9]{2,40}")
_URL = re.compile(r"https?://[^\s<>|]+")


class Mrkdwn(str):
    """mrkdwn that is safe to send as it is. Joining, adding and slicing keep it safe: whatever
    plain `str` is added is escaped first."""

    __slots__ = ()

    def __add__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(self, as_mrkdwn(other)))

    def __radd__(self, other: str) -> Mrkdwn:
        return Mrkdwn(str.__add__(as_mrkdwn(other), self))

    def __getitem__(self, key) -> Mrkdwn:
        return Mrkdwn(str.__getitem__(self, key))

    def join(self, items: Iterable[str]) -> Mrkdwn:
        return Mrkdwn(str.join(self, [as_mrkdwn(i) for i in items]))


def escape(text: str) -> Mrkdwn:
    """Escape exactly & < > so user text can never form <!channel>, <@U…> or links."""
    if isinstance(text, Mrkdwn):
        return text
    return Mrkdwn(str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def as_mrkdwn(text):
    """Text entering a mrkdwn field: kept if already safe, escaped if it is anybody's string."""
    if text is None or isinstance(text, Mrkdwn):
        return text
    return escape(text if isinstance(text, str) else str(text))


def _value(v):
    # Numbers keep their format specs ({n:,}); everything else is text and is escaped.
    return v if isinstance(v, int | float) else as_mrkdwn(v)


def md(template: str, *args, **kwargs) -> Mrkdwn:
    """Our mrkdwn `template` (trusted) with its `{}` fields filled by escaped values."""
    return Mrkdwn(template.format(*[_value(a) for a in args], **{k: _value(v) for k, v in kwargs.items()}))


def plain(text: str | None) -> str | None:
    """What people typed, for plain_text fields and files: the escapes of a Mrkdwn undone."""
    if not isinstance(text, Mrkdwn):
        return text
    return str.replace(str.replace(str.replace(text, "&lt;", "<"), "&gt;", ">"), "&amp;", "&")


def quote(text: str) -> Mrkdwn:
    """Anyone's text as a block quote, every line of it quoted."""
    return Mrkdwn("> " + str.replace(escape(text), "\n", "\n> "))


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
