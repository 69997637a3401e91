"""The `feedsum` command: the composition root. Everything is wired here and nowhere else."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.config import ConfigError, Report, Settings, load_config

log = logging.getLogger("feedsum")


def utcnow() -> datetime:
    return datetime.now(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="feedsum", description="Monthly work summaries for in-feed ads teams, in Slack.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="run a whole month offline against a built-in fake Slack")
    p.add_argument("--out", default="demo-out", help="folder for summary.md and blocks.json (default: demo-out)")
    p.add_argument("--locale", choices=("zh-CN", "en"), default="zh-CN")
    p = sub.add_parser("run", help="serve Slack (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)")
    p.add_argument("--no-scheduler", action="store_true", help="don't run the month-end scheduler in this process")
    p.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")
    p = sub.add_parser("tick", help="run one scheduler pass and exit (for cron)")
    p.add_argument("--now", help="pretend it is this instant (ISO 8601 with offset)")
    p.add_argument("--dry-run", action="store_true", help="print what would happen, change nothing")
    sub.add_parser("scheduler", help="run the month-end scheduler alone (the `clock` process)")
    p = sub.add_parser("metrics", help="read ad-platform exports and print KPIs")
    from bot.metrics_cli import add_arguments

    add_arguments(p)
    p = sub.add_parser("backup", help="copy the database safely while the bot runs")
    p.add_argument("path")
    sub.add_parser("check", help="validate the configuration and exit")
    args = parser.parse_args(argv)

    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env")
    try:
        settings = Settings.from_env(os.environ)
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return COMMANDS[args.command](settings, args)
    except ConfigError as exc:
        print(f"feedsum: configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _check(settings: Settings, args) -> int:
    reports = load_config(settings.config_path, must_exist=True)
    print(f"{settings.config_path}: {len(reports)} report(s) OK: {', '.join(r.id for r in reports)}")
    return 0


def _metrics(settings: Settings, args) -> int:
    from bot import metrics_cli

    return metrics_cli.run_args(args)


def _backup(settings: Settings, args) -> int:
    from storage.db import backup, open_db

    db = open_db(settings.db_path)
    backup(db, args.path)
    print(f"backed up {settings.db_path} to {args.path}")
    return 0


def _demo(settings: Settings, args) -> int:
    from bot.demo import run_demo

    return run_demo(Path(args.out), locale=args.locale)


def sync_reports(core, reports: list[Report], team_id: str, now: datetime) -> None:
    """Make the database's file-managed reports match the config file."""
    from dataclasses import replace

    from storage import repo

    for r in reports:
        repo.upsert_report(core.db, r.team_id or team_id, replace(r, team_id=r.team_id or team_id).to_dict(),
                           actor="config", now=now)
    keep = {(r.team_id or team_id, r.id) for r in reports}
    stale = [d for d in repo.reports_data(core.db, source="config") if (d["team_id"], d["id"]) not in keep]
    for d in stale:
        repo.remove_reports(core.db, d["team_id"], [d["id"]], actor="config", now=now)


def build(settings: Settings, *, clock=utcnow):
    """Open the database, build the client, core and app, and load the reports."""
    from handlers.app import create_app, web_client
    from storage.db import open_db

    if not settings.oauth:  # multi-workspace mode gets each workspace's token from its installation
        settings.require("SLACK_BOT_TOKEN")
    reports = load_config(settings.config_path)
    db = open_db(settings.db_path)
    client = web_client(settings)
    app, deps = create_app(settings, client, db, clock)
    team_id = client.auth_test()["team_id"] if settings.bot_token else ""
    for i, r in enumerate(reports):
        if not (r.team_id or team_id):
            raise ConfigError(settings.config_path, f"reports[{i}].team_id",
                              "is required in multi-workspace (OAuth) mode without SLACK_BOT_TOKEN")
    sync_reports(deps.core, reports, team_id, clock())
    return app, deps


def _run(settings: Settings, args) -> int:
    import threading

    app, deps = build(settings)
    scheduler = None
    if not args.no_scheduler:
        from bot.runner import start_scheduler

        scheduler = start_scheduler(deps.core, utcnow)
    try:
        if settings.app_token:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("feedsum: Socket Mode")
            SocketModeHandler(app, settings.app_token).start()
        else:
            from handlers.server import make_server

            settings.require("SLACK_SIGNING_SECRET")
            ready = threading.Event()
            server = make_server(app, port=args.port or settings.port, ready=ready)
            ready.set()
            log.info("feedsum: HTTP on port %s (POST /slack/events, GET /healthz)", args.port or settings.port)
            server.run()
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
    return 0


def _tick(settings: Settings, args) -> int:
    from bot.runner import tick

    now = datetime.fromisoformat(args.now) if args.now else utcnow()
    if now.tzinfo is None:
        raise ConfigError("command line", "--now", "give an offset, e.g. 2026-11-26T10:00:00+08:00")
    _app, deps = build(settings, clock=lambda: now)
    for line in tick(deps.core, now, dry_run=args.dry_run):
        print(line)
    return 0


def _scheduler(settings: Settings, args) -> int:
    import time

    from bot.runner import start_scheduler

    _app, deps = build(settings)
    scheduler = start_scheduler(deps.core, utcnow)
    try:
        while True:
            time.sleep(3600)
    finally:
        scheduler.shutdown(wait=False)


COMMANDS = {"demo": _demo, "run": _run, "tick": _tick, "scheduler": _scheduler, "metrics": _metrics,
            "backup": _backup, "check": _check}


if __name__ == "__main__":
    sys.exit(main())
