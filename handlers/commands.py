"""`/feedsum …`: parse, call the core, answer ephemerally (only the summary itself is public).

The answer is the ack itself whenever local data is enough; fan-outs, posts and every Slack call
run after the ack through `deps.later` (handlers/deps.py).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date

from bot.core.service import Refused
from bot.model import periods
from bot.text.i18n import t
from bot.text.mrkdwn import as_mrkdwn, md
from handlers import admin_commands, render
from handlers.actions import write_view
from handlers.command_text import Command, parse
from handlers.deps import Deps, ack_message, privately, say
from handlers.slack_text import mention

log = logging.getLogger(__name__)
MONTH_COMMANDS = {"status", "open", "compile", "remind", "targets", "history", "export", "write", "refresh"}


def register(app) -> None:
    app.command("/feedsum")(feedsum_command)


def feedsum_command(ack, body, respond, client, deps: Deps) -> None:
    """`/feedsum …`: answered from the database in the ack; a rights check that needs Slack runs it after."""
    deps.answer(ack, lambda ack: run(deps, ack, body, respond, client), tell=privately(respond), body=body)


def run(deps: Deps, ack, body, respond, client) -> None:
    """Parse the command and hand it to its handler below (or handlers/admin_commands.py)."""
    cmd = parse(body.get("text", ""))
    team, user, channel = body["team_id"], body["user_id"], body.get("channel_id")
    report = None
    try:
        if cmd.name == "help":
            locale = deps.default_locale
            with contextlib.suppress(Refused):  # in a report's channel, in the report's language
                locale = deps.core.resolve_report(team, channel, user, cmd.report).locale
            hint = None
            if cmd.unknown:
                hint = t(locale, "help.unknown", word=cmd.unknown,
                         near=md("`/feedsum {}`", cmd.suggestion or "help"))
            ack_message(ack, render.help_message(locale, hint=hint))
            return
        if cmd.name in admin_commands.WITHOUT_REPORT:  # setup works where no report exists yet
            HANDLERS[cmd.name](deps, cmd, None, None, user, ack=ack, respond=respond, client=client,
                               channel=channel, body=body)
            return
        report = deps.core.resolve_report(team, channel, user, cmd.report)
        period = _period(cmd, report, deps) if cmd.name in MONTH_COMMANDS else \
            periods.default_period(deps.clock().astimezone(report.tz))
        handler = HANDLERS[cmd.name]
        handler(deps, cmd, report, period, user, ack=ack, respond=respond, client=client, channel=channel,
                body=body)
    except Refused as exc:
        say(ack, deps.refusal(exc, report))


def _period(cmd: Command, report, deps: Deps) -> str:
    """The month named in the arguments, or the one being summarised now."""
    for arg in cmd.args:
        if arg[:1].isdigit():
            try:
                return periods.parse_period(arg)
            except periods.PeriodError:
                example = periods.default_period(deps.clock().astimezone(report.tz))
                raise Refused("refuse.bad_month", text=arg, example=example) from None
    return periods.default_period(deps.clock().astimezone(report.tz))


def _status(deps: Deps, cmd, report, period, user, *, ack, **_):
    now = deps.clock()
    summary = deps.core.summary(report, period, now, with_metrics=False)
    away = deps.core.away_map(report, period, now, owners={o for s in summary.sections for o in s.owners})
    nxt = render.next_action_lines(report, deps.core.next_actions(report, period, now))
    link = deps.outbox.permalink(report.team_id, summary.post_channel, summary.post_ts)
    ack_message(ack, render.status_message(summary, away=away, link=link, next_lines=nxt))


def _open(deps: Deps, cmd, report, period, user, *, ack, respond, **_):
    deps.core.require_open(report, user)
    say(ack, t(report.locale, "working"))

    def fan_out():
        result = deps.core.open(report, period, user, deps.clock())
        extra = ""
        if result.skipped:
            extra += t(report.locale, "open.already", skipped=result.skipped)
        if result.busy:
            extra += t(report.locale, "open.busy", busy=result.busy)
        if result.failed:
            extra += t(report.locale, "open.failed", failed=result.failed)
        respond(text=t(report.locale, "open.done", month=periods.label(period, report.locale), sent=result.sent,
                       extra=extra), response_type="ephemeral")

    deps.later(fan_out, respond=respond, report=report)


def _compile(deps: Deps, cmd, report, period, user, *, ack, respond, client, channel, **_):
    deps.core.require_compile(report, user)
    now = deps.clock()
    if "preview" in cmd.flags:
        say(ack, t(report.locale, "compile.preview"))

        def preview():
            messages = deps.outbox.summary_messages(deps.core.compile(report, period, user, now, preview=True))
            for text, blocks in messages:  # ephemeral posts: a response_url would take only five
                client.chat_postEphemeral(channel=channel, user=user, text=as_mrkdwn(text), blocks=blocks)

        deps.later(preview, respond=respond, report=report)
        return
    say(ack, t(report.locale, "working"))

    def post():
        summary = deps.core.compile(report, period, user, now)
        respond(text=t(report.locale, "compile.done", month=periods.label(period, report.locale),
                       link=deps.outbox.permalink(report.team_id, summary.post_channel, summary.post_ts)),
                response_type="ephemeral")

    deps.later(post, respond=respond, report=report)


def _remind(deps: Deps, cmd, report, period, user, *, ack, respond, **_):
    deps.core.require_admin(report, user, "remind")
    say(ack, t(report.locale, "working"))
    now = deps.clock()

    def remind():
        sent = deps.core.remind(report, period, now, manual=True)
        respond(text=t(report.locale, "remind.done", sent=sent), response_type="ephemeral")

    deps.later(remind, respond=respond, report=report)


def _refresh(deps: Deps, cmd, report, period, user, *, ack, respond, **_):
    """`/feedsum refresh [YYYY-MM]`: pull the configured sources now and answer per source."""
    deps.core.require_admin(report, user, "refresh")
    if not report.metrics:
        raise Refused("refuse.no_sources", file=deps.config_path)
    say(ack, t(report.locale, "working"))

    def pull():
        pulls = deps.core.pull(report, period, deps.clock())
        as_of = deps.core.summary(report, period, deps.clock(), with_metrics=False).data_as_of
        respond(text=render.refresh_message(report, period, pulls, as_of), response_type="ephemeral")

    deps.later(pull, respond=respond, report=report)


def _sources(deps: Deps, cmd, report, period, user, *, ack, **_):
    """`/feedsum sources`: each configured source with its last pull, rows and state (admins)."""
    deps.core.require_admin(report, user, "sources")
    if not report.metrics:
        raise Refused("refuse.no_sources", file=deps.config_path)
    ack_message(ack, render.sources_message(report, deps.core.source_states(report)))


def _write(deps: Deps, cmd, report, period, user, *, ack, respond, client, body, **_):
    """`/feedsum write <section> [YYYY-MM]`: the same form as the prompt's Write button."""
    keys = [a for a in cmd.args if not a[:1].isdigit()]
    key = keys[0] if keys else None
    if key is None or report.section(key) is None:
        raise Refused("refuse.unknown_section", key=key or "?", keys=", ".join(s.key for s in report.sections))
    view = write_view(deps, report, period, key, user)  # Refused (not theirs) is answered as the ack
    ack()
    deps.open_modal(client, body["trigger_id"], view, tell=privately(respond), report=report,
                    retry=("write", render.button_value(report.id, period, key)))


