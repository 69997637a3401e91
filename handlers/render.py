"""Block Kit views. Pure functions from core state to (fallback text, blocks) pairs.

slack_sdk's models validate every Block Kit limit on to_dict(), so a view that would be
rejected by Slack fails here, in tests, instead of in a user's channel.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    ExternalDataMultiSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.core.optimise import MAX_COMPARISONS
from bot.insight.abtest import MAX_VARIANTS, group_label
from bot.insight.abtest_text import count, heading, quoted, text_table, verdict_lines
from bot.insight.claims import fmt_kpi
from bot.insight.draft import actuals_for_plan, missed_targets_text
from bot.insight.kpi import NEEDS
from bot.insight.kpi_text import (
    change_scope_text,
    coverage_sums,
    coverage_text,
    kpi_label,
    pacing_text,
)
from bot.model import periods
from bot.model.summary import SectionState, Summary
from bot.report.markdown import md_inline
from bot.text import formats
from bot.text.i18n import join_list, locales, resolve, t, t_plain, text_of
from bot.text.mrkdwn import (
    CHUNK,
    Mrkdwn,
    as_mrkdwn,
    escape,
    md,
    plain,
    preview,
    quote,
    split_text,
)
from handlers.slack_text import mention, mentions
from storage.keys import SectionRef
from storage.rows import PeriodState, SourceKind, SourceState

MAX_BLOCKS = 45  # under the 50-block message limit, leaving room for a heading
INPUT_MAX = 3000  # plain_text_input max_length
MODAL_PARTS_MAX = 20  # 20 × 3000 characters in one modal; longer answers grow by thread replies
Message = tuple[str, list[dict[str, Any]]]
Names = Callable[[str], str]


def _md(text: str) -> MarkdownTextObject:
    """Where text enters mrkdwn: safe Mrkdwn as it is, anyone's plain str escaped."""
    return MarkdownTextObject(text=as_mrkdwn(text))


def _dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    return [b.to_dict() for b in blocks]


def local_time(iso_or_dt: str | datetime | None, summary_or_tz, locale: str) -> str:
    if not iso_or_dt:
        return "—"
    dt = datetime.fromisoformat(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    tz = summary_or_tz.report.tz if isinstance(summary_or_tz, Summary) else summary_or_tz
    return formats.when(dt.astimezone(tz), locale)


def data_as_of(report, at: datetime | None) -> str:
    """"数据更新于 12-01 10:00" / "Data as of Dec 1, 10:00" in the report's time zone ("" without data)."""
    if at is None:
        return ""
    when = formats.when(at.astimezone(report.tz), report.locale, "when.short")
    return t(report.locale, "data.as_of", when=when)


def _fresh(summary: Summary) -> list[Block]:
    """A context line saying how fresh the numbers shown beside it are."""
    line = data_as_of(summary.report, summary.data_as_of)
    return [ContextBlock(elements=[_md(md("📊 {}", line))])] if line else []


def button_value(report_id: str, period: str, section: str) -> str:
    return SectionRef(report_id, period, section).value()


def title_of(summary: Summary) -> Mrkdwn:
    """The summary's title as mrkdwn; plain(title_of(…)) for headers, files and the chart."""
    r = summary.report
    return t(r.locale, "summary.title", name=r.name, month=periods.label(summary.period, r.locale))


# --- prompts ---------------------------------------------------------------------------------

def prompt_message(summary: Summary, section: SectionState, owner: str, names: Names) -> Message:
    """The DM asking an owner for a section; after a save it shows the receipt and an Edit button."""
    r = summary.report
    loc = r.locale
    month = periods.label(summary.period, loc)
    sec = r.section(section.key)
    header = t_plain(loc, "prompt.header", month=month, title=section.title)
    intro = t(loc, "prompt.intro", name=r.name, due=local_time(summary.due_at, summary, loc))
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=header[:150])),
        SectionBlock(text=_md(intro)),
        SectionBlock(text=_md(quote(r.prompt(sec)))),
    ]
    blocks += _prompt_data(summary, section.key)
    others = [o for o in section.owners if o != owner]
    if others:
        blocks.append(ContextBlock(elements=[_md(t(loc, "prompt.coowners", owners=mentions(others)))]))
    value = button_value(r.id, summary.period, section.key)
    if section.text:
        received = t(loc, "prompt.received", revision=section.revision,
                     when=local_time(section.updated_at, summary, loc),
                     author=join_list([names(a) for a in section.authors], loc))
        blocks.append(SectionBlock(text=_md(md("{}\n>{}", received, preview(section.text)))))
        button = ButtonElement(text=t(loc, "prompt.edit"), action_id="write", value=value)
    else:
        blocks.append(ContextBlock(elements=[_md(t(loc, "prompt.howto"))]))
        button = ButtonElement(text=t(loc, "prompt.write"), action_id="write", value=value, style="primary")
    buttons = [button]
    if section.key == "data" and summary.kpi is not None:
        buttons.append(ButtonElement(text=t(loc, "prompt.draft"), action_id="draft", value=value))
    buttons.append(ButtonElement(text=t(loc, "prompt.away"), action_id="away", value=value))
    blocks.append(ActionsBlock(block_id="prompt_actions", elements=buttons))
    if summary.state == PeriodState.POSTED:
        blocks.append(ContextBlock(elements=[_md(t(loc, "prompt.closed"))]))
    return md("{}: {}", header, intro), _dicts(blocks)


