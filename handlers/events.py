"""Events: a reply in a prompt's DM thread, an export shared with the bot, the Home tab opened,
the app removed from a workspace.

Slack gets its 200 once the listener returns; a reply is saved before it, and every Slack call
and import runs after it through `deps.later` (handlers/deps.py).
"""

from __future__ import annotations

import logging
import urllib.request

from slack_sdk.errors import SlackApiError

from bot.core.access import NeedsLookup, Refused
from bot.data.exports import ExportError
from bot.data.upload_guard import MAX_UPLOAD_BYTES, UploadRefused, check_upload
from bot.text.i18n import Msg, t
from bot.text.mrkdwn import as_mrkdwn, md
from handlers import render
from handlers.deps import Deps
from handlers.home import publish_home
from handlers.slack_text import from_slack
from storage import StorageError

log = logging.getLogger(__name__)


def register(app) -> None:
    app.event("message")(thread_reply)
    app.event("file_shared")(on_file_shared)
    app.event("app_home_opened")(home_opened)
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


def thread_reply(event, body, client, context, deps: Deps) -> None:
    """A reply in a prompt's DM thread is appended to that section."""
    if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
        return
    thread_ts = event.get("thread_ts")
    if not thread_ts or thread_ts == event.get("ts") or not (event.get("text") or "").strip():
        return
    team = body.get("team_id") or context.get("team_id")
    found = deps.core.prompt_for_thread(team, event["channel"], thread_ts)
    if found is None:
        return
    report, period, key = found
    now = deps.clock()
    typed = event["text"]

    def save():
        nonlocal typed
        # Stored as typed: Slack's escapes and <…> entities decoded once (output escapes again).
        # A mention's name may need users.info: under local_only that defers the save.
        typed = from_slack(event["text"], lambda uid: deps.outbox.user_name(team, uid))
        return deps.core.submit(report, period, key, event["user"], typed, now, via="thread",
                                append=True, event_id=body.get("event_id"), ts=event.get("ts"))

    def not_saved(exc: Exception) -> None:
        if isinstance(exc, Refused):
            text = deps.refusal(exc, report)
        else:
            text = md("{}\n>>> {}", t(report.locale, "refuse.not_saved", error=exc), typed)
        client.chat_postMessage(channel=event["channel"], thread_ts=thread_ts, text=text)

    def acknowledge(result):
        if not result.saved.duplicate:
            client.reactions_add(channel=event["channel"], timestamp=event["ts"], name="white_check_mark")
        deps.core.announce(report, period, result, event["user"], now)
        if not result.saved.duplicate:
            publish_home(deps, client, team, event["user"])

    def save_after_lookup():  # a lookup (rights, a mentioned name) needed Slack: after the ack
        try:
            result = save()
        except (Refused, StorageError) as exc:
            not_saved(exc)
            return
        acknowledge(result)

    tell = lambda text, blocks=None: client.chat_postMessage(  # noqa: E731
        channel=event["channel"], thread_ts=thread_ts, text=text, blocks=blocks)
    try:
        with deps.outbox.local_only():
            result = save()  # saved before Slack gets its 200; everything Slack after
    except NeedsLookup:
        deps.later(save_after_lookup, tell=tell, report=report, urgent=True)
        return
    except (Refused, StorageError) as exc:
        deps.later(lambda e=exc: not_saved(e), tell=tell, report=report)
        return
    deps.later(lambda: acknowledge(result), tell=tell, report=report, sorry="error.sorry_saved")


def on_file_shared(event, body, client, context, deps: Deps) -> None:
    """An export shared with the bot: downloaded and imported after the ack. Only a file dropped in
    the bot's DM is surely meant for us: a crash is apologised for there alone."""
    team, user = body.get("team_id") or context.get("team_id"), event.get("user_id")
    in_dm = (event.get("channel_id") or "").startswith("D") and user
    tell = (lambda text, blocks=None: deps.outbox.send_dm(team, user, text, blocks=blocks)) if in_dm else None
    deps.later(lambda: import_shared_export(deps, event, body, client, context), tell=tell,
               locale=deps.locale_of(body))


