"""The `feedsum` command: parse the command line and run one command on parts from feedsum/root.py."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import tempfile
import traceback
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dotenv import load_dotenv

from bot.model.config import ConfigError, Settings, load_config
from bot.text.i18n import env_locale, locales, t_plain
from feedsum import metrics_args
from feedsum.errors import CliError

log = logging.getLogger("feedsum")


STARTER_TOML = """\
[[reports]]
id = "feed-ads"
name = "In-feed Ads Team"
channel = "C0123456789"       # the channel the summary is posted to (channel details → ID)
admins = ["U0123456789"]      # Slack member ids (profile → ⋯ → Copy member ID)
locale = "zh-CN"              # or "en"
timezone = "Asia/Shanghai"
"""


def _version() -> str:
    try:
        return version("feedsum")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def cli_locale() -> str:
    """The command line's language: from LC_ALL, LC_MESSAGES or LANG (English when unset or C)."""
    return env_locale(os.environ)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; every option carries its help text (tests check)."""
    parser = argparse.ArgumentParser(prog="feedsum", description="Monthly work summaries for in-feed ads teams, in Slack.")
    parser.add_argument("--version", action="version", version=f"feedsum {_version()}",
                        help="print the installed version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("demo", help="run a whole month offline against a built-in fake Slack")
    p.add_argument("--out", default="demo-out", help="folder for summary.md and blocks.json (default: demo-out)")
    p.add_argument("--locale", choices=locales(), default="zh-CN", help="language of the demo (default: zh-CN)")
    p = sub.add_parser("run", help="serve Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    p.add_argument("--no-scheduler", action="store_true", help="don't run the month-end scheduler in this process")
    p.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")
    p = sub.add_parser("tick", help="run one scheduler pass and exit (for cron)")
    p.add_argument("--now", help="pretend it is this instant (ISO 8601 with offset, e.g. 2026-11-26T10:00+08:00)")
    p.add_argument("--dry-run", action="store_true", help="print what would happen, change nothing")
    sub.add_parser("scheduler", help="run the month-end scheduler alone (the `clock` process)")
    p = sub.add_parser("metrics", help="read ad-platform exports and print KPIs")
    metrics_args.add_arguments(p)
    p = sub.add_parser("sources", help="list each data source's last pull and state; `check` tests credentials")
    p.add_argument("action", nargs="?", choices=("check",),
                   help="check: ask every API source's platform what its credentials can see (no data is stored)")
    p.add_argument("--report", help="only this report id")
    p = sub.add_parser("pull", help="pull the configured data sources now, with a progress bar")
    p.add_argument("--report", help="only this report id (default: every report with sources)")
    p.add_argument("--month", help="the month to pull, YYYY-MM (default: the month being summarised now)")
    p = sub.add_parser("backup", help="copy the database safely while the bot runs")
    p.add_argument("path", help="where to write the copy")
    sub.add_parser("check", help="validate the configuration and exit")
    sub.add_parser("workspaces", help="list the workspaces with data: served, or removed the app and when")
    p = sub.add_parser("forget-workspace", help="delete everything stored for a workspace that removed the app")
    p.add_argument("team", metavar="TEAM_ID", help="the workspace id (T…), as `feedsum workspaces` lists it")
    p.add_argument("--yes", action="store_true", help="don't ask for confirmation")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    load_dotenv(Path.cwd() / ".env")
    try:
        settings = Settings.from_env(os.environ)
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return command(args.command)(settings, args)
    except ConfigError as exc:
        print(t_plain(cli_locale(), "cli.config_error", error=exc), file=sys.stderr)
        return 2
    except CliError as exc:
        print(f"feedsum: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a bug: one line for the operator, the traceback kept in a file
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    error_id = uuid.uuid4().hex[:8]
    path = Path(tempfile.gettempdir()) / f"feedsum-error-{error_id}.log"
    try:
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        where = t_plain(cli_locale(), "cli.unexpected.details", path=path)
    except OSError:
        log.exception("unexpected error %s", error_id)
        where = t_plain(cli_locale(), "cli.unexpected.logged", id=error_id)
    print(t_plain(cli_locale(), "cli.unexpected", error=f"{type(exc).__name__}: {exc}", where=where), file=sys.stderr)
    return 1


def check(settings: Settings, args) -> int:
    path = Path(settings.config_path)
    if not path.exists():
        where = "FEEDSUM_CONFIG" if os.environ.get("FEEDSUM_CONFIG") else "the default; set FEEDSUM_CONFIG to change it"
        raise CliError(f"no report file at {path.resolve()} ({where}). Start from this minimal "
                       f"feedsum.toml and run `feedsum check` again:\n\n{STARTER_TOML}")
    reports = load_config(path, must_exist=True)
    print(t_plain(cli_locale(), "cli.check_ok", file=settings.config_path, count=len(reports),
                  ids=", ".join(r.id for r in reports)))
    return 0


# Each command's module is imported when that command runs, and only then: `feedsum --help`,
# `check`, `backup` and `metrics` need not load Slack, the scheduler and the claim checker first
# (start-up is most of a small command's time). The one place that imports modules by name.
COMMANDS = {
    "check": "feedsum.cli:check", "backup": "feedsum.upkeep:backup", "metrics": "feedsum.metrics_cli:from_cli",
    "demo": "feedsum.commands:demo", "run": "feedsum.commands:run", "tick": "feedsum.commands:tick",
    "scheduler": "feedsum.commands:scheduler", "sources": "feedsum.commands:sources",
    "pull": "feedsum.commands:pull", "workspaces": "feedsum.commands:list_workspaces",
    "forget-workspace": "feedsum.commands:forget_workspace",
}


def command(name: str):
    module, function = COMMANDS[name].split(":")
    return getattr(importlib.import_module(module), function)



if __name__ == "__main__":
    sys.exit(main())
