"""The text layer's markup: user text escaped on the way out, split losslessly.

The catalogue's templates (bot/text/i18n.py) are written in mrkdwn, a small markup (`*bold*`,
`code`, `> quote`) in which only `&`, `<` and `>` are special. Text that is safe to send is a
`Mrkdwn` (our markup, every user string inside it escaped). `escape`, `md` and `i18n.t` make one;
where text enters a mrkdwn field (`as_mrkdwn`: block text objects, message `text`,
`initial_comment`) a plain `str` is escaped. A forgotten escape shows `&lt;` at worst, never a
live `<!channel>`. Plain-text fields (headers, labels, titles, files) take `plain(...)`: what
people typed. Slack's own syntax on top of it (mentions, channel links, `<url|label>`, decoding
a message's entities) is handlers/slack_text.py's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SECTION_TEXT_LIMIT = 3000
# Headroom under the section limit so a chunk can carry a heading line.
CHUNK = 2800
_ENTITY = re.compile(r"&(amp|lt|gt);")




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


def storable(text: str) -> str:
    """Text that can be stored and sent: surrogate pairs joined, lone surrogates (which UTF-8
    cannot encode) replaced by U+FFFD. Everything else is kept as it is."""
    if not re.search("[\ud800-\udfff]", text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


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
