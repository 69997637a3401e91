"""Modal submissions. The answer is stored before the modal closes; a failed save keeps it open."""

from __future__ import annotations

import json
import logging
from datetime import date

from bot.core.service import Refused, Stale
from bot.text.i18n import t, t_plain
from bot.text.mrkdwn import Mrkdwn, md, plain
from handlers import render
from handlers.actions import write_view
from handlers.admin_views import publish_home
from handlers.deps import Deps, team_of, tell_user
from storage import StorageError

log = logging.getLogger(__name__)


def register(app, deps: Deps) -> None:
    @app.view("write_section")
    def on_save_section(ack, body, view, client):
        # Saved before the ack when the rights are known locally; else the modal closes and the
        # save (or the refusal, by DM with the text) follows once Slack has answered.
        tell = tell_user(deps, body, None)

        def not_saved(errors: dict) -> None:
            text = render.modal_text(view["state"]["values"])
            why = t(deps.locale_of(body), "refuse.not_saved", error=Mrkdwn("; ").join(errors.values()))
            tell(md("{}\n>>> {}", why, text), None)

        deps.answer(ack, lambda ack: save_section(ack, body, view, client), tell=tell, body=body, on_errors=not_saved)

    def save_section(ack, body, view, client):
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
            ack(response_action="errors", errors={exc.values.get("block", first): plain(deps.refusal(exc, report))[:150]})
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
                from bot.core.optimise import save

                save(deps.core, report, meta["p"], user, meta["ab"], meta.get("pk") or [], now)
            deps.core.announce(report, meta["p"], result, user, now)
            publish_home(deps, client, team, user)  # the section leaves their pending list

        deps.later(after_save, tell=tell_user(deps, body, None), report=report, sorry="error.sorry_saved")

    @app.view("away")
    def save_away(ack, body, view):
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
