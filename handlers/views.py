"""Modal submissions: a section's Write/Edit form, I'm away, the setup form.

The answer is stored before the modal closes (a failed save keeps it open with the problem
shown); Slack calls after a save run after the ack through `deps.later` (handlers/deps.py).
"""

from __future__ import annotations

import json
import logging
from datetime import date

from slack_sdk.errors import SlackApiError

from bot.core import admin, optimise
from bot.core.service import Refused, Stale
from bot.text.i18n import t, t_plain
from bot.text.mrkdwn import Mrkdwn, md, plain
from handlers import admin_render, render
from handlers.actions import write_view
from handlers.admin_commands import config_file
from handlers.deps import Deps, shown, team_of, tell_user
from handlers.home import publish_home
from storage import StorageError

log = logging.getLogger(__name__)


def register(app) -> None:
    app.view("write_section")(on_save_section)
    app.view("away")(save_away)
    app.view("setup")(on_save_setup)


def on_save_section(ack, body, view, client, deps: Deps) -> None:
    """The Write/Edit form saved. Saved before the ack when the rights are known locally; else the
    modal closes and the save (or the refusal, by DM with the text) follows once Slack has answered."""
    tell = tell_user(deps, body, None)

    def not_saved(errors: dict) -> None:
        text = render.modal_text(view["state"]["values"])
        why = t(deps.locale_of(body), "refuse.not_saved", error=Mrkdwn("; ").join(errors.values()))
        tell(md("{}\n>>> {}", why, text), None)

    deps.answer(ack, lambda ack: _save_section(deps, ack, body, view, client), tell=tell, body=body,
                on_errors=not_saved)


def _save_section(deps: Deps, ack, body, view, client) -> None:
    team = team_of(body)
    user = body["user"]["id"]
    meta = json.loads(view.get("private_metadata") or "{}")
    report = deps.core.report(team, meta.get("r", ""))
    first = next((k for k in view["state"]["values"] if k.startswith("part_")), "part_0")
    if report is None:
        ack(response_action="errors", errors={first: t_plain(deps.default_locale, "refuse.unknown_report", id=meta.get("r"))})
        return
    text = render.modal_text(view["state"]["values"])
    if not text.strip():
        ack(response_action="errors", errors={first: t(report.locale, "modal.empty")})
        return
    now = deps.clock()
    base = meta.get("v")  # the revision the form was opened at (forms opened before it existed: unchecked)
    try:
        targets = deps.core.parse_targets(render.modal_targets(view["state"]["values"]))  # check before saving
        result = deps.core.submit(report, meta["p"], meta["s"], user, text, now, via="modal",
                                  base_revision=base if isinstance(base, int) else None)
        if targets:
            deps.core.set_next_targets(report, meta["p"], user, targets, now)
    except Refused as exc:
        block = render.target_block(exc.values["kpi"]) if "kpi" in exc.values else first
        ack(response_action="errors", errors={block: plain(deps.refusal(exc, report))[:150]})
        if isinstance(exc, Stale):  # the form stays open: show the newer text beside theirs
            deps.later(lambda stale=exc: client.views_update(view_id=view["id"], view=write_view(
                deps, report, meta["p"], meta["s"], user, stale=stale, mine=text,
                ab=meta if "ab" in meta else None)),
                tell=tell_user(deps, body, None), report=report)
        return
    except StorageError as exc:
        log.error("answer not saved for %s/%s/%s: %s", report.id, meta["p"], meta["s"], exc)
        ack(response_action="errors", errors={first: t_plain(report.locale, "refuse.not_saved", error=str(exc))[:150]})
        return
    ack()

    def after_save():
        if "ab" in meta:  # the optimise form: the A/B comparisons it holds are saved with it
            optimise.save(deps.core, report, meta["p"], user, meta["ab"], meta.get("pk") or [], now)
        deps.core.announce(report, meta["p"], result, user, now)
        publish_home(deps, client, team, user)  # the section leaves their pending list

    deps.later(after_save, tell=tell_user(deps, body, None), report=report, sorry="error.sorry_saved")


def save_away(ack, body, view, deps: Deps) -> None:
    """The I'm-away form: away until the date picked."""
    team = team_of(body)
    values = view["state"]["values"]
    picked = values["until"]["date"].get("selected_date")
    report = deps.core.report(team, json.loads(view.get("private_metadata") or "{}").get("r", ""))
    locale = report.locale if report else deps.default_locale
    if not picked:
        ack(response_action="errors", errors={"until": t(locale, "refuse.bad_date", text="")})
        return
    deps.core.set_away(team, body["user"]["id"], date.fromisoformat(picked), deps.clock())
    ack()


def on_save_setup(ack, body, view, client, deps: Deps) -> None:
    """The setup form saved. Rights that need Slack are checked after the ack (the modal closes);
    problems then by DM."""
    tell = tell_user(deps, body, None)

    def not_saved(errors: dict) -> None:
        tell(t(deps.locale_of(body), "setup.not_saved", error="; ".join(errors.values())), None)

    deps.answer(ack, lambda ack: _save_setup(deps, ack, body, view, client), tell=tell, body=body,
                on_errors=not_saved)


def _save_setup(deps: Deps, ack, body, view, client) -> None:
    team, user = team_of(body), body["user"]["id"]
    meta = json.loads(view.get("private_metadata") or "{}")
    form = admin_render.setup_form(view["state"]["values"])
    locale = form.locale or deps.default_locale
    try:
        report = admin.save_setup(deps.core, team, meta.get("ch") or "", user, form, deps.clock(),
                                  report_id=meta.get("r"), config_file=config_file(deps))
    except admin.SetupInvalid as exc:
        ack(response_action="errors", errors={k: v[:150] for k, v in exc.texts(locale).items()})
        return
    except Refused as exc:
        ack(response_action="errors", errors={"name": t_plain(locale, exc.key, **shown(exc.values))[:150]})
        return
    ack()

    def confirm():
        try:
            client.chat_postEphemeral(channel=report.channel, user=user,
                                      text=t(report.locale, "setup.saved", id=report.id, name=report.name))
        except SlackApiError as exc:  # the bot may not be in the channel yet: the save stands
            log.info("could not confirm setup of %s in %s: %s", report.id, report.channel,
                     exc.response.get("error"))

    deps.later(confirm, tell=tell_user(deps, body, None), report=report, sorry="error.sorry_saved")
