"""The summary as Markdown: for the demo, exports and archives.

Everything people typed is escaped for Markdown viewers: names, titles and display names are
shown literally; section text keeps its own formatting (lists, emphasis, quotes) but can form no
HTML, no link and no heading that would pass for one of the summary's sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, tzinfo

from bot import periods
from bot.i18n import join_list, t_plain
from bot.workflow import Summary

_INLINE_PUNCT = re.compile(r"([\\`*_\[\]#~])")
_HEADING = re.compile(r"^( {0,3})(#)", re.MULTILINE)
_SETEXT = re.compile(r"^( {0,3})(=+|-+)([ \t]*)$", re.MULTILINE)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def md_inline(text: str) -> str:
    """A name or title, shown literally wherever it lands in a line."""
    return _INLINE_PUNCT.sub(r"\\\1", _html(" ".join(str(text).splitlines())))


def md_block(text: str) -> str:
    """Section text as written, minus what would change the document around it."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;")
    text = text.replace("[", "\\[").replace("]", "\\]")
    text = _HEADING.sub(r"\1\\\2", text)
    return _SETEXT.sub(r"\1\\\2\3", text)


def local_stamp(iso: str | None, tz: tzinfo) -> str:
    """A stored instant in the report's time zone, marked with its offset: "2026-10-28 10:00 UTC+08:00"."""
    if not iso:
        return ""
    dt = datetime.fromisoformat(iso)
    if dt.tzinfo is None:  # stored without an offset: UTC, as the clock writes it
        from datetime import UTC

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
        out += [inline(summary.claims_line), ""]
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
            out += comparisons_markdown(getattr(summary, "comparisons", None) or [], loc, inline)
    return "\n".join(out).rstrip() + "\n"


def comparisons_markdown(comparisons: list, locale: str, inline: Callable[[str], str] = md_inline) -> list[str]:
    """A/B comparisons as Markdown: a bold heading, a table of the figures, the verdicts."""
    from bot.abtest_text import heading, table_rows, verdict_lines

    out: list[str] = []
    for c in comparisons:
        rows = [[inline(cell).replace("|", "\\|") for cell in row] for row in table_rows(c, locale)]
        out += [f"**{inline(heading(c, locale))}**", "", "| " + " | ".join(rows[0]) + " |",
                "|" + "|".join(["---"] + ["---:"] * (len(rows[0]) - 1)) + "|"]
        out += ["| " + " | ".join(row) + " |" for row in rows[1:]]
        out += [""] + [f"- {inline(v)}" for v in verdict_lines(c, locale)] + [""]
    return out
