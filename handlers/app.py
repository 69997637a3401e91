"""The Bolt app: middleware, listeners and the crash handler, around the parts feedsum/root.py built."""

from __future__ import annotations

import logging

from slack_bolt import App, BoltResponse
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.model.config import Settings
from bot.text.i18n import t
from handlers import abtest, actions, commands, events, oauth, render, views
from handlers.deps import Deps, tell_user
from handlers.hooks import HooksPolicy, response_url_guard
from handlers.validate import reject_malformed, replace_unencodable

log = logging.getLogger(__name__)

# The listeners, one module per surface (as in Slack's bolt-python starter template), each with
# its `register(app)`; the optimise form's buttons and variant search have their own module.
LISTENERS = (commands, actions, abtest, views, events)


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    """A Web API client on the configured base URL that waits out 429s (Retry-After)."""
    client = WebClient(token=token or settings.bot_token, base_url=settings.api_base_url, timeout=30)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=5))
    return client


def _not_token_unused(record: logging.LogRecord) -> bool:
    return "`token` will be unused" not in record.getMessage()


def bolt_app(settings: Settings, client: WebClient, deps: Deps, oauth_mode: OAuthSettings | None = None) -> App:
    """The Bolt app: Slack's requests checked and routed to the listeners, which get `deps`.

    Made by the composition root (feedsum/root.py) from the parts it built."""
    # In OAuth mode Bolt's own client carries no token: every request gets its workspace's from
    # `workspaces` (Bolt would otherwise log that SLACK_BOT_TOKEN is ignored, which it is not).
    app_client = (WebClient(base_url=client.base_url, timeout=client.timeout,
                            retry_handlers=list(client.retry_handlers)) if oauth_mode else client)
    # Bolt reads SLACK_BOT_TOKEN by itself and warns that it is unused when given a client, on
    # every start; the client carries that very token, so the warning only misleads operators.
    logging.getLogger("slack_bolt.App").addFilter(_not_token_unused)
    # A name given saves Bolt from naming the app after its caller's file via inspect.stack(),
    # which walks every frame's source and costs tens of milliseconds per app.
    app = App(name="feedsum", client=app_client, signing_secret=settings.signing_secret or "unused-in-socket-mode",
              token_verification_enabled=True, request_verification_enabled=bool(settings.signing_secret),
              ignoring_self_events_enabled=True, oauth_settings=oauth_mode,
              authorize=oauth.WorkspaceAuthorize(deps.workspaces) if oauth_mode else None,
              # Answer Slack the moment a listener returns (no 10 ms ack polling); listeners ack
              # from local data and hand every Slack call, and anything slow, to deps.later().
              process_before_response=True)
    app.use(give(deps))  # first: every listener, and the crash handler, is given `deps`
    hooks = HooksPolicy.from_api_base(settings.api_base_url)
    app.use(response_url_guard(hooks))  # before any listener can respond()
    app.use(reject_malformed)  # 400 for bodies missing what listeners rely on (before any listener)
    app.use(replace_unencodable)  # any text can be stored: lone surrogates become U+FFFD
    for surface in LISTENERS:
        surface.register(app)
    app.error(on_error)
    return app


def give(deps: Deps):
    """A middleware putting `deps` in the request's context: Bolt passes context entries to
    listeners by name, so a listener asks for `deps` as it asks for `ack` or `body`."""

    def give_deps(context, next):
        context["deps"] = deps
        next()

    return give_deps


def on_error(body, respond, deps: Deps) -> BoltResponse:
    """A listener crashed before its ack: the stack goes to the log with an error id, and the
    user gets an apology quoting it, in the ack itself where Slack shows one (commands, view
    submissions), else privately after the ack. Always a 200: Slack would otherwise show its own
    error, or retry an event into the same crash. A response_url that is not Slack's reaches
    here as a respond() that says nothing (handlers/hooks.py)."""
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
