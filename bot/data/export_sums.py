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

import importlib.util
import os
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bot.data import exports as ex
from bot.text.i18n import Msg

BLOCK_BYTES = 2 << 20  # Arrow's block (~20,000 rows): its read-ahead holds a few dozen of them
MIN_BYTES = ex.PREFIX_BYTES  # a file the sniffer saw whole is read the exact way (it is small)
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


# Cells that casefold to a missing-value token, spelled out (Arrow's is_in compares exactly).
_MISSING_SPELLINGS = sorted({v for t in ex._MISSING_SET for v in _cases(t)})


def _pool():
    """The system allocator: Arrow's default (mimalloc) keeps ~20 MB more of freed blocks."""
    import pyarrow as pa

    return pa.system_memory_pool()


class _Exact(Exception):
    """The streamed read cannot promise read_export's answer: let read_export read the file."""


@dataclass
class Sums:
    """Base counts of one export summed per day (and campaign when asked), with what
    read_export would have said about the file. ``rows`` has the canonical columns but
    ``account``/``ad_group``/``creative``, and one ``_rows`` column: the data rows summed in each."""

    rows: pd.DataFrame
    dropped: int
    preset: str
    file: str
    encoding: str
    warnings: list = field(default_factory=list)
    streamed: bool = False  # False: read_export's rows (one per data row, `_rows` = 1)


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
    return Sums(rows, res.dropped, res.preset, res.file, res.encoding, res.warnings)


# --------------------------------------------------------------------------- reading


class _Body:
    """The file as Arrow reads it: UTF-8, transcoded here from GB18030 or UTF-16 a megabyte at a
    time (Arrow's own transcoding holds several 16 MB buffers), and watched for a quote after
    spaces at the start of a cell (pandas' skipinitialspace makes that a quoted cell, Arrow text)."""

    CHUNK = 1 << 20

    def __init__(self, fh, delimiter: str, encoding: str):
        import codecs

        self._fh = fh
        self._decoder = (None if encoding in ("utf-8", "utf-8-sig")  # a BOM sits on the skipped first line
                         else codecs.getincrementaldecoder(encoding)())
        self._space, self._quote = b" ", b'"'
        self._leads = {c.encode() for c in (delimiter, "\n", "\r")}
        self._tail = b""
        self.quote_after_space = False
        self.closed = False

    def readable(self) -> bool:
        return True

    def _next(self, n: int) -> bytes:
        if self._decoder is None:
            return self._fh.read(n)
        want = min(n, BLOCK_BYTES) if n and n > 0 else BLOCK_BYTES
        parts, size = [], 0
        while size < want:  # fill Arrow's block: short reads would make many small blocks
            raw = self._fh.read(min(want - size, self.CHUNK))
            out = self._decoder.decode(raw, final=not raw).encode("utf-8")
            parts.append(out)
            size += len(out)
            if not raw:
                break
        return b"".join(parts)

    def read(self, n: int = -1) -> bytes:
        chunk = self._next(n)
        if chunk and not self.quote_after_space:
            self.quote_after_space = self._starts_quoted(self._tail + chunk[:64]) or self._starts_quoted(chunk)
            self._tail = chunk[-64:]
        return chunk

    def _starts_quoted(self, text: bytes) -> bool:
        w, needle = len(self._space), self._space + self._quote
        pos = text.find(needle)
        while pos != -1:  # rare: look back over the spaces for the start of a cell
            j = pos
            while j >= w and text[j - w:j] == self._space:
                j -= w
            if j < w or text[j - w:j] in self._leads:
                return True
            pos = text.find(needle, pos + 1)
        return False

    def close(self) -> None:
        self.closed = True


def _sample(layout: ex._Layout) -> list[list[str]]:
    """Up to 500 data rows of the prefix, to guess how to read each column (a wrong guess costs
    time, never the answer)."""
    import csv

    lines = layout.prefix_text.splitlines()
    lines = lines if layout.complete else lines[:-1]
    return list(csv.reader(lines[layout.header_index + 1:layout.header_index + 501], delimiter=layout.delimiter))


def _plain_columns(rows: list[list[str]], indices: set[int]) -> dict[int, bool]:
    """Which number columns hold only plain numbers or missing-value tokens in the sample: Arrow
    parses those as float64 directly (a cell further down that is not: the file is read again);
    the others are read as text and cleaned."""
    import re

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


