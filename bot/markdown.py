"""The summary as Markdown: for the demo, exports and archives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo

from bot import periods
from bot.i18n import join_list, t
from bot.workflow import Summary


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


def summary_markdown(summary: Summary, names: Callable[[str], str], *, kpi_lines: list[str] | None = None) -> str:
    r = summary.report
    loc = r.locale
    title = t(loc, "summary.title", name=r.name, month=periods.label(summary.period, loc))
    out = [f"# {title}", "", t(loc, "summary.progress", done=summary.done, total=len(summary.sections)), ""]
    if kpi_lines:
        out += kpi_lines + [""]
    if summary.claims_line:
        out += [summary.claims_line, ""]
    missing = summary.missing
    if missing:
        out += [t(loc, "summary.missing", sections=join_list([s.title for s in missing], loc)), ""]
    for s in summary.sections:
        out.append(f"## {s.title}")
        out.append("")
        if s.text:
            when = local_stamp(s.updated_at, r.tz)
            out.append(f"*{t(loc, 'summary.by', authors=join_list([names(a) for a in s.authors], loc), when=when)}*")
            out.append("")
            out.append(s.text)
        else:
            out.append(t(loc, "summary.not_submitted"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"
