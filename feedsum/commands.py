"""The commands that serve Slack or act on its workspaces: `run`, `tick`, `scheduler`, `demo`,
`sources`, `pull`, `workspaces` and `forget-workspace`, each on parts built by feedsum/root.py."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

from bot.model.config import Settings
from bot.text.i18n import env_locale, t_plain
from feedsum import sources_cli
from feedsum.demo import run_demo
from feedsum.errors import CliError
from feedsum.root import api_kit, started, utcnow, workspaces_of
from feedsum.startup import talking_to_slack
from handlers.server import make_server
from handlers.socket_mode import SocketModeHandler
from storage import Store

log = logging.getLogger("feedsum")


def demo(settings: Settings, args) -> int:
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


def list_workspaces(settings: Settings, args) -> int:
    store = Store.open(settings.db_path)
    workspaces, gone = workspaces_of(settings, store), store.workspaces.removals()
    data = store.workspaces.team_data()
    if not data:
        print(t_plain(env_locale(os.environ), "cli.no_workspaces", db=settings.db_path))
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


def forget_workspace(settings: Settings, args) -> int:
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


def run(settings: Settings, args) -> int:
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


def tick(settings: Settings, args) -> int:
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


def scheduler(settings: Settings, args) -> int:
    scheduler = started(settings).start_scheduler(utcnow)
    try:
        while True:
            time.sleep(3600)
    finally:
        scheduler.shutdown(wait=False)


def sources(settings: Settings, args) -> int:
    if args.action == "check":
        return sources_cli.check(settings, args, kit=api_kit(settings))
    return sources_cli.listing(settings, args)


def pull(settings: Settings, args) -> int:
    return sources_cli.pull(settings, args)
