"""Sums of one ad export per day, streamed: what `feedsum metrics` needs, in bounded memory.

:func:`bot.data.exports.read_export` builds one canonical row per data row (the import into the
database needs them). The command line only needs base counts summed per month and platform, so
here a big CSV is read by Arrow's multi-threaded reader in blocks (only the mapped columns,
numbers parsed in C, a thread parsing ahead) and each block is folded into sums per distinct date
cell before the next is read: 10 million rows never sit in memory at once.

The answer must be the one read_export gives. Each step below mirrors one of its rules, on
distinct values where it can; whatever would make read_export refuse the file or pick rows by
position (a bad cell, a repeated header row, an unlabelled sums row, rows of other widths, a
quote after spaces) stops the streamed read, and read_export itself reads the file instead
(:class:`_Exact`). Small files and workbooks always go to read_export.
"""

from __future__ import annotations

import codecs
import csv
import functools
import importlib.util
import io
import itertools
import os
import queue
import re
import sys
import threading
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from bot.data import exports as ex
from bot.model.lazy_pandas import pd  # pandas imported on first use: a big file's sums need none
from bot.text.i18n import Msg

BLOCK_BYTES = 2 << 20  # Arrow's block (~20,000 rows): its read-ahead holds a few dozen of them
MIN_BYTES = ex.PREFIX_BYTES  # a file the sniffer saw whole is read the exact way (it is small)
# A UTF-8 file this big is read as two halves at once, on two threads: Arrow's streaming reader
# parses one block at a time, so one reader keeps one core busy however many there are.
SPLIT_BYTES = 16 << 20
_SAMPLE = 5000  # rows read_export's CTR cross-check looks at
_MERGE_EVERY = 64  # blocks' sums merged into one table this often
_TOP = 8  # largest rows kept per measure to find an unlabelled sums row without keeping all rows
_SUM_FIELDS = ("impressions", "clicks", "spend")  # the measures read_export's sums-row test compares
_NA = frozenset(ex.MISSING_TOKENS)  # pandas' na_values: exact, after leading spaces
# Python's str.isspace() characters, for RE2 (whose \s is ASCII only).
_WS = r"[\s\x{1c}-\x{1f}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
# Every _TOTAL_RE match starts with whitespace or one of these (a cheap prefilter, confirmed in Python).
_TOTAL_STARTS = ("total", "no data", "总计", "合计", "汇总", "暂无数据")
_SPACES = sorted(set(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000")
                 | {chr(c) for c in range(0x2000, 0x200B)})  # what Python's str.isspace() accepts
_JUNK = r"[,\s¥￥$€\x{00a0}\x{3000}]|%$"  # ex._NUMBER_JUNK_RE in RE2 (a subset: leftovers fail the cast)
_MASKED = r"^<\s*\d+$"


def _cases(word: str) -> list[str]:
    out = [""]
    for ch in word:
        out = [o + c for o in out for c in {ch.lower(), ch.upper()}]
    return out


def _heads(arr) -> np.ndarray:
    """The first byte of each value of a string array (0 for empty values and nulls)."""
    starts, length, data = _spans(arr)
    return np.where(length > 0, data[np.minimum(starts, len(data) - 1)], 0).astype(np.uint8)


def _seconds(arr, rows: np.ndarray | None = None) -> np.ndarray:
    """The second byte of each value (of those at ``rows``), 0 when shorter."""
    starts, length, data = _spans(arr)
    if rows is not None:
        starts, length = starts[rows], length[rows]
    return np.where(length > 1, data[np.minimum(starts + 1, len(data) - 1)], 0).astype(np.uint8)


def _spans(arr) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, length, bytes) of a string array's values, from its buffers (nulls: length 0)."""
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    data = arr.buffers()[2]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(1, np.uint8)
    length = np.diff(offsets)
    if arr.null_count:
        length = np.where(_valid(arr), length, 0)
    return offsets[:-1], length, data

# pyarrow's own to_numpy() and pa.array() look for pandas (importing it, 0.2 s): the streamed
# path moves data between Arrow and numpy through the buffers instead.
def _np(arr) -> np.ndarray:
    """A numeric or boolean Arrow array as numpy: NaN (floats) or False (booleans) where null;
    integers as they are (mask them with _valid)."""
    import pyarrow as pa

    n = len(arr)
    if pa.types.is_boolean(arr.type):
        data = arr.buffers()[1]
        bits = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        out = np.unpackbits(bits, bitorder="little", count=arr.offset + n)[arr.offset:].astype(bool)
        return out & _valid(arr) if arr.null_count else out
    dtype = np.dtype(f"{'f' if pa.types.is_floating(arr.type) else 'i'}{arr.type.bit_width // 8}")
    data = arr.buffers()[1]
    if data is None or not n:
        return np.zeros(n, dtype=dtype)
    out = np.frombuffer(data, dtype=dtype, count=n, offset=arr.offset * dtype.itemsize)
    if arr.null_count and dtype.kind == "f":
        out = np.where(_valid(arr), out, np.nan)
    return out


def _strings(values: list) -> object:
    """A pyarrow string array of Python strings (None: null)."""
    import pyarrow as pa

    raw = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(raw) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in raw], out=offsets[1:])
    valid = np.array([v is not None for v in values], dtype=bool)
    bitmap = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.StringArray.from_buffers(len(raw), pa.py_buffer(offsets), pa.py_buffer(b"".join(raw)), bitmap)


def _booleans(values: np.ndarray) -> object:
    """A pyarrow boolean array of a numpy one."""
    import pyarrow as pa

    return pa.BooleanArray.from_buffers(len(values), None, pa.py_buffer(np.packbits(values, bitorder="little")))


