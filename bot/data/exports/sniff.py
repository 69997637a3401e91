"""Sniffing a file's first bytes: encoding, delimiter, header row and the lines above it."""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass, field
from pathlib import Path

from bot.data.exports.errors import ExportError
from bot.data.exports.presets import _KNOWN_KEYS, _METRIC_KEYS, normalize_header
from bot.text.i18n import Msg

PREFIX_BYTES = 256 * 1024  # enough to find the header; the body is read by pandas' C parser
MAX_HEADER_SCAN = 60  # rows searched for the header row


@dataclass
class _Layout:
    encoding: str
    delimiter: str
    header_index: int  # 0-based record index of the header row
    headers: list[str]
    prefix_text: str
    complete: bool  # the prefix is the whole file
    preamble: list[str] = field(default_factory=list)  # rows above the header, cells joined (title, period)


def _decode_prefix(raw: bytes, complete: bool) -> tuple[str, str]:
    """Pick the encoding from the first bytes: BOM, then UTF-8, then GB18030."""
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        enc = "utf-16"
        body = raw if complete else raw[: len(raw) - len(raw) % 2]
        return enc, body.decode("utf-16", errors="replace")
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", raw.decode("utf-8-sig", errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            dec = codecs.getincrementaldecoder(enc)()
            return enc, dec.decode(raw, final=complete)
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("gb18030", raw, 0, 1, "undecodable")


def _is_header(cells: list[str], extra_keys: set[str]) -> bool:
    keys = [normalize_header(c)[0] for c in cells if c and c.strip()]
    metric = sum(1 for k in keys if k in _METRIC_KEYS or k in extra_keys)
    known = sum(1 for k in keys if k in _KNOWN_KEYS or k in extra_keys)
    return metric >= 1 and known >= 2


def _looks_tabular(lines: list[str]) -> bool:
    """At least two rows with the same number (>= 2) of cells for some delimiter."""
    for delim in ("\t", ",", ";"):
        widths = [len(c) for c in csv.reader(lines, delimiter=delim) if len(c) >= 2]
        if any(widths.count(w) >= 2 for w in set(widths)):
            return True
    return False


def _sniff(raw: bytes, complete: bool, file: str, overrides: dict[str, str] | None) -> _Layout:
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExportError(file, Msg("read.binary"))
    try:
        encoding, text = _decode_prefix(raw, complete)
    except UnicodeDecodeError:
        raise ExportError(file, Msg("read.encoding")) from None
    lines = text.splitlines()
    if not complete and lines:
        lines = lines[:-1]  # the last line may be cut in the middle
    lines = lines[:MAX_HEADER_SCAN]
    extra = {normalize_header(h)[0] for h in (overrides or {}).values()}
    best: tuple[int, str, list[str]] | None = None
    above: list[list[str]] = []
    for delim in ("\t", ",", ";"):
        rows = list(csv.reader(lines, delimiter=delim))
        for i, cells in enumerate(rows):
            if len(cells) > 1 and _is_header(cells, extra):
                if best is None or i < best[0]:
                    best, above = (i, delim, cells), rows[:i]
                break
    if best is None:
        first = next((ln for ln in lines if ln.strip()), "")
        if not _looks_tabular(lines):
            raise ExportError(file, Msg("read.no_table"))
        raise ExportError(file, Msg("read.unknown_headers", first=repr(first[:120])))
    i, delim, cells = best
    return _Layout(encoding, delim, i, cells, text, complete, _joined(above))


def _joined(rows) -> list[str]:
    return [" ".join(str(c).strip() for c in r if c is not None and str(c).strip()) for r in rows]


def _prefix(data: bytes | None, path: Path | None) -> tuple[bytes, bool]:
    if data is not None:
        return data[:PREFIX_BYTES], len(data) <= PREFIX_BYTES
    with open(path, "rb") as fh:
        raw = fh.read(PREFIX_BYTES + 1)
    return raw[:PREFIX_BYTES], len(raw) <= PREFIX_BYTES
