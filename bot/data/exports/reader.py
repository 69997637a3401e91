"""The reader's entry point: read a CSV, TSV or XLSX export into canonical rows."""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from defusedxml import DefusedXmlException

from bot.data import upload_guard
from bot.data.exports.canonical import _canonical, _Options, _Table
from bot.data.exports.cells import MISSING_TOKENS
from bot.data.exports.dates import _Dates
from bot.data.exports.errors import BadCell, ExportError, ImportResult
from bot.data.exports.fields import MAPPABLE_FIELDS, TEXT_FIELDS
from bot.data.exports.months import MonthHint
from bot.data.exports.presets import (
    PRESET_NAMES,
    PRESETS,
    _check_mapping,
    _map_columns,
    _measure_warnings,
    detect_preset,
    normalize_header,
)
from bot.data.exports.sniff import MAX_HEADER_SCAN, _is_header, _joined, _Layout, _prefix, _sniff
from bot.data.upload_guard import over_limit
from bot.model.lazy_pandas import pd  # pandas imported on first use
from bot.text.i18n import Msg


def _read_source(source: str | Path | bytes, name: str | None) -> tuple[str, bytes | None, Path | None]:
    if isinstance(source, bytes | bytearray):
        return name or "<upload>", bytes(source), None
    path = Path(source)
    if not path.exists():
        raise ExportError(name or str(path), Msg("read.not_found"))
    return name or str(path), None, path


def _want_progress(progress: bool, size: int) -> bool:
    return progress and size > 20_000_000 and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()


def _read_csv_body(
    data: bytes | None, path: Path | None, layout: _Layout, mapping: dict[str, int], progress: bool, file: str
) -> pd.DataFrame:
    """Read only the mapped columns (plus the first, for total labels) with the C parser."""
    width = len(layout.headers)
    _check_row_widths(layout, file)
    cols = sorted(set(mapping.values()) | {0})
    text_cols = {mapping[f] for f in ("date", "date_end", *TEXT_FIELDS) if f in mapping} | {0}
    # Text columns repeat a lot (days, campaign names): categories parse fast and stay small.
    dtype = {c: "category" for c in text_cols}
    src = io.BytesIO(data) if data is not None else path
    size = len(data) if data is not None else os.path.getsize(path)
    kwargs = dict(
        sep=layout.delimiter,
        header=None,
        names=list(range(width)),
        index_col=False,  # never turn extra leading cells into an index
        skiprows=layout.header_index + 1,
        usecols=cols,
        dtype=dtype,
        thousands=",",
        na_values=list(MISSING_TOKENS),
        keep_default_na=False,
        skip_blank_lines=False,
        skipinitialspace=True,
        encoding=layout.encoding,
        engine="c",
        encoding_errors="strict",
    )
    # One pass over the whole file: chunked parsing would re-unify the categories (slow).
    whole = dict(kwargs, low_memory=False)
    try:
        if _want_progress(progress, size):
            frame = _read_with_progress(src, size, layout, kwargs, file)
        else:
            frame = pd.read_csv(src, **whole)
    except UnicodeDecodeError:
        if layout.encoding != "utf-8":
            raise ExportError(file, Msg("read.bad_encoding", encoding=layout.encoding)) from None
        layout.encoding = "gb18030"  # the prefix was ASCII-only UTF-8, the rest is GB18030
        whole["encoding"] = "gb18030"
        frame = pd.read_csv(io.BytesIO(data) if data is not None else path, **whole)
    except (pd.errors.ParserError, ValueError, IndexError) as exc:  # IndexError: pandas on some mangled rows
        if "Too many columns specified" in str(exc):
            # Every row is shorter than the header (e.g. only "No data available."): tiny file.
            return _read_short(data, path, layout, cols)
        m = re.search(r"line (\d+)", str(exc))
        row = layout.header_index + int(m.group(1)) + 1 if m else None
        raise ExportError(file, Msg("read.row_misfit", error=str(exc)), row=row) from None
    # A column the C parser could not make numeric (¥, %, "abc") comes back as text; cleaned later.
    return frame


def _check_row_widths(layout: _Layout, file: str) -> None:
    """Rows of the prefix with more non-empty cells than headers (an unquoted comma shifts every
    value after it). The C parser silently drops such extra cells, so look on the prefix here;
    further down, shifted text landing in a number column is still caught as a bad cell."""
    lines = layout.prefix_text.splitlines()
    if not layout.complete:
        lines = lines[:-1]
    width = len(layout.headers)
    bad = []
    for i, cells in enumerate(csv.reader(lines, delimiter=layout.delimiter)):
        if i > layout.header_index and len(cells) > width and any(c.strip() for c in cells[width:]):
            bad.append(BadCell(i + 1, None, cells[width], Msg("read.row_width", cells=len(cells), width=width)))
    if bad:
        raise ExportError.from_bad(file, bad)


