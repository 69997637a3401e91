"""Exports of one report-month, free of Slack: Markdown, an XLSX workbook and a CSV of sections.

Times are in the report's time zone, marked with the offset ("2026-10-28 10:00 UTC+08:00"). KPIs are
named as the report's `roi` setting names them, and one that covers only some rows says which.

Section text is written by people and KPI platform/campaign names come from ad-platform exports,
so no exported cell may run as a formula. In XLSX every text cell is stored as a typed string
(with Excel's quote-prefix style on those starting like a formula), so `=HYPERLINK(…)` shows as
written, continuation cells included. A CSV cell has no type: text that a spreadsheet would run
as a formula (starting with =, +, -, @, a tab or a carriage return) gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.insight.abtest import labels
from bot.insight.abtest_text import heading, verdict_lines
from bot.insight.kpi import NEEDS
from bot.insight.kpi_text import coverage_sums, coverage_text, kpi_label
from bot.model.summary import Summary
from bot.report.markdown import local_stamp, summary_markdown
from bot.text.i18n import t_plain

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SECTION_COLUMNS = ("key", "title", "authors", "updated", "text")
FORMATS = ("md", "xlsx", "csv")
XLSX_CELL_MAX = 32_767  # Excel's limit per cell; longer text continues in the next column


@dataclass(frozen=True)
class ExportFile:
    filename: str
    title: str
    content: bytes


def neutralise(value: Any) -> Any:
    """Make a cell safe to open in a spreadsheet: text that could run as a formula gets a `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def section_rows(summary: Summary, names: Callable[[str], str]) -> list[list[str]]:
    """One row per section, in template order: key, title, authors, updated (local time), text."""
    tz = summary.report.tz
    return [[s.key, s.title, ", ".join(names(a) for a in s.authors), local_stamp(s.updated_at, tz), s.text or ""]
            for s in summary.sections]


def export_csv(summary: Summary, names: Callable[[str], str]) -> bytes:
    """The sections as CSV (UTF-8 with BOM so spreadsheet apps read Chinese text correctly)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(SECTION_COLUMNS)
    for row in section_rows(summary, names):
        writer.writerow([neutralise(c) for c in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _number(value: Any) -> Any:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value) if value is not None else None
    return f if math.isfinite(f) else None


def _as_text(ws) -> None:
    """Every string cell of a sheet a typed text cell: openpyxl makes a formula of "=…" otherwise."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_START):
                    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell


def export_xlsx(summary: Summary, names: Callable[[str], str]) -> bytes:
    """A workbook: "KPIs" and "Platforms" when the month has metrics, and always "Sections"."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    kpi = summary.kpi
    if kpi is not None:
        loc, roi_mode = summary.report.locale, getattr(kpi, "roi_mode", summary.report.roi)
        coverage = getattr(kpi, "coverage", None) or {}
        ws = wb.create_sheet("KPIs")
        ws.append(["kpi", "value", "name", "covers"])
        for key, value in (kpi.totals or {}).items():
            cov = coverage.get(key)
            covers = ""
            if cov is not None:  # the value covers only these rows: say which, with their counts
                sums = coverage_sums(cov, loc) if len(NEEDS.get(key, ())) > 1 else ""
                covers = t_plain(loc, "kpi.with_sums", covers=coverage_text(cov, loc), sums=sums) if sums \
                    else coverage_text(cov, loc)
            ws.append([str(key), _number(value), kpi_label(str(key), loc, roi_mode), covers])
        ws = wb.create_sheet("Platforms")
        frame = kpi.by_platform
        if frame is not None:
            columns = [str(c) for c in frame.columns]
            ws.append(["platform", *columns])
            for platform, row in frame.iterrows():
                ws.append([str(platform), *[_number(v) for v in row.tolist()]])
        for sheet in (wb["KPIs"], wb["Platforms"]):
            for cell in sheet[1]:
                cell.font = bold
    comparisons = getattr(summary, "comparisons", None)  # a Summary-like object may not carry them
    if comparisons:
        _comparisons_sheet(wb.create_sheet("A-B"), comparisons, summary.report.locale, bold)
    ws = wb.create_sheet("Sections")
    ws.append(list(SECTION_COLUMNS))
    for cell in ws[1]:
        cell.font = bold
    for row in section_rows(summary, names):
        *head, text = row
        parts = [text[i:i + XLSX_CELL_MAX] for i in range(0, len(text), XLSX_CELL_MAX)] or [""]
        ws.append(head + parts)
    for col, width in zip("ABCDE", (12, 24, 24, 22, 100), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for sheet in wb.worksheets:
        _as_text(sheet)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


AB_COLUMNS = ("comparison", "variant", "level", "platform", "campaign", "ad_group", "creative", "impressions",
              "clicks", "conversions", "spend", "ctr", "cvr", "cpa", "verdicts")


def _comparisons_sheet(ws, comparisons: list, locale: str, bold) -> None:
    """One row per variant of each A/B comparison; the verdicts beside its first variant."""
    ws.append(list(AB_COLUMNS))
    for cell in ws[1]:
        cell.font = bold
    for n, c in enumerate(comparisons, start=1):
        verdicts = "\n".join([heading(c, locale), *verdict_lines(c, locale)])
        for i, (name, v) in enumerate(zip(labels(c.keys), c.variants, strict=True)):
            k = v.key
            ws.append([n, name, k.level, k.platform, k.campaign, k.ad_group or "", k.creative or "",
                       *[_number(x) for x in (v.impressions, v.clicks, v.conversions, v.spend, v.ctr, v.cvr, v.cpa)],
                       verdicts if i == 0 else ""])


def export_files(summary: Summary, names: Callable[[str], str], fmt: str | None,
                 *, title: str, kpi_lines: list[str] | None = None) -> list[ExportFile]:
    """The files `/feedsum export` sends: Markdown + XLSX by default, or the one format asked for.

    `kpi_lines` are the KPI highlights as Markdown lines (as posted), for the Markdown file."""
    stem = f"feedsum-{summary.report.id}-{summary.period}"
    wanted = [fmt] if fmt else ["md", "xlsx"]
    files = []
    for f in wanted:
        if f == "md":
            files.append(ExportFile(f"{stem}.md", title, summary_markdown(summary, names, kpi_lines=kpi_lines).encode("utf-8")))
        elif f == "xlsx":
            files.append(ExportFile(f"{stem}.xlsx", title, export_xlsx(summary, names)))
        elif f == "csv":
            files.append(ExportFile(f"{stem}.csv", title, export_csv(summary, names)))
        else:
            raise ValueError(f)
    return files
