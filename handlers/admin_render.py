"""Block Kit views of report administration: the setup modal, owners, history, the App Home.

Pure functions from core state to views, built with slack_sdk models (validated on to_dict()).
Modal limits: 100 blocks, title/submit/close ≤ 24 characters, private_metadata ≤ 3000.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.core.admin import (
    SETUP_SCHEDULE_KEYS,
    SETUP_TARGETS,
    SETUP_TEMPLATE,
    HistoryRow,
    SetupForm,
    SetupTarget,
    format_kpi_value,
    schedule_fields,
)
from bot.core.home import HomeState
from bot.insight.kpi_text import kpi_label
from bot.model import periods
from bot.model.schedule import Schedule
from bot.model.templates import TEMPLATES, section_text
from bot.text.i18n import join_list, locales, t, t_plain
from bot.text.mrkdwn import Mrkdwn, escape, md
from handlers.render import (
    _dicts,
    _line_chunks,
    _md,
    button_value,
    data_as_of,
    local_time,
    next_action_lines,
)
from handlers.slack_text import channel, link, mentions

VIEW_BLOCKS_MAX = 100
def locale_name(locale: str) -> str:
    """A locale as its own speakers name it ("简体中文"), from its catalogue."""
    return t_plain(locale, "locale.name") if locale in locales() else locale

# (team, channel, ts) -> a link to that message, or None: the outbox's `permalink`.
Permalink = Callable[[str, str | None, str | None], str | None]


def _title(text: str) -> str:
    return text[:24]


# --- setup -----------------------------------------------------------------------------------

def setup_modal(target: SetupTarget, form: SetupForm, *, locale: str, config_file: str) -> dict[str, Any]:
    """The `/feedsum setup` modal: an editable form, or a read-only view of a file-managed report."""
    if target.mode == "readonly":
        return _readonly_modal(target, locale=locale, config_file=config_file)
    report = target.report
    loc = report.locale if report else locale
    intro = (t(loc, "setup.intro.edit", channel=channel(target.channel), id=report.id) if report
             else t(loc, "setup.intro.new", channel=channel(target.channel)))
    keys = list(TEMPLATES[SETUP_TEMPLATE])

    def opt(value: str, label: str) -> Option:
        return Option(value=value, label=label[:75])

    locale_opts = [opt(code, locale_name(code)) for code in locales()]
    section_opts = [opt(k, section_text(SETUP_TEMPLATE, k, "title").get(loc, k)) for k in keys]
    blocks: list[Block] = [
        SectionBlock(text=_md(intro)),
        InputBlock(block_id="name", label=t(loc, "setup.name"),
                   element=PlainTextInputElement(action_id="v", max_length=80, initial_value=form.name or None)),
        InputBlock(block_id="admins", label=t(loc, "setup.admins"),
                   element=UserMultiSelectElement(action_id="v", initial_users=list(form.admins) or None)),
        InputBlock(block_id="locale", label=t(loc, "setup.locale"),
                   element=StaticSelectElement(action_id="v", options=locale_opts,
                                               initial_option=next(o for o in locale_opts if o.value == form.locale))),
        InputBlock(block_id="timezone", label=t(loc, "setup.timezone"),
                   element=PlainTextInputElement(action_id="v", max_length=64, initial_value=form.timezone)),
        InputBlock(block_id="calendar", label=t(loc, "setup.calendar"),
                   element=PlainTextInputElement(action_id="v", max_length=8, initial_value=form.calendar)),
        InputBlock(block_id="included", label=t(loc, "setup.sections"),
                   element=CheckboxesElement(action_id="v", options=section_opts,
                                             initial_options=[o for o in section_opts if o.value in form.included] or None)),
        DividerBlock(),
        SectionBlock(text=_md(t(loc, "setup.owners"))),
    ]
    for k in keys:
        blocks.append(InputBlock(block_id=f"owner_{k}", optional=True,
                                 label=section_text(SETUP_TEMPLATE, k, "title").get(loc, k),
                                 element=UserMultiSelectElement(action_id="v",
                                                                initial_users=list(form.owners.get(k) or ()) or None)))
    s = {**schedule_fields(Schedule()), **form.schedule}
    blocks += [
        DividerBlock(),
        SectionBlock(text=_md(t(loc, "setup.schedule"))),
        InputBlock(block_id="open_nth_last_business_day", label=t(loc, "setup.open_nth"),
                   element=NumberInputElement(action_id="v", min_value=1, max_value=10,
                                              initial_value=s["open_nth_last_business_day"])),
        InputBlock(block_id="open_time", label=t(loc, "setup.open_time"),
                   element=TimePickerElement(action_id="v", initial_time=s["open_time"])),
        InputBlock(block_id="due_nth_business_day", label=t(loc, "setup.due_nth"),
                   element=NumberInputElement(action_id="v", min_value=1, max_value=10,
                                              initial_value=s["due_nth_business_day"])),
        InputBlock(block_id="due_time", label=t(loc, "setup.due_time"),
                   element=TimePickerElement(action_id="v", initial_time=s["due_time"])),
        DividerBlock(),
        SectionBlock(text=_md(t(loc, "setup.targets"))),
    ]
    for kpi in SETUP_TARGETS:
        label = kpi_label(kpi, loc, report.roi if report else "revenue")  # ROI or ROAS per the setting
        blocks.append(InputBlock(block_id=f"target_{kpi}", optional=True, label=label,
                                 element=PlainTextInputElement(action_id="v", max_length=20,
                                                               initial_value=form.targets.get(kpi) or None)))
    blocks.append(InputBlock(block_id="budget", optional=True, label=t(loc, "setup.budget"),
                             element=PlainTextInputElement(action_id="v", max_length=20,
                                                           initial_value=form.budget or None)))
    assert len(blocks) <= VIEW_BLOCKS_MAX
    meta = {"ch": target.channel, "r": report.id if report else None}
    view = View(type="modal", callback_id="setup", blocks=blocks,
                title=_title(t(loc, "setup.title.edit" if report else "setup.title.new")),
                submit=_title(t(loc, "setup.submit")), close=_title(t(loc, "setup.close")),
                private_metadata=json.dumps(meta, separators=(",", ":")))
    return view.to_dict()


def _readonly_modal(target: SetupTarget, *, locale: str, config_file: str) -> dict[str, Any]:
    r = target.report
    loc = r.locale or locale
    lines = [md("*{}* · `{}` · {}", r.name, r.id, channel(r.channel)),
             f"{locale_name(r.locale)} · {r.timezone} · {r.calendar}",
             t(loc, "owners.admins", admins=mentions(r.admins))]
    owner_lines = [md("• *{}* (`{}`) — {}", r.title(s), s.key, mentions(s.owners)) for s in r.sections]
    extra = []
    table = r.schedule.to_mapping()
    if table:
        extra.append(", ".join(f"{k} = {v}" for k, v in sorted(table.items())))
    if r.targets:
        extra.append(", ".join(f"{k} = {format_kpi_value(k, v)}" for k, v in r.targets.items()))
    blocks: list[Block] = [SectionBlock(text=_md(t(loc, "setup.readonly", id=r.id, file=config_file)))]
    blocks.append(DividerBlock())
    blocks += [SectionBlock(text=_md(c)) for c in _line_chunks(lines + owner_lines + extra)][:90]
    view = View(type="modal", callback_id="setup_readonly", title=_title(t(loc, "setup.title.readonly")),
                close=_title(t(loc, "setup.close")), blocks=blocks,
                private_metadata=json.dumps({"r": r.id}, separators=(",", ":")))
    return view.to_dict()


def setup_form(values: dict[str, Any]) -> SetupForm:
    """The setup modal's submitted state values as a SetupForm (no validation here)."""

    def el(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get("v") or {}

    def text(block: str) -> str:
        e = el(block)
        return str(e.get("value") or e.get("selected_time") or (e.get("selected_option") or {}).get("value") or "")

    return SetupForm(
        name=text("name"), locale=text("locale"), timezone=text("timezone"), calendar=text("calendar"),
        admins=tuple(el("admins").get("selected_users") or ()),
        included=tuple(o["value"] for o in el("included").get("selected_options") or ()),
        owners={k: tuple(el(f"owner_{k}").get("selected_users") or ()) for k in TEMPLATES[SETUP_TEMPLATE]},
        schedule={k: text(k) for k in SETUP_SCHEDULE_KEYS},
        targets={k: text(f"target_{k}") for k in SETUP_TARGETS},
        budget=text("budget"),
    )


# --- owners and history ----------------------------------------------------------------------

def owners_message(report, *, config_file: str) -> tuple[str, list[dict[str, Any]]]:
    loc = report.locale
    head = t(loc, "owners.title", name=report.name)
    lines = [md("• *{}* (`{}`) — {}", report.title(s), s.key, mentions(s.owners)) for s in report.sections]
    managed = (t(loc, "owners.managed.config", file=config_file, id=report.id) if report.source == "config"
               else t(loc, "owners.managed.setup"))
    blocks: list[Block] = [SectionBlock(text=_md(md("*{}*", head)))]
    blocks += [SectionBlock(text=_md(c)) for c in _line_chunks(lines)][:45]
    blocks.append(ContextBlock(elements=[_md(t(loc, "owners.admins", admins=mentions(report.admins))),
                                         _md(managed)]))
    return head, _dicts(blocks)


def history_message(report, rows: list[HistoryRow], permalink: Permalink) -> tuple[str, list[dict[str, Any]]]:
    loc = report.locale
    head = t(loc, "history.title", name=report.name)
    lines = []
    for row in rows:
        line = t(loc, "history.line", month=periods.label(row.period, loc), state=t(loc, f"status.state.{row.state}"),
                 done=row.done, total=row.total)
        url = permalink(report.team_id, row.post_channel, row.post_ts)
        if url:
            line = md("{} · {}", line, link(url, t_plain(loc, "history.link")))
        lines.append(line)
    blocks: list[Block] = [SectionBlock(text=_md(md("*{}*", head)))]
    blocks += [SectionBlock(text=_md(c)) for c in _line_chunks(lines or [t(loc, "history.none")])][:48]
    return md("{}: {}", head, Mrkdwn("; ").join(lines[:12])), _dicts(blocks)


# --- App Home --------------------------------------------------------------------------------

def home_view(state: HomeState, *, locale: str, permalink: Permalink) -> dict[str, Any]:
    """The Home tab: pending sections with Write buttons, report progress, recent summaries."""
    loc = state.reports[0].summary.report.locale if state.reports else locale
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=t(loc, "home.title")[:150]))]
    if not state.reports:
        blocks.append(SectionBlock(text=_md(t(loc, "home.no_reports"))))
        return View(type="home", blocks=blocks).to_dict()
    blocks.append(SectionBlock(text=_md(t(loc, "home.pending"))))
    pending = state.pending[:40]
    for p in pending:
        r = p.summary.report
        rl = r.locale
        blocks.append(SectionBlock(
            text=_md(t(rl, "home.pending.item", title=escape(p.section.title), name=escape(r.name),
                       month=periods.label(p.summary.period, rl), due=local_time(p.summary.due_at, p.summary, rl))),
            accessory=ButtonElement(text=t(rl, "prompt.write"), action_id="write", style="primary",
                                    value=button_value(r.id, p.summary.period, p.section.key))))
    if len(state.pending) > len(pending):
        blocks.append(ContextBlock(elements=[_md(t(loc, "home.more", n=len(state.pending) - len(pending)))]))
    if not state.pending:
        blocks.append(ContextBlock(elements=[_md(t(loc, "home.pending.none"))]))
    blocks += [DividerBlock(), SectionBlock(text=_md(t(loc, "home.reports")))]
    shown = state.reports[:20]
    for rp in shown:
        s, r = rp.summary, rp.summary.report
        rl = r.locale
        line = t(rl, "home.report.line", name=escape(r.name), month=periods.label(s.period, rl),
                 state=t(rl, f"status.state.{s.state}"), done=s.done, total=len(s.sections))
        url = permalink(r.team_id, s.post_channel, s.post_ts)
        if url:
            line = md("{} · {}", line, link(url, t_plain(rl, "history.link")))
        if s.data_as_of:
            line = md("{} · 📊 {}", line, data_as_of(r, s.data_as_of))
        blocks.append(SectionBlock(text=_md(line)))
        nxt = next_action_lines(r, rp.next_actions) or [t(rl, "home.next.none")]
        blocks.append(ContextBlock(elements=[_md(t(rl, "home.next", what=join_list(nxt, rl))[:3000])]))
    if len(state.reports) > len(shown):
        blocks.append(ContextBlock(elements=[_md(t(loc, "home.more", n=len(state.reports) - len(shown)))]))
    blocks += [DividerBlock(), SectionBlock(text=_md(t(loc, "home.recent")))]
    lines = []
    for rec in state.recent:
        rl = rec.report.locale
        title = t_plain(rl, "summary.title", name=rec.report.name, month=periods.label(rec.period, rl))
        url = permalink(rec.report.team_id, rec.post_channel, rec.post_ts)
        lines.append(md("• {}", link(url, title)))
    blocks += [SectionBlock(text=_md(c)) for c in _line_chunks(lines or [t(loc, "home.recent.none")])]
    assert len(blocks) <= VIEW_BLOCKS_MAX
    return View(type="home", blocks=blocks).to_dict()