def _read_short(data: bytes | None, path: Path | None, layout: _Layout, cols: list[int]) -> pd.DataFrame:
    """Fallback for files whose rows are all shorter than the header: the csv module, padded."""
    raw = data if data is not None else Path(path).read_bytes()
    text = raw.decode(layout.encoding)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter))[layout.header_index + 1 :]
    width = len(layout.headers)
    padded = [[(c if c.strip() not in MISSING_TOKENS else None) for c in (r + [""] * width)[:width]] for r in rows]
    frame = pd.DataFrame(padded, columns=range(width), dtype=object)
    return frame[cols]


def _read_with_progress(src, size: int, layout: _Layout, kwargs: dict, file: str) -> pd.DataFrame:
    from tqdm import tqdm

    lines = max(1, layout.prefix_text.count("\n"))
    est_rows = int(size / max(1, len(layout.prefix_text.encode("utf-8")) / lines))
    chunks = []
    with tqdm(total=est_rows, unit="rows", desc=os.path.basename(file), file=sys.stderr, leave=False) as bar:
        for chunk in pd.read_csv(src, chunksize=200_000, **kwargs):
            chunks.append(chunk)
            bar.update(len(chunk))
    if not chunks:
        return pd.DataFrame()
    out = {}
    for c in chunks[0].columns:
        parts = [ch[c] for ch in chunks]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            out[c] = pd.Series(pd.api.types.union_categoricals(parts, ignore_order=True))
        else:
            out[c] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


@contextmanager
def _open_xlsx(data: bytes | None, path: Path | None, file: str):
    """The first sheet of a workbook that passed the size checks, opened read-only (streaming)."""
    from openpyxl import load_workbook

    source = data if data is not None else path
    try:
        upload_guard.check_xlsx_zip(source, file)  # the zip directory: nothing inflated yet
        upload_guard.check_xlsx_parts(source, file)  # every part streamed once, before openpyxl
    except upload_guard.UploadRefused as exc:
        raise ExportError(file, exc.reason, key=exc.key, values=exc.values) from None
    try:
        wb = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means "not a usable workbook"
        raise _workbook_error(file, exc) from None
    try:
        if not wb.worksheets:
            raise ExportError(file, Msg("read.no_sheet"))
        yield wb.worksheets[0]
    finally:
        wb.close()


def _workbook_error(file: str, exc: Exception) -> ExportError:
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__  # openpyxl wraps it in a ValueError
    if cause is not None:  # openpyxl parses with defusedxml once it is installed
        refused = over_limit(file, "limit.xlsx_entities")
        return ExportError(file, refused.reason, key=refused.key, values=refused.values)
    return ExportError(file, Msg("read.xlsx_open", error=f"{type(exc).__name__}: {exc}"))


def _xlsx_rows(ws, file: str, **bounds):
    """openpyxl's rows of values, any failure inside it (broken XML, a missing shared string)
    turned into an ExportError."""
    rows = ws.iter_rows(values_only=True, **bounds)
    try:
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # noqa: BLE001
                raise _workbook_error(file, exc) from None
            yield cells
    finally:
        rows.close()  # closes the sheet's stream inside the zip


def _xlsx_header(ws, file: str, overrides) -> _Layout:
    extra = {normalize_header(h)[0] for h in (overrides or {}).values()}
    above: list[tuple] = []  # rows above the header (a title, the report's period)
    for i, cells in enumerate(_xlsx_rows(ws, file, max_row=MAX_HEADER_SCAN, max_col=upload_guard.MAX_XLSX_COLUMNS)):
        texts = ["" if c is None else str(c) for c in cells]
        if _is_header(texts, extra):
            width = max(j for j, text in enumerate(texts) if text) + 1
            return _Layout("xlsx", "", i, texts[:width], "", True, _joined(above))
        above.append(cells)
    raise ExportError(file, Msg("read.xlsx_headers"))


