"""Button clicks: Write/Edit opens the section modal, Draft from data fills it, I'm away asks until when."""

from __future__ import annotations

import logging

from bot.core.service import Stale
from handlers import render
from handlers.deps import Deps, team_of, tell_user
from storage.keys import SectionRef

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
        from bot.insight.draft import draft_data_section

        text = draft_data_section(summary.kpi, report.locale, team_name=report.name)
    shown = None
    if stale is not None:
        section, text = stale.current, mine
        shown = (deps.outbox.user_name(report.team_id, stale.by), stale.when)
    metadata = {**SectionRef(report.id, period, section.key).fields(), "v": section.revision if base is None else base}
    if section.key == "optimise":
        from bot.core.optimise import form

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
    # A button's ack carries nothing the user sees, and Slack waits for it: ack first, then work
    # out the modal (rights, the section's state) and open it at once after the ack.
    def open_section(body, client, respond, *, draft: bool):
        action = body["actions"][0]
        ref = SectionRef.parse(action["value"])
        report = deps.core.report(team_of(body), ref.report_id)
        if report is None:
            return
        user = body["user"]["id"]

        def view():
            return write_view(deps, report, ref.period, ref.section, user, draft=draft)  # Refused: told

        tell = tell_user(deps, body, respond)
        if draft and body.get("view"):  # Draft inside the modal: replace its text, no trigger needed
            modal = body["view"]
            deps.later(lambda: client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=view()),
                       tell=tell, report=report, urgent=True)
            return
        deps.open_modal(client, body["trigger_id"], view, tell=tell, report=report,
                        retry=(action["action_id"], action["value"]))

    @app.action("write")
    def open_write_modal(ack, body, client, respond):
        ack()
        open_section(body, client, respond, draft=False)

    @app.action("draft")
    def draft_from_data(ack, body, client, respond):
        """From the prompt: open the modal filled with a draft; inside the modal: replace its text."""
        ack()
        open_section(body, client, respond, draft=True)

    @app.action("away")
    def open_away_modal(ack, body, client, respond):
        ack()
        action = body["actions"][0]
        report = deps.core.report(team_of(body), SectionRef.parse(action["value"]).report_id)
        if report is None:
            return
        today = deps.clock().astimezone(report.tz).date()
        deps.open_modal(client, body["trigger_id"], render.away_modal(report, today),
                        tell=tell_user(deps, body, respond), report=report,
                        retry=(action["action_id"], action["value"]))
