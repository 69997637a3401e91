"""Safe Slack mrkdwn: user text decoded once on the way in, escaped on the way out, split losslessly.

One mechanism: text that is safe to send as mrkdwn is a `Mrkdwn` (our markup, every user string
inside it escaped). `escape`, `md`, `i18n.t` and the mention/link helpers make one; where text
enters a mrkdwn field (`as_mrkdwn`: block text objects, message `text`, `initial_comment`) a
plain `str` is escaped. A forgotten escape shows `&lt;` at worst, never a live `<!channel>`.
Plain-text fields (headers, labels, titles, files) take `plain(...)`: what people typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

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
