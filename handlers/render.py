"""Block Kit views. Pure functions from core state to (fallback text, blocks) pairs.

slack_sdk's models validate every Block Kit limit on to_dict(), so a view that would be
rejected by Slack fails here, in tests, instead of in a user's channel.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    DatePickerElement,
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import periods
from bot.i18n import join_list, t
from bot.mrkdwn import CHUNK, escape, preview, split_text
from bot.workflow import SectionState, Summary

MAX_BLOCKS = 45  # under the 50-block message limit, leaving room for a heading
INPUT_MAX = 3000  # plain_text_input max_length
MODAL_PARTS_MAX = 20  # 20 × 3000 characters in one modal; longer answers grow by thread replies
Message = tuple[str, list[dict[str, Any]]]
Names = Callable[[str], str]


def _md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def local_time(iso_or_dt: str | datetime | None, summary_or_tz, locale: str) -> str:
    if not iso_or_dt:
        return "—"
    dt = datetime.fromisoformat(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    tz = summary_or_tz.report.tz if isinstance(summary_or_tz, Summary) else summary_or_tz
    dt = dt.astimezone(tz)
    return dt.strftime("%m月%d日 %H:%M") if locale == "zh-CN" else dt.strftime("%b %d %H:%M")


def button_value(report_id: str, period: str, section: str) -> str:
    return json.dumps({"r": report_id, "p": period, "s": section}, separators=(",", ":"))


def title_of(summary: Summary) -> str:
    r = summary.report
    return t(r.locale, "summary.title", name=r.name, month=periods.label(summary.period, r.locale))


# --- prompts ---------------------------------------------------------------------------------

def prompt_message(summary: Summary, section: SectionState, owner: str, names: Names) -> Message:
    """The DM asking an owner for a section; after a save it shows the receipt and an Edit button."""
    r = summary.report
    loc = r.locale
    month = periods.label(summary.period, loc)
    sec = r.section(section.key)
    header = t(loc, "prompt.header", month=month, title=section.title)
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=header[:150])),
        SectionBlock(text=_md(t(loc, "prompt.intro", name=escape(r.name), due=local_time(summary.due_at, summary, loc)))),
        SectionBlock(text=_md("> " + escape(r.prompt(sec)).replace("\n", "\n> "))),
    ]
    others = [o for o in section.owners if o != owner]
    if others:
        blocks.append(ContextBlock(elements=[_md(t(loc, "prompt.coowners", owners=" ".join(f"<@{o}>" for o in others)))]))
    value = button_value(r.id, summary.period, section.key)
    if section.text:
        received = t(loc, "prompt.received", revision=section.revision,
                     when=local_time(section.updated_at, summary, loc),
                     author=join_list([names(a) for a in section.authors], loc))
        blocks.append(SectionBlock(text=_md(f"{received}\n>{escape(preview(section.text))}")))
        button = ButtonElement(text=t(loc, "prompt.edit"), action_id="write", value=value)
    else:
        blocks.append(ContextBlock(elements=[_md(t(loc, "prompt.howto"))]))
        button = ButtonElement(text=t(loc, "prompt.write"), action_id="write", value=value, style="primary")
    blocks.append(ActionsBlock(block_id="prompt_actions", elements=[
        button, ButtonElement(text=t(loc, "prompt.away"), action_id="away", value=value)]))
    if summary.state == "posted":
        blocks.append(ContextBlock(elements=[_md(t(loc, "prompt.closed"))]))
    return f"{header}: {t(loc, 'prompt.intro', name=r.name, due=local_time(summary.due_at, summary, loc))}", _dicts(blocks)


# --- the modal -------------------------------------------------------------------------------

def write_modal(summary: Summary, section: SectionState, metadata: dict[str, Any]) -> dict[str, Any]:
    """A modal whose inputs hold the current text, in parts of at most 3,000 characters."""
    r = summary.report
    loc = r.locale
    parts = split_text(section.text or "", INPUT_MAX) if section.text else [""]
    if len(parts) < MODAL_PARTS_MAX and len(parts[-1]) > INPUT_MAX * 0.8:
        parts.append("")  # room to keep writing
    blocks: list[Block] = [
        SectionBlock(text=_md(f"*{escape(section.title)}*\n{escape(r.prompt(r.section(section.key)))}")),
    ]
    for i, part in enumerate(parts[:MODAL_PARTS_MAX]):
        label = t(loc, "modal.text") if len(parts) == 1 else t(loc, "modal.part", i=i + 1)
        blocks.append(InputBlock(
            block_id=f"part_{i}", optional=i > 0, label=label,
            element=PlainTextInputElement(action_id="text", multiline=True, max_length=INPUT_MAX,
                                          initial_value=part or None),
            hint=t(loc, "modal.more") if i == len(parts) - 1 and len(parts) > 1 else None,
        ))
    view = View(type="modal", callback_id="write_section", title=t(loc, "modal.title"),
                submit=t(loc, "modal.submit"), close=t(loc, "modal.close"), blocks=blocks,
                private_metadata=json.dumps(metadata, separators=(",", ":")))
    return view.to_dict()


def modal_text(values: dict[str, Any]) -> str:
    """Join a submitted modal's parts back into one text, in order."""
    keys = sorted((k for k in values if k.startswith("part_")), key=lambda k: int(k.split("_")[1]))
    return "".join((values[k]["text"].get("value") or "") for k in keys)