def _valid(arr) -> np.ndarray:
    """Arrow's validity bitmap as booleans."""
    if not arr.null_count:
        return np.ones(len(arr), dtype=bool)
    bits = np.frombuffer(arr.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little", count=arr.offset + len(arr))[arr.offset:].astype(bool)


def _total_prefixes() -> tuple[np.ndarray, np.ndarray]:
    """What a total label's first two bytes can be: a space (any that str.isspace() accepts, as
    `\\s` in _TOTAL_RE), or the start of one of _TOTAL_STARTS in any case ("to", "No", "合"…)."""
    first = np.zeros(256, dtype=bool)
    pairs = np.zeros(1 << 16, dtype=bool)
    for text in [*_SPACES, *(w[:2] for w in _TOTAL_STARTS)]:
        for spelling in _cases(text):
            raw = spelling.encode("utf-8")
            if len(raw) == 1:
                first[raw[0]] = True
            else:
                pairs[raw[0] << 8 | raw[1]] = True
    return first, pairs


_TOTAL_FIRST, _TOTAL_PAIRS = _total_prefixes()
_TOTAL_LEADS = _TOTAL_PAIRS.reshape(256, 256).any(axis=1)  # first bytes that need the second


# Cells that casefold to a missing-value token, spelled out (Arrow's is_in compares exactly).
_MISSING_SPELLINGS = sorted({v for t in ex._MISSING_SET for v in _cases(t)})


class _Exact(Exception):
    """The streamed read cannot promise read_export's answer: let read_export read the file."""


@dataclass
class Sums:
    """Base counts of one export summed per day (and campaign when asked), with what
    read_export would have said about the file. ``columns`` (numpy arrays) and ``rows`` (the same
    as a DataFrame, built on first use) have the canonical columns but
    ``account``/``ad_group``/``creative``, and one ``_rows`` column: the data rows summed in each."""

    columns: dict[str, np.ndarray]
    dropped: int
    preset: str
    file: str
    encoding: str
    warnings: list = field(default_factory=list)
    streamed: bool = False  # False: read_export's rows (one per data row, `_rows` = 1)
    _frame: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def rows(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = pd.DataFrame(self.columns)
        return self._frame


def sum_export(source, *, name: str | None = None, preset: str = "auto", columns: dict[str, str] | None = None,
               platform: str | None = None, progress: bool = False, month=None, date_format: str | None = None,
               context: str = "cli", today=None, by_campaign: bool = False) -> Sums:
    """Read one export (a path or bytes) into day sums; arguments as :func:`bot.data.exports.read_export`.

    ``by_campaign`` keeps campaigns apart (needed to combine snapshots with ``dedupe``).
    Raises :class:`~bot.data.exports.ExportError` exactly as read_export does.
    """
    file, data, path = ex._read_source(source, name)
    size = len(data) if data is not None else (os.path.getsize(path) if path is not None and path.exists() else 0)
    if size > MIN_BYTES and importlib.util.find_spec("pyarrow") is not None:
        try:
            return _stream(file, data, path, size, preset=preset, columns=columns, platform=platform,
                           progress=progress, month=month, date_format=date_format, context=context, today=today,
                           by_campaign=by_campaign)
        except (_Exact, ex.ExportError):
            pass  # read_export gives the answer (or the exact error, rows and all)
    res = ex.read_export(source, name=name, preset=preset, columns=columns, platform=platform, progress=progress,
                         month=month, date_format=date_format, context=context, today=today)
    rows = res.rows.assign(_rows=1)
    return Sums({c: rows[c].to_numpy() for c in rows}, res.dropped, res.preset, res.file, res.encoding, res.warnings,
                _frame=rows)


# --------------------------------------------------------------------------- reading


class _Transcoded:
    """A GB18030 or UTF-16 file as UTF-8 for Arrow, transcoded a megabyte at a time (Arrow's own
    transcoding holds several 16 MB buffers). UTF-16 that is all ASCII (Google Ads' "CSV (Excel)"
    of Latin-script campaigns) takes numpy's cast instead of Python's codecs (a third of the time)."""

    CHUNK = 1 << 20

    def __init__(self, fh, encoding: str):
        self._fh = fh
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._units = None  # UTF-16's code units, once the codec has read the byte order mark
        self._utf16 = encoding == "utf-16"
        self.closed = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        want = min(n, BLOCK_BYTES) if n and n > 0 else BLOCK_BYTES
        parts, size = [], 0
        while size < want:  # fill Arrow's block: short reads would make many small blocks
            raw = self._fh.read(min(want - size, self.CHUNK))
            out = self._ascii16(raw) if self._utf16 else None
            if out is None:
                out = self._decoder.decode(raw, final=not raw).encode("utf-8")
            parts.append(out)
            size += len(out)
            if not raw:
                break
        return b"".join(parts)

    def _ascii16(self, raw: bytes) -> bytes | None:
        """UTF-16 code units that are all below 0x80, as the same bytes; None: the codec's turn."""
        if self._units is None:  # the codec reads the byte order mark first
            order = getattr(self._decoder, "decoder", None)
            self._units = {codecs.utf_16_le_decode: "<u2", codecs.utf_16_be_decode: ">u2"}.get(order)
            return None
        if self._decoder.getstate()[0] or not raw:  # the codec holds part of a character
            return None
        whole = len(raw) - len(raw) % 2
        units = np.frombuffer(raw, dtype=self._units, count=whole // 2)
        if units.max(initial=0) >= 0x80:
            return None
        self._decoder.decode(raw[whole:])  # an odd last byte waits in the codec for its pair
        return units.astype(np.uint8).tobytes()

    def close(self) -> None:
        self.closed = True


def _sample(layout: ex._Layout) -> list[list[str]]:
    """Up to 500 data rows of the prefix, to guess how to read each column (a wrong guess costs
    time, never the answer)."""
    lines = layout.prefix_text.splitlines()
    lines = lines if layout.complete else lines[:-1]
    return list(csv.reader(lines[layout.header_index + 1:layout.header_index + 501], delimiter=layout.delimiter))


def _plain_columns(rows: list[list[str]], indices: set[int]) -> dict[int, bool]:
    """Which number columns hold only plain numbers or missing-value tokens in the sample: Arrow
    parses those as float64 directly (a cell further down that is not: the file is read again);
    the others are read as text and cleaned."""
    plain_number = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
    plain = dict.fromkeys(indices, True)
    for cells in rows:
        for i in indices:
            if plain[i] and i < len(cells) and cells[i] not in _NA and not plain_number.match(cells[i]):
                plain[i] = False
    return plain


def _repetitive(rows: list[list[str]], indices: set[int]) -> set[int]:
    """Text columns whose sample values repeat a lot: dictionary-encoded, checks run per value."""
    out = set()
    for i in indices:
        values = [cells[i] for cells in rows if i < len(cells)]
        if values and len(set(values)) * 5 <= len(values):
            out.add(i)
    return out


def _batches(sources: list, layout: ex._Layout, cols: list[int], text_cols: set[int], dict_cols: set[int],
             plain: dict[int, bool]):
    """(part, batch) as the sources are read: part 0 is the file from its start (its header
    skipped), part 1 its second half when it is read as two; each part's batches in order."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = [f"c{i}" for i in range(len(layout.headers))]
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {names[i]: dictionary if i in dict_cols else pa.string() if i in text_cols
             else pa.float64() if plain.get(i) else pa.string() for i in cols}
    ragged: list = []

    def on_invalid(row) -> str:
        ragged.append(row.number)
        return "skip"

    def reader(part: int, source):
        return pcsv.open_csv(
            source,
            memory_pool=pa.system_memory_pool(),  # Arrow's default (mimalloc) keeps ~30 MB more, for no gain
            read_options=pcsv.ReadOptions(column_names=names, skip_rows=layout.header_index + 1 if part == 0 else 0,
                                          encoding="utf8", block_size=BLOCK_BYTES,
                                          use_threads=len(sources) == 1),
            parse_options=pcsv.ParseOptions(delimiter=layout.delimiter, quote_char='"', double_quote=True,
                                            escape_char=False, newlines_in_values=False, ignore_empty_lines=False,
                                            invalid_row_handler=on_invalid),
            convert_options=pcsv.ConvertOptions(include_columns=[names[i] for i in cols], column_types=types,
                                                null_values=list(ex.MISSING_TOKENS), strings_can_be_null=True,
                                                quoted_strings_can_be_null=True, check_utf8=True),
        )

    for part, batch in _ahead([functools.partial(reader, i, src) for i, src in enumerate(sources)]):
        if ragged:  # pandas pads short rows and cuts long ones: keep its row numbers
            raise _Exact("rows of another width")
        yield part, batch
    if ragged:
        raise _Exact("rows of another width")


def _ahead(readers: list, depth: int = 4):
    """(part, batch) of each reader (made by ``readers[part]()``), each parsed by a thread of its
    own while the caller sums earlier batches (Arrow lets go of the GIL while it parses)."""
    batches: queue.Queue = queue.Queue(maxsize=depth * len(readers))
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():  # the caller may have stopped listening
            try:
                batches.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work(part: int) -> None:
        try:
            for batch in readers[part]():
                if not put((part, batch)):
                    return
            put((part, done))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
            put((part, exc))

    threads = [threading.Thread(target=work, args=(i,), name=f"feedsum-csv-{i}", daemon=True)
               for i in range(len(readers))]
    for thread in threads:
        thread.start()
    try:
        left = len(readers)
        while left:
            part, item = batches.get()
            if item is done:
                left -= 1
                continue
            if isinstance(item, BaseException):
                raise item
            yield part, item
    finally:
        stop.set()
        for thread in threads:
            thread.join()


class _Span:
    """The first ``end`` bytes of a file, for Arrow (which reads a stream to its end)."""

    def __init__(self, fh, end: int):
        self._fh, self._left = fh, end
        self.closed = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        out = self._fh.read(self._left if n is None or n < 0 else min(n, self._left))
        self._left -= len(out)
        return out

    def close(self) -> None:
        self.closed = True


def _split_at(data: bytes | None, path, size: int, raw: bytes, layout: ex._Layout) -> int | None:
    """Where the second half of a big UTF-8 file starts: after the first line end past the middle
    and past the header (Arrow ends rows at every line end: no newlines inside values). None: read
    it as one."""
    if size < SPLIT_BYTES or layout.encoding not in ("utf-8", "utf-8-sig"):
        return None
    ends = list(itertools.islice(re.finditer(rb"\r\n|\n|\r", raw), layout.header_index + 1))
    if len(ends) <= layout.header_index:
        return None  # the header's line end is not in the prefix
    at = max(size // 2, ends[-1].end())
    if data is not None:
        window = data[at:at + (1 << 20)]
    else:
        with open(path, "rb") as fh:
            fh.seek(at)
            window = fh.read(1 << 20)
    found = window.find(b"\n")
    split = at + found + 1 if found >= 0 else None
    return split if split is not None and split < size else None


# --------------------------------------------------------------------------- one block


def _re2_literal(text: str) -> str:
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


class _Text:
    """A text column of one block, cells as pandas would hold them. Work is per dictionary entry
    (per row when read as plain text), with prefilters on each value's first bytes (numpy over
    Arrow's buffers, a few ms a million rows) before any Python."""

    def __init__(self, arr):
        import pyarrow as pa

        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if pa.types.is_dictionary(arr.type):
            self.dictionary = arr.dictionary
            codes = _np(arr.indices).astype(np.int64)
            if arr.indices.null_count:
                codes[~_valid(arr.indices)] = -1
        else:  # read as plain text (cheaper when nearly every value differs): one entry per row
            self.dictionary = arr
            codes = None
        self._heads = _heads(self.dictionary)
        # Arrow already made the exact missing-value tokens null; pandas also skips leading spaces.
        spaced = self._heads == 0x20
        na = np.zeros(len(self.dictionary), dtype=bool)
        if spaced.any():
            values = self.dictionary.to_pylist()
            for j in np.flatnonzero(spaced):
                values[j] = values[j].lstrip(" ")
                na[j] = values[j] in _NA
                if values[j].startswith('"'):  # pandas reads a quoted cell there, Arrow text
                    raise _Exact("a quote after spaces")
            self.dictionary = _strings(values)
            self._heads = _heads(self.dictionary)
        if codes is None:
            self.codes = None
            self.na = ~_valid(arr) | na
        else:
            live = codes >= 0
            codes[live] = np.where(na, -1, np.arange(len(na)))[codes[live]]
            self.codes = codes  # -1: NA
            self.na = codes < 0
        self._values = None

    def values(self) -> list:
        if self._values is None:
            self._values = self.dictionary.to_pylist()
        return self._values

    def per_value(self, hit: np.ndarray) -> np.ndarray:
        """A per-dictionary-entry boolean spread to the rows (NA rows: False)."""
        if self.codes is None:
            return hit & ~self.na
        return np.append(hit, False)[self.codes]

    def _confirm(self, prefilter, test) -> np.ndarray:
        if isinstance(prefilter, str):
            import pyarrow.compute as pc

            prefilter = _np(pc.match_substring_regex(self.dictionary, prefilter))
        maybe = prefilter
        hit = np.zeros(len(maybe), dtype=bool)
        if maybe.any():
            values = self.values()
            for j in np.flatnonzero(maybe):
                hit[j] = values[j] is not None and test(values[j])
        return self.per_value(hit)

    def matches(self, pattern) -> np.ndarray:
        """Cells `pattern` (a total label) matches: those whose first two bytes can start one."""
        b0 = self._heads
        maybe = _TOTAL_FIRST[b0]
        lead = _TOTAL_LEADS[b0]
        if lead.sum() * 4 > len(lead):  # most values (Chinese names starting with 广, 合…): all at once
            maybe |= _TOTAL_PAIRS[(b0.astype(np.int32) << 8) | _seconds(self.dictionary)]
        elif lead.any():
            rows = np.flatnonzero(lead)
            maybe[rows] |= _TOTAL_PAIRS[(b0[rows].astype(np.int32) << 8) | _seconds(self.dictionary, rows)]
        return self._confirm(maybe, lambda v: bool(pattern.match(v)))

    def equals_header(self, header: str) -> np.ndarray:
        """Cells equal to the header (read_export: stripped and casefolded). Exact spellings up to
        case are found with cheap comparisons; a padded header cell is caught later all the same,
        as text in the number columns it spans."""
        import pyarrow.compute as pc

        target = header.strip().casefold()
        if not target or any(c.casefold() != c.lower() for c in target):
            return self._confirm("", lambda v: v.strip().casefold() == target)  # beyond RE2's folding
        if sum(c.isalpha() and c.isascii() for c in target) > 6:  # too many spellings: RE2, anchored
            return self._confirm(rf"^{_WS}*(?i:{_re2_literal(target)}){_WS}*$",
                                 lambda v: v.strip().casefold() == target)
        return self.per_value(_np(pc.is_in(self.dictionary, value_set=_strings(_cases(target)))))


class _Globals:
    """Distinct cell values across blocks (dates, names) and their ids."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.values: list[str] = []
        self.held = np.zeros(0, dtype=bool)  # values some counted row holds (total rows' are not read)

    def hold(self, ids: np.ndarray) -> None:
        if len(self.held) < len(self.values):
            self.held = np.append(self.held, np.zeros(len(self.values) - len(self.held), dtype=bool))
        self.held[ids[ids >= 0]] = True

    def codes(self, text: _Text) -> np.ndarray:
        local = np.full(len(text.dictionary) + 1, -1, dtype=np.int64)
        used = np.zeros(len(text.dictionary) + 1, dtype=bool)
        used[text.codes] = True  # as pandas' categories: values some row holds, NA tokens not
        for j, v in enumerate(text.values()):
            if not used[j]:
                continue
            got = self.ids.get(v)
            if got is None:
                got = self.ids[v] = len(self.values)
                self.values.append(v)
            local[j] = got
        return local[text.codes]


def _numbers(arr, header: str, base: int, first_data_row: int, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(values with NaN for missing, pandas-NA mask) of a number column of one block."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_floating(arr.type):
        v = _np(arr).astype(np.float64, copy=False)
        return v, np.isnan(v)
    if pa.types.is_dictionary(arr.type):  # the first column (read as text for total labels): per value
        codes = np.where(_valid(arr.indices), _np(arr.indices), -1).astype(np.int64)
        checked = np.zeros(len(arr.dictionary) + 1, dtype=bool)
        checked[codes[keep]] = True  # values some counted row holds (a total label is not a number)
        v, na = _numbers(arr.dictionary, header, 0, first_data_row, checked[:-1])
        return np.append(v, np.nan)[codes], np.append(na, True)[codes]
    # Most columns: plain numbers (Arrow made the exact missing-value tokens null), perhaps with
    # thousands separators. Arrow's cast refuses surrounding spaces and any other character, so
    # what it parses here is what read_export would read; what it refuses goes down the paths below.
    na = ~_valid(arr)
    plain = pc.replace_substring(arr, ",", "") if pc.any(pc.match_substring(arr, ",")).as_py() else arr
    try:
        v = _np(pc.cast(plain, pa.float64()))
        if not (np.isnan(v) & ~na).any():  # "NAN" and the like: the token rules below
            return v, na
    except pa.ArrowInvalid:
        pass
    # Missing-value tokens spelled in other cases, masked counts (`<5`), a trailing `%`.
    token = _np(pc.is_in(arr, value_set=_strings(_MISSING_SPELLINGS)))
    if pc.any(pc.starts_with(arr, "<")).as_py():
        token |= _np(pc.match_substring_regex(arr, _MASKED))
    missing_np = na | token
    plain = pc.if_else(_booleans(token), _strings([None])[0], arr) if token.any() else arr
    if pc.any(pc.match_substring(plain, ",")).as_py():
        plain = pc.replace_substring(plain, ",", "")
    percent = pc.ends_with(plain, "%")
    if pc.any(percent).as_py():  # one trailing % goes, as read_export's cleaning does
        plain = pc.if_else(percent, pc.utf8_slice_codeunits(plain, 0, -1), plain)
    try:  # a failed cast costs a lot more than the checks above: try once
        v = _np(pc.cast(plain, pa.float64()))
    except pa.ArrowInvalid:
        v = None
    if v is not None:
        if (np.isnan(v) & ~missing_np).any():
            raise _Exact("NaN written as a number")
        return v, na
    trimmed = pc.utf8_ltrim(arr, characters=" ")
    raw_na = pc.or_(pc.is_null(arr), pc.is_in(trimmed, value_set=pa.array(sorted(_NA), pa.string())))
    s = pc.utf8_trim_whitespace(arr)
    missing = pc.or_(pc.is_in(pc.utf8_lower(s), value_set=pa.array(sorted(ex._MISSING_SET), pa.string())),
                     pc.match_substring_regex(s, _MASKED))
    missing = pc.or_(pc.fill_null(missing, True), raw_na)
    na = raw_na.to_numpy(zero_copy_only=False)
    try:
        v = pc.cast(pc.if_else(missing, None, pc.replace_substring_regex(s, _JUNK, "")), pa.float64())
        v = v.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        if (np.isnan(v) & ~missing.to_numpy(zero_copy_only=False)).any():
            raise _Exact("NaN written as a number")
        return v, na
    except pa.ArrowInvalid:
        pass
    # Something Arrow will not parse: read_export's own rules on this block's cells.
    cells = pd.Series(trimmed.to_numpy(zero_copy_only=False), dtype=object)
    cells[na] = None
    bad: list = []
    out = ex._to_number(cells, header, lambda i: first_data_row + base + int(i), bad, keep)
    if bad:
        raise _Exact("a bad number")
    return out.to_numpy(dtype="float64", na_value=np.nan), na


@dataclass
class _Plan:
    file: str
    layout: ex._Layout
    mapping: dict[str, int]
    preset: ex.Preset
    sum_fields: list[str]  # measures of the sums-row test, in read_export's order
    name_field: str | None  # the column campaigns are named from (by_campaign)
    by_id: bool  # campaigns also told apart by their id (by_campaign, with a campaign ID column)
    cross_check: bool
    first_data_row: int


class _Fold:
    """Everything read_export decides over the whole file, gathered one block at a time."""

    def __init__(self, plan: _Plan, share: _Fold | None = None):
        self.plan = plan
        # The second half of a file read as two shares the first's distinct values (same ids).
        self.dates, self.ends, self.names, self.ids = ((share.dates, share.ends, share.names, share.ids) if share
                                                       else (_Globals(), _Globals(), _Globals(), _Globals()))
        self.parts: list[pd.DataFrame] = []
        self.totals = 0
        self.kept = 0
        self.nan_rows: list[tuple[np.ndarray, np.ndarray]] = []  # first rows without numbers per date: notes
        self.sum_total = np.zeros(len(plan.sum_fields))
        self.pool = np.zeros((0, len(plan.sum_fields) + 2))  # largest rows: measures, has numbers, date id
        self.floor = np.full(len(plan.sum_fields), -np.inf)  # the _TOP-th largest of each measure in the pool
        self.sample: list[np.ndarray] = []  # first kept rows: impressions, clicks, ctr, has numbers, date id
        self.sampled = 0
        self.rows = 0

    def add(self, batch) -> None:
        import pyarrow as pa

        plan, mapping = self.plan, self.plan.mapping
        n, base = batch.num_rows, self.rows
        self.rows += n
        texts = {i: _Text(batch.column(f"c{i}")) for i in self._text_indices()}
        blank = np.ones(n, dtype=bool)
        for t in texts.values():
            blank &= t.na
        numeric = {f: i for f, i in mapping.items() if f in ex._METRIC_FIELDS or f == "ctr"}
        arrays = {i: batch.column(f"c{i}") for i in set(numeric.values())}
        # Repeated header rows: read_export drops them by position; leave them to it. A row needs
        # two cells equal to their headers, so the biggest dictionaries are often not looked at.
        hits = np.zeros(n, dtype=np.int8)
        order = sorted((i for i in texts if i < len(plan.layout.headers) and plan.layout.headers[i].strip()),
                       key=lambda i: len(texts[i].dictionary))
        for k, i in enumerate(order):
            if int(hits.max(initial=0)) + len(order) - k < 2:
                break
            hits += texts[i].equals_header(plan.layout.headers[i])
        if (hits >= 2).any():
            raise _Exact("a repeated header row")
        total = texts[0].matches(ex._TOTAL_RE)
        for f in ("campaign", "ad_group", "creative", "account"):
            if f in mapping:
                total |= texts[mapping[f]].matches(ex._TOTAL_RE)
        # Numbers: the NA mask first (blank rows), then values on rows that count.
        nums: dict[str, np.ndarray] = {}
        keep_guess = ~total  # blank rows have no cells to fail
        for f in (*ex.NUM_FIELDS, "roas"):
            if f in numeric:
                v, na = _numbers(arrays[numeric[f]], plan.layout.headers[numeric[f]], base, plan.first_data_row,
                                 keep_guess)
                nums[f] = v
                blank &= na
        if "ctr" in numeric:  # read only for the cross-check's sample (below); its blanks count here
            ctr = arrays[numeric["ctr"]]
            blank &= (np.isnan(_np(ctr)) if pa.types.is_floating(ctr.type)
                      else _Text(ctr).na)
        if plan.preset.name == "meta" and "campaign" in mapping:
            total |= texts[mapping["campaign"]].na & ~blank
        total &= ~blank
        keep = ~blank & ~total
        self.totals += int(total.sum())
        has_numbers = np.zeros(n, dtype=bool)
        for v in nums.values():
            has_numbers |= ~np.isnan(v)
        date = self.dates.codes(texts[mapping["date"]]) if "date" in mapping else np.full(n, -1)
        end = self.ends.codes(texts[mapping["date_end"]]) if "date_end" in mapping else np.full(n, -1)
        idx = np.flatnonzero(keep)
        # Usually every row counts: the rows' arrays as they are, not copies picked by idx.
        pick = (lambda a: a) if len(idx) == n else (lambda a: a[idx])  # noqa: E731
        self.kept += len(idx)
        self.dates.hold(pick(date))
        self.ends.hold(pick(end))
        key = {"date": pick(date), "end": pick(end), "has": pick(has_numbers).astype(np.int64)}
        if plan.name_field is not None:
            key["name"] = pick(self.names.codes(texts[mapping[plan.name_field]]))
        if plan.by_id:
            key["cid"] = pick(self.ids.codes(texts[mapping["campaign_id"]]))
        part = _group(key, base + idx, {f: pick(v) for f, v in self._values(nums).items()})
        for f in nums:  # an infinite (or overflowing, "1e400") count shows in its day's sum
            if f in part and not np.isfinite(part[f]).all():
                raise _Exact("a number too large")
        if "roas" in nums and np.isinf(pick(nums["roas"])).any():
            raise _Exact("a number too large")
        self.parts.append(part)
        if len(self.parts) >= _MERGE_EVERY:  # a 10-million-row file: one table of sums, not hundreds
            self.parts = [_merge(self.parts, list(key))]
        # Rows without any number: notes when their date cell is not a date (decided at the end).
        quiet = ~pick(has_numbers)
        if quiet.any():
            self.nan_rows.append(_first_per(date[idx][quiet], base + idx[quiet], 3))
        self._sums_row(nums, idx, has_numbers, date, part)
        if plan.cross_check and self.sampled < _SAMPLE:
            # The first rows that stay data: up to the _SAMPLE-th with numbers (others may be notes).
            counted = np.cumsum(has_numbers[idx])
            take = idx[: int(np.searchsorted(counted, _SAMPLE - self.sampled)) + 1]
            impr, clicks = np.nan_to_num(nums["impressions"][take]), np.nan_to_num(nums["clicks"][take])
            upto = int(take[-1]) + 1 if len(take) else 0
            ctr = _numbers(arrays[numeric["ctr"]].slice(0, upto), plan.layout.headers[numeric["ctr"]], base,
                           plan.first_data_row, keep_guess[:upto])[0]
            self.sample.append(np.column_stack([impr, clicks, ctr[take], has_numbers[take], date[take]]))
            self.sampled += int(has_numbers[take].sum())

    def absorb(self, later: _Fold) -> None:
        """Add the sums of the rows that follow these (the file's second half, read alongside)."""
        offset = self.rows
        for part in later.parts:
            part["first"] = part["first"] + offset
        self.parts += later.parts
        self.nan_rows += [(d, rows + offset) for d, rows in later.nan_rows]
        self.totals += later.totals
        self.kept += later.kept
        self.rows += later.rows
        self.sum_total += later.sum_total
        self.pool = _largest(np.vstack([self.pool, later.pool]), len(self.plan.sum_fields))
        if self.sampled < _SAMPLE:  # its first rows continue this half's sample
            self.sample += later.sample
            self.sampled += later.sampled

    def _text_indices(self) -> set[int]:
        m = self.plan.mapping
        return {m[f] for f in ("date", "date_end", *ex.TEXT_FIELDS) if f in m} | {0}

    def _values(self, nums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {f: nums[f] for f in ex.NUM_FIELDS if f in nums}
        if "revenue" not in nums and "roas" in nums:  # ROAS × spend of the row, as read_export does
            spend = np.nan_to_num(nums["spend"]) if "spend" in nums else np.full(len(nums["roas"]), np.nan)
            out["revenue"] = np.nan_to_num(nums["roas"]) * spend
        return out

    def _sums_row(self, nums, idx, has_numbers, date, part) -> None:
        if not self.plan.sum_fields or not len(idx):
            return
        top: set[int] = set()
        for c, f in enumerate(self.plan.sum_fields):
            v = nums[f] if len(idx) == len(nums[f]) else nums[f][idx]
            if (v < 0).any():  # the largest-rows shortcut below needs counts that cannot be negative
                raise _Exact("a negative count")
            self.sum_total[c] += part[f].sum()  # the block's day sums (no infinity: refused above)
            if self.floor[c] == -np.inf:  # while fewer than _TOP: rows without the count are 0
                v = np.where(np.isnan(v), 0.0, v)
            big = np.flatnonzero(v >= self.floor[c])  # rows that can be among the largest so far
            if len(big) > _TOP:
                big = big[np.argpartition(-v[big], _TOP - 1)[:_TOP]]
            top.update(big.tolist())
        if not top:
            return
        at = idx[sorted(top)]
        rows = np.column_stack([np.nan_to_num(nums[f][at]) for f in self.plan.sum_fields]
                               + [has_numbers[at], date[at]])
        pool = _largest(np.vstack([self.pool, rows]), len(self.plan.sum_fields))
        self.pool = pool
        if len(pool) >= _TOP:
            self.floor = np.partition(pool[:, :len(self.plan.sum_fields)], -_TOP, axis=0)[-_TOP]


def _largest(pool: np.ndarray, measures: int) -> np.ndarray:
    """The rows of ``pool`` among the _TOP largest of any of its first ``measures`` columns."""
    if len(pool) <= _TOP * measures:
        return pool
    keep: set[int] = set()
    for c in range(measures):
        keep.update(np.argpartition(-pool[:, c], _TOP - 1)[:_TOP].tolist())
    return pool[sorted(keep)]


def _group(key: dict[str, np.ndarray], first: np.ndarray, values: dict[str, np.ndarray], merging: bool = False):
    """Rows summed per distinct key: the key columns, ``first`` (smallest row), ``_rows`` (count),
    each value summed (NaN as 0) and ``_nan_<value>`` (how many were NaN). ``merging``: the rows
    are groups already, ``values`` sums and counts to add up."""
    codes = _codes(list(key.values()))
    k = int(codes.max()) + 1 if len(codes) else 0
    at = np.full(k, len(codes))
    np.minimum.at(at, codes, np.arange(len(codes)))  # each group's first row here
    present = np.flatnonzero(at < len(codes))
    out = {name: col[at[present]] for name, col in key.items()}
    if merging:
        lowest = np.full(k, np.iinfo(np.int64).max)
        np.minimum.at(lowest, codes, first)
        out["first"] = lowest[present]
        for name, col in values.items():
            out[name] = np.bincount(codes, weights=col, minlength=k)[present]
        return out
    out["first"] = first[at[present]]
    out["_rows"] = np.bincount(codes, minlength=k)[present].astype(np.float64)
    for name, v in values.items():
        nan = np.isnan(v)
        if nan.any():
            out[name] = np.bincount(codes, weights=np.where(nan, 0.0, v), minlength=k)[present]
            out[f"_nan_{name}"] = np.bincount(codes, weights=nan, minlength=k)[present]
        else:
            out[name] = np.bincount(codes, weights=v, minlength=k)[present]
            out[f"_nan_{name}"] = np.zeros(len(present))
    return out


def _merge(parts: list[dict[str, np.ndarray]], key_names: list[str]) -> dict[str, np.ndarray]:
    """Several blocks' sums as one: summed again per key, the smallest first row kept."""
    joined = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    values = {c: v for c, v in joined.items() if c not in key_names and c != "first"}
    return _group({c: joined[c] for c in key_names}, joined["first"], values, merging=True)


def _first_per(key: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(key, row) of the first ``n`` rows of each key, in row order."""
    order = np.argsort(key, kind="stable")
    ks = key[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    rank = np.arange(len(ks)) - np.repeat(starts, np.diff(np.r_[starts, len(ks)]))
    pick = np.sort(order[rank < n])
    return key[pick], rows[pick]


def _renumber(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _codes(key: list[np.ndarray]) -> np.ndarray:
    """A small non-negative int per distinct combination of the key columns."""
    combined = np.zeros(len(key[0]), dtype=np.int64)
    for col in key:
        if len(col) and col[0] == col[-1] and (col == col[0]).all():
            continue  # the same in every row (no end dates, every row with numbers…)
        col = col.astype(np.int64, copy=False) + 1  # ids start at -1 (NA)
        width = int(col.max()) + 1 if len(col) else 1
        if combined.max(initial=0) >= (1 << 62) // max(width, 1):  # too wide: renumber first
            combined = _renumber(combined)
        combined = combined * width + col
    if len(combined) and combined.max() > 4 * len(combined) + 4096:  # sparse: renumber
        combined = _renumber(combined)
    return combined


# --------------------------------------------------------------------------- the whole file


def _stream(file, data, path, size, *, preset, columns, platform, progress, month, date_format, context, today,
            by_campaign) -> Sums:
    if preset not in ex.PRESET_NAMES or set(columns or {}) - set(ex.MAPPABLE_FIELDS):
        raise _Exact("bad arguments")  # read_export words the error
    try:
        hint = ex.MonthHint.parse(month)
    except ValueError:
        raise _Exact("bad month") from None
    dates = ex._Dates(file, context, date_format)
    raw, complete = ex._prefix(data, path)
    if not raw or raw[:4] == b"PK\x03\x04":
        raise _Exact("not a CSV")
    layout = ex._sniff(raw, complete, file, columns)
    keys = [ex.normalize_header(h)[0] for h in layout.headers]
    units = [ex.normalize_header(h)[1] for h in layout.headers]
    chosen = ex.detect_preset(layout.headers, columns) if preset == "auto" else preset
    mapping = ex._map_columns(keys, ex.PRESETS[chosen], columns)
    ex._check_mapping(file, layout.headers, mapping, columns)
    ex._check_row_widths(layout, file)
    numeric = {i for f, i in mapping.items() if f in ex._METRIC_FIELDS or f == "ctr"}
    text_cols = {mapping[f] for f in ("date", "date_end", *ex.TEXT_FIELDS) if f in mapping} | {0}
    name_field = next((f for f in ("campaign", "ad_group", "account") if f in mapping), None) if by_campaign else None
    by_id = by_campaign and "campaign_id" in mapping
    plan = _Plan(file, layout, mapping, ex.PRESETS[chosen], [f for f in _SUM_FIELDS if f in mapping], name_field, by_id,
                 "ctr" in mapping and "impressions" in mapping and "clicks" in mapping, layout.header_index + 2)
    cols = sorted(set(mapping.values()) | {0})
    # Dictionary-encoded: the columns whose values are looked up across blocks (dates, and names
    # when campaigns are kept apart); the rest are read as plain text, which Arrow reads faster.
    dict_cols = {mapping[f] for f in ("date", "date_end") if f in mapping} - numeric
    if name_field is not None:
        dict_cols.add(mapping[name_field])
    if by_id:
        dict_cols.add(mapping["campaign_id"])
    sample = _sample(layout)
    plain = _plain_columns(sample, numeric)
    dict_cols |= _repetitive(sample, text_cols - numeric)

    bar = None
    if ex._want_progress(progress, size):
        from tqdm import tqdm  # a person at a terminal: the bar's 0.03 s is theirs only

        # Rows as they are summed (Arrow reads bytes ahead of that), estimated from the prefix.
        lines = max(1, layout.prefix_text.count("\n"))
        est = int(size / max(1, len(raw) / lines))
        bar = tqdm(total=est, unit="rows", unit_scale=True, desc=os.path.basename(file), file=sys.stderr, leave=False)
    import pyarrow as pa

    opened: list = []
    split = _split_at(data, path, size, raw, layout)

    def sources() -> list:
        # UTF-8 is read by Arrow itself, off the GIL (a BOM sits on the skipped first line); a big
        # file as two halves, each by a reader of its own.
        if layout.encoding in ("utf-8", "utf-8-sig"):
            if data is not None:
                whole = pa.py_buffer(data)
                return [pa.BufferReader(whole)] if split is None else [pa.BufferReader(whole.slice(0, split)),
                                                                       pa.BufferReader(whole.slice(split))]
            if split is None:
                opened.append(pa.OSFile(str(path)))
                return [opened[-1]]
            opened.append(open(path, "rb"))  # noqa: SIM115 - closed below
            opened.append(pa.OSFile(str(path)))
            opened[-1].seek(split)
            return [pa.PythonFile(_Span(opened[-2], split), mode="r"), opened[-1]]
        opened.append(io.BytesIO(data) if data is not None else open(path, "rb"))  # noqa: SIM115 - closed below
        return [pa.PythonFile(_Transcoded(opened[-1], layout.encoding), mode="r")]

    try:
        for attempt in range(2):
            try:
                parts = sources()
                folds = [_Fold(plan)]
                folds += [_Fold(plan, share=folds[0]) for _ in parts[1:]]
                for part, batch in _batches(parts, layout, cols, text_cols, dict_cols, plain):
                    folds[part].add(batch)
                    if bar is not None:
                        bar.update(batch.num_rows)
                break
            except pa.ArrowInvalid as exc:
                # A number column the prefix showed clean has text further down: read it as text.
                if attempt == 0 and "conversion error to double" in str(exc) and any(plain.values()):
                    plain = dict.fromkeys(plain, False)
                    if bar is not None:
                        bar.reset()
                    continue
                raise _Exact(str(exc)) from None
            finally:
                for f in opened:
                    f.close()
                opened.clear()
    except (pa.ArrowException, UnicodeDecodeError, ValueError, OSError) as exc:
        raise _Exact(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    fold = folds[0]
    for later in folds[1:]:
        fold.absorb(later)

    opts = ex._Options(hint, dates, context, today, layout.preamble)
    return _finish(fold, opts, units, chosen, preset, platform, layout)


def _finish(fold: _Fold, opts: ex._Options, units, chosen: str, preset: str, platform: str | None,
            layout: ex._Layout) -> Sums:
    """read_export's file-level rules (dates, notes, periods, warnings) on the day sums."""
    plan, mapping, headers = fold.plan, fold.plan.mapping, layout.headers
    file = plan.file
    warnings: list[Msg] = []
    key_names = ["date", "end", "has"] + ["name"] * (plan.name_field is not None) + ["cid"] * plan.by_id
    if not fold.kept:
        raise _Exact("no data rows")  # nothing to sum; read_export words what it finds
    merged = _merge(fold.parts, key_names)
    live = np.flatnonzero(merged["_rows"] > 0)
    live = live[np.argsort(merged["first"][live], kind="stable")]
    groups = {c: v[live] for c, v in merged.items()}  # in file order
    date_id = groups["date"].astype(np.int64)
    has = groups["has"].astype(bool)
    g = len(live)

    def row_of(i: int) -> int:
        return plan.first_data_row + int(i)

    period = None
    by_day = "date" in mapping
    nan_date = np.concatenate([d for d, _ in fold.nan_rows]) if fold.nan_rows else np.zeros(0, dtype=np.int64)
    nan_first = np.concatenate([r for _, r in fold.nan_rows]) if fold.nan_rows else np.zeros(0, dtype=np.int64)
    if by_day:
        opts.dates.decide([v for v in fold.dates.values] + [v for v in fold.ends.values], headers[mapping["date"]])
        start_v, end_v = _unique_dates(opts.dates, fold.dates)
        start = np.append(start_v, ex._NAT)[date_id]
        end = np.append(end_v, ex._NAT)[date_id]
        if "date_end" in mapping:
            last_v = _unique_dates(opts.dates, fold.ends)[0]
            last = np.append(last_v, ex._NAT)[groups["end"].astype(np.int64)]
            end = np.where(np.isnat(last), end, last)
        no_date = np.isnat(start)
        notes = no_date & ~has & (date_id >= 0)
        note_dates = set(date_id[notes].tolist())
        note_rows = nan_first[np.isin(nan_date, list(note_dates))]
        if (no_date & ~notes).any():
            raise _Exact("a row without a date")
    else:
        opts.dates.decide(ex._period_sides(opts.preamble), None)
        period = opts.dates.period(opts.preamble)
        if period is None and opts.month is None:
            raise _Exact("no date")
        notes = ~has
        note_rows = nan_first
        if period is not None and period.start is not None:
            start = np.full(g, np.datetime64(period.start, "ns"))
            end = np.full(g, np.datetime64(period.end, "ns"))
        else:
            start, end = np.full(g, ex._NAT), np.full(g, ex._NAT)
    n_notes = int(groups["_rows"][notes].sum())
    _check_sums_row(fold, n_notes, note_dates if by_day else None)
    dropped = fold.totals + n_notes
    if n_notes:
        shown = np.sort(note_rows)[:3]
        text = ", ".join(str(row_of(i)) for i in shown) + ("…" if n_notes > 3 else "")
        warnings.append(Msg("read.w.notes", n=n_notes, rows=text))

    groups = {c: v[~notes] for c, v in groups.items()}
    g = len(groups["first"])
    start, end = start[~notes], end[~notes]
    first = groups["first"].astype(np.int64)
    raw_start = _ByRow(first, fold.dates.values, groups["date"].astype(np.int64)) if by_day else None
    raw_end = _ByRow(first, fold.ends.values, groups["end"].astype(np.int64)) if "date_end" in mapping else None
    dated, more = ex._place(start, end, first, period, by_day, opts, file, row_of,
                            headers[mapping["date"]] if by_day else None, raw_start, raw_end)
    warnings.extend(more)

    out = {"date": np.asarray(dated, dtype="datetime64[ns]"),
           "platform": np.full(g, platform or plan.preset.platform, dtype=object)}
    if plan.name_field is not None:
        unnamed = "(no name)" if plan.name_field == "campaign" else "(all)"
        names = np.array([ex._clean_name(v) or unnamed for v in fold.names.values] + [unnamed], dtype=object)
        out["campaign"] = names[groups["name"].astype(np.int64)]
    else:  # one file alone: campaigns are not needed apart
        out["campaign"] = np.full(g, "(all)" if "campaign" not in mapping else "", dtype=object)
    if plan.by_id:  # the id snapshots are told apart by, where rows carry one
        ids = np.array([ex._clean_name(v) for v in fold.ids.values] + [None], dtype=object)
        out["campaign_id"] = ids[groups["cid"].astype(np.int64)]
    else:
        out["campaign_id"] = np.full(g, None, dtype=object)
    if "campaign" not in mapping:
        warnings.append(Msg("read.w.no_campaign_groups" if "ad_group" in mapping else "read.w.no_campaign_all"))
    masked = 0
    for f in ex.NUM_FIELDS:
        if f in groups:
            out[f] = groups[f].astype(np.float64)
            if f != "revenue" or "revenue" in mapping:
                masked += int(groups[f"_nan_{f}"].sum())
        else:
            out[f] = np.full(g, np.nan)
    if "revenue" not in mapping and "roas" in mapping:
        warnings.append(Msg("read.w.roas"))
    ex.in_yuan(out, units[mapping["spend"]] if "spend" in mapping else None, warnings)
    if masked:
        warnings.append(Msg("read.w.masked", n=masked))
    n_rows = int(groups["_rows"].sum())
    if (n_rows and plan.preset.name == "meta" and "conversions" in mapping
            and headers[mapping["conversions"]].strip().casefold() == "results"):
        warnings.append(Msg("read.w.meta_results"))
    warnings.extend(_cross_check(fold, note_dates if by_day else None, plan.preset, headers, mapping))
    out["_rows"] = groups["_rows"].astype(np.int64)
    if chosen == "generic" and preset == "auto" and not platform:
        warnings.insert(0, Msg("read.w.generic"))
    warnings.extend(ex._measure_warnings(headers, mapping, plan.preset))
    return Sums(out, dropped, chosen, file, layout.encoding, warnings, streamed=True)


_DAY_RE = re.compile(r"([0-9]{4})([-/]?)([0-9]{2})\2([0-9]{2})")  # read_export's first _FAST_FORMATS


def _unique_dates(dates: ex._Dates, cells: _Globals) -> tuple[np.ndarray, np.ndarray]:
    """``dates.unique(values)`` of the cells counted rows hold (NaT for the others), without pandas
    for the usual days (2026-03-01, 2026/03/01, 20260301); anything else, or a stated strftime
    pattern, goes to it."""
    values = cells.values
    start, end = np.full(len(values), ex._NAT), np.full(len(values), ex._NAT)
    rest = []
    for i in np.flatnonzero(cells.held):
        v = values[i]
        m = None if dates.strftime or not isinstance(v, str) else _DAY_RE.fullmatch(v.strip())
        try:
            day = date(int(m.group(1)), int(m.group(3)), int(m.group(4))) if m else None
        except ValueError:  # 2026-02-30: read_export's rules say what it is
            day = None
        if day is not None and 1990 <= day.year <= 2199:
            start[i] = np.datetime64(day, "ns")
        else:
            rest.append(i)
    if rest:
        start[rest], end[rest] = dates.unique([values[i] for i in rest])
    return start, end


class _ByRow:
    """The raw date cell of a group's first row, as read_export's ``raw.iat[row]``."""

    def __init__(self, first: np.ndarray, values: list[str], ids: np.ndarray):
        self.iat = {int(r): (values[i] if i >= 0 else np.nan) for r, i in zip(first, ids, strict=True)}


def _check_sums_row(fold: _Fold, n_notes: int, note_dates: set | None) -> None:
    """read_export's unlabelled-sums-row test, on the largest rows kept per measure.

    A row equal to the sum of all others is at least half the total in every measure (counts
    are not negative), so it is among the largest few of each; when even the _TOP-th largest
    row could be one, the totals are too small to tell and read_export decides.
    """
    fields = fold.plan.sum_fields
    kept = fold.kept - n_notes
    if not fields or kept < 3:
        return
    pool = fold.pool
    if n_notes:  # rows without numbers whose date is not a date are notes, not data
        quiet = pool[:, -2] == 0
        pool = pool[~(quiet & np.isin(pool[:, -1], list(note_dates)))] if note_dates is not None else pool[~quiet]
    cand = np.ones(len(pool), dtype=bool)
    complete = fold.kept <= _TOP
    for c in range(len(fields)):
        total = fold.sum_total[c]
        if total == 0:
            return
        tol = 1e-9 * abs(total) + 0.005 * kept
        cand &= np.abs(2 * pool[:, c] - total) <= tol
        column = np.sort(fold.pool[:, c])[::-1]
        if len(column) >= _TOP and column[_TOP - 1] < (total - tol) / 2:
            complete = True
    if not complete:
        raise _Exact("totals too small to tell a sums row")
    if cand.sum() == 1:
        raise _Exact("an unlabelled sums row")


def _cross_check(fold: _Fold, note_dates: set | None, preset: ex.Preset, headers, mapping) -> list[Msg]:
    if not fold.plan.cross_check or not fold.sample:
        return []
    s = np.vstack(fold.sample)
    if note_dates is not None:
        s = s[~((s[:, 3] == 0) & np.isin(s[:, 4], list(note_dates)))]
    else:
        s = s[s[:, 3] != 0]  # no date column: every row without numbers is a note
    s = s[:_SAMPLE]
    out = {"impressions": s[:, 0], "clicks": s[:, 1]}
    return ex._cross_check(out, {"ctr": s[:, 2]}, np.arange(len(s)), preset, headers, mapping)