def _prompt_data(summary: Summary, key: str) -> list[Block]:
    """The numbers a section's writer needs at hand: KPIs, missed targets, or actuals."""
    kpi = summary.kpi
    if kpi is None:
        return []
    loc = summary.report.locale
    blocks: list[Block] = []
    if key == "data":
        blocks = [SectionBlock(text=_md(t(loc, "prompt.kpis")), fields=[_md(f) for f in kpi_fields(kpi, loc)])]
        if kpi.pacing is not None:
            blocks.append(ContextBlock(elements=[_md(escape(pacing_text(kpi.pacing, loc)))]))
        if kpi.mixed_currencies:
            blocks.append(ContextBlock(elements=[_md(t(loc, "kpi.mixed_currencies",
                                                       codes=join_list(list(kpi.mixed_currencies), loc)))]))
    elif key == "lessons":
        missed = missed_targets_text(kpi, loc)
        if missed.strip():
            blocks = [SectionBlock(text=_md(c)) for c in _line_chunks([t(loc, "prompt.missed"), escape(missed)])]
    elif key == "plan":
        blocks = [SectionBlock(text=_md(c)) for c in _line_chunks([t(loc, "prompt.actuals"), escape(actuals_for_plan(kpi, loc))])]
    elif key == "optimise" and summary.ab_proposals:
        blocks = [SectionBlock(text=_md(t(loc, "ab.prompt.proposals"))),
                  ActionsBlock(block_id="ab_proposals", elements=[ButtonElement(
                      text=_button_text(t_plain(loc, "ab.form.compare", names=group_label(keys))),
                      action_id=f"ab_open_{i}", value=json.dumps(
                          {**SectionRef(summary.report.id, summary.period, key).fields(), "pk": [k.id for k in keys]},
                          separators=(",", ":")))
                      for i, keys in enumerate(summary.ab_proposals)]),
                  ContextBlock(elements=[_md(t(loc, "ab.prompt.hint"))])]
    if blocks:
        blocks += _fresh(summary)
    if blocks and summary.state != PeriodState.POSTED:  # provisional before the post, never after it
        blocks.append(ContextBlock(elements=[_md(t(loc, "kpi.provisional"))]))
    return blocks


# --- the modal -------------------------------------------------------------------------------

PLAN_TARGETS = ("ctr", "cvr", "cpa", "roas", "spend")


def write_modal(summary: Summary, section: SectionState, metadata: dict[str, Any], *, text: str | None = None,
                next_targets: dict[str, float] | None = None, suffix: str = "",
                stale: tuple[str, str] | None = None, ab: Any = None) -> dict[str, Any]:
    """A modal whose inputs hold the current text, in parts of at most 3,000 characters.

    `text` replaces the current text (a draft); `suffix` renames the inputs so that Slack shows
    the new values on views.update instead of keeping what was typed before. `stale` = (who, when)
    saved `section` after the form was opened: its text is shown above the inputs, which hold
    `text` (what the user tried to save). `ab` (bot.core.optimise.AbForm) adds the A/B comparisons
    to the optimise form.
    """
    r = summary.report
    loc = r.locale
    text = section.text if text is None else text
    parts = split_text(text, INPUT_MAX) if text else [""]
    if len(parts) > MODAL_PARTS_MAX:
        # A form this long would cut the text on save: refuse to edit rather than lose a word.
        view = View(type="modal", callback_id="write_too_long", title=t(loc, "modal.title"),
                    close=t(loc, "modal.close"),
                    blocks=[SectionBlock(text=_md(t(loc, "modal.too_long", chars=len(text))))])
        return view.to_dict()
    if len(parts) < MODAL_PARTS_MAX and len(parts[-1]) > INPUT_MAX * 0.8:
        parts.append("")  # room to keep writing
    blocks: list[Block] = [
        SectionBlock(text=_md(md("*{}*\n{}", section.title, r.prompt(r.section(section.key))))),
    ]
    if stale is not None:
        blocks += _stale_blocks(section, *stale, loc)
    for i, part in enumerate(parts[:MODAL_PARTS_MAX]):
        label = t(loc, "modal.text") if len(parts) == 1 else t(loc, "modal.part", i=i + 1)
        blocks.append(InputBlock(
            block_id=f"part_{i}{suffix}", optional=i > 0, label=label,
            element=PlainTextInputElement(action_id="text", multiline=True, max_length=INPUT_MAX,
                                          initial_value=part or None),
            hint=t(loc, "modal.more") if i == len(parts) - 1 and len(parts) > 1 else None,
        ))
    if section.key == "data" and summary.kpi is not None:
        blocks.append(ActionsBlock(block_id="draft_actions", elements=[ButtonElement(
            text=t(loc, "prompt.draft"), action_id="draft",
            value=button_value(r.id, summary.period, section.key))]))
        blocks += _fresh(summary)
    if section.key == "plan":
        blocks += _target_inputs(summary, next_targets or {})
        if summary.kpi is not None:
            blocks += _fresh(summary)
    if section.key == "optimise":
        blocks += _ab_blocks(summary, ab, metadata.get("n", 0))
    view = View(type="modal", callback_id="write_section", title=t(loc, "modal.title"),
                submit=t(loc, "modal.submit"), close=t(loc, "modal.close"), blocks=blocks,
                private_metadata=json.dumps(metadata, separators=(",", ":")))
    return view.to_dict()


