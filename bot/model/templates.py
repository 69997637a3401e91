"""Built-in summary templates: section keys in order, with titles and writing guidance.

The `feed-ads` template follows the usual shape of an in-feed ads monthly review:
what was delivered, what the numbers say, what was learned, what to fix, what comes next, how the
work was optimised (A/B tests), who does what, the market, and the feedback heard.
`optimise` and `feedback` came later: a period opened before feedsum had them keeps the sections
it was opened with (recorded by migration m012), so reports on the default set gain them from
the next period on.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.text.i18n import locales, t_plain

# Section keys in order; the words are in the catalogue as template.<template>.<key>.title/prompt.
FEED_ADS_KEYS = ("results", "data", "lessons", "solutions", "plan", "optimise", "team", "market", "feedback")


class _Words(Mapping):
    """locale → one template text, read from the catalogue for every registered locale."""

    def __init__(self, key: str):
        self.key = key

    def __getitem__(self, locale: str) -> str:
        if locale not in locales():
            raise KeyError(locale)
        return t_plain(locale, self.key)

    def __iter__(self):
        return iter(locales())

    def __len__(self) -> int:
        return len(locales())


def _template(name: str, keys: tuple[str, ...]) -> dict[str, dict[str, Mapping[str, str]]]:
    return {k: {part: _Words(f"template.{name}.{k}.{part}") for part in ("title", "prompt")} for k in keys}


FEED_ADS = _template("feed-ads", FEED_ADS_KEYS)

TEMPLATES: dict[str, dict[str, dict[str, Mapping[str, str]]]] = {"feed-ads": FEED_ADS}


def section_text(template: str, key: str, part: str) -> dict[str, str]:
    """The localised title or prompt of a template section (a copy, safe to change)."""
    return dict(TEMPLATES[template][key][part])
