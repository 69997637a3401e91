"""Docs kept honest: the manifest matches what the app registers; every setting is documented."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.model.config import SETTINGS_HELP
from handlers.app import LISTENERS

ROOT = Path(__file__).resolve().parent.parent


def registered(kind: str) -> set[str]:
    """What the listener modules register for `kind` (command, event, action, view), by name."""
    found: set[str] = set()

    class App:  # records app.<kind>(name)(listener)
        def __getattr__(self, registering: str):
            def matching(what, **_):
                if registering == kind and isinstance(what, str):
                    found.add(what)
                return lambda listener: listener
            return matching

    for surface in LISTENERS:
        surface.register(App())
    return found


def test_manifest_matches_registered_listeners():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    assert commands == registered("command")
    events = {e.split(".")[0] for e in manifest["settings"]["event_subscriptions"]["bot_events"]}
    assert events == registered("event")
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert registered("action") and registered("view")
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"chat:write", "commands", "im:write", "im:history", "users:read"} <= scopes
    assert len(manifest["display_information"]["name"]) <= 35
    assert len(manifest["display_information"]["description"]) <= 140


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in SETTINGS_HELP:
        assert f"`{name}`" in readme, name
        assert re.search(rf"^{name}=", env_example, re.M), name


def test_readme_starts_with_the_two_commands_ci_runs():
    first_lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("python3 -m pip install -e . && feedsum demo" in line for line in first_lines)
    assert any("python3 -m pip install -e '.[test]' && python3 -m pytest" in line for line in first_lines)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -e '.[test]'" in ci and "python3 -m pytest" in ci


def test_procfile_process_types_are_real_commands():
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    lines = [line for line in procfile.splitlines() if line and not line.startswith("#")]
    assert {line.split(":")[0] for line in lines} == {"worker", "web", "clock"}
    from feedsum.cli import COMMANDS

    for line in lines:
        assert line.split(":", 1)[1].split()[1] in COMMANDS


def test_every_command_is_in_help_readme_and_no_other_in_the_usage_hint():
    from handlers.command_text import COMMANDS
    from handlers.render import HELP

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        for locale, rows in HELP.items():
            assert any(cmd.split()[0] == name for cmd, _ in rows), (locale, name)
        assert f"/feedsum {name}" in readme or f"| `{name}" in readme, name
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
    hint = manifest["features"]["slash_commands"][0]["usage_hint"]
    words = {part.split()[0] for part in hint.split("|")}
    assert words <= set(COMMANDS) and "refresh" in words
