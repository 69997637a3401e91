"""The `feedsum` command: the composition root. Everything is wired here and nowhere else."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.model.config import ConfigError, Report, Settings, load_config
from bot.text.i18n import env_locale, locales, t_plain

log = logging.getLogger("feedsum")


def utcnow() -> datetime:
    return datetime.now(UTC)


class CliError(Exception):
    """A problem the operator can fix: printed as one line (what is wrong and what to do), exit 2."""


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
    from importlib.metadata import PackageNotFoundError, version

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
    from feedsum.metrics_cli import add_arguments

    add_arguments(p)
    from feedsum.sources_cli import add_arguments as add_source_arguments

    add_source_arguments(sub)
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

    from dotenv import load_dotenv

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
    import tempfile
    import traceback
    import uuid

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


def _slack_error(exc: Exception, settings: Settings) -> CliError | None:
    """Start-up failures talking to Slack, said as which setting to fix."""
    import urllib.error

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError) and "apps.connections.open" in str(exc.response.api_url):
        code = exc.response.get("error")
        return CliError(f"SLACK_APP_TOKEN was refused by Slack ({code}): use an app-level token (xapp-…) with "
                        "connections:write (app settings → Basic Information → App-Level Tokens)")
    if isinstance(exc, (SlackApiError, BoltError)) and ("auth.test" in str(exc) or "invalid_auth" in str(exc)):
        code = next((c for c in ("invalid_auth", "token_revoked", "account_inactive", "not_authed")
                     if c in str(exc)), "refused")
        return CliError(f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the Bot User OAuth Token (xoxb-…) "
                        "from the app's OAuth & Permissions page, or reinstall the app")
    if isinstance(exc, (urllib.error.URLError, ConnectionError, TimeoutError)):
        reason = getattr(exc, "reason", exc)
        return CliError(f"cannot reach Slack at {settings.api_base_url} ({reason}): check the network or proxy "
                        "(HTTPS_PROXY), or SLACK_API_BASE_URL")
    return None


@contextlib.contextmanager
def _talking_to_slack(settings: Settings, *, quiet: bool = True):
    """Turn Slack start-up errors into one-line answers; anything else passes through. slack_sdk's
    own log lines about the same failure (its retries) are held back: the answer says it all."""
    sdk = logging.getLogger("slack_sdk.web.base_client")
    level = sdk.level
    if quiet and not log.isEnabledFor(logging.DEBUG):
        sdk.setLevel(logging.CRITICAL)
    try:
        yield
    except Exception as exc:
        err = _slack_error(exc, settings)
        if err is None:
            raise
        raise err from exc
    finally:
        sdk.setLevel(level)


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
    from feedsum import metrics_cli
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
    from storage import BackupError, backup_file

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
    from feedsum.demo import run_demo

    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".feedsum-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise CliError(f"--out {out}: cannot write there ({exc.strerror or exc}); choose a folder you can write to") from None
    return run_demo(out, locale=args.locale)


def _workspaces_of(settings: Settings, store, clock=utcnow):
    """Who is served, without building the Slack app (no Slack call until a question needs one)."""
    from handlers.app import web_client
    from handlers.oauth import Workspaces, installation_store

    return Workspaces(settings, store, default_client=web_client(settings) if settings.bot_token else None,
                      store=installation_store(settings) if settings.oauth else None, make_client=web_client,
                      clock=clock)


def _describe_rows(rows: dict[str, int]) -> str:
    return ", ".join(f"{table} {n}" for table, n in sorted(rows.items()))


def _list_workspaces(settings: Settings, args) -> int:
    from storage import Store

    store = Store.open(settings.db_path)
    workspaces, gone = _workspaces_of(settings, store), store.workspaces.removals()
    data = store.workspaces.team_data()
    if not data:
        print(t_plain(cli_locale(), "cli.no_workspaces", db=settings.db_path))
        return 0
    for team in sorted(data):
        with _talking_to_slack(settings):
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
    from storage import Store

    team = args.team.strip()
    store = Store.open(settings.db_path)
    workspaces = _workspaces_of(settings, store)
    with _talking_to_slack(settings):
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


def sync_reports(core, reports: list[Report], team_id: str, now: datetime) -> None:
    """Make the database's file-managed reports match the config file."""
    from dataclasses import replace

    store = core.store
    for r in reports:
        store.reports.upsert(r.team_id or team_id, replace(r, team_id=r.team_id or team_id).to_dict(),
                             actor="config", now=now)
    keep = {(r.team_id or team_id, r.id) for r in reports}
    stale = [d for d in store.reports.all(source="config") if (d["team_id"], d["id"]) not in keep]
    for d in stale:
        store.reports.remove(d["team_id"], [d["id"]], actor="config", now=now)


