"""The summary as Markdown (CommonMark): for the demo, exports and archives.

It reads like the Slack post: the KPI highlights as a list, the budget and claim-check lines, each
section's text with its line breaks, and the A/B comparisons of the optimise section as lists.

Everything people typed is escaped for Markdown viewers: names, titles and display names are
shown literally; section text keeps its own formatting (lists, emphasis, quotes) but can form no
HTML, no link and no heading that would pass for one of the summary's sections. Slack shows every
line of a message on its own line and "•" lines as a list, so section text is written that way:
a leading •/·/・ becomes a list item, and lines of a paragraph end in a hard break.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from bot.insight.abtest_text import heading, quoted, variant_lines, verdict_lines
from bot.model import periods
from bot.model.summary import Summary
from bot.text.i18n import join_list, t_plain

_INLINE_PUNCT = re.compile(r"([\\`*_\[\]#~])")
_HEADING = re.compile(r"^( {0,3})(#)", re.MULTILINE)
_SETEXT = re.compile(r"^( {0,3})(=+|-+)([ \t]*)$", re.MULTILINE)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_inline(text: str) -> str:
    """A name or title, shown literally wherever it lands in a line."""
    return _INLINE_PUNCT.sub(r"\\\1", _html(" ".join(str(text).splitlines())))


def md_block(text: str) -> str:
    """Section text as written, minus what would change the document around it, laid out the way
    Slack shows it (see `_as_posted`)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace("[", "\\[").replace("]", "\\]")
    text = _HEADING.sub(r"\1\\\2", text)
    text = _SETEXT.sub(r"\1\\\2\3", text)
    return _NESTED_HEADING.sub(r"\1\\\2", _as_posted(text))


_BULLET = re.compile(r"^(\s*)[•·・●▪◦‣]\s*")
_ITEM = re.compile(r"^ {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_QUOTE = re.compile(r"^ {0,3}>")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# "- # 标题", "> # 标题": a heading inside a list item or quote is still a heading
_NESTED_HEADING = re.compile(r"^((?: {0,3}(?:>|[-+*]|\d{1,9}[.)])[ \t]+)+)(#)", re.MULTILINE)


def _as_posted(text: str) -> str:
    """Lines as Slack shows them: a leading •/·/・ is a list item ("- "), a list or quote is set
    apart from the lines after it (which CommonMark would fold into its last item), and lines of
    a paragraph end in a hard break instead of running together. Code fences are left as they
    are, and one left open is closed so that it cannot swallow the rest of the summary."""
    out: list[str] = []
    fence: str | None = None
    prev = "blank"
    for line in text.split("\n"):
        if fence is not None:
            out.append(line)
            closing = _FENCE.match(line)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence) \
                    and not line[closing.end():].strip():
                fence, prev = None, "blank"
            continue
        opening = _FENCE.match(line)
        if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end():]):
            fence, prev = opening.group(1), "blank"
            out.append(line)
            continue
        if not line.strip():
            out.append(line)
            prev = "blank"
            continue
        bullet = _BULLET.match(line)
        if bullet:
            line = bullet.group(1) + "- " + line[bullet.end():]
        kind = "item" if _ITEM.match(line) else "quote" if _QUOTE.match(line) else "text"
        if prev != "blank" and prev != kind:
            out.append("")  # a list or quote starts or ends here: not a continuation of the last line
        elif prev == kind and kind != "item":
            out[-1] += "  "  # the next line of a paragraph or quote: a hard line break
        out.append(line)
        prev = kind
    if fence is not None:
        out.append(fence)
    return "\n".join(out)


def local_stamp(iso: str | None, tz: tzinfo) -> str:
    """A stored instant in the report's time zone, marked with its offset: "2026-10-28 10:00 UTC+08:00"."""
    if not iso:
        return ""
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:  # stored without an offset: UTC, as the clock writes it

        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(tz)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} UTC{offset[:3]}:{offset[3:]}"



def summary_markdown(summary: Summary, names: Callable[[str], str], *, kpi_lines: list[str] | None = None,
                     escaped: bool = True) -> str:
    """The summary as a Markdown document; `escaped=False` gives the text as typed (for plain text)."""
    inline, block = (md_inline, md_block) if escaped else (str, str)
    r = summary.report
    loc = r.locale
    title = t_plain(loc, "summary.title", name=inline(r.name), month=periods.label(summary.period, loc))
    out = [f"# {title}", "", t_plain(loc, "summary.progress", done=summary.done, total=len(summary.sections)), ""]
    if kpi_lines:
        out += kpi_lines + [""]
    if summary.claims_line:
        out += [f"🔎 {inline(summary.claims_line)}", ""]
    missing = summary.missing
    if missing:
        out += [t_plain(loc, "summary.missing", sections=join_list([inline(s.title) for s in missing], loc)), ""]
    for s in summary.sections:
        out.append(f"## {inline(s.title)}")
        out.append("")
        if s.text:
            by = t_plain(loc, "summary.by", authors=join_list([inline(names(a)) for a in s.authors], loc),
                         when=local_stamp(s.updated_at, r.tz))
            out.append(f"*{by}*")
            out.append("")
            out.append(block(s.text))
        else:
            out.append(t_plain(loc, "summary.not_submitted"))
        out.append("")
        if s.key == "optimise":
            out += comparisons_markdown(getattr(summary, "comparisons", None) or [], loc, inline, text=s.text)
    return "\n".join(out).rstrip() + "\n"


def comparisons_markdown(comparisons: list, locale: str, inline: Callable[[str], str] = md_inline,
                         text: str | None = None) -> list[str]:
    """A/B comparisons as Markdown: a bold heading, then one list of each variant's figures and
    the verdicts, the text the optimise form inserts — the verdicts only when the section's
    `text` does not already quote them (as the post). (A pipe table is not CommonMark, and a table
    in a code block shows names unescaped and lines up only where CJK text is two columns wide.)"""
    out: list[str] = []
    for c in comparisons:
        out += [f"**{inline(heading(c, locale))}**", ""]
        said = [f"*{inline(t_plain(locale, 'ab.summary.quoted'))}*"] if quoted(c, text, locale) else []
        out += [f"- {inline(line)}" for line in variant_lines(c, locale) + ([] if said else verdict_lines(c, locale))]
        out += [""] + (said + [""] if said else [])
    return out