def _batches(src_factory, layout: ex._Layout, cols: list[int], text_cols: set[int], dict_cols: set[int],
             plain: dict[int, bool]):
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

    reader = pcsv.open_csv(
        src_factory(),
        memory_pool=_pool(),
        read_options=pcsv.ReadOptions(column_names=names, skip_rows=layout.header_index + 1,
                                      encoding="utf8", block_size=BLOCK_BYTES,
                                      use_threads=False),
        parse_options=pcsv.ParseOptions(delimiter=layout.delimiter, quote_char='"', double_quote=True,
                                        escape_char=False, newlines_in_values=False, ignore_empty_lines=False,
                                        invalid_row_handler=on_invalid),
        convert_options=pcsv.ConvertOptions(include_columns=[names[i] for i in cols], column_types=types,
                                            null_values=list(ex.MISSING_TOKENS), strings_can_be_null=True,
                                            quoted_strings_can_be_null=True, check_utf8=True),
    )
    for batch in _ahead(reader):
        if ragged:  # pandas pads short rows and cuts long ones: keep its row numbers
            raise _Exact("rows of another width")
        yield batch
    if ragged:
        raise _Exact("rows of another width")


def _ahead(reader, depth: int = 4):
    """The reader's batches, parsed by a thread while the caller sums the previous ones (Arrow
    parses a batch only when asked for it, and lets go of the GIL while it does)."""
    import queue
    import threading

    batches: queue.Queue = queue.Queue(maxsize=depth)
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

    def work() -> None:
        try:
            for batch in reader:
                if not put(batch):
                    return
            put(done)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which raises it
            put(exc)

    thread = threading.Thread(target=work, name="feedsum-csv", daemon=True)
    thread.start()
    try:
        while True:
            item = batches.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


# --------------------------------------------------------------------------- one block


def _re2_literal(text: str) -> str:
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in text)


class _Text:
    """A text column of one block, cells as pandas would hold them. Work is per dictionary entry
    (per row when read as plain text), with anchored RE2 prefilters (cheap) before any Python."""

    def __init__(self, arr):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if pa.types.is_dictionary(arr.type):
            self.dictionary = arr.dictionary
            codes = (arr.indices.to_numpy().astype(np.int64) if arr.indices.null_count == 0
                     else pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64))
        else:  # read as plain text (cheaper when nearly every value differs): one entry per row
            self.dictionary = arr
            codes = None
        # Arrow already made the exact missing-value tokens null; pandas also skips leading spaces.
        spaced = pc.starts_with(self.dictionary, " ").to_numpy(zero_copy_only=False)
        na = np.zeros(len(self.dictionary), dtype=bool)
        if spaced.any():
            values = self.dictionary.to_pylist()
            for j in np.flatnonzero(spaced):
                values[j] = values[j].lstrip(" ")
                na[j] = values[j] in _NA
            self.dictionary = pa.array(values, pa.string())
        if codes is None:
            self.codes = None
            self.na = pc.is_null(arr).to_numpy(zero_copy_only=False) | na
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
        import pyarrow.compute as pc

        if isinstance(prefilter, str):
            prefilter = pc.match_substring_regex(self.dictionary, prefilter)
        maybe = prefilter.to_numpy(zero_copy_only=False)
        hit = np.zeros(len(maybe), dtype=bool)
        if maybe.any():
            values = self.values()
            for j in np.flatnonzero(maybe):
                hit[j] = test(values[j])
        return self.per_value(hit)

    def matches(self, pattern) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        head = pc.utf8_lower(pc.utf8_slice_codeunits(self.dictionary, 0, 7))
        maybe = pc.is_in(pc.utf8_slice_codeunits(head, 0, 1), value_set=pa.array(_SPACES, pa.string()))
        for start in _TOTAL_STARTS:
            maybe = pc.or_(maybe, pc.starts_with(head, start))
        return self._confirm(pc.fill_null(maybe, False), lambda v: bool(pattern.match(v)))

    def equals_header(self, header: str) -> np.ndarray:
        """Cells equal to the header (read_export: stripped and casefolded). Exact spellings up to
        case are found with cheap comparisons; a padded header cell is caught later all the same,
        as text in the number columns it spans."""
        import pyarrow as pa
        import pyarrow.compute as pc

        target = header.strip().casefold()
        if not target or any(c.casefold() != c.lower() for c in target):
            return self._confirm("", lambda v: v.strip().casefold() == target)  # beyond RE2's folding
        if sum(c.isalpha() and c.isascii() for c in target) > 6:  # too many spellings: RE2, anchored
            return self._confirm(rf"^{_WS}*(?i:{_re2_literal(target)}){_WS}*$",
                                 lambda v: v.strip().casefold() == target)
        maybe = pc.is_in(self.dictionary, value_set=pa.array(_cases(target), pa.string()))
        return self.per_value(maybe.to_numpy(zero_copy_only=False))


