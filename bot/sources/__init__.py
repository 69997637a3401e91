"""Ad platforms' reporting APIs as metric sources (`[[reports.metrics]]` with `api = …`).

A platform is one module with a `Client` subclass (see base.py) registered in PLATFORMS, and a
fake server under tests/fake_ads/ that its tests run against. pulling.py turns a client's rows
into the same canonical rows and immutable snapshots as files and SQL.
"""

from __future__ import annotations

import importlib
import re

# api name in feedsum.toml -> "module:Class", or None while the platform is not built yet.
PLATFORMS: dict[str, str | None] = {
    "google-ads": "bot.sources.google_ads:GoogleAds",
    "meta": "bot.sources.meta:Meta",
    "tiktok": None,
    "oceanengine": None,
    "tencent": None,
}

# What an account id looks like on each platform (checked when the config is read).
ACCOUNT_IDS: dict[str, tuple[re.Pattern, str]] = {
    "google-ads": (re.compile(r"^\d{3}-?\d{3}-?\d{4}$"), 'a customer id like "123-456-7890"'),
    "meta": (re.compile(r"^(act_)?\d{1,20}$"), 'an ad account id like "act_1234567890" or "1234567890"'),
}


def available(api: str) -> bool:
    return bool(PLATFORMS.get(api))


def account_problem(api: str, account: str) -> str | None:
    """Why `account` cannot be an account id of `api`, or None."""
    rule = ACCOUNT_IDS.get(api)
    if rule and not rule[0].match(account):
        return f"expected {rule[1]}, got {account!r}"
    return None


def client_class(api: str):
    target = PLATFORMS.get(api)
    if not target:
        raise KeyError(api)
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)
