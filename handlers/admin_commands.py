"""`/feedsum setup | owners | owner | target | history | export`: parse, call bot.core.admin, reply.

Every reply is ephemeral; exports go to the requester's DM. Same signature as the handlers in
handlers/commands.py (they are wired into its HANDLERS table).
"""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.core import admin
from bot.core.service import Refused
from bot.insight.kpi_text import kpi_label
from bot.model import periods
from bot.model.config import TARGET_KEYS
from bot.report.export import FORMATS, export_files
from bot.report.markdown import summary_markdown
from bot.text.i18n import t
from bot.text.mrkdwn import md, plain, split_text
from handlers import admin_render, render
from handlers.deps import Deps, ack_message, privately, say
from handlers.slack_text import mentions

log = logging.getLogger(__name__)
WITHOUT_REPORT = {"setup"}  # commands that work in a channel that has no report yet


def config_file(deps: Deps) -> str:
    return deps.config_path


def setup(deps: Deps, cmd, report, period, user, *, ack, respond, client, channel, body, **_):
    """Open the setup modal for the channel's report (create, edit, or read-only when file-managed)."""
    team = body["team_id"]
    target = admin.setup_target(deps.core, team, channel, user, cmd.report)  # refusals go in the ack
    ack()
    open_setup(deps, client, team, user, target, body["trigger_id"], tell=privately(respond))


def open_setup(deps: Deps, client, team: str, user: str, target: admin.SetupTarget, trigger_id: str, *, tell) -> None:
    """The setup form opens first; a new report's default time zone (the user's, from users.info)
    follows as an update, so the trigger id never waits for that lookup."""
    tz = deps.outbox.user_tz(team, user, cached_only=True) if target.report is None else None

    def form_view(user_tz):
        form = admin.setup_defaults(target.report, user=user, user_tz=user_tz, locale=deps.default_locale)
        return form, admin_render.setup_modal(target, form, locale=deps.default_locale, config_file=config_file(deps))

    form, view = form_view(tz)

    def with_user_tz(opened: dict) -> None:
        found = deps.outbox.user_tz(team, user)
        better, updated = form_view(found)
        if better.timezone == form.timezone:
            return
        try:  # same blocks and ids: what the user typed meanwhile stays
            client.views_update(view_id=opened["id"], hash=opened.get("hash"), view=updated)
        except SlackApiError as exc:
            log.info("setup form kept its default time zone: %s", exc.response.get("error"))

    retry = json.dumps({"ch": target.channel, "r": target.report.id if target.report else None}, separators=(",", ":"))
    deps.open_modal(client, trigger_id, view, tell=tell, report=target.report, retry=("setup", retry),
                    then=with_user_tz if target.report is None and tz is None else None)


def owners(deps: Deps, cmd, report, period, user, *, ack, **_):
    ack_message(ack, admin_render.owners_message(report, config_file=config_file(deps)))


def owner(deps: Deps, cmd, report, period, user, *, ack, **_):
    keys = [a for a in cmd.args if not a.startswith("<")]
    if not keys:
        deps.core.require_admin(report, user, "owner")
        raise Refused("refuse.owner_usage", keys=", ".join(s.key for s in report.sections))
    updated = admin.set_owners(deps.core, report, keys[0], cmd.users(), user, deps.clock(),
                               config_file=config_file(deps))
    section = updated.section(keys[0])
    say(ack, t(report.locale, "owner.done", section=updated.title(section),
                users=mentions(section.owners)))


def target(deps: Deps, cmd, report, period, user, *, ack, **_):
    if len(cmd.args) < 2:
        deps.core.require_admin(report, user, "target")
        raise Refused("refuse.target_usage", kpis=", ".join(TARGET_KEYS))
    kpi, text, *rest = cmd.args
    if rest:
        try:
            period = periods.parse_period(rest[0])
        except periods.PeriodError:
            raise Refused("refuse.bad_month", text=rest[0], example=period) from None
    value, previous = admin.set_target(deps.core, report, kpi, text, period, user, deps.clock())
    kpi = kpi.lower()
    was = t(report.locale, "target.was", value=admin.format_kpi_value(kpi, previous)) if previous is not None else ""
    say(ack, t(report.locale, "target.done", month=periods.label(period, report.locale),
                kpi=kpi_label(kpi, report.locale, report.roi),
                value=admin.format_kpi_value(kpi, value), was=was))


def history(deps: Deps, cmd, report, period, user, *, ack, **_):
    ack_message(ack, admin_render.history_message(report, admin.history(deps.core, report), deps.outbox.permalink))


def export(deps: Deps, cmd, report, period, user, *, ack, respond, client, **_):
    """Send the month's files to the requester's DM; if that fails, the Markdown ephemerally."""
    fmts = [a.lower() for a in cmd.args if not a[:1].isdigit()]
    if len(fmts) > 1 or (fmts and fmts[0] not in FORMATS):
        raise Refused("refuse.export_usage")
    now = deps.clock()
    summary = admin.export_summary(deps.core, report, period, user, now)
    say(ack, t(report.locale, "working"))

    def send():
        team = report.team_id
        title = render.title_of(summary)
        files = export_files(summary, lambda u: deps.outbox.user_name(team, u), fmts[0] if fmts else None,
                             title=plain(title), kpi_lines=render.kpi_markdown(summary))
        month = periods.label(period, report.locale)
        try:
            dm = client.conversations_open(users=user)["channel"]["id"]
            client.files_upload_v2(
                channel=dm, initial_comment=t(report.locale, "export.comment", title=title),
                file_uploads=[{"content": f.content, "filename": f.filename, "title": f.title} for f in files])
        except SlackApiError as exc:
            error = exc.response.get("error") or "error"
            log.warning("export DM to %s failed: %s", user, error)
            # Shown in plain_text blocks, which show exactly what people typed: no Markdown escapes.
            text = summary_markdown(summary, lambda u: deps.outbox.user_name(team, u), escaped=False,
                                    kpi_lines=render.kpi_markdown(summary, escaped=False))
            # A response_url takes five messages of 50 blocks; the first says why the DM failed.
            chunks = split_text(text, 2900)
            groups = [chunks[i:i + 45] for i in range(0, len(chunks), 45)]
            shown = groups[:4]
            head = t(report.locale, "export.failed", error=error)
            for i, group in enumerate(shown):
                blocks = [{"type": "section", "text": {"type": "plain_text", "text": c}} for c in group]
                respond(text=head if i == 0 else md("{} ({}/{})", title, i + 1, len(shown)), response_type="ephemeral",
                        blocks=([{"type": "section", "text": {"type": "mrkdwn", "text": head}}] if i == 0 else []) + blocks,
                        replace_original=False)
            if len(groups) > len(shown):
                left = sum(len(c) for g in groups[len(shown):] for c in g)
                respond(text=t(report.locale, "export.cut", chars=left), response_type="ephemeral", replace_original=False)
            return
        respond(text=t(report.locale, "export.sent", month=month, files=", ".join(f.filename for f in files)),
                response_type="ephemeral")

    deps.later(send, respond=respond, report=report)