def _button_text(text: str) -> str:
    return text if len(text) <= 75 else text[:74] + "…"


def comparison_blocks(comparison, locale: str, *, quoted: bool = False) -> list[Block]:
    """One A/B comparison: its heading, the figures as a monospaced table, the verdicts (or,
    when the section's text already quotes them, a note saying so)."""
    lines = [md("*{}*", heading(comparison, locale)), md("```{}```", text_table(comparison, locale))]
    if quoted:
        lines.append(md("_{}_", t_plain(locale, "ab.summary.quoted")))
    else:
        lines += [md("• {}", v) for v in verdict_lines(comparison, locale)]
    return [SectionBlock(text=_md(c)) for c in _line_chunks(lines)]


def _option(f, loc: str) -> Option:
    k = f.key
    where = f"{k.platform} · {k.parent}" if k.level != "campaign" else k.platform
    desc = f"{where} · {t_plain(loc, 'ab.form.impressions', n=count(f.impressions, loc))}"
    return Option(value=k.id, text=PlainTextObject(text=_clip(k.name, 75)), description=PlainTextObject(text=_clip(desc, 75)))


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def variant_option_groups(variants: list, loc: str) -> list[OptionGroup]:
    """Variants as option groups, campaigns, ad groups then creatives (each at most 100 options)."""
    groups = []
    for level, label in (("campaign", "ab.form.campaigns"), ("ad_group", "ab.form.ad_groups"),
                         ("creative", "ab.form.creatives")):
        options = [_option(f, loc) for f in variants if f.key.level == level][:100]
        if options:
            groups.append(OptionGroup(label=t_plain(loc, label), options=options))
    return groups


def _ab_blocks(summary: Summary, ab, counter: int) -> list[Block]:
    """The A/B part of the optimise form: kept comparisons, the picker, its comparison, proposals."""
    loc = summary.report.locale
    blocks: list[Block] = [DividerBlock(), SectionBlock(text=_md(md("{}\n{}", t(loc, "ab.form.title"),
                                                                        t(loc, "ab.form.hint"))))]
    if ab is None:
        return blocks + [ContextBlock(elements=[_md(t(loc, "ab.form.no_data"))])]
    for i, c in enumerate(ab.chosen):
        blocks += comparison_blocks(c, loc)
        blocks.append(ActionsBlock(block_id=f"ab_actions_{i}", elements=[
            ButtonElement(text=t_plain(loc, "ab.form.insert"), action_id="ab_insert", value=str(i), style="primary"),
            ButtonElement(text=t_plain(loc, "ab.form.remove"), action_id="ab_remove", value=str(i))]))
    if ab.full:
        return blocks + [ContextBlock(elements=[_md(t(loc, "ab.form.full", n=MAX_COMPARISONS))])] + _fresh(summary)
    picked = [f for f in ab.catalogue if f.key in ab.picks]
    initial = [_option(f, loc) for f in picked] or None
    if ab.external:
        select = ExternalDataMultiSelectElement(action_id="ab_pick", placeholder=t_plain(loc, "ab.form.search"),
                                                min_query_length=0, initial_options=initial,
                                                max_selected_items=MAX_VARIANTS)
    else:
        select = StaticMultiSelectElement(action_id="ab_pick", placeholder=t_plain(loc, "ab.form.pick"),
                                          option_groups=variant_option_groups(ab.catalogue, loc),
                                          initial_options=initial, max_selected_items=MAX_VARIANTS)
    # A new block id after a comparison is kept or proposed: Slack keeps a select's state by block id.
    blocks.append(ActionsBlock(block_id=f"ab_pick_{counter}", elements=[select]))
    if ab.pending is not None:
        blocks += comparison_blocks(ab.pending, loc)
        blocks.append(ActionsBlock(block_id="ab_pending", elements=[
            ButtonElement(text=t_plain(loc, "ab.form.insert"), action_id="ab_insert", value="p", style="primary"),
            ButtonElement(text=t_plain(loc, "ab.form.keep"), action_id="ab_keep", value="p")]))
    elif len(ab.picks) == 1:
        blocks.append(ContextBlock(elements=[_md(t(loc, "ab.form.pick_more"))]))
    if ab.proposals:
        blocks.append(SectionBlock(text=_md(t(loc, "ab.form.proposals"))))
        blocks.append(ActionsBlock(block_id="ab_proposals", elements=[ButtonElement(
            text=_button_text(t_plain(loc, "ab.form.compare", names=group_label(keys))),
            action_id=f"ab_propose_{i}", value=",".join(k.id for k in keys)) for i, keys in enumerate(ab.proposals)]))
    return blocks + _fresh(summary)


