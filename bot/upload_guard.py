"""Checks on a shared file before it is downloaded or parsed: size, kind, and XLSX zip bombs.

`check_upload(name, size, head_bytes)` runs on what Slack tells us about a file (its name, its
size and, once downloading starts, its first bytes) and refuses anything that is not a table
export or is too big, with a sentence the user can act on. `check_xlsx_zip(source)` reads only
the zip directory of an XLSX (no decompression) and refuses archives that would expand to far
more than any real export: bot.exports.read_export calls it before openpyxl opens the file.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # 50 MB: a month of daily exports is a few MB
MAX_XLSX_UNCOMPRESSED = 500 * 1024 * 1024  # what all parts of a workbook may expand to
MAX_XLSX_RATIO = 200  # real sheets compress 5-30x; bombs compress 1000x and more
RATIO_CHECK_ABOVE = 20 * 1024 * 1024  # small archives are harmless whatever their ratio
MAX_XLSX_ENTRIES = 10_000
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx")

# First bytes of files people share by mistake, with the sentence to say.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) or other Office 97 file; save it as .xlsx or .csv"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a program"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]


class UploadRefused(ValueError):
    """A file we will not read; str() is the sentence for the user."""

    def __init__(self, name: str, reason: str):
        self.name, self.reason = name, reason
        super().__init__(f"{name}: {reason}")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_upload(name: str, size: int | None, head_bytes: bytes = b"") -> None:
    """Refuse a shared file that is too big or is not a CSV/TSV/XLSX export.

    `size` is the size Slack reports (None if unknown); `head_bytes` the first bytes (a few KB
    is enough, empty if not downloaded yet). Raises UploadRefused; returns None when acceptable.
    """
    name = name or "file"
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadRefused(name, f"the file is {_mb(size)}, over the {_mb(MAX_UPLOAD_BYTES)} limit; "
                                  "export one month (or one platform) per file")
    if size == 0:
        raise UploadRefused(name, "the file is empty")
    suffix = Path(name).suffix.lower()
    head = bytes(head_bytes[:8192])
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            raise UploadRefused(name, f"this is {what}, not a table export (CSV, TSV or XLSX)")
    if head.startswith(b"PK\x03\x04") or suffix == ".xlsx":
        if head and not head.startswith(b"PK\x03\x04"):
            raise UploadRefused(name, "the name says .xlsx but the content is not an Excel workbook")
        if suffix not in (".xlsx", ""):
            raise UploadRefused(name, "this is a zip archive, not a table export; share the .xlsx or .csv itself")
        return
    if suffix and suffix not in TABLE_SUFFIXES:
        raise UploadRefused(name, f"{suffix} files are not read; share the export as .csv, .tsv or .xlsx")
    if head and not _looks_like_text(head):
        raise UploadRefused(name, "the content is binary, not a CSV or TSV table")


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
        raise UploadRefused(label, f"the workbook has {len(infos):,} parts; refused as unsafe (a zip bomb?)")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise UploadRefused(label, f"the workbook would expand to {_mb(total)} (over {_mb(MAX_XLSX_UNCOMPRESSED)}); "
                                   "refused as unsafe (a zip bomb?). Export fewer rows or use CSV")
    ratio = total / max(1, compressed_total)
    if total > RATIO_CHECK_ABOVE and ratio > MAX_XLSX_RATIO:
        raise UploadRefused(label, f"the workbook expands {ratio:,.0f} times ({_mb(total)} from "
                                   f"{_mb(compressed_total)}); refused as unsafe (a zip bomb?)")