def build(settings: Settings, *, clock=utcnow):
    """Open the database, build the client, core and app, and load the reports."""
    from handlers.app import create_app, web_client
    from storage import Store

    if not settings.oauth:  # multi-workspace mode gets each workspace's token from its installation
        settings.require("SLACK_BOT_TOKEN")
    if (settings.bot_token or "").startswith("xoxe."):
        # A rotating token lasts 12 hours and only an installation's refresh token renews it.
        log.warning("SLACK_BOT_TOKEN is a rotating token (xoxe.…): it stops working within 12 hours. "
                    "Install the workspace through /slack/install (SLACK_CLIENT_ID/SECRET) so that feedsum "
                    "refreshes it, or turn token rotation off for the app")
    reports = load_config(settings.config_path)
    store = Store.open(settings.db_path)
    client = web_client(settings)
    with _talking_to_slack(settings):
        app, deps = create_app(settings, client, store, clock)
        team_id = deps.workspaces.default_team() or ""
    for i, r in enumerate(reports):
        if not (r.team_id or team_id):
            raise ConfigError(settings.config_path, f"reports[{i}].team_id",
                              "is required in multi-workspace (OAuth) mode without SLACK_BOT_TOKEN")
    sync_reports(deps.core, reports, team_id, clock())
    return app, deps


def _run(settings: Settings, args) -> int:
    import signal
    import threading

    app, deps = build(settings)
    # A platform's stop (SIGTERM) ends the server like Ctrl-C does, through the `finally` below:
    # work already acknowledged to users (fan-outs, posts, modals) is finished before exiting.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    scheduler = None
    if not args.no_scheduler:
        from bot.core.runner import start_scheduler

        scheduler = start_scheduler(deps.core, utcnow, deps.workspaces.serves)
    try:
        if settings.app_token:
            from handlers.socket_mode import SocketModeHandler

            log.info("feedsum: Socket Mode")
            with _talking_to_slack(settings, quiet=False):  # it runs for good: its logs matter
                SocketModeHandler(app, settings.app_token).start()
        else:
            from handlers.server import make_server

            settings.require("SLACK_SIGNING_SECRET")
            ready = threading.Event()
            port = args.port or settings.port
            try:
                server = make_server(app, port=port, ready=ready, guard=deps.guard)
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
        deps.shutdown(wait=True)
    return 0


def _tick(settings: Settings, args) -> int:
    from bot.core.runner import tick

    example = "e.g. --now 2026-11-26T10:00+08:00"
    try:
        now = datetime.fromisoformat(args.now) if args.now else utcnow()
    except ValueError:
        raise CliError(f"--now: {args.now!r} is not an ISO 8601 instant; {example}") from None
    if now.tzinfo is None:
        raise CliError(f"--now: {args.now!r} has no UTC offset; {example}")
    _app, deps = build(settings, clock=lambda: now)
    for line in tick(deps.core, now, dry_run=args.dry_run, serves=deps.workspaces.serves):
        print(line)
    return 0


def _scheduler(settings: Settings, args) -> int:
    import time

    from bot.core.runner import start_scheduler

    _app, deps = build(settings)
    scheduler = start_scheduler(deps.core, utcnow, deps.workspaces.serves)
    try:
        while True:
            time.sleep(3600)
    finally:
        scheduler.shutdown(wait=False)


def _sources(settings: Settings, args) -> int:
    from bot.data.sources.pulling import ApiKit
    from feedsum import sources_cli

    if args.action == "check":
        return sources_cli.check(settings, args, kit=ApiKit(secret_key=settings.secret_key))
    return sources_cli.listing(settings, args)


def _pull(settings: Settings, args) -> int:
    from feedsum import sources_cli
    return sources_cli.pull(settings, args)


COMMANDS = {"sources": _sources, "pull": _pull, "demo": _demo, "run": _run, "tick": _tick, "scheduler": _scheduler, "metrics": _metrics,
            "backup": _backup, "check": _check, "workspaces": _list_workspaces,
            "forget-workspace": _forget_workspace}


if __name__ == "__main__":
    sys.exit(main())