def import_shared_export(deps: Deps, event, body, client, context) -> None:
    """An admin drops an ad-platform export into the report channel or the bot's DM."""
    team = body.get("team_id") or context.get("team_id")
    user, channel = event.get("user_id"), event.get("channel_id")
    if not user or user == context.get("bot_user_id"):
        return
    info = client.files_info(file=event["file_id"])["file"]
    name = info.get("name") or event["file_id"]
    is_dm = (channel or "").startswith("D")

    def reply(text: str) -> None:
        if is_dm:
            client.chat_postMessage(channel=channel, text=as_mrkdwn(text))
        else:
            client.chat_postEphemeral(channel=channel, user=user, text=as_mrkdwn(text))

    try:
        report = deps.core.resolve_report(team, None if is_dm else channel, user)
    except Refused:
        if is_dm:
            reply(t(deps.default_locale, "import.no_report", file=name))
        return  # a file in some other channel is none of our business
    loc = report.locale
    if not deps.core.is_admin(report, user):
        if is_dm:
            reply(t(loc, "import.not_admin"))
        return
    try:
        check_upload(name, info.get("size"))  # before downloading anything
        data = _download(info.get("url_private_download") or info.get("url_private"), client.token, MAX_UPLOAD_BYTES)
        check_upload(name, len(data), data[:8192])
        outcome = deps.core.import_upload(report, user, data, name, deps.clock(),
                                          message=_share_text(client, info, channel))
    except ExportError as exc:
        reply(t(loc, "import.failed", file=name, error=exc.text(loc)))
        return
    except UploadRefused as exc:  # a file over a limit is told in the report's language
        error = Msg(exc.key, **exc.values).text(loc) if exc.key else str(exc)
        reply(t(loc, "import.failed", file=name, error=error))
        return
    except Refused as exc:
        reply(t(loc, "import.failed", file=name, error=deps.refusal(exc, report)))
        return
    except StorageError as exc:  # the database refused a write: nothing of the file was kept
        reply(t(loc, "import.failed", file=name, error=t(loc, "import.not_saved", error=str(exc))))
        return
    except OSError as exc:  # the download itself failed
        log.warning("could not download %s: %s", name, exc)
        reply(t(loc, "import.failed", file=name, error=t(loc, "import.download")))
        return
    except Exception:  # a bug or an exhausted machine: still an answer, never silence
        log.exception("import of %s failed", name)
        reply(t(loc, "import.failed", file=name, error=t(loc, "import.internal")))
        return
    reply(render.import_message(report, outcome))


def home_opened(event, body, client, context, deps: Deps) -> None:
    """The Home tab opened: drawn after the ack."""
    if event.get("tab", "home") != "home":
        return
    team = body.get("team_id") or context.get("team_id")
    deps.later(lambda: publish_home(deps, client, team, event["user"]), locale=deps.locale_of(body),
               tell=lambda text, blocks=None: deps.outbox.send_dm(team, event["user"], text, blocks=blocks))


# A workspace removing the app (subscribed in manifest.yml): served no more (handlers/oauth.py).

def on_app_uninstalled(body, context, deps: Deps) -> None:
    deps.workspaces.removed(body.get("team_id") or context.team_id, "app_uninstalled")


def on_tokens_revoked(event, body, context, deps: Deps) -> None:
    # feedsum acts only through its bot token: user tokens revoked alone change nothing.
    if (event.get("tokens") or {}).get("bot"):
        deps.workspaces.removed(body.get("team_id") or context.team_id, "tokens_revoked")


def _share_text(client, info: dict, channel: str | None) -> str | None:
    """The text of the message the file was shared with (it may name the month), via the
    file's `shares` and the channel's history; None when it cannot be read."""
    for kind in ("public", "private"):
        for share in ((info.get("shares") or {}).get(kind) or {}).get(channel or "", []):
            ts, thread = share.get("ts"), share.get("thread_ts")
            if not ts:
                continue
            try:
                if thread and thread != ts:
                    resp = client.conversations_replies(channel=channel, ts=thread, latest=ts, oldest=ts,
                                                        inclusive=True, limit=2)
                else:
                    resp = client.conversations_history(channel=channel, latest=ts, oldest=ts, inclusive=True,
                                                        limit=1)
            except SlackApiError as exc:  # no history scope in this channel: import without it
                log.info("cannot read the message sharing a file in %s: %s", channel, exc)
                return None
            for message in resp.get("messages") or []:
                if message.get("ts") == ts:
                    return message.get("text") or ""
    return None


def _download(url: str, token: str, limit: int) -> bytes:
    """GET a file a user shared, with the bot token, refusing to read past `limit` bytes."""
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = resp.read(limit + 1)
    if len(data) > limit:
        raise OSError("file larger than announced")
    return data
