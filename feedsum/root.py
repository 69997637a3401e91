"""The composition root: the one place where feedsum's parts are made and wired together.

`build(settings)` opens the store and makes the Slack client, the workspaces (which token serves
which team), the rate limiter, the outbox, the fan-out pacer, the data pulls, the month-end
service, the request guard, what listeners are given (`Deps`) and the Bolt app with its
listeners. `feedsum run`, `tick`, `scheduler`, `pull` and `demo`, the benchmarks and the tests
all start from it; nothing else constructs these parts. `Root.load_reports` then makes the
database's file-managed reports match the config file (or the reports given).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from slack_bolt import App
from slack_sdk import WebClient

from bot.core import runner
from bot.core.service import Feedsum
from bot.data.metrics import Metrics
from bot.data.sources.pulling import ApiKit
from bot.model.config import ConfigError, Report, Settings, load_config
from feedsum.startup import talking_to_slack
from handlers.app import bolt_app, web_client
from handlers.deps import Deps
from handlers.oauth import Workspaces, installation_store, oauth_settings
from handlers.outbox import SlackOutbox
from handlers.pacer import Pacer
from handlers.ratelimit import Limiter, Limits
from handlers.server import RequestGuard
from storage import Store

log = logging.getLogger("feedsum")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Root:
    """A built feedsum: the Bolt app and what its listeners, the scheduler and the CLI share."""

    settings: Settings
    store: Store
    client: WebClient  # the default workspace's client (SLACK_BOT_TOKEN)
    app: App
    deps: Deps
    pacer: Pacer

    @property
    def core(self) -> Feedsum:
        return self.deps.core

    @property
    def workspaces(self) -> Workspaces:
        return self.deps.workspaces

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.deps.clock

    def load_reports(self, reports: list[Report] | None = None, *, team_id: str | None = None,
                     now: datetime | None = None) -> None:
        """Make the database's file-managed reports match `reports` (default: the config file).
        Reports without a team_id belong to `team_id` (default: SLACK_BOT_TOKEN's workspace)."""
        settings = self.settings
        if reports is None:
            reports = load_config(settings.config_path)
        if team_id is None:
            with talking_to_slack(settings):
                team_id = self.workspaces.default_team() or ""
        for i, r in enumerate(reports):
            if not (r.team_id or team_id):
                raise ConfigError(settings.config_path, f"reports[{i}].team_id",
                                  "is required in multi-workspace (OAuth) mode without SLACK_BOT_TOKEN")
        sync_reports(self.core, reports, team_id, now or self.clock())

    def tick(self, now: datetime, *, dry_run: bool = False) -> list[str]:
        """One scheduler pass over the reports of every workspace served."""
        return runner.tick(self.core, now, dry_run=dry_run, serves=self.workspaces.serves)

    def start_scheduler(self, clock: Callable[[], datetime] = utcnow):
        """The month-end scheduler, ticking every minute in the background."""
        return runner.start_scheduler(self.core, clock, self.workspaces.serves)

    def shutdown(self, wait: bool = True) -> None:
        """Finish (or with wait=False, drop) the work already acknowledged to users."""
        self.deps.shutdown(wait=wait)
        self.pacer.close()  # its idle senders end now instead of after their idle timeout


def build(settings: Settings, *, clock: Callable[[], datetime] = utcnow, limits: Limits | None = None,
          default_locale: str = "zh-CN") -> Root:
    """Open the database and make every part (Bolt checks the bot token with one auth.test).

    `limits`: the Slack rate limits the outbox paces itself to (default: the published ones;
    the demo, tests and benchmarks against the fake Web API speed them up or turn pacing off)."""
    if not settings.oauth:  # multi-workspace mode gets each workspace's token from its installation
        settings.require("SLACK_BOT_TOKEN")
    if (settings.bot_token or "").startswith("xoxe."):
        # A rotating token lasts 12 hours and only an installation's refresh token renews it.
        log.warning("SLACK_BOT_TOKEN is a rotating token (xoxe.…): it stops working within 12 hours. "
                    "Install the workspace through /slack/install (SLACK_CLIENT_ID/SECRET) so that feedsum "
                    "refreshes it, or turn token rotation off for the app")
    store = Store.open(settings.db_path)
    client = web_client(settings)
    # Multi-workspace (OAuth) mode: each team's installed bot token, and SLACK_BOT_TOKEN for its
    # own workspace; token mode: the one token. `workspaces` decides for requests, outbox and scheduler.
    oauth = oauth_settings(settings) if settings.oauth else None
    workspaces = Workspaces(settings, store, default_client=client, make_client=web_client, clock=clock,
                            store=oauth.installation_store if oauth else None)
    if oauth:
        with talking_to_slack(settings):
            workspaces.default_team()  # known before any event names it (one auth.test, as in token mode)
    limiter = Limiter(limits or Limits())
    outbox = SlackOutbox(workspaces.client_for, on_token_revoked=workspaces.token_revoked, limiter=limiter,
                         store=store, clock=clock, api_base_url=settings.api_base_url)
    # Fan-outs (prompts, reminders) run on a few threads, each send as soon as its buckets allow.
    pacer = Pacer(limiter, outbox.known_dm, outbox.dm_channel)
    core = Feedsum(store, outbox, data=Metrics(store, api=api_kit(settings)), lease_seconds=settings.lease_seconds,
                   fanout=pacer)
    deps = Deps(core=core, outbox=outbox, clock=clock, default_locale=default_locale, workspaces=workspaces,
                config_path=settings.config_path,
                guard=RequestGuard(settings.signing_secret, store) if settings.signing_secret else None)
    app = bolt_app(settings, client, deps, oauth)
    return Root(settings=settings, store=store, client=client, app=app, deps=deps, pacer=pacer)


def started(settings: Settings, *, clock: Callable[[], datetime] = utcnow) -> Root:
    """What `feedsum run`, `tick`, `scheduler` and `pull` work with: every part built and the
    config file's reports loaded. Slack's start-up refusals become one-line CliErrors."""
    reports = load_config(settings.config_path)  # a bad file is told before anything else is tried
    with talking_to_slack(settings):
        root = build(settings, clock=clock)
    root.load_reports(reports)
    return root


def api_kit(settings: Settings) -> ApiKit:
    """What the ad platforms' API clients share (the key that encrypts their stored tokens)."""
    return ApiKit(secret_key=settings.secret_key)


def offline_core(settings: Settings) -> Feedsum:
    """The service over the database alone, for commands that send nothing (`feedsum sources`)."""
    store = Store.open(settings.db_path)
    return Feedsum(store, None, data=Metrics(store))


def workspaces_of(settings: Settings, store: Store, clock: Callable[[], datetime] = utcnow) -> Workspaces:
    """Who is served, without building the Slack app (no Slack call until a question needs one)."""
    return Workspaces(settings, store, default_client=web_client(settings) if settings.bot_token else None,
                      store=installation_store(settings) if settings.oauth else None, make_client=web_client,
                      clock=clock)


def sync_reports(core: Feedsum, reports: list[Report], team_id: str, now: datetime) -> None:
    """Make the database's file-managed reports match the config file."""
    store = core.store
    for r in reports:
        store.reports.upsert(r.team_id or team_id, replace(r, team_id=r.team_id or team_id).to_dict(),
                             actor="config", now=now)
    keep = {(r.team_id or team_id, r.id) for r in reports}
    stale = [d for d in store.reports.all(source="config") if (d["team_id"], d["id"]) not in keep]
    for d in stale:
        store.reports.remove(d["team_id"], [d["id"]], actor="config", now=now)
