"""User-facing strings: `t(locale, key, **values)` over the catalogue of words (bot/text/catalogue/).

Templates are our own Slack mrkdwn. `t` escapes every value that is not already `Mrkdwn` (a
report name, a title, something typed), so its result can go anywhere mrkdwn goes; `t_plain`
fills in the values as they are, for plain text (headers, labels, files, the terminal).
"""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale

from bot.text import catalogue
from bot.text.catalogue import locales, resolve
from bot.text.mrkdwn import Mrkdwn, md, plain

__all__ = ["Msg", "env_locale", "join_list", "locales", "resolve", "t", "t_plain", "text_of"]


def env_locale(env: Mapping[str, str]) -> str:
    """The language a terminal asks for: LC_ALL, LC_MESSAGES or LANG naming a locale with a catalogue
    ("zh_CN.UTF-8" → zh-CN); English when they are unset, C or POSIX."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (env.get(var) or "").strip()
        if value:
            return "en" if value.split(".")[0] in ("C", "POSIX") else resolve(value)
    return "en"


def _template(locale: str, key: str, values: dict | None = None) -> str:
    """The template of `key` in `locale`, else in English; a plural entry picks its CLDR category
    (one, few, other, …) by the value `count`."""
    cat = catalogue.get(locale)
    entry = cat.strings.get(key)
    if entry is None:
        cat = catalogue.get(catalogue.FALLBACK)
        entry = cat.strings[key]
    if isinstance(entry, str):
        return entry
    count = (values or {}).get("count", 0)
    return entry.get(Locale.parse(cat.babel).plural_form(abs(count)), entry["other"])


def t(locale: str, key: str, /, **values: object) -> Mrkdwn:
    """The string `key` in `locale` (falling back to English) as safe mrkdwn, values escaped.
    (`locale` and `key` are positional-only: a template may have a value called {key}.)"""
    template = _template(locale, key, values)
    return md(template, **values) if values else Mrkdwn(template)


def t_plain(locale: str, key: str, /, **values: object) -> str:
    """The string `key` with `values` as they are: for plain_text fields, files and logs."""
    template = _template(locale, key, values)
    return template.format(**values) if values else template


def join_list(items: list[str], locale: str) -> str:
    """Items joined the locale's way; safe mrkdwn when every item is (else a plain str)."""
    sep = _template(locale, "list.sep")
    items = list(items)
    if items and all(isinstance(i, Mrkdwn) for i in items):
        return Mrkdwn(sep).join(items)
    return sep.join(items)


class Msg(str):
    """A user-facing message kept as a catalogue key and its values, so that whoever shows it can
    render it in the report's locale with `.text(locale)`; used as a plain str it is English.

    Values may themselves be Msg (rendered in the same locale) or tuples of Msg (joined)."""

    def __new__(cls, key: str, /, **values: object) -> Msg:
        # As a plain str (logs, the command line) it is what people read, not escaped mrkdwn.
        self = super().__new__(cls, plain(_render("en", key, values)))
        self.key = key
        self.values = values
        return self

    def text(self, locale: str) -> str:
        return _render(locale, self.key, self.values)

    def __reduce__(self):
        return _msg, (self.key, self.values)


def _msg(key: str, values: dict) -> Msg:
    return Msg(key, **values)


def _render(locale: str, key: str, values: dict) -> str:
    def one(v: object) -> object:
        if isinstance(v, Msg):
            return v.text(locale)
        if isinstance(v, tuple):
            return join_list([str(one(x)) for x in v], locale)
        return v

    return t(locale, key, **{k: one(v) for k, v in values.items()})


def text_of(message: object, locale: str) -> str:
    """A message in `locale` when it is a Msg, else as it is."""
    return message.text(locale) if isinstance(message, Msg) else str(message)