STALE_TEXT_BLOCKS = 20  # ≈56,000 characters: with 20 inputs and the targets, well within a modal's 100 blocks


def _stale_blocks(section: SectionState, who: str, when: str, loc: str) -> list[Block]:
    note = t(loc, "modal.stale.note", author=escape(who), revision=section.revision, when=when)
    chunks = split_text(escape(section.text or ""), CHUNK)
    blocks: list[Block] = [SectionBlock(text=_md(note))]
    blocks += [SectionBlock(text=_md(c)) for c in chunks[:STALE_TEXT_BLOCKS]]
    if len(chunks) > STALE_TEXT_BLOCKS:
        blocks.append(ContextBlock(elements=[_md(t(loc, "modal.stale.more", chars=len(section.text or "")))]))
    return blocks


TARGET_BLOCK = "target_"  # the plan modal's input of a KPI target: target_<kpi>


def target_block(kpi: str) -> str:
    return TARGET_BLOCK + kpi


def _target_inputs(summary: Summary, current: dict[str, float]) -> list[Block]:
    loc = summary.report.locale
    out: list[Block] = [SectionBlock(text=_md(md("*{}*", t(loc, "modal.targets"))))]
    for key in PLAN_TARGETS:
        value = current.get(key)
        shown = None if value is None else (f"{value * 100:g}%" if key in ("ctr", "cvr") else f"{value:g}")
        actual = summary.kpi.totals.get(key) if summary.kpi is not None else None
        hint = None if actual is None else t_plain(loc, "targets.this_month", value=fmt_kpi(key, actual, loc))
        label = kpi_label(key, loc, summary.report.roi) if key != "spend" else t_plain(loc, "targets.budget_label")
        out.append(InputBlock(block_id=target_block(key), optional=True, label=label, hint=hint,
                              element=PlainTextInputElement(action_id="value", initial_value=shown, max_length=20)))
    return out


def modal_targets(values: dict[str, Any]) -> dict[str, str]:
    """Target inputs of a submitted plan modal, as typed (empty ones left out)."""
    out = {}
    for block_id, inputs in values.items():
        if block_id.startswith(TARGET_BLOCK):
            typed = (inputs.get("value") or {}).get("value")
            if typed and typed.strip():
                out[block_id[len(TARGET_BLOCK):]] = typed.strip()
    return out


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
    if len(plain(title)) <= 150:
        main.append(HeaderBlock(text=PlainTextObject(text=plain(title))))
    else:
        main.append(SectionBlock(text=_md(md("*{}*", title))))
    progress = t(loc, "summary.progress", done=summary.done, total=len(summary.sections))
    main.append(ContextBlock(elements=[_md(md("{} · {}", progress, summary.period))]))
    main_dicts = _dicts(main) + list(kpi_blocks or [])
    lines = []
    for s in summary.sections:
        if s.text:
            lines.append(md("✅ *{}* — {}", s.title, preview(s.text, 90)))
        else:
            lines.append(md("⏳ *{}* — {}", s.title, t(loc, "summary.not_submitted")))
    overview: list[Block] = [SectionBlock(text=_md(chunk)) for chunk in _line_chunks(lines)]
    missing = summary.missing
    overview.append(ContextBlock(elements=[_md(
        t(loc, "summary.missing", sections=join_list([escape(s.title) for s in missing], loc))
        if missing else t(loc, "summary.all_in"))]))
    overview.append(ContextBlock(elements=[_md(t(loc, "summary.thread_hint"))]))
    main_dicts += _dicts(overview)
    fallback = md("{} — {}", title, progress)
    messages: list[Message] = [(fallback, main_dicts)]
    for s in summary.sections:
        messages.extend(section_messages(summary, s, names))
    return messages


