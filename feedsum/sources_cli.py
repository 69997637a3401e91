"""`feedsum sources [check]` and `feedsum pull`: the configured data sources from the command line."""

from __future__ import annotations

import os
import sys
from datetime import datetime

from tqdm import tqdm

from bot.core.service import Feedsum
from bot.data.sources import client_class
from bot.data.sources.base import ApiError
from bot.data.sources.pulling import ApiKit
from bot.model import periods
from bot.model.config import Report, Settings, load_config
from bot.text.i18n import env_locale, t_plain
from feedsum.errors import CliError
from feedsum.root import offline_core, started, utcnow
from storage import Store


def _chosen(reports: list[Report], wanted: str | None, where: str) -> list[Report]:
    if wanted:
        reports = [r for r in reports if r.id == wanted]
        if not reports:
            raise CliError(f"--report {wanted}: no such report in {where}")
    return [r for r in reports if r.metrics]


def check(settings: Settings, args, *, kit=None, out=None) -> int:
    """Every API source asked what it can see: account, currency, time zone, campaigns. Secrets
    are never printed; nothing is stored (tokens minted here stay in memory), except the rotated
    tokens of 巨量引擎 and 腾讯广告, which must be kept for the bot."""
    out = out or sys.stdout
    kit = kit or ApiKit()
    reports = _chosen(load_config(settings.config_path, must_exist=True), args.report, settings.config_path)
    if not reports:
        raise CliError(f"no report in {settings.config_path} has [[reports.metrics]] sources")
    failed = 0
    now = datetime.now().astimezone()
    store = None
    for report in reports:
        for source in report.metrics:
            head = f"{report.id}  {source.label}"
            if not source.api:
                kind = "SQL query" if source.url else "files"
                print(f"{head}  ({kind}: read by `feedsum pull`, nothing to sign in to)", file=out)
                continue
            try:
                if getattr(client_class(source.api), "rotates_tokens", False) and store is None:
                    # A platform that replaces its refresh token at each refresh: the new one must be
                    # kept (encrypted) where the bot finds it, or the next pull could not sign in.
                    store = Store.open(settings.db_path)
                account = kit.client(store, report, source, now).check()
            except ApiError as exc:
                failed += 1
                print(f"{head}  FAILED  {exc}", file=out)
                continue
            seen = [f'"{account.name}"' if account.name else None, account.currency, account.timezone,
                    f"{account.campaigns} campaigns" if account.campaigns is not None else None]
            print(f"{head}  OK  {' · '.join(s for s in seen if s)}", file=out)
            for note in account.notes:
                print(f"    {note}", file=out)
    if failed:
        raise CliError(f"{failed} source(s) failed the check (above); fix their credentials and run it again")
    return 0


def listing(settings: Settings, args, out=None) -> int:
    """Each source's last pull, rows and state, from the database."""
    out = out or sys.stdout
    core = offline_core(settings)
    reports = _chosen(core.all_reports(), args.report, settings.db_path)
    if not reports:
        print(f"no report with data sources in {settings.db_path}", file=out)
        return 0
    for report in reports:
        print(f"{report.id} ({report.team_id or 'no workspace'})", file=out)
        for st in core.source_states(report):
            what = " · ".join(str(x) for x in (st.account_name, st.currency, st.timezone) if x)
            when = st.last_pull_at
            state = (f"FAILING since {st.since}: {st.error}" if st.error
                     else "ok" if when else "not pulled yet")
            rows = f"{st.rows} rows" if st.rows is not None else ""
            print("  " + "  ".join(x for x in (st.source, what, f"last pull {when}" if when else "", rows, state) if x),
                  file=out)
    return 0


def pull(settings: Settings, args, *, core: Feedsum | None = None, clock=None, out=None) -> int:
    """Pull every (or one) report's sources now, like `/feedsum refresh`, with a progress bar.
    `core`: the service to pull with (default: one built from the settings and the config file)."""
    out = out or sys.stdout
    clock = clock or utcnow
    month = None
    if args.month:
        try:
            month = periods.parse_period(args.month)
        except periods.PeriodError:
            raise CliError(f"--month: {args.month!r} is not a month; write it like 2026-11") from None
    core = core or started(settings, clock=clock).core
    reports = _chosen(core.all_reports(), args.report, f"{settings.config_path} or Slack")
    if not reports:
        raise CliError("no report has [[reports.metrics]] sources to pull")
    failed = 0
    for report in reports:
        now = clock()
        period = month or periods.default_period(now.astimezone(report.tz))
        with tqdm(total=len(report.metrics), desc=f"{report.id} {period}", unit="source", file=sys.stderr,
                  leave=False) as bar:
            def step(label: str, bar=bar) -> None:
                bar.set_postfix_str(label[:40])
                bar.update()

            pulls = core.pull(report, period, now, progress=step)
        print(f"{report.id} {period}:", file=out)
        loc = env_locale(os.environ)
        for p in pulls:
            if p.error:
                failed += 1
                print(t_plain(loc, "cli.pull.failed", source=p.source, error=p.error), file=out)
            else:
                o = p.outcome
                print(t_plain(loc, "cli.pull.rows", source=p.source, rows=o.rows,
                              state=t_plain(loc, "cli.pull.new" if o.new else "cli.pull.unchanged")), file=out)
    if failed:
        raise CliError(f"{failed} source(s) could not be pulled (above); the last good data is kept")
    return 0