class _Globals:
    """Distinct cell values across blocks (dates, names) and their ids."""

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.values: list[str] = []

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
        v = arr.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        return v, np.isnan(v)
    if pa.types.is_dictionary(arr.type):  # the first column (read as text for total labels): per value
        codes = pc.fill_null(arr.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        checked = np.zeros(len(arr.dictionary) + 1, dtype=bool)
        checked[codes[keep]] = True  # values some counted row holds (a total label is not a number)
        v, na = _numbers(arr.dictionary, header, 0, first_data_row, checked[:-1])
        return np.append(v, np.nan)[codes], np.append(na, True)[codes]
    # Most columns: plain numbers, missing-value tokens, thousands separators or a trailing `%`.
    # Arrow's cast refuses surrounding spaces and any other character, so what it parses here
    # is what read_export would read; whatever it refuses goes down the exact paths below.
    null = pc.is_null(arr)
    na = null.to_numpy(zero_copy_only=False)
    token = pc.is_in(arr, value_set=pa.array(_MISSING_SPELLINGS, pa.string()))
    if pc.any(pc.starts_with(arr, "<")).as_py():
        token = pc.or_(token, pc.fill_null(pc.match_substring_regex(arr, _MASKED), False))
    missing = pc.or_(null, token)
    missing_np = missing.to_numpy(zero_copy_only=False)
    plain = pc.if_else(token, None, arr) if pc.any(token).as_py() else arr
    if pc.any(pc.match_substring(plain, ",")).as_py():
        plain = pc.replace_substring(plain, ",", "")
    percent = pc.ends_with(plain, "%")
    if pc.any(percent).as_py():  # one trailing % goes, as read_export's cleaning does
        plain = pc.if_else(percent, pc.utf8_slice_codeunits(plain, 0, -1), plain)
    try:  # a failed cast costs a lot more than the checks above: try once
        v = pc.cast(plain, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
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

    def __init__(self, plan: _Plan):
        self.plan = plan
        self.dates, self.ends, self.names, self.ids = _Globals(), _Globals(), _Globals(), _Globals()
        self.parts: list[pd.DataFrame] = []
        self.totals = 0
        self.kept = 0
        self.nan_rows: list[pd.DataFrame] = []  # first rows without numbers, per date (note rows)
        self.sum_total = np.zeros(len(plan.sum_fields))
        self.pool = np.zeros((0, len(plan.sum_fields) + 2))  # largest rows: measures, has numbers, date id
        self.sample: list[np.ndarray] = []  # first kept rows: impressions, clicks, ctr, has numbers, date id
        self.sampled = 0
        self.rows = 0

    def add(self, batch) -> None:
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
        for f in (*ex.NUM_FIELDS, "roas", "ctr"):
            if f in numeric:
                v, na = _numbers(arrays[numeric[f]], plan.layout.headers[numeric[f]], base, plan.first_data_row,
                                 keep_guess)
                nums[f] = v
                blank &= na
        if plan.preset.name == "meta" and "campaign" in mapping:
            total |= texts[mapping["campaign"]].na & ~blank
        total &= ~blank
        keep = ~blank & ~total
        for v in nums.values():
            if (np.isinf(v) & keep).any():
                raise _Exact("a number too large")
        self.totals += int(total.sum())
        has_numbers = np.zeros(n, dtype=bool)
        for v in nums.values():
            has_numbers |= ~np.isnan(v)
        date = self.dates.codes(texts[mapping["date"]]) if "date" in mapping else np.full(n, -1)
        end = self.ends.codes(texts[mapping["date_end"]]) if "date_end" in mapping else np.full(n, -1)
        idx = np.flatnonzero(keep)
        self.kept += len(idx)
        key = {"date": date[idx], "end": end[idx], "has": has_numbers[idx].astype(np.int64)}
        if plan.name_field is not None:
            key["name"] = self.names.codes(texts[mapping[plan.name_field]])[idx]
        if plan.by_id:
            key["cid"] = self.ids.codes(texts[mapping["campaign_id"]])[idx]
        self.parts.append(_group(key, base + idx, self._values(nums), idx))
        if len(self.parts) >= _MERGE_EVERY:  # a 10-million-row file: one table of sums, not hundreds
            self.parts = [_merge(self.parts, list(key))]
        # Rows without any number: notes when their date cell is not a date (decided at the end).
        quiet = ~has_numbers[idx]
        if quiet.any():
            rows = pd.DataFrame({"date": date[idx][quiet], "first": base + idx[quiet]})
            self.nan_rows.append(rows.groupby("date", sort=False).head(3))
        self._sums_row(nums, idx, has_numbers, date)
        if plan.cross_check and self.sampled < _SAMPLE:
            # The first rows that stay data: up to the _SAMPLE-th with numbers (others may be notes).
            counted = np.cumsum(has_numbers[idx])
            take = idx[: int(np.searchsorted(counted, _SAMPLE - self.sampled)) + 1]
            impr, clicks = np.nan_to_num(nums["impressions"][take]), np.nan_to_num(nums["clicks"][take])
            self.sample.append(np.column_stack([impr, clicks, nums["ctr"][take], has_numbers[take], date[take]]))
            self.sampled += int(has_numbers[take].sum())

    def _text_indices(self) -> set[int]:
        m = self.plan.mapping
        return {m[f] for f in ("date", "date_end", *ex.TEXT_FIELDS) if f in m} | {0}

    def _values(self, nums: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = {f: nums[f] for f in ex.NUM_FIELDS if f in nums}
        if "revenue" not in nums and "roas" in nums:  # ROAS × spend of the row, as read_export does
            spend = np.nan_to_num(nums["spend"]) if "spend" in nums else np.full(len(nums["roas"]), np.nan)
            out["revenue"] = np.nan_to_num(nums["roas"]) * spend
        return out

    def _sums_row(self, nums, idx, has_numbers, date) -> None:
        if not self.plan.sum_fields or not len(idx):
            return
        top: set[int] = set()
        for c, f in enumerate(self.plan.sum_fields):
            v = nums[f][idx]
            v = np.where(np.isnan(v), 0.0, v)  # kept rows hold no infinity (refused above)
            if v.min() < 0:  # the largest-rows shortcut below needs counts that cannot be negative
                raise _Exact("a negative count")
            self.sum_total[c] += v.sum()
            top.update(np.argpartition(-v, _TOP - 1)[:_TOP].tolist() if len(v) > _TOP else range(len(v)))
        at = idx[sorted(top)]
        rows = np.column_stack([np.nan_to_num(nums[f][at]) for f in self.plan.sum_fields]
                               + [has_numbers[at], date[at]])
        pool = np.vstack([self.pool, rows])
        if len(pool) > _TOP * len(self.plan.sum_fields):
            keep: set[int] = set()
            for c in range(len(self.plan.sum_fields)):
                keep.update(np.argpartition(-pool[:, c], _TOP - 1)[:_TOP].tolist())
            pool = pool[sorted(keep)]
        self.pool = pool


def _group(key: dict[str, np.ndarray], first: np.ndarray, values: dict[str, np.ndarray], idx: np.ndarray | None):
    """Rows summed per distinct key: the key columns, ``first`` (smallest row), ``_rows`` (count),
    each value summed (NaN as 0) and ``_nan_<value>`` (how many were NaN). ``idx`` picks rows of
    ``values`` (None: already picked, and ``values`` hold sums and counts to add up)."""
    codes = _codes(list(key.values()))
    k = int(codes.max()) + 1 if len(codes) else 0
    at = np.full(k, len(codes))
    np.minimum.at(at, codes, np.arange(len(codes)))  # each group's first row here
    present = np.flatnonzero(at < len(codes))
    out = {name: col[at[present]] for name, col in key.items()}
    if idx is None:
        lowest = np.full(k, np.iinfo(np.int64).max)
        np.minimum.at(lowest, codes, first)
        out["first"] = lowest[present]
        for name, col in values.items():
            out[name] = np.bincount(codes, weights=col, minlength=k)[present]
        return out
    out["first"] = first[at[present]]
    out["_rows"] = np.bincount(codes, minlength=k)[present].astype(np.float64)
    for name, v in values.items():
        v = v[idx]
        nan = np.isnan(v)
        out[name] = np.bincount(codes, weights=np.where(nan, 0.0, v), minlength=k)[present]
        out[f"_nan_{name}"] = np.bincount(codes, weights=nan, minlength=k)[present]
    return out


def _merge(parts: list[dict[str, np.ndarray]], key_names: list[str]) -> dict[str, np.ndarray]:
    """Several blocks' sums as one: summed again per key, the smallest first row kept."""
    joined = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    values = {c: v for c, v in joined.items() if c not in key_names and c != "first"}
    return _group({c: joined[c] for c in key_names}, joined["first"], values, None)


def _codes(key: list[np.ndarray]) -> np.ndarray:
    """A small non-negative int per distinct combination of the key columns."""
    combined = np.zeros(len(key[0]), dtype=np.int64)
    for col in key:
        col = col.astype(np.int64, copy=False) + 1  # ids start at -1 (NA)
        width = int(col.max()) + 1 if len(col) else 1
        if combined.max(initial=0) >= (1 << 62) // max(width, 1):  # too wide: renumber first
            combined = pd.factorize(combined)[0].astype(np.int64)
        combined = combined * width + col
    if len(combined) and combined.max() > 4 * len(combined) + 4096:  # sparse: renumber
        combined = pd.factorize(combined)[0].astype(np.int64)
    return combined


# --------------------------------------------------------------------------- the whole file


def _stream(file, data, path, size, *, preset, columns, platform, progress, month, date_format, context, today,
            by_campaign) -> Sums:
    import io

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
        from tqdm import tqdm

        # Rows as they are summed (Arrow reads bytes ahead of that), estimated from the prefix.
        lines = max(1, layout.prefix_text.count("\n"))
        est = int(size / max(1, len(raw) / lines))
        bar = tqdm(total=est, unit="rows", unit_scale=True, desc=os.path.basename(file), file=sys.stderr, leave=False)
    import pyarrow as pa

    bodies: list[_Body] = []

    def source():
        fh = io.BytesIO(data) if data is not None else open(path, "rb")  # noqa: SIM115 - closed below
        bodies.append(_Body(fh, layout.delimiter, layout.encoding))
        return pa.PythonFile(bodies[-1], mode="r")

    try:
        for attempt in range(2):
            fold = _Fold(plan)
            try:
                for batch in _batches(source, layout, cols, text_cols, dict_cols, plain):
                    fold.add(batch)
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
                for b in bodies:
                    b._fh.close()
        if bodies[-1].quote_after_space:
            raise _Exact("a quote after spaces")
    except (pa.ArrowException, UnicodeDecodeError, ValueError, OSError) as exc:
        raise _Exact(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()

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
    groups = pd.DataFrame(_merge(fold.parts, key_names))
    groups = groups[groups["_rows"] > 0].sort_values("first", kind="stable").reset_index(drop=True)
    date_id = groups["date"].to_numpy(dtype=np.int64)
    has = groups["has"].to_numpy(dtype=bool)
    g = len(groups)

    def row_of(i: int) -> int:
        return plan.first_data_row + int(i)

    period = None
    by_day = "date" in mapping
    nan_rows = pd.concat(fold.nan_rows, ignore_index=True) if fold.nan_rows else pd.DataFrame(
        {"date": np.zeros(0, dtype=np.int64), "first": np.zeros(0, dtype=np.int64)})
    if by_day:
        opts.dates.decide([v for v in fold.dates.values] + [v for v in fold.ends.values], headers[mapping["date"]])
        start_v, end_v = opts.dates.unique(fold.dates.values) if fold.dates.values else (np.zeros(0, "M8[ns]"),) * 2
        start = np.append(start_v, ex._NAT)[date_id]
        end = np.append(end_v, ex._NAT)[date_id]
        if "date_end" in mapping:
            last_v = opts.dates.unique(fold.ends.values)[0] if fold.ends.values else np.zeros(0, "M8[ns]")
            last = np.append(last_v, ex._NAT)[groups["end"].to_numpy(dtype=np.int64)]
            end = np.where(np.isnat(last), end, last)
        no_date = np.isnat(start)
        notes = no_date & ~has & (date_id >= 0)
        note_dates = set(date_id[notes].tolist())
        note_rows = nan_rows[nan_rows["date"].isin(note_dates)]["first"].to_numpy()
        if (no_date & ~notes).any():
            raise _Exact("a row without a date")
    else:
        opts.dates.decide(ex._period_sides(opts.preamble), None)
        period = opts.dates.period(opts.preamble)
        if period is None and opts.month is None:
            raise _Exact("no date")
        notes = ~has
        note_rows = nan_rows["first"].to_numpy()
        if period is not None and period.start is not None:
            start = np.full(g, np.datetime64(period.start, "ns"))
            end = np.full(g, np.datetime64(period.end, "ns"))
        else:
            start, end = np.full(g, ex._NAT), np.full(g, ex._NAT)
    n_notes = int(groups["_rows"].to_numpy()[notes].sum())
    _check_sums_row(fold, n_notes, note_dates if by_day else None)
    dropped = fold.totals + n_notes
    if n_notes:
        shown = np.sort(note_rows)[:3]
        text = ", ".join(str(row_of(i)) for i in shown) + ("…" if n_notes > 3 else "")
        warnings.append(Msg("read.w.notes", n=n_notes, rows=text))

    groups = groups[~notes].reset_index(drop=True)
    start, end = start[~notes], end[~notes]
    first = groups["first"].to_numpy(dtype=np.int64)
    raw_start = _ByRow(first, fold.dates.values, groups["date"].to_numpy(dtype=np.int64)) if by_day else None
    raw_end = (_ByRow(first, fold.ends.values, groups["end"].to_numpy(dtype=np.int64))
               if "date_end" in mapping else None)
    dated, more = ex._place(start, end, first, period, by_day, opts, file, row_of,
                            headers[mapping["date"]] if by_day else None, raw_start, raw_end)
    warnings.extend(more)

    out = pd.DataFrame({"date": dated})
    out["platform"] = platform or plan.preset.platform
    if plan.name_field is not None:
        names = np.array([ex._clean_name(v) for v in fold.names.values] + [None], dtype=object)
        name = names[groups["name"].to_numpy(dtype=np.int64)]
        out["campaign"] = pd.Series(name, dtype=object).fillna("(no name)" if plan.name_field == "campaign"
                                                                 else "(all)").to_numpy()
    elif "campaign" not in mapping:
        out["campaign"] = "(all)"
    else:
        out["campaign"] = ""  # one file alone: campaigns are not needed apart
    if plan.by_id:  # the id snapshots are told apart by, where rows carry one
        ids = np.array([ex._clean_name(v) for v in fold.ids.values] + [None], dtype=object)
        out["campaign_id"] = ids[groups["cid"].to_numpy(dtype=np.int64)]
    else:
        out["campaign_id"] = None
    if "campaign" not in mapping:
        warnings.append(Msg("read.w.no_campaign_groups" if "ad_group" in mapping else "read.w.no_campaign_all"))
    masked = 0
    for f in ex.NUM_FIELDS:
        if f in groups:
            out[f] = groups[f].to_numpy(dtype="float64")
            if f != "revenue" or "revenue" in mapping:
                masked += int(groups[f"_nan_{f}"].sum())
        else:
            out[f] = np.nan
    if "revenue" not in mapping and "roas" in mapping:
        warnings.append(Msg("read.w.roas"))
    ex.in_yuan(out, units[mapping["spend"]] if "spend" in mapping else None, warnings)
    if masked:
        warnings.append(Msg("read.w.masked", n=masked))
    n_rows = int(groups["_rows"].sum()) if len(groups) else 0
    if (n_rows and plan.preset.name == "meta" and "conversions" in mapping
            and headers[mapping["conversions"]].strip().casefold() == "results"):
        warnings.append(Msg("read.w.meta_results"))
    warnings.extend(_cross_check(fold, note_dates if by_day else None, plan.preset, headers, mapping))
    out["_rows"] = groups["_rows"].to_numpy(dtype=np.int64) if len(groups) else np.zeros(0, dtype=np.int64)
    if chosen == "generic" and preset == "auto" and not platform:
        warnings.insert(0, Msg("read.w.generic"))
    warnings.extend(ex._measure_warnings(headers, mapping, plan.preset))
    return Sums(out, dropped, chosen, file, layout.encoding, warnings, streamed=True)


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
    out = pd.DataFrame({"impressions": s[:, 0], "clicks": s[:, 1]})
    return ex._cross_check(out, {"ctr": pd.Series(s[:, 2])}, np.arange(len(s)), preset, headers, mapping)