def section_messages(summary: Summary, s: SectionState, names: Names, *, note: str | None = None) -> list[Message]:
    """One section's full text as thread messages; long text is split, never cut."""
    loc = summary.report.locale
    head: list[Block] = []
    if note:
        head.append(SectionBlock(text=_md(note)))
    head.append(SectionBlock(text=_md(md("*{}*", s.title))))
    if s.text:
        by = t(loc, "summary.by", authors=join_list([names(a) for a in s.authors], loc),
               when=local_time(s.updated_at, summary, loc))
        head.append(ContextBlock(elements=[_md(by)]))
        body = [SectionBlock(text=_md(chunk)) for chunk in split_text(escape(s.text), CHUNK)]
    else:
        body = [SectionBlock(text=_md(t(loc, "summary.not_submitted")))]
    if s.key == "optimise":
        # The text keeps the owner's words; the tables are the data, each verdict said once.
        for comparison in summary.comparisons:
            body += comparison_blocks(comparison, loc, quoted=quoted(comparison, s.text, loc))
    blocks = head + body
    groups = [blocks[i:i + MAX_BLOCKS] for i in range(0, len(blocks), MAX_BLOCKS)]
    out = []
    for i, group in enumerate(groups):
        label = escape(s.title) if len(groups) == 1 else md("{} {}", s.title, t(loc, "summary.cont", i=i + 1, n=len(groups)))
        out.append((label, _dicts(group)))
    return out


def _line_chunks(lines: list[str], limit: int = CHUNK) -> list[Mrkdwn]:
    """Lines joined into chunks of at most `limit` characters (plain str lines are escaped)."""
    chunks: list[Mrkdwn] = []
    current = Mrkdwn("")
    for line in lines:
        for piece in split_text(as_mrkdwn(line), limit):
            if current and len(current) + 1 + len(piece) > limit:
                chunks.append(current)
                current = piece
            else:
                current = md("{}\n{}", current, piece) if current else piece
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
        owners = Mrkdwn(" ").join(mention(o) + (t(loc, "status.away", until=away[o]) if o in away else "")
                                  for o in s.owners)
        if not s.text:
            st = t(loc, "status.pending")
        elif s.revision > 1:
            st = t(loc, "status.edited", first=local_time(s.first_at, summary, loc),
                   when=local_time(s.updated_at, summary, loc), revision=s.revision)
        else:
            st = t(loc, "status.submitted", when=local_time(s.updated_at, summary, loc))
        mark = "✅" if s.text else "⏳"
        lines.append(md("{} *{}* · {} · {}", mark, s.title, owners, st))
    # The busiest view of all, so it is built as plain dicts rather than validated models; every
    # text goes through _line_chunks (≤ 2,800 characters) and there are far fewer than 50 blocks.
    title = md("*{}*", t(loc, "status.title", name=r.name, month=month))
    data = data_as_of(r, summary.data_as_of) or (t(loc, "data.none") if r.metrics else "")
    if data:
        head = md("{} · 📊 {}", head, data)
    if summary.source_errors:
        head = md("{}\n{}", head, t(loc, "data.failing", n=len(summary.source_errors)))
    blocks = [_section_dict(c) for c in _line_chunks([title, head] + lines)]
    if summary.failures:
        items = ", ".join(f"{f.recipient} ({f.error})" for f in summary.failures)
        blocks += [_section_dict(c) for c in _line_chunks([t(loc, "status.failures", items=items)])]
    if summary.state == PeriodState.POSTED:
        nxt = [t(loc, "status.next.posted", link=link or summary.post_ts)]
    elif summary.state == PeriodState.NONE:
        nxt = [t(loc, "status.next.open")]
    else:
        nxt = [t(loc, "status.next.compile")]
    nxt = [escape(line) for line in next_lines or []] + nxt
    what = t(loc, "status.next", what=join_list(nxt, loc))
    blocks.append({"type": "context", "elements": [_mrkdwn_dict(c) for c in _line_chunks([what])[:10]]})
    return md("{} — {}", t(loc, "status.title", name=r.name, month=month), head), blocks


