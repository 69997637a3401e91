"""The optimise form's A/B comparisons: picking variants, proposals, keeping, removing and
inserting a comparison into the text, and the variant search of a big month.

Every listener acks first; the form is worked out and redrawn (views.update) after the ack,
through `deps.later` (handlers/deps.py), except the variant search, whose answer is the ack. The
form's state travels in its private_metadata (see handlers.actions.write_view), the text being
typed in its inputs (view.state), so nothing is stored until the owner saves.
"""

from __future__ import annotations

import json
import logging
import re

from bot.core.optimise import MAX_COMPARISONS, form, month_catalogue, search
from bot.insight.abtest_text import comparison_text
from handlers import render
from handlers.actions import write_view
from handlers.deps import Deps, team_of, tell_user
from storage.keys import SectionRef

log = logging.getLogger(__name__)

PROPOSE = re.compile(r"^ab_propose_\d+$")
OPEN = re.compile(r"^ab_open_\d+$")


def _suffix(values: dict) -> str:
    """The suffix the form's text inputs carry now (part_0, part_0_d, part_0_i3 → "", "_d", "_i3")."""
    part = next((k for k in values if k.startswith("part_")), "part_0")
    return part[len("part_") + len(part[5:].split("_")[0]):]


def _typed(view: dict, values: dict) -> str:
    """What the form's text inputs hold: their state, else (no state sent) what they were drawn with."""
    if any(k.startswith("part_") for k in values):
        return render.modal_text(values)
    return "".join(b.get("element", {}).get("initial_value") or "" for b in view.get("blocks") or []
                   if isinstance(b, dict) and str(b.get("block_id", "")).startswith("part_"))


def appended(typed: str, addition: str) -> str:
    """`addition` after what is typed, as its own paragraph; once only (a double click adds it once)."""
    if addition in typed:
        return typed
    return f"{typed.rstrip()}\n\n{addition}" if typed.strip() else addition


def register(app) -> None:
    app.action("ab_pick")(on_pick)
    app.action(PROPOSE)(on_propose)
    app.action("ab_keep")(on_keep)
    app.action("ab_remove")(on_remove)
    app.action("ab_insert")(on_insert)
    app.action(OPEN)(open_with_proposal)
    app.options("ab_pick")(variant_options)


def _redraw(deps: Deps, body, client, change) -> None:
    """Apply `change(state)` to the form's A/B state and redraw the form after the ack.

    `change` may return a comparison to insert (its index, or the ids of the variants just
    kept): its text is appended to what is typed, in inputs renamed so that Slack shows it."""
    view = body.get("view")
    if not isinstance(view, dict):  # these buttons live in the optimise form only
        return
    meta = json.loads(view.get("private_metadata") or "{}")
    report = deps.core.report(team_of(body), meta.get("r", ""))
    if report is None or "ab" not in meta:
        return
    user = body["user"]["id"]
    values = view.get("state", {}).get("values", {})
    typed = _typed(view, values)
    state = {"ab": [list(c) for c in meta.get("ab") or [] if isinstance(c, list)],
             "pk": list(meta.get("pk") or []), "n": int(meta.get("n") or 0)}
    insert = change(state)

    def work():
        ab = form(deps.core, report, meta["p"], chosen=state["ab"], picks=state["pk"])
        text, suffix = typed, _suffix(values)
        if insert is not None and ab is not None:
            if isinstance(insert, list):  # the picked variants, just kept (or kept before)
                index = next((i for i, c in enumerate(ab.chosen) if {k.id for k in c.keys} == set(insert)), -1)
            else:
                index = int(insert)
            if 0 <= index < len(ab.chosen):
                text = appended(typed, comparison_text(ab.chosen[index], report.locale))
                suffix = f"_i{state['n']}"
                state["n"] += 1
        built = write_view(deps, report, meta["p"], meta["s"], user, ab=state, ab_form=ab, text=text,
                           suffix=suffix, base=meta.get("v"))
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=built)

    deps.later(work, tell=tell_user(deps, body, None), report=report, urgent=True)


def _keep_pending(state) -> bool:
    if len(state["pk"]) < 2 or len(state["ab"]) >= MAX_COMPARISONS:
        return False
    state["ab"].append(state["pk"])
    state["pk"] = []
    state["n"] += 1  # a fresh picker
    return True


def on_pick(ack, body, client, deps: Deps) -> None:
    """Variants picked in the form's picker."""
    ack()
    picked = [o["value"] for o in body["actions"][0].get("selected_options") or []]
    _redraw(deps, body, client, lambda state: state.update(pk=picked))


def on_propose(ack, body, client, deps: Deps) -> None:
    """A proposed pair clicked: the picker shows those variants."""
    ack()
    ids = [i for i in (body["actions"][0].get("value") or "").split(",") if i]

    def change(state):
        state["pk"] = ids
        state["n"] += 1  # the picker shows the proposed variants

    _redraw(deps, body, client, change)


def on_keep(ack, body, client, deps: Deps) -> None:
    """Keep the picked variants as a comparison."""
    ack()
    _redraw(deps, body, client, lambda state: _keep_pending(state) and None)


def on_remove(ack, body, client, deps: Deps) -> None:
    """Remove a kept comparison."""
    ack()
    value = body["actions"][0].get("value") or ""

    def change(state):
        if value.isdigit() and int(value) < len(state["ab"]):
            state["ab"].pop(int(value))

    _redraw(deps, body, client, change)


def on_insert(ack, body, client, deps: Deps) -> None:
    """Insert a comparison's verdict into the text (the picked one is kept first)."""
    ack()
    value = body["actions"][0].get("value") or ""

    def change(state):
        if value == "p":
            picked = list(state["pk"])
            return picked if _keep_pending(state) else None
        return value if value.isdigit() else None

    _redraw(deps, body, client, change)


def open_with_proposal(ack, body, client, respond, deps: Deps) -> None:
    """A proposal on the optimise prompt: the form opens with those variants compared."""
    ack()
    action = body["actions"][0]
    value = json.loads(action["value"])
    report = deps.core.report(team_of(body), value.get("r", ""))
    if report is None:
        return
    picks = [i for i in value.get("pk") or [] if isinstance(i, str)]

    def view():  # Refused (not theirs): told
        ref = SectionRef.parse(value)
        return write_view(deps, report, ref.period, ref.section, body["user"]["id"], ab={"pk": picks, "n": 1})

    deps.open_modal(client, body["trigger_id"], view, tell=tell_user(deps, body, respond), report=report,
                    retry=(action["action_id"], action["value"]))


def variant_options(ack, body, deps: Deps) -> None:
    """A month with more variants than a static select holds: the ones matching what is typed.
    The answer is the ack itself, so it is worked out before it (from the database only)."""
    meta = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    report = deps.core.report(team_of(body), meta.get("r", ""))
    period, user = meta.get("p", ""), (body.get("user") or {}).get("id")
    # The month's names only to those who may write the section (known locally: no Slack call
    # before this ack, which is the answer).
    if report is not None and not deps.core.may_write(report, period, "optimise", user, ask_slack=False):
        report = None
    cat = month_catalogue(deps.core, report, period) if report is not None else None
    if not cat:
        ack(options=[])
        return
    found = search(cat, body.get("value") or "")
    groups = render.variant_option_groups(found, report.locale)
    ack(option_groups=[g.to_dict() for g in groups])
