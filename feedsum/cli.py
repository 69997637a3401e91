"""The `feedsum` command: parse the command line and run one command on parts from feedsum/root.py."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dotenv import load_dotenv

from bot.model.config import ConfigError, Settings, load_config
from bot.text.i18n import env_locale, locales, t_plain
from feedsum import metrics_cli, sources_cli
from feedsum.demo import run_demo
from feedsum.errors import CliError, talking_to_slack
from feedsum.root import api_kit, started, utcnow, workspaces_of
from handlers.server import make_server
from handlers.socket_mode import SocketModeHandler
from storage import BackupError, Store, backup_file

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
    metrics_cli.add_arguments(p)
    sources_cli.add_arguments(sub)
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
        return COMMANDS[args.command](settings, args)
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


def _check(settings: Settings, args) -> int:
    path = Path(settings.config_path)
    if not path.exists():
        where = "FEEDSUM_CONFIG" if os.environ.get("FEEDSUM_CONFIG") else "the default; set FEEDSUM_CONFIG to change it"
        raise CliError(f"no report file at {path.resolve()} ({where}). Start from this minimal "
                       f"feedsum.toml and run `feedsum check` again:\n\n{STARTER_TOML}")
    reports = load_config(path, must_exist=True)
    print(t_plain(cli_locale(), "cli.check_ok", file=settings.config_path, count=len(reports),
                  ids=", ".join(r.id for r in reports)))
    return 0


def _metrics(settings: Settings, args) -> int:
    args.files = _export_files(args.files)
    return metrics_cli.run_args(args)


EXPORT_SUFFIXES = (".csv", ".tsv", ".xlsx")


def _export_files(names: list[str]) -> list[str]:
    """Files as given; a folder stands for the exports directly inside it."""
    files = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES)
            if not found:
                raise CliError(f"no exports in the folder {name} (looked for .csv, .tsv and .xlsx files)")
            files += found
        elif not path.exists():
            raise CliError(f"no such file: {name}")
        else:
            files.append(name)
    return files


def _backup(settings: Settings, args) -> int:
    """A verified copy of FEEDSUM_DB; under cron a missing or empty database must fail loudly."""
    try:
        counts = backup_file(settings.db_path, args.path)
    except BackupError as exc:
        if not exc.source:
            raise CliError(f"backup to {exc.path}: {exc.problem}; nothing was backed up") from None
        raise CliError(f"database {exc.path} (FEEDSUM_DB) {exc.problem}; nothing was backed up. Point "
                       "FEEDSUM_DB at the database feedsum runs with") from None
    print(t_plain(cli_locale(), "cli.backed_up", db=settings.db_path, path=args.path, rows=sum(counts.values()),
                  tables=len(counts)))
    width = max(map(len, counts))
    for table, rows in counts.items():
        print(f"  {table:<{width}}  {rows:>9}")
    return 0


def _demo(settings: Settings, args) -> int:
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".feedsum-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write there ({exc.strerror or exc}); choose a folder you can write to") from None
    return run_demo(out, locale=args.locale)


def _describe_rows(rows: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in sorted(rows.items()))


def _list_workspaces(settings: Settings, args) -> int:
    store = Store.open(settings.db_path)
    workspaces, gone = workspaces_of(settings, store), store.workspaces.removals()
    data = store.workspaces.team_data()
    if not data:
        print(t_plain(cli_locale(), "cli.no_workspaces", db=settings.db_path))
        return 0
    for team in sorted(data):
        with talking_to_slack(settings):
            how = workspaces.installed(team)
        if how:
            state = f"served ({how})"
        elif team in gone:
            state = f"removed the app {gone[team].at[:16].replace('T', ' ')} ({gone[team].reason})"
        else:
            state = "not installed"
        print(f"{team}  {state}  {_describe_rows(data[team])}")
    return 0


def _forget_workspace(settings: Settings, args) -> int:
    team = args.team.strip()
    store = Store.open(settings.db_path)
    workspaces = workspaces_of(settings, store)
    with talking_to_slack(settings):
        how = workspaces.installed(team)
    if how:
        raise CliError(f"workspace {team} still has the app ({how}): remove the app there first "
                       "(Slack: workspace settings → Manage apps), or its reports would be served again")
    rows = store.workspaces.team_data().get(team)
    if not rows:
        known = ", ".join(sorted(store.workspaces.team_data())) or "none"
        raise CliError(f"no data for workspace {team} in {settings.db_path} (workspaces with data: {known})")
    print(f"workspace {team}: {_describe_rows(rows)}")
    if not args.yes:
        try:
            answer = input(f"Type {team} to delete all of it for good: ").strip()
        except EOFError:
            answer = ""
        if answer != team:
            raise CliError("not confirmed: nothing deleted (type the workspace id, or pass --yes)")
    deleted = store.workspaces.forget_team(team)
    if workspaces.store is not None:
        workspaces.store.delete_all(enterprise_id=None, team_id=team)  # user installations, if any
    log.info("forgot workspace %s: %s", team, _describe_rows(deleted))
    print(f"deleted workspace {team}: {_describe_rows(deleted)}. Reports of it in {settings.config_path} "
          "come back on the next start: remove them there too.")
    return 0


def _run(settings: Settings, args) -> int:
    root = started(settings)
    # A platform's stop (SIGTERM) ends the server like Ctrl-C does, through the `finally` below:
    # work already acknowledged to users (fan-outs, posts, modals) is finished before exiting.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = None
    if not args.no_scheduler:
        scheduler = root.start_scheduler(utcnow)
    try:
        if settings.app_token:
            log.info("feedsum: Socket Mode")
            with talking_to_slack(settings, quiet=False):  # it runs for good: its logs matter
                SocketModeHandler(root.app, settings.app_token).start()
        else:
            settings.require("SLACK_SIGNING_SECRET")
            ready = threading.Event()
            port = args.port or settings.port
            try:
                server = make_server(root.app, port=port, ready=ready, guard=root.deps.guard)
            except OSError as exc:
                raise CliError(f"cannot listen on port {port} ({exc.strerror or exc}): free it, or choose "
                               "another with --port or PORT") from None
            ready.set()
            log.info("feedsum: HTTP on port %s (POST /slack/events, GET /healthz)", port)
            server.run()
    finally:
        if scheduler:
            scheduler.shutdown(wait=False)
        log.info("feedsum: finishing the work already acknowledged, then stopping")
        root.shutdown(wait=True)
    return 0


def _tick(settings: Settings, args) -> int:
    example = "e.g. --now 2026-11-26T10:00+08:00"
    try:
        now = datetime.fromisoformat(args.now) if args.now else utcnow()
    except ValueError:
        raise CliError(f"--now: {args.now!r} is not an ISO 8601 instant; {example}") from None
    if now.tzinfo is None:
        raise CliError(f"--now: {args.now!r} has no UTC offset; {example}")
    for line in started(settings, clock=lambda: now).tick(now, dry_run=args.dry_run):
        print(line)
    return 0


def _scheduler(settings: Settings, args) -> int:
    scheduler = started(settings).start_scheduler(utcnow)
    try:
        while True:
            time.sleep(3600)
    finally:
        scheduler.shutdown(wait=False)


def _sources(settings: Settings, args) -> int:
    if args.action == "check":
        return sources_cli.check(settings, args, kit=api_kit(settings))
    return sources_cli.listing(settings, args)


def _pull(settings: Settings, args) -> int:
    return sources_cli.pull(settings, args)


COMMANDS = {"sources": _sources, "pull": _pull, "demo": _demo, "run": _run, "tick": _tick, "scheduler": _scheduler, "metrics": _metrics,
            "backup": _backup, "check": _check, "workspaces": _list_workspaces,
            "forget-workspace": _forget_workspace}


if __name__ == "__main__":
    sys.exit(main())