def _away(deps: Deps, cmd, report, period, user, *, ack, **_):
    args = [a for a in cmd.args if a.lower() != "until"]
    if not args or args[0].lower() in ("off", "back", "clear"):
        deps.core.set_away(report.team_id, user, None, deps.clock())
        say(ack, t(report.locale, "away.cleared"))
        return
    try:
        until = date.fromisoformat(args[0])
    except ValueError:
        raise Refused("refuse.bad_date", text=args[0]) from None
    deps.core.set_away(report.team_id, user, until, deps.clock())
    say(ack, t(report.locale, "away.set", until=until.isoformat()))


def _delegate(deps: Deps, cmd, report, period, user, *, ack, respond, **_):
    users = cmd.users()
    keys = [a for a in cmd.args if not a.startswith("<") and not a[:1].isdigit()]
    if not keys or not users:
        raise Refused("refuse.delegate_usage")
    now = deps.clock()
    is_open = deps.core.delegate(report, period, keys[0], user, users[0], now)
    say(ack, t(report.locale, "delegate.done", section=report.title(report.section(keys[0])), user=mention(users[0])))
    if is_open:  # their prompt goes out after the ack
        deps.later(lambda: deps.core.prompt_delegate(report, period, keys[0], users[0], now), respond=respond,
                   report=report)


def _targets(deps: Deps, cmd, report, period, user, *, ack, **_):
    now = deps.clock()
    kpi = deps.core.summary(report, period, now).kpi
    ack_message(ack, render.targets_message(report, period, deps.core.targets(report, period), kpi))


HANDLERS = {
    "status": _status, "open": _open, "compile": _compile, "remind": _remind, "write": _write, "refresh": _refresh,
    "sources": _sources,
    "away": _away, "delegate": _delegate, "targets": _targets,
    "target": admin_commands.target, "history": admin_commands.history, "export": admin_commands.export,
    "owners": admin_commands.owners, "owner": admin_commands.owner, "setup": admin_commands.setup,
}
