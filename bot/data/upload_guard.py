"""Checks on a shared file before it is downloaded or parsed: size, kind, and hostile XLSX.

`check_upload(name, size, head_bytes)` runs on what Slack tells us about a file (its name, its
size and, once downloading starts, its first bytes) and refuses anything that is not a table
export or is too big, with a sentence the user can act on. `check_xlsx_zip(source)` reads only
the zip directory of an XLSX (no decompression) and refuses archives that would expand to far
more than any real export. `check_xlsx_parts(source)` then streams every part of the workbook
once through expat and refuses what would make openpyxl build more than a table needs. Both run
in bot.data.exports.read_export before openpyxl opens the file; it counts cells again while it reads.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from xml.parsers import expat

from bot.text.i18n import Msg

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 50 MB: a month of daily exports is a few MB
# 2 million cells of sheet XML (about 40 bytes each) are ~80 MB; the rest is room for long texts.
MAX_XLSX_UNCOMPRESSED = 256 * 1024 * 1024  # what all parts of a workbook may expand to
MAX_XLSX_RATIO = 200  # real sheets compress 5-30x; bombs compress 1000x and more
RATIO_CHECK_ABOVE = 20 * 1024 * 1024  # small archives are harmless whatever their ratio
MAX_XLSX_ENTRIES = 10_000
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")

# What openpyxl's read-only mode holds at once, bounded. It streams a sheet row by row but builds
# each whole <row> (and each shared string) before handing it over, keeps the shared-string table
# and every element outside rows for the whole read, builds the other parts (styles, workbook)
# as whole trees, and pads every row to the widest column it is asked for.
MAX_XLSX_COLUMNS = 1_000  # ad exports have 10-80 columns; Excel allows 16,384, each padding every row
MAX_XLSX_ROWS = 1_048_576  # Excel's own maximum
# With the checks here openpyxl reads ~90,000 cells a second on a 2-core server and we keep ~60
# bytes a cell: the largest file costs ~25 s and ~120 MB. A month of daily ad-group rows of a
# large account (60,000 rows x 30 columns) fits; bigger exports go as CSV (read ~50x faster).
MAX_XLSX_CELLS = 2_000_000
MAX_XLSX_SHARED_STRINGS = 1_000_000  # distinct texts; exports repeat names and dates
MAX_XLSX_ROW_ELEMENTS = 20_000  # inside one row or shared string (rich text: ~8 per run)
MAX_XLSX_ROW_CHARS = 1_000_000  # text in one row or shared string; real rows hold a few KB
MAX_XLSX_PART_ELEMENTS = 500_000  # per part, outside rows and strings (Excel's 64,000 styles fit)
MAX_XLSX_PART_CHARS = 20_000_000  # per part, outside rows and strings

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_ROOT_WORKSHEET, _ROOT_SST = f"{_MAIN_NS} worksheet", f"{_MAIN_NS} sst"
_ROW, _CELL, _SI, _DIMENSION = (f"{_MAIN_NS} {n}" for n in ("row", "c", "si", "dimension"))

# First bytes of files people share by mistake, with the sentence to say.
_SIGNATURES: list[tuple[bytes, str]] = [  # (magic, catalogue key upload.what.<kind>)
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"\x7fELF", "program"),
    (b"MZ", "program"),
    (b"Rar!", "rar"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf", "7z"),
]


class UploadRefused(ValueError):
    """A file we will not read; str() is the sentence for the user.

    `key` and `values` are the catalogue's message saying it in the user's language
    (``Msg(key, **values).text(locale)``); `reason` is its English text.
    """

    def __init__(self, name: str, reason: str, *, key: str | None = None, values: dict | None = None):
        self.name, self.reason, self.key, self.values = name, reason, key, values or {}
        super().__init__(f"{name}: {reason}")


def over_limit(name: str, key: str, **values: object) -> UploadRefused:
    """A refusal (a limit passed, a file of the wrong kind) said through the catalogue."""
    return UploadRefused(name, Msg(key, **values), key=key, values=values)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_upload(name: str, size: int | None, head_bytes: bytes = b"") -> None:
    """Refuse a shared file that is too big or is not a CSV/TSV/XLSX export.

    `size` is the size Slack reports (None if unknown); `head_bytes` the first bytes (a few KB
    is enough, empty if not downloaded yet). Raises UploadRefused; returns None when acceptable.
    """
    name = name or "file"
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise over_limit(name, "limit.upload_size", size=_mb(size), limit=_mb(MAX_UPLOAD_BYTES))
    if size == 0:
        raise over_limit(name, "upload.empty")
    suffix = Path(name).suffix.lower()
    head = bytes(head_bytes[:8192])
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise over_limit(name, "upload.not_table", what=Msg(f"upload.what.{what}"))
    if head.startswith(b"PK\x03\x04") or suffix == ".xlsx":
        if head and not head.startswith(b"PK\x03\x04"):
            raise over_limit(name, "upload.fake_xlsx")
        if suffix not in (".xlsx", ""):
            raise over_limit(name, "upload.zip")
        return
    if suffix and suffix not in TABLE_SUFFIXES:
        raise over_limit(name, "upload.suffix", suffix=suffix)
    if head and not _looks_like_text(head):
        raise over_limit(name, "upload.binary")


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM: NULs are expected
        return True
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the end of the head
                return True
    return False


def check_xlsx_zip(source: bytes | str | Path, name: str | None = None) -> None:
    """Refuse an XLSX whose zip directory promises too much data (a zip bomb) or is not a zip.

    Reads the central directory only. The declared sizes are also what zipfile will inflate at
    most (it stops at file_size), so they bound the work openpyxl can be made to do.
    """
    label = name or (str(source) if not isinstance(source, bytes | bytearray) else "upload")
    try:
        if isinstance(source, bytes | bytearray):
            zf = zipfile.ZipFile(io.BytesIO(source))
            compressed_total = len(source)
        else:
            zf = zipfile.ZipFile(source)
            compressed_total = Path(source).stat().st_size
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UploadRefused(label, f"the Excel file is damaged or not a workbook ({exc})") from None
    with zf:
        infos = zf.infolist()
    if len(infos) > MAX_XLSX_ENTRIES:
        raise over_limit(label, "limit.xlsx_parts", count=f"{len(infos):,}", limit=f"{MAX_XLSX_ENTRIES:,}")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise over_limit(label, "limit.xlsx_expand", size=_mb(total), limit=_mb(MAX_XLSX_UNCOMPRESSED))
    ratio = total / max(1, compressed_total)
    if total > RATIO_CHECK_ABOVE and ratio > MAX_XLSX_RATIO:
        raise over_limit(label, "limit.xlsx_ratio", ratio=f"{ratio:,.0f}", size=_mb(total),
                         packed=_mb(compressed_total), limit=f"{MAX_XLSX_RATIO:,}")


def _open_zip(source: bytes | str | Path, label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes | bytearray) else source)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UploadRefused(label, f"the Excel file is damaged or not a workbook ({exc})") from None


def check_xlsx_parts(source: bytes | str | Path, name: str | None = None) -> None:
    """Stream every part of a workbook once through expat and refuse, before openpyxl builds
    anything, a DTD (entity expansion: Excel never writes one) and what would make openpyxl hold
    more than the limits above: a `<dimension>` claiming too wide or too big a sheet, too many
    rows or cells, too many cells in one row, too many shared strings, or XML far bigger than
    its cells (elements and text inside one row, and outside rows in any part).

    Every part is read, whatever its name: openpyxl finds parts through the workbook's own
    relationships, so a sheet may hide under any name. A part that is not well-formed XML is
    left alone: openpyxl's expat stops at the same byte. Work is bounded by the sizes that
    check_xlsx_zip already limited, and stops at the first limit passed.
    """
    label = name or (str(source) if not isinstance(source, bytes | bytearray) else "upload")
    cells = [0]  # across the whole workbook
    with _open_zip(source, label) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            scan = _PartScan(label, cells)
            with zf.open(info) as fh:
                try:
                    while chunk := fh.read(1 << 20):
                        scan.parser.Parse(chunk, False)
                    scan.parser.Parse(b"", True)
                except expat.ExpatError:
                    continue
                except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a damaged or cut member
                    raise UploadRefused(label, f"the Excel file is damaged ({exc})") from None


class _PartScan:
    """Counters for one part; expat calls the handlers (kept small: they run for every element)."""

    def __init__(self, label: str, cells: list[int]):
        self.label, self.cells = label, cells
        self.root: str | None = None
        self.depth = 0
        self.unit_depth = 0  # depth of the open <row> or <si>, 0 when outside one
        self.unit_elements = self.unit_chars = self.row_cells = 0
        self.units = 0
        self.part_elements = self.part_chars = 0
        p = self.parser = expat.ParserCreate(namespace_separator=" ")
        p.buffer_text = True
        p.StartDoctypeDeclHandler = self._doctype
        p.EntityDeclHandler = self._doctype
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._chars

    def _doctype(self, *args) -> None:
        raise over_limit(self.label, "limit.xlsx_entities")

    def _start(self, tag: str, attrs: dict) -> None:
        self.depth += 1
        if self.unit_depth:
            self.unit_elements += 1
            if self.unit_elements > MAX_XLSX_ROW_ELEMENTS:
                raise self._xml("row_elements", MAX_XLSX_ROW_ELEMENTS)
            if tag == _CELL and self.root == _ROOT_WORKSHEET:
                self.row_cells += 1
                self.cells[0] += 1
                if self.row_cells > MAX_XLSX_COLUMNS:
                    raise over_limit(self.label, "limit.xlsx_row_cells", limit=f"{MAX_XLSX_COLUMNS:,}")
                if self.cells[0] > MAX_XLSX_CELLS:
                    raise over_limit(self.label, "limit.xlsx_cells", limit=f"{MAX_XLSX_CELLS:,}")
            return
        if self.root is None:
            self.root = tag
        if (tag == _ROW and self.root == _ROOT_WORKSHEET) or (tag == _SI and self.root == _ROOT_SST):
            self.unit_depth = self.depth
            self.unit_elements, self.unit_chars, self.row_cells = 1, 0, 0
            self.units += 1
            if tag == _ROW and self.units > MAX_XLSX_ROWS:
                raise over_limit(self.label, "limit.xlsx_rows", limit=f"{MAX_XLSX_ROWS:,}")
            if tag == _SI and self.units > MAX_XLSX_SHARED_STRINGS:
                raise over_limit(self.label, "limit.xlsx_strings", limit=f"{MAX_XLSX_SHARED_STRINGS:,}")
            return
        self.part_elements += 1
        if self.part_elements > MAX_XLSX_PART_ELEMENTS:
            raise self._xml("part_elements", MAX_XLSX_PART_ELEMENTS)
        if tag == _DIMENSION and self.root == _ROOT_WORKSHEET:
            self._dimension(attrs.get("ref") or "")

    def _end(self, tag: str) -> None:
        if self.depth == self.unit_depth:
            self.unit_depth = 0
        self.depth -= 1

    def _chars(self, data: str) -> None:
        if self.unit_depth:
            self.unit_chars += len(data)
            if self.unit_chars > MAX_XLSX_ROW_CHARS:
                raise self._xml("row_chars", MAX_XLSX_ROW_CHARS)
        else:
            self.part_chars += len(data)
            if self.part_chars > MAX_XLSX_PART_CHARS:
                raise self._xml("part_chars", MAX_XLSX_PART_CHARS)

    def _dimension(self, ref: str) -> None:
        """The sheet's own claim of its size (`A1:XFD3001`), which openpyxl pads rows to."""
        from openpyxl.utils.cell import range_boundaries

        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
        except (ValueError, TypeError):
            return  # openpyxl ignores or rejects it itself
        cols = (max_col or min_col or 1) - (min_col or 1) + 1
        rows = (max_row or min_row or 1) - (min_row or 1) + 1
        if cols > MAX_XLSX_COLUMNS:
            raise over_limit(self.label, "limit.xlsx_columns", count=f"{cols:,}", limit=f"{MAX_XLSX_COLUMNS:,}")
        if rows > MAX_XLSX_ROWS:
            raise over_limit(self.label, "limit.xlsx_rows", limit=f"{MAX_XLSX_ROWS:,}")
        if cols * rows > MAX_XLSX_CELLS:
            raise over_limit(self.label, "limit.xlsx_cells", limit=f"{MAX_XLSX_CELLS:,}")

    def _xml(self, what: str, limit: int) -> UploadRefused:
        return over_limit(self.label, f"limit.xlsx_{what}", limit=f"{limit:,}")
