"""The ad platforms feedsum reads through their reporting APIs, as data: checked when a
config is read (bot.model.config), imported when pulled (bot.data.sources)."""

from __future__ import annotations

import re

# api name in feedsum.toml -> "module:Class", or None while the platform is not built yet.
PLATFORMS: dict[str, str | None] = {
    "google-ads": "bot.data.sources.google_ads:GoogleAds",
    "meta": "bot.data.sources.meta:Meta",
    "tiktok": "bot.data.sources.tiktok:TikTok",
    "oceanengine": "bot.data.sources.oceanengine:OceanEngine",
    "tencent": "bot.data.sources.tencent:Tencent",
}

# What an account id looks like on each platform (checked when the config is read).
ACCOUNT_IDS: dict[str, tuple[re.Pattern, str]] = {
    "google-ads": (re.compile(r"^\d{3}-?\d{3}-?\d{4}$"), 'a customer id like "123-456-7890"'),
    "meta": (re.compile(r"^(act_)?\d{1,20}$"), 'an ad account id like "act_1234567890" or "1234567890"'),
    "tiktok": (re.compile(r"^\d{1,20}$"), 'an advertiser id like "7012345678901234567"'),
    "oceanengine": (re.compile(r"^\d{1,20}$"), 'an advertiser id (digits) like "1760312345678901"'),
    "tencent": (re.compile(r"^\d{1,20}$"), 'an account id (digits) like "25610"'),
}


def available(api: str) -> bool:
    return bool(PLATFORMS.get(api))


def account_problem(api: str, account: str) -> str | None:
    """Why `account` cannot be an account id of `api`, or None."""
    rule = ACCOUNT_IDS.get(api)
    if rule and not rule[0].match(account):
        return f"expected {rule[1]}, got {account!r}"
    return None
