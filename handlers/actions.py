"""Button clicks: Write/Edit opens the section modal, Draft from data fills it, I'm away asks until when."""

from __future__ import annotations

import json
import logging

from bot.workflow import Refused, Stale
from handlers import render
from handlers.deps import Deps, team_of

log = logging.getLogger(__name__)



def write_view(deps: Deps, report, period: str, key: str, user: str, *, draft: bool = False,
               stale: Stale | None = None, mine: str | None = None, ab: dict | None = None,
               ab_form=None, text: str | None = None, suffix: str | None = None, base: int | None = None) -> dict:
    """The Write/Edit modal of a section (with a fresh draft when asked); Refused if not theirs.

    The modal carries the revision it starts from ("v"), so a save never overwrites a newer one
    unseen. After a `stale` save it shows the newer text and keeps `mine` in the inputs.
    The optimise form also carries its A/B comparisons: `ab` is the state an open form holds
    ({"ab": comparisons as ids, "pk": picked ids, "n": picker resets}; None: the saved ones),
    `ab_form` that state already worked out. An open form being redrawn keeps its `base`
    revision and gets `text` in inputs renamed with `suffix`.
    """
    now = deps.clock()
    summary, section = deps.core.section_for_writing(report, period, key, user, now,
                                                     with_metrics=draft or key in ("data", "plan"))
    if draft and summary.kpi is not None:
        from bot.draft import draft_data_section

        text = draft_data_section(summary.kpi, report.locale, team_name=report.name)
    shown = None
    if stale is not None:
        section, text = stale.current, mine
        shown = (deps.outbox.user_name(report.team_id, stale.by), stale.when)
    metadata = {"r": report.id, "p": period, "s": section.key, "v": section.revision if base is None else base}
    if section.key == "optimise":
        from bot.optimise import form

        state = ab or {}
        ab_form = ab_form or form(deps.core, report, period, chosen=state.get("ab"), picks=state.get("pk"))
        if ab_form is not None:
            metadata.update(ab=[[k.id for k in c.keys] for c in ab_form.chosen], pk=[k.id for k in ab_form.picks],
                            n=state.get("n", 0))
    next_targets = deps.core.next_targets(report, period) if section.key == "plan" else None
    if suffix is None:
        suffix = "_d" if text is not None and stale is None else ""
    return render.write_modal(summary, section, metadata, text=text, next_targets=next_targets,
                              suffix=suffix, stale=shown, ab=ab_form)


def register(app, deps: Deps) -> None:
    def modal_for(body, respond, *, draft: bool):
        value = json.loads(body["actions"][0]["value"])
        report = deps.core.report(team_of(body), value["r"])
        if report is None:
            return None
        try:
            return write_view(deps, report, value["p"], value["s"], body["user"]["id"], draft=draft)
        except Refused as exc:
            respond(text=deps.refusal(exc, report), response_type="ephemeral", replace_original=False)
            return None

    @app.action("write")
    def open_write_modal(ack, body, client, respond):
        ack()  # trigger_id must reach views.open within ~3 s: nothing slow before it
        view = modal_for(body, respond, draft=False)
        if view:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action("draft")
    def draft_from_data(ack, body, client, respond):
        """From the prompt: open the modal filled with a draft; inside the modal: replace its text."""
        ack()
        view = modal_for(body, respond, draft=True)
        if not view:
            return
        if body.get("view"):
            client.views_update(view_id=body["view"]["id"], hash=body["view"].get("hash"), view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action("away")
    def open_away_modal(ack, body, client):
        ack()
        value = json.loads(body["actions"][0]["value"])
        report = deps.core.report(team_of(body), value["r"])
        if report is None:
            return
        today = deps.clock().astimezone(report.tz).date()
        client.views_open(trigger_id=body["trigger_id"], view=render.away_modal(report, today))
