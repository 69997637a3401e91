"""Readers for ad-platform report exports (CSV, TSV, XLSX) into canonical rows.

Facts about the files live in /work/shared/reference/ad-exports.md. The shape of the output:

* one canonical row per data row of the export (``CANONICAL_COLUMNS``);
* total/summary rows (``Total: …``, 总计/合计/汇总, Meta's blank-name account row,
  ``No data available.``, a row equal to the column sums of the others) are dropped and counted;
* an import is all or nothing: any bad data row raises :class:`ExportError`.

Missing values: ``--``, ``-``, empty, ``N/A`` and masked counts (``<5``) in a base-count column
that the file *has* count as 0 (the platform shows no or a tiny value); a base count whose column
the file does *not* have is NaN on every row, so KPIs can tell "zero" from "not measured".
Platform ratio columns (CTR, CPC…) are never used for KPIs, only to cross-check the mapping.

The package, one module per job (each imports only those before it):

* ``fields``: the canonical row's fields; ``errors``: ExportError and how to fix a file;
* ``cells``: names, numbers, missing and masked cells, total labels;
* ``presets``: header aliases per platform, detecting the platform, unread-measure warnings;
* ``sniff``: encoding, delimiter, header row and the lines above it;
* ``months``: a month named for a file; ``dates``: dates in cells and a stated period;
* ``canonical``: from a read table to canonical rows, and combining snapshots;
* ``reader``: the entry point, :func:`read_export`.
"""

from __future__ import annotations

# The streamed reader (bot/data/export_sums.py) shares the exact reader's steps: it reaches
# them as ``exports._name``, so they are imported here too.
from bot.data.exports.canonical import _cross_check, _Options, _place, dedupe, empty_rows, in_yuan
from bot.data.exports.cells import (
    _MISSING_SET,
    _NUMBER_JUNK_RE,
    _TOTAL_RE,
    MISSING_TOKENS,
    _clean_name,
    _to_number,
)
from bot.data.exports.dates import _NAT, _Dates, _period_sides
from bot.data.exports.errors import FIX_CONTEXTS, BadCell, ExportError, ImportResult
from bot.data.exports.fields import (
    CANONICAL_COLUMNS,
    EXTRA_FIELDS,
    MAPPABLE_FIELDS,
    NUM_FIELDS,
    TEXT_FIELDS,
)
from bot.data.exports.months import MonthHint, date_order_from_text, month_from_text
from bot.data.exports.presets import (
    _METRIC_FIELDS,
    PRESET_NAMES,
    PRESETS,
    Preset,
    _check_mapping,
    _map_columns,
    _measure_warnings,
    detect_preset,
    normalize_header,
)
from bot.data.exports.reader import _check_row_widths, _read_source, _want_progress, read_export
from bot.data.exports.sniff import MAX_HEADER_SCAN, PREFIX_BYTES, _Layout, _prefix, _sniff

__all__ = [
    "CANONICAL_COLUMNS", "EXTRA_FIELDS", "FIX_CONTEXTS", "MAPPABLE_FIELDS", "MAX_HEADER_SCAN", "MISSING_TOKENS",
    "NUM_FIELDS", "PREFIX_BYTES", "PRESETS", "PRESET_NAMES", "TEXT_FIELDS", "BadCell", "ExportError",
    "ImportResult", "MonthHint", "Preset", "date_order_from_text", "dedupe", "detect_preset", "empty_rows",
    "month_from_text", "normalize_header", "read_export",
    # shared with the streamed reader
    "_METRIC_FIELDS", "_MISSING_SET", "_NAT", "_NUMBER_JUNK_RE", "_TOTAL_RE", "_Dates", "_Layout", "_Options",
    "_check_mapping", "_check_row_widths", "_clean_name", "_cross_check", "_map_columns", "_measure_warnings",
    "_period_sides", "_place", "_prefix", "_read_source", "_sniff", "_to_number", "_want_progress", "in_yuan",
]
