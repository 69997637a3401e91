"""Ad platforms' reporting APIs as metric sources (`[[reports.metrics]]` with `api = …`).

A platform is one module with a `Client` subclass (see base.py) registered in PLATFORMS, and a
fake server under tests/fake_ads/ that its tests run against. pulling.py turns a client's rows
into the same canonical rows and immutable snapshots as files and SQL.
"""

from __future__ import annotations

import importlib

from bot.model.platforms import PLATFORMS


def client_class(api: str):
    target = PLATFORMS.get(api)
    if not target:
        raise KeyError(api)
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)