def _xlsx_body(ws, layout: _Layout, mapping: dict[str, int], file: str) -> pd.DataFrame:
    """Stream the data rows, keeping only the mapped columns (and the first, for total labels).

    openpyxl pads each row to `max_col` and fills gaps between row numbers with empty rows, so
    the cells it hands over (rows x header width) are counted here and reading stops past the
    limit; cells right of the header are never materialised.
    """
    width = len(layout.headers)
    cols = sorted(set(mapping.values()) | {0})
    kept: dict[int, list] = {c: [] for c in cols}
    adds = [(c, kept[c].append) for c in cols]
    max_rows = min(upload_guard.MAX_XLSX_ROWS, upload_guard.MAX_XLSX_CELLS // width)
    for n, cells in enumerate(_xlsx_rows(ws, file, min_row=layout.header_index + 2, max_col=width), 1):
        if n > max_rows:
            refused = (over_limit(file, "limit.xlsx_rows", limit=f"{upload_guard.MAX_XLSX_ROWS:,}")
                       if max_rows == upload_guard.MAX_XLSX_ROWS else
                       over_limit(file, "limit.xlsx_cells", limit=f"{upload_guard.MAX_XLSX_CELLS:,}"))
            raise ExportError(file, refused.reason, key=refused.key, values=refused.values)
        for c, add in adds:
            add(cells[c])
    return pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in kept.items()})


def read_export(
    source: str | Path | bytes,
    *,
    name: str | None = None,
    preset: str = "auto",
    columns: dict[str, str] | None = None,
    platform: str | None = None,
    progress: bool = False,
    month: str | MonthHint | None = None,
    date_format: str | None = None,
    context: str = "cli",
    today: date | None = None,
) -> ImportResult:
    """Read one ad-platform export (CSV, TSV or XLSX) into canonical rows.

    ``columns`` maps canonical names (and ``roas``, ``ctr``) to headers of the file, as in the
    config's ``[reports.metrics.columns]``; it overrides the preset. ``preset="auto"`` picks the
    platform from the headers. ``platform`` overrides the platform name written on every row.
    ``progress`` shows a tqdm bar on stderr for big files when stderr is a terminal.

    ``month`` ("YYYY-MM" or a :class:`MonthHint`) files rows that cover more than a day — a report
    without a day column dated by its stated period, a period spanning months, "All time" — under
    that month; without it such a period must lie within one calendar month. ``date_format``
    ("DMY", "MDY" or strftime) states the day/month order when the dates cannot tell. ``context``
    ("cli", "config" or "slack") picks how error messages say to fix the file; ``today`` places
    a month named without a year.

    Raises :class:`ExportError` (all or nothing) when the file or any data row cannot be read.
    Messages and warnings are :class:`~bot.text.i18n.Msg`: ``.text(locale)`` gives the report's language.
    """
    file, data, path = _read_source(source, name)
    if preset not in PRESET_NAMES:
        raise ExportError(file, Msg("read.unknown_preset", preset=repr(preset), names=", ".join(PRESET_NAMES)))
    bad_keys = set(columns or {}) - set(MAPPABLE_FIELDS)
    if bad_keys:
        raise ExportError(file, Msg("read.unknown_fields", fields=", ".join(sorted(bad_keys))))
    try:
        hint = MonthHint.parse(month)
    except ValueError:
        raise ExportError(file, Msg("read.month_bad", value=str(month))) from None
    dates = _Dates(file, context, date_format)
    raw, complete = _prefix(data, path)
    if not raw:
        raise ExportError(file, Msg("read.empty"))

    if raw[:4] == b"PK\x03\x04":
        with _open_xlsx(data, path, file) as ws:
            layout = _xlsx_header(ws, file, columns)
            keys = [normalize_header(h)[0] for h in layout.headers]
            units = [normalize_header(h)[1] for h in layout.headers]
            chosen = detect_preset(layout.headers, columns) if preset == "auto" else preset
            mapping = _map_columns(keys, PRESETS[chosen], columns)
            _check_mapping(file, layout.headers, mapping, columns)
            frame = _xlsx_body(ws, layout, mapping, file)
        header_index = layout.header_index
    else:
        layout = _sniff(raw, complete, file, columns)
        keys = [normalize_header(h)[0] for h in layout.headers]
        units = [normalize_header(h)[1] for h in layout.headers]
        chosen = detect_preset(layout.headers, columns) if preset == "auto" else preset
        mapping = _map_columns(keys, PRESETS[chosen], columns)
        _check_mapping(file, layout.headers, mapping, columns)
        frame = _read_csv_body(data, path, layout, mapping, progress, file)
        header_index = layout.header_index

    first_data_row = header_index + 2  # 1-based row of the first data row
    opts = _Options(hint, dates, context, today, layout.preamble, platform)
    table = _Table(file, frame, layout.headers, units, mapping, PRESETS[chosen], first_data_row)
    rows, dropped, warnings = _canonical(table, opts)
    if chosen == "generic" and preset == "auto" and not platform:
        warnings.insert(0, Msg("read.w.generic"))
    warnings.extend(_measure_warnings(layout.headers, mapping, PRESETS[chosen]))
    return ImportResult(rows, dropped, chosen, file, layout.encoding, warnings)