# --- the summary -----------------------------------------------------------------------------

def summary_messages(summary: Summary, names: Names, *, kpi_blocks: list[dict] | None = None) -> list[Message]:
    """The compact channel message, then thread replies carrying every section in full."""
    r = summary.report
    loc = r.locale
    title = title_of(summary)
    main: list[Block] = []
    if len(title) <= 150:
        main.append(HeaderBlock(text=PlainTextObject(text=title)))
    else:
        main.append(SectionBlock(text=_md(f"*{escape(title)}*")))
    progress = t(loc, "summary.progress", done=summary.done, total=len(summary.sections))
    main.append(ContextBlock(elements=[_md(f"{progress} · {summary.period}")]))
    main_dicts = _dicts(main) + list(kpi_blocks or [])
    lines = []
    for s in summary.sections:
        if s.text:
            lines.append(f"✅ *{escape(s.title)}* — {escape(preview(s.text, 90))}")
        else:
            lines.append(f"⏳ *{escape(s.title)}* — {t(loc, 'summary.not_submitted')}")
    overview: list[Block] = [SectionBlock(text=_md(chunk)) for chunk in _line_chunks(lines)]
    missing = summary.missing
    overview.append(ContextBlock(elements=[_md(
        t(loc, "summary.missing", sections=join_list([escape(s.title) for s in missing], loc))
        if missing else t(loc, "summary.all_in"))]))
    overview.append(ContextBlock(elements=[_md(t(loc, "summary.thread_hint"))]))
    main_dicts += _dicts(overview)
    fallback = f"{title} — {progress}"
    messages: list[Message] = [(fallback, main_dicts)]
    for s in summary.sections:
        messages.extend(section_messages(summary, s, names))
    return messages


