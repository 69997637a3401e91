"""What listeners are given: the core service, the outbox, the clock and the work after the ack; no globals.

Ack first, always. The app answers Slack when a listener returns (process_before_response), so a
listener only reads and writes the database and acks; every Slack Web API call and anything else
slow runs after the ack through `Deps.later`, on a worker pool: the one way to work after the ack
(rather than Bolt's lazy listeners), because it tells the user about refusals and crashes and is
drained by `shutdown` before the process exits. A rights decision that needs Slack
(is this person a workspace admin?) is made after the ack too (`Deps.answer`); a modal opens right
after the ack (`Deps.open_modal`), and when Slack is too slow for the trigger id the user gets a
button that tries again. A crash anywhere is logged with its stack and an error id, and the user
gets an apology that quotes the id.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.access import NeedsLookup, Refused
from bot.core.service import Feedsum
from bot.model.config import Report
from bot.model.people import People
from bot.text.i18n import t
from bot.text.mrkdwn import as_mrkdwn
from handlers.render import retry_message
from handlers.slack_text import mentions
from storage.keys import report_of

log = logging.getLogger(__name__)

# views.open answers that mean "Slack was too slow for this click" (the trigger id lives about 3 s
# from the click): the user gets a button to try again. A 429 is not waited out here for the same
# reason. Any other error is a bug and is handled as a crash.
TOO_SLOW = {"expired_trigger_id", "trigger_expired", "ratelimited"}
MODAL_TIMEOUT = 5.0  # seconds views.open may take before the click is given up (the trigger is dead by then)

Tell = Callable[..., Any]  # tell(text, blocks=None): a private message to the person who acted


def error_id() -> str:
    """A short id a user can quote and an operator can find in the log."""
    return secrets.token_hex(4)


@dataclass
class Deps:
    core: Feedsum
    outbox: Any
    clock: Callable[[], datetime]
    default_locale: str = "zh-CN"
    config_path: str = "feedsum.toml"  # where file-managed reports are changed (named in refusals)
    modal_timeout: float = MODAL_TIMEOUT
    workspaces: Any = None  # handlers.oauth.Workspaces: which workspaces are served, with which token
    guard: Any = None  # handlers.server.RequestGuard for the HTTP endpoint (None in Socket Mode tests)
    # Work after the ack: fan-outs, posts, imports, Slack calls after a save.
    workers: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="feedsum-work"))
    # Work someone is waiting on, with a deadline (opening a modal, a rights lookup): its own
    # pool, so that long fan-outs never make a click queue past its trigger id.
    urgent: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=8, thread_name_prefix="feedsum-urgent"))

    def locale(self, report: Report | None) -> str:
        return report.locale if report else self.default_locale

    def refusal(self, exc: Refused, report: Report | None = None) -> str:
        return t(self.locale(report), exc.key, **shown(exc.values))

    def locale_of(self, body: dict) -> str:
        """The locale of the report a request is about, as far as local data tells (else the default)."""
        try:
            team = team_of(body)
            action = (body.get("actions") or [{}])[0]
            for raw in ((body.get("view") or {}).get("private_metadata"), action.get("value")):
                report_id = report_of(raw)
                if report_id:
                    return self.locale(self.core.report(team, report_id))
            user = user_of(body)
            return self.locale(self.core.resolve_report(team, body.get("channel_id"), user)) if user else \
                self.default_locale
        except Exception:  # a report that cannot be told apart (or a body too broken to read)
            return self.default_locale

    def later(self, fn: Callable[[], Any], *, respond: Callable | None = None, report: Report | None = None,
              tell: Tell | None = None, urgent: bool = False, locale: str | None = None,
              sorry: str = "error.sorry") -> Future:
        """Run `fn` after the ack. A refusal is told to the user (through `tell`, or `respond`);
        a crash is logged with an error id and the user gets the apology `sorry` quoting it (in
        `locale`, or the report's; "error.sorry_saved" after a save that stands)."""
        tell = tell or (privately(respond) if respond is not None else None)
        locale = locale or self.locale(report)

        def run():
            try:
                return fn()
            except Refused as exc:
                if tell is None:
                    log.info("refused after the ack, with nobody to tell: %s", exc.key)
                else:
                    self._tell(tell, self.refusal(exc, report))
            except Exception:
                self.crashed("work after the ack", tell, locale, sorry)
            return None

        try:
            return (self.urgent if urgent else self.workers).submit(run)
        except RuntimeError:  # shutting down: a request that arrived meanwhile starts nothing new
            log.warning("stopping: work after an ack was not started")
            done: Future = Future()
            done.set_result(None)
            return done

    def crashed(self, what: str, tell: Tell | None, locale: str, sorry: str = "error.sorry") -> str:
        """Log the exception being handled with a new error id; apologise to the user, quoting it."""
        eid = error_id()
        log.exception("%s failed (error id %s)", what, eid)
        if tell is not None:
            self._tell(tell, t(locale, sorry, id=eid))
        return eid

    def _tell(self, tell: Tell, text: str, blocks: list | None = None) -> None:
        try:
            tell(text, blocks)
        except Exception:
            log.exception("could not tell the user: %s", text[:200])

    def answer(self, ack, run: Callable[[Any], Any], *, tell: Tell, body: dict,
               on_errors: Callable[[dict], None] | None = None) -> None:
        """A listener's part before the ack, from local data only: `run(ack)` answers in the ack.

        When a decision needs Slack (a workspace-admin lookup), ack now and run it again after
        the ack, with what it would have put in the ack told privately; a view submission's
        inline errors go to `on_errors` then, as its modal has closed.
        """
        acked = False

        def first_ack(*args, **kwargs):
            nonlocal acked
            acked = True
            return ack(*args, **kwargs)

        try:
            with self.outbox.local_only():
                run(first_ack)
        except NeedsLookup:
            if acked:  # a listener must decide before it acks; say so rather than answer twice
                log.warning("a lookup was needed after the ack; not running the listener again")
                return
            ack()
            self.later(lambda: run(Told(tell, on_errors)), tell=tell, locale=self.locale_of(body), urgent=True)

    def open_modal(self, client: WebClient, trigger_id: str, view: dict | Callable[[], dict | None], *,
                   tell: Tell, retry: tuple[str, str], report: Report | None = None,
                   then: Callable[[dict], Any] | None = None) -> Future:
        """views.open right after the ack (the trigger id is valid about 3 s from the click).

        `view` may be a function building it (it may raise Refused, told to the user). When Slack
        answers too late or not at all, the user gets a message whose button (`retry`: action id,
        value) tries again. `then(opened_view)` runs after a successful open.
        """
        def run():
            built = view() if callable(view) else view
            if built is None:
                return
            # One attempt, bounded: no 429 or connection retries past the trigger id's life.
            quick = WebClient(token=client.token, base_url=client.base_url, timeout=self.modal_timeout,
                              ssl=client.ssl, proxy=client.proxy, headers=client.headers, retry_handlers=[])
            try:
                opened = quick.views_open(trigger_id=trigger_id, view=built)
            except SlackApiError as exc:
                error = exc.response.get("error")
                if error not in TOO_SLOW:
                    raise
                log.info("views.open: %s; offering to try again", error)
                self._tell(tell, *_retry_message(self.locale(report), retry))
                return
            except OSError as exc:  # a timeout (TimeoutError) or Slack out of reach (URLError)
                log.info("views.open: %s; offering to try again", exc)
                self._tell(tell, *_retry_message(self.locale(report), retry))
                return
            if then is not None:
                then(opened["view"])

        return self.later(run, tell=tell, report=report, urgent=True)

    def shutdown(self, wait: bool = True) -> None:
        """Finish (or with wait=False, drop) the work after the acks; new work is refused."""
        self.urgent.shutdown(wait=wait, cancel_futures=not wait)
        self.workers.shutdown(wait=wait, cancel_futures=not wait)


class Told:
    """Stands in for `ack` when a listener runs again after its ack: what it would have put in the
    ack is told privately instead (an empty ack says nothing)."""

    def __init__(self, tell: Tell, on_errors: Callable[[dict], None] | None = None):
        self.tell, self.on_errors = tell, on_errors

    def __call__(self, body: Any = None, **kwargs: Any) -> None:
        if isinstance(body, str):
            kwargs.setdefault("text", body)
        elif isinstance(body, dict):
            kwargs = {**body, **kwargs}
        errors = kwargs.get("errors") if kwargs.get("response_action") == "errors" else None
        if errors:
            if self.on_errors is not None:
                self.on_errors(errors)
            else:
                self.tell("\n".join(errors.values()), None)
        elif kwargs.get("text") or kwargs.get("blocks"):
            self.tell(kwargs.get("text") or "", kwargs.get("blocks"))


def privately(respond) -> Tell:
    """Tell through a response_url: ephemeral, below the message clicked (never replacing it)."""
    return lambda text, blocks=None: respond(text=text, blocks=blocks, response_type="ephemeral",
                                             replace_original=False)


def tell_user(deps: Deps, body: dict, respond) -> Tell:
    """The person who acted, told privately: through the payload's response_url (commands,
    buttons on messages), else by DM (buttons in a modal or on the Home tab, view submissions)."""
    if respond is not None and body.get("response_url"):
        return privately(respond)
    team, user = team_of(body), user_of(body)
    return lambda text, blocks=None: deps.outbox.send_dm(team, user, text, blocks=blocks)


def _retry_message(locale: str, retry: tuple[str, str]) -> tuple[str, list]:
    return retry_message(locale, *retry)


def shown(values: dict[str, Any]) -> dict[str, Any]:
    """The values of a message from the core as Slack shows them: people it names are mentions."""
    return {k: mentions(v, ", ") if isinstance(v, People) else v for k, v in values.items()}


def say(ack, text: str) -> None:
    """An ephemeral plain-text reply as the ack itself."""
    ack({"text": as_mrkdwn(text), "response_type": "ephemeral"})


def ack_message(ack, message: tuple[str, list]) -> None:
    """An ephemeral Block Kit reply (fallback text, blocks) as the ack itself."""
    text, blocks = message
    ack(text=as_mrkdwn(text), blocks=blocks, response_type="ephemeral")


def team_of(body: dict) -> str:
    """The workspace an interaction comes from (block_actions and view_submission payloads)."""
    if body.get("team_id"):  # slash commands and events
        return body["team_id"]
    return body["team"]["id"] if body.get("team") else body["user"]["team_id"]


def user_of(body: dict) -> str | None:
    """Who acted: a command's user_id, an interaction's user, an event's user."""
    if body.get("user_id"):
        return body["user_id"]
    if isinstance(body.get("user"), dict):
        return body["user"].get("id")
    return (body.get("event") or {}).get("user")
