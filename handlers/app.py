"""The composition of the Bolt app: `create_app(settings, client, db, clock)`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.config import Settings
from bot.i18n import t
from bot.metrics import Metrics
from bot.workflow import Feedsum
from handlers import actions, admin_views, commands, events, oauth, views
from handlers.deps import Deps
from handlers.hooks import HooksPolicy, response_url_guard
from handlers.outbox import SlackOutbox
from handlers.pacer import Pacer
from handlers.ratelimit import Limiter, Limits

log = logging.getLogger(__name__)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client on the configured base URL that waits out 429s (Retry-After)."""
    client = WebClient(token=token or settings.bot_token, base_url=settings.api_base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    return client


def create_app(settings: Settings, client: WebClient, db, clock: Callable[[], datetime], *,
               core: Feedsum | None = None, default_locale: str = "zh-CN",
               limits: Limits | None = None) -> tuple[App, Deps]:
    """Build the Bolt app and the core it shares with the scheduler and CLI.

    `limits`: the Slack rate limits the outbox paces itself to (default: the published ones;
    tests and benchmarks against the fake Web API speed them up or turn pacing off)."""
    # Multi-workspace (OAuth) mode: each team's installed bot token, and SLACK_BOT_TOKEN for its
    # own workspace; token mode: the one token. `workspaces` decides for requests, outbox and scheduler.
    oauth_mode = oauth.oauth_settings(settings) if settings.oauth else None
    workspaces = oauth.Workspaces(settings, db, default_client=client, make_client=web_client, clock=clock,
                                  store=oauth_mode.installation_store if oauth_mode else None)
    if oauth_mode:
        workspaces.default_team()  # known before any event names it (one auth.test, as in token mode)
    limiter = Limiter(limits or Limits())
    outbox = SlackOutbox(workspaces.client_for, on_token_revoked=workspaces.token_revoked, limiter=limiter,
                         db=db, clock=clock)
    # Fan-outs (prompts, reminders) run on a few threads, each send as soon as its buckets allow.
    pacer = Pacer(limiter, outbox.known_dm, outbox.dm_channel)
    core = core or Feedsum(db, outbox, data=Metrics(db), lease_seconds=settings.lease_seconds, fanout=pacer)
    # In OAuth mode Bolt's own client carries no token: every request gets its workspace's from
    # `workspaces` (Bolt would otherwise log that SLACK_BOT_TOKEN is ignored, which it is not).
    app_client = (WebClient(base_url=client.base_url, timeout=client.timeout,
                            retry_handlers=list(client.retry_handlers)) if oauth_mode else client)
    app = App(client=app_client, signing_secret=settings.signing_secret or "unused-in-socket-mode",
              token_verification_enabled=True, request_verification_enabled=bool(settings.signing_secret),
              ignoring_self_events_enabled=True, oauth_settings=oauth_mode,
              authorize=oauth.WorkspaceAuthorize(workspaces) if oauth_mode else None,
              # Answer Slack the moment a listener returns (no 10 ms ack polling); listeners keep
              # to quick work and hand anything slow to deps.later().
              process_before_response=True)
    deps = Deps(core=core, outbox=outbox, clock=clock, default_locale=default_locale, workspaces=workspaces)
    deps.config_path = settings.config_path
    if settings.signing_secret:
        from handlers.server import RequestGuard

        deps.guard = RequestGuard(settings.signing_secret, db)
    from handlers.validate import reject_malformed, replace_unencodable

    hooks = HooksPolicy.from_api_base(settings.api_base_url)
    app.use(response_url_guard(hooks))  # before any listener can respond()
    app.use(reject_malformed)  # 400 for bodies missing what listeners rely on (before any listener)
    app.use(replace_unencodable)  # any text can be stored: lone surrogates become U+FFFD
    for module in (commands, actions, views, events, admin_views, oauth):
        module.register(app, deps)
    events.register_files(app, deps)

    @app.error
    def on_error(error, body, logger):
        # One place for unexpected failures: full traceback in the log, a plain sentence to the user.
        logger.exception("listener failed: %s", error)
        url = (body or {}).get("response_url") if isinstance(body, dict) else None
        if url and not hooks.allows(url):
            logger.warning("not telling the user: response_url on %s is not Slack's", hooks.host(url))
        elif url:
            from slack_sdk.webhook import WebhookClient

            try:
                WebhookClient(url).send(text=t(default_locale, "error.generic"), response_type="ephemeral")
            except Exception:
                logger.exception("could not tell the user about the failure")

    return app, deps
