"""The catalogue of words: every user-facing string, one module per locale.

Each module here (``zh_CN.py``, ``en.py``, …) defines ``LOCALE`` (as reports store it, "zh-CN"),
``BABEL`` (the CLDR locale that formats its numbers and dates, "zh_CN") and ``STRINGS``: key →
template. A template is a ``str.format`` string, or a dict of CLDR plural categories ("one",
"other", …) chosen by the value named ``count``. Keys starting with ``fmt.`` are Babel/CLDR
patterns for numbers and dates (bot/text/formats.py).

Adding a locale is adding a module to this folder (found at import) or calling `register()`;
nothing else changes. A key missing from a locale falls back to English.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass

Template = str | Mapping[str, str]

DEFAULT = "zh-CN"  # a report's locale when it names none
FALLBACK = "en"  # where a missing key is looked up


@dataclass(frozen=True)
class Catalogue:
    locale: str
    babel: str
    strings: Mapping[str, Template]


_CATALOGUES: dict[str, Catalogue] = {}


def register(catalogue: Catalogue) -> None:
    """Make a locale available everywhere: reports, the setup form, the command line."""
    _CATALOGUES[catalogue.locale] = catalogue


def unregister(locale: str) -> None:
    _CATALOGUES.pop(locale, None)


def locales() -> tuple[str, ...]:
    """Every registered locale, the default first."""
    return tuple(sorted(_CATALOGUES, key=lambda loc: (loc != DEFAULT, loc)))


def resolve(locale: str | None) -> str:
    """The registered locale for `locale`: itself, else one of the same language ("zh" → zh-CN,
    "zh_CN.UTF-8" → zh-CN), else English."""
    if locale in _CATALOGUES:
        return locale
    norm = (locale or "").split(".")[0].replace("_", "-").lower()
    for loc in locales():
        if loc.lower() == norm:
            return loc
    lang = norm.split("-")[0]
    for loc in locales():
        if lang and loc.lower().split("-")[0] == lang:
            return loc
    return FALLBACK


def get(locale: str | None) -> Catalogue:
    return _CATALOGUES[resolve(locale)]


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register(Catalogue(locale=module.LOCALE, babel=module.BABEL, strings=module.STRINGS))


_discover()
