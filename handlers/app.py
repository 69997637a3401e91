"""The composition of the Bolt app: `create_app(settings, client, store, clock)`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.core.service import Feedsum
from bot.data.metrics import Metrics
from bot.data.sources.pulling import ApiKit
from bot.model.config import Settings
from bot.text.i18n import t
from handlers import abtest, actions, admin_views, commands, events, oauth, render, views
from handlers.deps import Deps, tell_user
from handlers.hooks import HooksPolicy, response_url_guard
from handlers.outbox import SlackOutbox
from handlers.pacer import Pacer
from handlers.ratelimit import Limiter, Limits
from storage import Store

log = logging.getLogger(__name__)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client on the configured base URL that waits out 429s (Retry-After)."""
    client = WebClient(token=token or settings.bot_token, base_url=settings.api_base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    return client


def _not_token_unused(record: logging.LogRecord) -> bool:
    return "`token` will be unused" not in record.getMessage()


def create_app(settings: Settings, client: WebClient, store: Store, clock: Callable[[], datetime], *,
               core: Feedsum | None = None, default_locale: str = "zh-CN",
               limits: Limits | None = None) -> tuple[App, Deps]:
    """Build the Bolt app and the core it shares with the scheduler and CLI.

    `limits`: the Slack rate limits the outbox paces itself to (default: the published ones;
    tests and benchmarks against the fake Web API speed them up or turn pacing off)."""
    # Multi-workspace (OAuth) mode: each team's installed bot token, and SLACK_BOT_TOKEN for its
    # own workspace; token mode: the one token. `workspaces` decides for requests, outbox and scheduler.
    oauth_mode = oauth.oauth_settings(settings) if settings.oauth else None
    workspaces = oauth.Workspaces(settings, store, default_client=client, make_client=web_client, clock=clock,
                                  store=oauth_mode.installation_store if oauth_mode else None)
    if oauth_mode:
        workspaces.default_team()  # known before any event names it (one auth.test, as in token mode)
    limiter = Limiter(limits or Limits())
    outbox = SlackOutbox(workspaces.client_for, on_token_revoked=workspaces.token_revoked, limiter=limiter,
                         store=store, clock=clock, api_base_url=settings.api_base_url)
    # Fan-outs (prompts, reminders) run on a few threads, each send as soon as its buckets allow.
    pacer = Pacer(limiter, outbox.known_dm, outbox.dm_channel)
    core = core or Feedsum(store, outbox, data=Metrics(store, api=ApiKit(secret_key=settings.secret_key)),
                           lease_seconds=settings.lease_seconds, fanout=pacer)
    # In OAuth mode Bolt's own client carries no token: every request gets its workspace's from
    # `workspaces` (Bolt would otherwise log that SLACK_BOT_TOKEN is ignored, which it is not).
    app_client = (WebClient(base_url=client.base_url, timeout=client.timeout,
                            retry_handlers=list(client.retry_handlers)) if oauth_mode else client)
    # Bolt reads SLACK_BOT_TOKEN by itself and warns that it is unused when given a client, on
    # every start; the client carries that very token, so the warning only misleads operators.
    logging.getLogger("slack_bolt.App").addFilter(_not_token_unused)
    app = App(client=app_client, signing_secret=settings.signing_secret or "unused-in-socket-mode",
              token_verification_enabled=True, request_verification_enabled=bool(settings.signing_secret),
              ignoring_self_events_enabled=True, oauth_settings=oauth_mode,
              authorize=oauth.WorkspaceAuthorize(workspaces) if oauth_mode else None,
              # Answer Slack the moment a listener returns (no 10 ms ack polling); listeners ack
              # from local data and hand every Slack call, and anything slow, to deps.later().
              process_before_response=True)
    deps = Deps(core=core, outbox=outbox, clock=clock, default_locale=default_locale, workspaces=workspaces)
    deps.config_path = settings.config_path
    if settings.signing_secret:
        from handlers.server import RequestGuard

        deps.guard = RequestGuard(settings.signing_secret, store)
    from handlers.validate import reject_malformed, replace_unencodable

    hooks = HooksPolicy.from_api_base(settings.api_base_url)
    app.use(response_url_guard(hooks))  # before any listener can respond()
    app.use(reject_malformed)  # 400 for bodies missing what listeners rely on (before any listener)
    app.use(replace_unencodable)  # any text can be stored: lone surrogates become U+FFFD
    for module in (commands, actions, abtest, views, events, admin_views, oauth):
        module.register(app, deps)
    events.register_files(app, deps)

    @app.error
    def on_error(body, respond):
        # A listener crashed before its ack: the stack goes to the log with an error id, and the
        # user gets an apology quoting it, in the ack itself where Slack shows one (commands,
        # view submissions), else privately after the ack. Always a 200: Slack would otherwise
        # show its own error, or retry an event into the same crash. A response_url that is not
        # Slack's reaches here as a respond() that says nothing (handlers/hooks.py).
        body = body if isinstance(body, dict) else {}
        locale = deps.locale_of(body)
        eid = deps.crashed("listener", None, locale)
        sorry = t(locale, "error.sorry", id=eid)
        if body.get("command"):
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": sorry})
        if body.get("type") == "view_submission":  # over the form, which stays open underneath
            return BoltResponse(status=200, body={"response_action": "push", "view": render.apology_view(locale, sorry)})
        if body.get("type") == "block_actions" or (body.get("event") or {}).get("channel_type") == "im":
            try:
                tell = tell_user(deps, body, respond)
            except (KeyError, TypeError):
                tell = None
            if tell is not None:
                deps.later(lambda: tell(sorry, None), locale=locale)
        return BoltResponse(status=200, body="")

    return app, deps