def _mrkdwn_dict(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": as_mrkdwn(text)}


def _section_dict(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn_dict(text)}


HELP_COMMANDS = ("status", "open", "compile", "remind", "refresh", "sources", "write", "away", "delegate",
                 "targets", "target", "history", "export", "owners", "owner", "setup", "help")


class _Help(Mapping):
    """locale → (usage, what it does) per command, from the catalogue: every registered locale."""

    def __getitem__(self, locale: str) -> list[tuple[str, str]]:
        if locale not in locales():
            raise KeyError(locale)
        return [(t_plain(locale, f"help.{c}.usage"), t_plain(locale, f"help.{c}")) for c in HELP_COMMANDS]

    def __iter__(self):
        return iter(locales())

    def __len__(self) -> int:
        return len(locales())


HELP = _Help()


def help_message(locale: str, *, hint: str | None = None) -> Message:
    rows = "\n".join(f"`/feedsum {cmd}` — {what}" for cmd, what in HELP[resolve(locale)])
    text = md("{}\n\n{}", hint, rows) if hint else rows
    return "feedsum help", _dicts([SectionBlock(text=_md(text))])




def next_action_lines(report, actions) -> list[str]:
    """"reminders 11-27 10:00" lines in the report's local time."""
    loc = report.locale
    return [f"{t_plain(loc, f'action.{a.kind}')} {a.at.astimezone(report.tz):%Y-%m-%d %H:%M}" for a in actions]


def away_modal(report, today) -> dict[str, Any]:
    loc = report.locale
    view = View(type="modal", callback_id="away", title=t(loc, "away.title"), submit=t(loc, "modal.submit"),
                close=t(loc, "modal.close"), private_metadata=json.dumps({"r": report.id}),
                blocks=[InputBlock(block_id="until", label=t(loc, "away.label"),
                                   element=DatePickerElement(action_id="date", initial_date=today.isoformat()))])
    return view.to_dict()


# --- KPIs ------------------------------------------------------------------------------------

HIGHLIGHT_KEYS = ("spend", "impressions", "clicks", "conversions", "ctr", "cpc", "cpm", "cvr", "cpa", "roi")


def _change(kpi, key: str, locale: str) -> str:
    ch = kpi.changes.get(key)
    if ch is None:
        return ""
    scope = change_scope_text(ch, locale)
    if not ch.comparable:
        return escape(scope)
    if ch.direction == "n/a":
        return ""
    arrow = {"up": "↑", "down": "↓", "flat": "→"}[ch.direction]
    if ch.points is not None:
        delta = t_plain(locale, "kpi.change.points", value=formats.signed(ch.points * 100, locale, 2, zero_sign=True))
    elif ch.relative is not None:
        delta = formats.signed_percent(ch.relative, locale, 1, zero_sign=True)
    else:
        return ""
    mark = "" if ch.good is None or ch.direction == "flat" else (" 🟢" if ch.good else " 🔴")
    if scope:  # the change is taken over fewer rows than the value: say which
        mark += t(locale, "kpi.change.scope_mark", scope=scope)
    return f"{arrow} {t(locale, 'kpi.change.vs')} {delta}{mark}"


def attainment_mark(a) -> str:
    """🎯 a target without a verdict, ✅ met, ❌ missed."""
    return "🎯" if a.met is None else ("✅" if a.met else "❌")


def _target(kpi, key: str, locale: str) -> str:
    a = kpi.attainment.get(key)
    if a is None:
        return ""
    goal = fmt_kpi(key, a.target, locale)
    if a.met is None:
        return f"{attainment_mark(a)} {goal}"
    word = t(locale, "kpi.target.met" if a.met else "kpi.target.missed")
    return f"{attainment_mark(a)} {word} {goal}"


def kpi_parts(kpi, locale: str) -> list[tuple[str, list[str]]]:
    """Each highlighted KPI as its label and its lines (mrkdwn): the value, the base counts of the
    rows it covers when only some, and "change · target". The post's fields and the Markdown
    both show these.

    A KPI that covers only some rows says which, with the base counts of those rows beside it,
    so that it never contradicts the totals in the other fields.
    """
    parts = []
    for key in HIGHLIGHT_KEYS:
        k = ("roas" if kpi.roi_mode == "revenue" else "profit_roi") if key == "roi" else key
        lines = [fmt_kpi(k, kpi.totals.get(k), locale)]
        cov = kpi.coverage.get(k)
        if cov is not None:
            lines[0] += f" · {escape(coverage_text(cov, locale))}"
            if len(NEEDS[k]) > 1:
                lines.append(escape(coverage_sums(cov, locale)))
        extra = " · ".join(x for x in (_change(kpi, k, locale), _target(kpi, k, locale)) if x)
        if extra:
            lines.append(extra)
        parts.append((kpi_label(k, locale, kpi.roi_mode), lines))
    return parts


def kpi_fields(kpi, locale: str) -> list[str]:
    """Up to ten "label / value / change / target" fields."""
    return [f"*{label}*\n" + "\n".join(lines) for label, lines in kpi_parts(kpi, locale)]


def kpi_notes(summary: Summary) -> list[str]:
    """The lines under the highlights: budget pacing, the provisional-data note (previews only:
    once posted the data is final) and the claim check, as plain text."""
    kpi = summary.kpi
    loc = summary.report.locale
    notes = []
    if kpi is not None and kpi.pacing is not None:
        notes.append(pacing_text(kpi.pacing, loc))
    if kpi is not None and kpi.mixed_currencies:
        notes.append(t_plain(loc, "kpi.mixed_currencies", codes=join_list(list(kpi.mixed_currencies), loc)))
    if kpi is not None and summary.preview:
        notes.append(t(loc, "kpi.provisional"))
    if summary.claims_line:
        notes.append(f"🔎 {summary.claims_line}")
    return notes


def kpi_markdown(summary: Summary, *, escaped: bool = True) -> list[str]:
    """The KPI highlights and the pacing line as Markdown lines (the same text the post shows);
    platform names and the like escaped for Markdown (`escaped=False`: as plain text)."""
    kpi = summary.kpi
    if kpi is None:
        return []
    loc = summary.report.locale
    inline = md_inline if escaped else str
    lines = []
    for label, parts in kpi_parts(kpi, loc):
        label = inline(label)
        rest = [inline(html.unescape(x)) for x in parts]  # mrkdwn's escapes undone
        lines.append(" — ".join([f"- **{label}**" if escaped else f"- {label}", *rest]))
    if kpi.pacing is not None:
        lines += ["", inline(pacing_text(kpi.pacing, loc))]
    if kpi.mixed_currencies:
        lines += ["", inline(t_plain(loc, "kpi.mixed_currencies", codes=join_list(list(kpi.mixed_currencies), loc)))]
    return lines


def kpi_blocks(summary: Summary) -> list[dict[str, Any]]:
    """The KPI highlights that open the summary: values, change vs last month, targets."""
    kpi = summary.kpi
    if kpi is None:
        return []
    loc = summary.report.locale
    blocks: list[Block] = [SectionBlock(fields=[_md(f) for f in kpi_fields(kpi, loc)])]
    notes = kpi_notes(summary)
    if notes:
        blocks.append(ContextBlock(elements=[_md(escape(n)) for n in notes]))
    return _dicts(blocks)


def claim_warning(summary: Summary, section: SectionState, wrong: list) -> Message:
    """A private note to the writer: figures that disagree with the data, and an Edit button."""
    loc = summary.report.locale
    lines = [md("• {}", c.message(loc)) for c in wrong]
    head = t(loc, "claims.warning", title=section.title, n=len(wrong))
    fresh = data_as_of(summary.report, summary.data_as_of)
    if fresh:
        head = md("{}\n📊 {}", head, fresh)
    text = Mrkdwn("\n").join([head, *lines])
    blocks: list[Block] = [SectionBlock(text=_md(c)) for c in _line_chunks([head] + lines)]
    blocks.append(ActionsBlock(elements=[ButtonElement(
        text=t(loc, "prompt.edit"), action_id="write", value=button_value(summary.report.id, summary.period, section.key))]))
    return text[:3000], _dicts(blocks)


def targets_message(report, period: str, targets: dict[str, float], kpi) -> Message:
    """`/feedsum targets`: each target, and this month's figure against it when there is data."""
    loc = report.locale
    month = periods.label(period, loc)
    if not targets:
        text = t(loc, "targets.none", month=month)
        return text, _dicts([SectionBlock(text=_md(text))])
    lines = [md("*{}*", t(loc, "targets.title", month=month))]
    for key, value in targets.items():
        label = kpi_label(key, loc, report.roi) if key != "spend" else t_plain(loc, "targets.budget")
        line = f"• {label}: {fmt_kpi(key, value, loc)}"
        if kpi is not None and key in kpi.attainment:
            a = kpi.attainment[key]
            line += f" — {fmt_kpi(key, a.actual, loc)} {attainment_mark(a)}"
            if a.coverage is not None:
                line += f" ({escape(coverage_text(a.coverage, loc))})"
        lines.append(line)
    text = "\n".join(lines)
    return lines[0], _dicts([SectionBlock(text=_md(c)) for c in _line_chunks(lines)])


def _month_figures(k, loc: str) -> str:
    """A month's headline totals on one line: spend, clicks, conversions, CTR, CPA."""
    return " · ".join(f"{kpi_label(key, loc)} {fmt_kpi(key, k.get(key), loc)}"
                      for key in ("spend", "clicks", "conversions", "ctr", "cpa"))


def import_message(report, outcome) -> str:
    """The answer to a shared export: rows imported and each month's headline totals."""
    loc = report.locale
    months = []
    for period, k in sorted(outcome.periods.items()):
        figures = _month_figures(k, loc)
        months.append(f"\n• {period}: {figures}")
    text = t(loc, "import.done", file=outcome.file, rows=outcome.rows, dropped=outcome.dropped,
             months="".join(months))
    if outcome.new == 0 and outcome.rows:
        text = md("{}\n{}", text, t(loc, "import.same"))
    if outcome.warnings:  # never a silent null: what was skipped, guessed or has no value
        shown = outcome.warnings[:IMPORT_WARNINGS_SHOWN]
        text = md("{}\n{}", text, t(loc, "import.warnings")) + Mrkdwn("").join(
            md("\n• {}", text_of(w, loc)) for w in shown)
        if len(outcome.warnings) > len(shown):
            text = md("{}\n{}", text, t(loc, "import.more_warnings", n=len(outcome.warnings) - len(shown)))
    return text


IMPORT_WARNINGS_SHOWN = 12


REFRESH_SOURCES_SHOWN = 25  # one response_url message; the rest are counted


def refresh_message(report, period: str, pulls: list, as_of: datetime | None) -> str:
    """`/feedsum refresh`: per source, the rows and each month's totals, or the error."""
    loc = report.locale
    lines = [t(loc, "refresh.title", month=periods.label(period, loc),
               as_of=data_as_of(report, as_of) or t(loc, "data.none"))]
    for p in pulls[:REFRESH_SOURCES_SHOWN]:
        if p.error:
            lines.append(md("• `{}`: ⚠️ {}", p.source, p.error))
            continue
        o = p.outcome
        line = md("• `{}`: {}", p.source, t(loc, "refresh.rows", rows=o.rows, dropped=o.dropped))
        if o.new == 0 and o.rows:
            line = md("{} · {}", line, t(loc, "refresh.same"))
        lines.append(line)
        lines += [md("    {}: {}", period_, _month_figures(k, loc)) for period_, k in sorted(o.periods.items())]
        lines += [md("    ⚠️ {}", text_of(w, loc)) for w in o.warnings]
    if len(pulls) > REFRESH_SOURCES_SHOWN:
        lines.append(t(loc, "refresh.more", n=len(pulls) - REFRESH_SOURCES_SHOWN))
    return Mrkdwn("\n").join(lines)


def retry_message(locale: str, action_id: str, value: str) -> Message:
    """Slack was too slow to open a form for a click: say so, with a button that tries again."""
    text = t(locale, "modal.slow")
    return text, _dicts([
        SectionBlock(text=_md(text)),
        ActionsBlock(elements=[ButtonElement(text=t(locale, "modal.try_again"), action_id=action_id, value=value,
                                             style="primary")]),
    ])


def apology_view(locale: str, text: str) -> dict[str, Any]:
    """A small modal pushed over a form whose submission crashed: the form stays underneath."""
    return View(type="modal", title=PlainTextObject(text=t_plain(locale, "error.title")),
                close=PlainTextObject(text=t_plain(locale, "error.close")),
                blocks=[SectionBlock(text=_md(text))]).to_dict()


SOURCES_SHOWN = 40  # one ephemeral message; the rest are counted


def sources_message(report, states: list[SourceState]) -> Message:
    """`/feedsum sources`: per source, what it is, its last pull and rows, and whether it works."""
    loc = report.locale

    def when(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone(report.tz).strftime("%m-%d %H:%M") if iso else "—"

    lines = [t(loc, "sources.state_title", name=report.name)]
    for st in states[:SOURCES_SHOWN]:
        what = [x for x in (st.platform, st.account_name, st.currency, st.timezone) if x]
        line = md("• `{}`", st.source)
        if what:
            line = md("{} {}", line, " · ".join(str(x) for x in what))
        if st.kind == SourceKind.CURRENCY:
            line = md("{}: ⚠️ {}", line, st.error)
        elif not st.last_pull_at:
            line = md("{} — {}", line, t(loc, "sources.state_never"))
        else:
            line = md("{} — {}", line, t(loc, "sources.state_pulled", when=when(st.last_pull_at),
                                         rows=st.rows if st.rows is not None else "—"))
            line = md("{} · {}", line, t(loc, "sources.state_failing", since=when(st.since), error=st.error)
                      if st.error else t(loc, "sources.state_ok"))
        lines.append(line)
    if len(states) > SOURCES_SHOWN:
        lines.append(t(loc, "refresh.more", n=len(states) - SOURCES_SHOWN))
    text = Mrkdwn("\n").join(lines)
    return text, _dicts([SectionBlock(text=_md(c)) for c in _line_chunks(lines)])