def section_messages(summary: Summary, s: SectionState, names: Names, *, note: str | None = None) -> list[Message]:
    """One section's full text as thread messages; long text is split, never cut."""
    loc = summary.report.locale
    head: list[Block] = []
    if note:
        head.append(SectionBlock(text=_md(escape(note))))
    head.append(SectionBlock(text=_md(f"*{escape(s.title)}*")))
    if s.text:
        by = t(loc, "summary.by", authors=escape(join_list([names(a) for a in s.authors], loc)),
               when=local_time(s.updated_at, summary, loc))
        head.append(ContextBlock(elements=[_md(by)]))
        body = [SectionBlock(text=_md(chunk)) for chunk in split_text(escape(s.text), CHUNK)]
    else:
        body = [SectionBlock(text=_md(t(loc, "summary.not_submitted")))]
    blocks = head + body
    groups = [blocks[i:i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    out = []
    for i, group in enumerate(groups):
        label = s.title if len(groups) == 1 else f"{s.title} {t(loc, 'summary.cont', i=i + 1, n=len(groups))}"
        out.append((label, _dicts(group)))
    return out


def _line_chunks(lines: list[str], limit: int = CHUNK) -> list[str]:
    chunks, current = [], ""
    for line in lines:
        for piece in split_text(line, limit):
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


# --- status ----------------------------------------------------------------------------------

def status_message(summary: Summary, *, away: dict[str, str], link: str | None,
                   next_lines: list[str] | None = None) -> Message:
    """The ephemeral `/feedsum status` reply."""
    r = summary.report
    loc = r.locale
    month = periods.label(summary.period, loc)
    state = t(loc, f"status.state.{summary.state}")
    head = t(loc, "status.line", state=state, due=local_time(summary.due_at, summary, loc),
             done=summary.done, total=len(summary.sections))
    lines = []
    for s in summary.sections:
        owners = " ".join(f"<@{o}>" + (t(loc, "status.away", until=away[o]) if o in away else "") for o in s.owners)
        if not s.text:
            st = t(loc, "status.pending")
        elif s.revision > 1:
            st = t(loc, "status.edited", first=local_time(s.first_at, summary, loc),
                   when=local_time(s.updated_at, summary, loc), revision=s.revision)
        else:
            st = t(loc, "status.submitted", when=local_time(s.updated_at, summary, loc))
        mark = "✅" if s.text else "⏳"
        lines.append(f"{mark} *{escape(s.title)}* · {owners} · {st}")
    blocks: list[Block] = [SectionBlock(text=_md(f"*{escape(t(loc, 'status.title', name=r.name, month=month))}*\n{head}"))]
    blocks += [SectionBlock(text=_md(c)) for c in _line_chunks(lines)]
    if summary.failures:
        items = ", ".join(f"{f['recipient']} ({f['error']})" for f in summary.failures)
        blocks += [SectionBlock(text=_md(c)) for c in _line_chunks([t(loc, "status.failures", items=escape(items))])]
    if summary.state == "posted":
        nxt = [t(loc, "status.next.posted", link=link or summary.post_ts)]
    elif summary.state == "none":
        nxt = [t(loc, "status.next.open")]
    else:
        nxt = [t(loc, "status.next.compile")]
    nxt = (next_lines or []) + nxt
    blocks.append(ContextBlock(elements=[_md(t(loc, "status.next", what=join_list(nxt, loc))[:3000])]))
    return f"{t(loc, 'status.title', name=r.name, month=month)} — {head}", _dicts(blocks)


HELP = {
    "zh-CN": [
        ("status [YYYY-MM]", "查看本期进度、各部分状态和接下来的安排"),
        ("open [YYYY-MM]", "（管理员）开始一期并私信各部分负责人"),
        ("compile [YYYY-MM] [--preview]", "（管理员）汇总并发布到频道；--preview 只给你看"),
        ("remind", "（管理员）现在提醒还没提交的人"),
        ("write <部分>", "打开某个部分的撰写表单"),
        ("away until YYYY-MM-DD", "休假期间不再收到提醒"),
        ("delegate <部分> @某人", "把本期的某个部分交给别人写"),
        ("targets [YYYY-MM]", "查看 KPI 目标"),
        ("help", "显示本帮助"),
    ],
    "en": [
        ("status [YYYY-MM]", "progress of the period, each section's state and what happens next"),
        ("open [YYYY-MM]", "(admins) open a period and DM every section owner"),
        ("compile [YYYY-MM] [--preview]", "(admins) post the summary to the channel; --preview shows only you"),
        ("remind", "(admins) remind everyone who still owes a section, now"),
        ("write <section>", "open the form for a section"),
        ("away until YYYY-MM-DD", "no reminders while you are away"),
        ("delegate <section> @someone", "hand a section to someone for this period"),
        ("targets [YYYY-MM]", "show the KPI targets"),
        ("help", "show this help"),
    ],
}


def help_message(locale: str, *, hint: str | None = None) -> Message:
    rows = "\n".join(f"`/feedsum {cmd}` — {what}" for cmd, what in HELP.get(locale, HELP["en"]))
    text = f"{hint}\n\n{rows}" if hint else rows
    return "feedsum help", _dicts([SectionBlock(text=_md(text))])


def permalink(summary: Summary) -> str | None:
    """A link to the posted summary (Slack redirects archive links to the workspace)."""
    if not summary.post_channel or not summary.post_ts:
        return None
    return f"https://slack.com/archives/{summary.post_channel}/p{summary.post_ts.replace('.', '')}"


ACTION_NAMES = {
    "open": {"zh-CN": "发出填写提醒", "en": "prompts go out"},
    "remind": {"zh-CN": "提醒未提交的人", "en": "reminders"},
    "last_call": {"zh-CN": "最后提醒", "en": "last call"},
    "due": {"zh-CN": "汇总发布", "en": "summary posts"},
}


def next_action_lines(report, actions) -> list[str]:
    """"reminders 11-27 10:00" lines in the report's local time."""
    loc = report.locale
    return [f"{ACTION_NAMES[a.kind][loc if loc in ACTION_NAMES[a.kind] else 'en']} "
            f"{a.at.astimezone(report.tz):%Y-%m-%d %H:%M}" for a in actions]


def away_modal(report, today) -> dict[str, Any]:
    loc = report.locale
    view = View(type="modal", callback_id="away", title=t(loc, "away.title"), submit=t(loc, "modal.submit"),
                close=t(loc, "modal.close"), private_metadata=json.dumps({"r": report.id}),
                blocks=[InputBlock(block_id="until", label=t(loc, "away.label"),
                                   element=DatePickerElement(action_id="date", initial_date=today.isoformat()))])
    return view.to_dict()
