"""Button clicks: Write/Edit opens the section modal, Draft from data fills it, I'm away asks until
when, and "try again" reopens the setup form. (The optimise form's buttons: handlers/abtest.py.)

Each listener acks at once; the modal is worked out and opened after the ack through
`deps.open_modal` (the one worker for work after the ack: handlers/deps.py).
"""

from __future__ import annotations

import json
import logging

from bot.core import admin
from bot.core.optimise import form
from bot.core.service import Stale
from bot.insight.draft import draft_data_section
from handlers import render
from handlers.admin_commands import open_setup
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
        text = draft_data_section(summary.kpi, report.locale, team_name=report.name)
    shown = None
    if stale is not None:
        section, text = stale.current, mine
        shown = (deps.outbox.user_name(report.team_id, stale.by), stale.when)
    metadata = {**SectionRef(report.id, period, section.key).fields(), "v": section.revision if base is None else base}
    if section.key == "optimise":
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


def register(app) -> None:
    app.action("write")(open_write_modal)
    app.action("draft")(draft_from_data)
    app.action("away")(open_away_modal)
    app.action("setup")(open_setup_again)


# A button's ack carries nothing the user sees, and Slack waits for it: ack first, then work
# out the modal (rights, the section's state) and open it at once after the ack.

def open_write_modal(ack, body, client, respond, deps: Deps) -> None:
    """Write/Edit on a prompt, the Home tab or a "try again" message: the section's form."""
    ack()
    _open_section(deps, body, client, respond, draft=False)


def draft_from_data(ack, body, client, respond, deps: Deps) -> None:
    """From the prompt: open the modal filled with a draft; inside the modal: replace its text."""
    ack()
    _open_section(deps, body, client, respond, draft=True)


def _open_section(deps: Deps, body, client, respond, *, draft: bool) -> None:
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


def open_away_modal(ack, body, client, respond, deps: Deps) -> None:
    """I'm away on a prompt: a form asking until when."""
    ack()
    action = body["actions"][0]
    report = deps.core.report(team_of(body), SectionRef.parse(action["value"]).report_id)
    if report is None:
        return
    today = deps.clock().astimezone(report.tz).date()
    deps.open_modal(client, body["trigger_id"], render.away_modal(report, today),
                    tell=tell_user(deps, body, respond), report=report,
                    retry=(action["action_id"], action["value"]))


def open_setup_again(ack, body, client, respond, deps: Deps) -> None:
    """The "try again" button after Slack was too slow to open the setup form."""
    ack()
    value = json.loads(body["actions"][0]["value"])
    team, user = team_of(body), body["user"]["id"]
    tell = tell_user(deps, body, respond)

    def again():  # rights again, now (they may need users.info: this runs after the ack)
        target = admin.setup_target(deps.core, team, value.get("ch"), user, value.get("r"))
        open_setup(deps, client, team, user, target, body["trigger_id"], tell=tell)

    deps.later(again, tell=tell, locale=deps.locale_of(body), urgent=True)
