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
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

CANONICAL_COLUMNS = [
    "date",
    "platform",
    "account",
    "campaign",
    "ad_group",
    "campaign_id",
    "impressions",
    "clicks",
    "spend",
    "conversions",
    "revenue",
]
TEXT_FIELDS = ("account", "campaign", "ad_group", "campaign_id")
NUM_FIELDS = ("impressions", "clicks", "spend", "conversions", "revenue")
# Source-only fields: `roas` derives revenue (× spend of the row); `date_end` is a range end;
# `ctr` is the platform's own ratio, read only to cross-check the column mapping.
EXTRA_FIELDS = ("roas", "date_end", "ctr")
MAPPABLE_FIELDS = ("date",) + TEXT_FIELDS + NUM_FIELDS + EXTRA_FIELDS

PREFIX_BYTES = 256 * 1024  # enough to find the header; the body is read by pandas' C parser
MAX_HEADER_SCAN = 60  # rows searched for the header row
MISSING_TOKENS = ("", "--", "-", " --", "—", "N/A", "n/a", "NaN", "nan", "<5", "<10")
_MISSING_SET = {t.strip().casefold() for t in MISSING_TOKENS}
_MASKED_RE = re.compile(r"^<\s*\d+$")
_NUMBER_JUNK_RE = re.compile(r"[,\s¥￥$€\u00a0\u3000]|%$")
_TOTAL_RE = re.compile(
    r"^\s*(total\s*:.*|totals?|total of .*|(总计|合计|汇总)(\s*[:：(（].*)?|no data available\.?|暂无数据)\s*$",
    re.IGNORECASE,
)
_DELETED_RE = re.compile(r"\s*[\[(](已删除|deleted)[\])]\s*$", re.IGNORECASE)
_UNIT_RE = re.compile(r"\s*(?:\((元|万元|分|%|[A-Z]{3})\)|%)$")
_RANGE_RE = re.compile(r"^\s*(.+?)\s*(?:至|到|~|～|\s-\s|\s–\s|\s—\s)\s*(.+?)\s*$")


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class BadCell:
    """One cell that could not be read: where it is and what was wrong."""

    row: int | None
    column: str | None
    value: str | None
    problem: str

    def describe(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f'column "{self.column}"')
        where = ", ".join(parts)
        what = self.problem if self.value is None else f'{self.problem}, got "{self.value}"'
        return f"{where}: {what}" if where else what


class ExportError(Exception):
    """A file that cannot be imported, explained for the person who downloaded it.

    ``row`` is the 1-based row number a spreadsheet shows (None when not about one row);
    ``column`` the header as written in the file. When several rows are bad, ``bad`` lists them
    all and the attributes describe the first; nothing of the file is imported.
    """

    MAX_SHOWN = 5

    def __init__(
        self,
        file: str,
        problem: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        bad: list[BadCell] | None = None,
        key: str | None = None,
        values: dict | None = None,
    ):
        self.file = file
        self.row = row
        self.column = column
        self.problem = problem
        self.value = value
        self.bad = bad or []
        # A file over one of the size limits: the bot/i18n.py string saying so (problem is its English).
        self.key, self.values = key, values or {}
        super().__init__(str(self))

    def __str__(self) -> str:
        if len(self.bad) > 1:
            rows = {b.row for b in self.bad}
            shown = "; ".join(b.describe() for b in self.bad[: self.MAX_SHOWN])
            more = len(self.bad) - self.MAX_SHOWN
            tail = f"; and {more} more" if more > 0 else ""
            return (
                f"{self.file}: {len(rows)} bad row{'s' if len(rows) != 1 else ''} "
                f"({len(self.bad)} cells), nothing was imported. {shown}{tail}"
            )
        cell = BadCell(self.row, self.column, self.value, self.problem)
        return f"{self.file}, {cell.describe()}"

    @classmethod
    def from_bad(cls, file: str, bad: list[BadCell]) -> ExportError:
        bad = sorted(bad, key=lambda b: (b.row or 0, b.column or ""))
        first = bad[0]
        return cls(file, first.problem, row=first.row, column=first.column, value=first.value, bad=bad)


@dataclass
class ImportResult:
    """Canonical rows of one export plus what the reader had to decide about it."""

    rows: pd.DataFrame
    dropped: int
    preset: str
    file: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- presets


def normalize_header(header: object) -> tuple[str, str | None]:
    """Return (matching key, unit) of a header: NFKC, trimmed, unit suffix dropped, casefolded.

    NFKC folds full-width brackets (``花费（元）`` → ``花费(元)``) so both spellings match.
    """
    text = unicodedata.normalize("NFKC", "" if header is None else str(header))
    text = re.sub(r"\s+", " ", text).strip().lstrip("\ufeff")
    unit = None
    m = _UNIT_RE.search(text)
    if m and m.start() > 0:
        unit = m.group(1) or "%"
        text = text[: m.start()].rstrip()
    return text.casefold(), unit


@dataclass(frozen=True)
class Preset:
    """What one platform's export headers mean. Synonyms are in priority order."""

    name: str
    platform: str
    fields: dict[str, tuple[str, ...]]
    percent_scale: float = 100.0  # ratio columns are written in points (2.81 or 2.81% = 0.0281)
    notes: tuple[str, ...] = ()

    def keys(self, field_name: str) -> list[str]:
        return [normalize_header(h)[0] for h in self.fields.get(field_name, ())]

    def all_keys(self) -> set[str]:
        return {normalize_header(h)[0] for hs in self.fields.values() for h in hs}


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "google-ads",
            "Google Ads",
            {
                "date": ("Day", "Date"),
                "account": ("Account", "Account name", "Customer name"),
                "campaign": ("Campaign",),
                "ad_group": ("Ad group",),
                "campaign_id": ("Campaign ID",),
                "impressions": ("Impr.", "Impressions"),
                "clicks": ("Clicks",),
                "spend": ("Cost",),
                "conversions": ("Conversions",),
                "revenue": ("Conv. value", "Total conv. value"),
                "ctr": ("CTR",),
            },
            notes=("Campaign status", "Currency code", "Avg. CPC", "Conv. value / cost", "Avg. CPM",
                   "Budget type", "Cost / conv.", "Conv. rate", "Optimisation score",
                   "Optimization score"),
        ),
        Preset(
            "meta",
            "Meta",
            {
                "date": ("Reporting starts", "Day"),
                "date_end": ("Reporting ends",),
                "account": ("Account name",),
                "campaign": ("Campaign name",),
                "ad_group": ("Ad set name",),
                "campaign_id": ("Campaign ID",),
                "impressions": ("Impressions",),
                "clicks": ("Link clicks",),
                "spend": ("Amount spent",),
                "conversions": ("Results", "Purchases"),
                "revenue": ("Purchases conversion value", "Purchase conversion value",
                            "Website purchases conversion value"),
                "roas": ("Purchase ROAS (return on ad spend)", "Website purchase ROAS (return on ad spend)",
                         "Purchase ROAS (return on advertising spend)"),
                "ctr": ("CTR (link click-through rate)",),
            },
            notes=("Reach", "CPC (cost per link click)", "Cost per results", "Cost per result",
                   "Result indicator", "Frequency"),
        ),
        Preset(
            "oceanengine",
            "巨量引擎",
            {
                "date": ("时间-天", "时间", "日期"),
                "account": ("账户名称", "账户"),
                # Older UI: 广告组 is the campaign level and 广告计划 the level below.
                "campaign": ("项目名称", "广告组", "广告组名称"),
                "ad_group": ("单元名称", "广告计划", "计划名称"),
                "campaign_id": ("项目ID", "广告组id", "广告组ID"),
                "impressions": ("展示数",),
                "clicks": ("点击数",),
                "spend": ("消耗", "总花费"),
                "conversions": ("转化数",),
                "ctr": ("点击率",),
            },
            notes=("平均千次展现费用", "平均点击单价", "平均转化成本", "转化成本", "转化率", "深度转化数",
                   "单元ID", "转化目标"),
        ),
        Preset(
            "tencent",
            "腾讯广告",
            {
                "date": ("日期", "时间"),
                "account": ("账户名称", "账户"),
                "campaign": ("推广计划名称", "推广计划", "计划名称", "广告名称"),
                "ad_group": ("广告名称", "广告组名称"),
                "campaign_id": ("推广计划ID", "计划ID"),
                "impressions": ("曝光次数", "曝光量"),
                "clicks": ("点击次数", "点击量"),
                "spend": ("花费",),
                "conversions": ("目标转化量", "转化量", "下单次数"),
                "revenue": ("下单金额", "付费金额"),
                "ctr": ("点击率",),
            },
            notes=("点击均价", "千次展现均价", "目标转化率", "目标转化成本", "深度目标转化量", "曝光人数",
                   "点击人数"),
        ),
        Preset(
            "baidu",
            "百度",
            {
                "date": ("日期", "时间"),
                "account": ("账户",),
                "campaign": ("推广计划",),
                "ad_group": ("推广单元",),
                "campaign_id": ("推广计划ID",),
                "impressions": ("展现", "展现量"),
                "clicks": ("点击", "点击量"),
                "spend": ("消费",),
                "conversions": ("网页转化", "转化"),
                "ctr": ("点击率",),
            },
            notes=("推广单元ID", "创意名称", "创意ID", "标题", "描述", "平均点击价格", "千次展现消费"),
        ),
        Preset(
            "kuaishou",
            "快手",
            {
                "date": ("日期", "时间"),
                "account": ("账户名称", "账户"),
                "campaign": ("广告计划名称", "计划名称", "广告计划"),
                "ad_group": ("广告组名称", "广告组"),
                "campaign_id": ("广告计划ID", "计划ID"),
                # Which exposure/click pair a team reports is an account choice: cover by default.
                "impressions": ("封面曝光数", "素材曝光数"),
                "clicks": ("封面点击数", "行为数"),
                "spend": ("花费", "消耗"),
                "conversions": ("转化数", "激活数", "表单提交数"),
                "ctr": ("封面点击率",),
            },
            notes=("行为率", "平均点击单价"),
        ),
        Preset(
            "tiktok",
            "TikTok",
            {
                "date": ("By Day", "Date", "日期"),
                "campaign": ("Campaign name", "推广系列名称", "广告系列名称"),
                "ad_group": ("Ad group name", "广告组名称"),
                "campaign_id": ("Campaign ID",),
                "impressions": ("Impressions", "展示量"),
                "clicks": ("Clicks (destination)", "Clicks", "点击量(目标页面)", "点击量"),
                "spend": ("Cost", "消耗"),
                "conversions": ("Conversions", "转化量", "转化数"),
                "revenue": ("Total purchase value", "Purchase value"),
                "ctr": ("CTR (destination)", "CTR"),
            },
            notes=("CPM", "Cost per conversion", "平均转化成本", "CPC (destination)"),
        ),
        Preset(
            "uc",
            "UC汇川",
            {
                "date": ("日期", "时间"),
                "account": ("账户",),
                "campaign": ("推广计划", "计划名称"),
                "ad_group": ("推广单元", "单元名称"),
                "impressions": ("展现数",),
                "clicks": ("点击数",),
                "spend": ("消费",),
                "conversions": ("转化数(点击时间)", "转化数(转化时间)", "转化数"),
                "ctr": ("点击率",),
            },
            notes=("点击均价",),
        ),
        Preset(
            "generic",
            "Other",
            {
                "date": ("date", "day", "日期", "时间", "时间-天", "天", "reporting starts", "by day"),
                "date_end": ("reporting ends",),
                "account": ("account", "account name", "账户", "账户名称"),
                "campaign": ("campaign", "campaign name", "推广计划", "广告计划", "计划名称", "计划",
                             "项目名称", "广告系列", "广告名称"),
                "ad_group": ("ad group", "ad group name", "ad set", "ad set name", "推广单元", "广告组",
                             "单元名称"),
                "campaign_id": ("campaign id", "计划ID", "推广计划ID", "项目ID"),
                "impressions": ("impressions", "impr.", "impr", "展示", "展示数", "展示量", "展现", "展现数",
                                "展现量", "曝光", "曝光量", "曝光次数", "曝光数"),
                "clicks": ("clicks", "link clicks", "点击", "点击数", "点击量", "点击次数"),
                "spend": ("spend", "cost", "amount spent", "消耗", "花费", "消费", "总花费", "费用"),
                "conversions": ("conversions", "results", "转化", "转化数", "转化量", "目标转化量"),
                "revenue": ("revenue", "conv. value", "conversion value", "收入", "销售额", "成交金额",
                            "下单金额", "付费金额", "GMV"),
                "ctr": ("ctr", "点击率"),
            },
        ),
    ]
}
PRESET_NAMES = tuple(PRESETS) + ("auto",)
_METRIC_FIELDS = NUM_FIELDS + ("roas",)


def _known_keys() -> tuple[set[str], set[str]]:
    metric, any_known = set(), set()
    for p in PRESETS.values():
        for f, hs in p.fields.items():
            ks = {normalize_header(h)[0] for h in hs}
            any_known |= ks
            if f in _METRIC_FIELDS:
                metric |= ks
        any_known |= {normalize_header(h)[0] for h in p.notes}
    return metric, any_known


_METRIC_KEYS, _KNOWN_KEYS = _known_keys()
# How many presets know a header: rarer headers say more about the platform.
_KEY_SPREAD: dict[str, int] = {}
for _p in PRESETS.values():
    if _p.name != "generic":
        for _k in _p.all_keys() | {normalize_header(h)[0] for h in _p.notes}:
            _KEY_SPREAD[_k] = _KEY_SPREAD.get(_k, 0) + 1


def _map_columns(keys: list[str], preset: Preset, overrides: dict[str, str] | None) -> dict[str, int]:
    """Field → column index. Overrides (config) first, then preset synonyms in priority order."""
    used: set[int] = set()
    mapping: dict[str, int] = {}
    for fld, header in (overrides or {}).items():
        want = normalize_header(header)[0]
        idx = next((i for i, k in enumerate(keys) if k == want and i not in used), None)
        if idx is not None:
            mapping[fld] = idx
            used.add(idx)
    for fld in MAPPABLE_FIELDS:
        if fld in mapping:
            continue
        for syn in preset.keys(fld):
            idx = next((i for i, k in enumerate(keys) if k == syn and i not in used), None)
            if idx is not None:
                mapping[fld] = idx
                used.add(idx)
                break
    return mapping


def _score(keys: list[str], preset: Preset) -> float:
    known = preset.all_keys() | {normalize_header(h)[0] for h in preset.notes}
    return sum(1.0 / _KEY_SPREAD.get(k, 1) for k in set(keys) if k in known)


def _usable(mapping: dict[str, int]) -> bool:
    return "spend" in mapping or ("impressions" in mapping and "clicks" in mapping)


def _coverage(mapping: dict[str, int]) -> int:
    return sum(1 for f in ("date", "campaign", *NUM_FIELDS, "roas") if f in mapping)


def detect_preset(headers: list[str], overrides: dict[str, str] | None = None) -> str:
    """Name of the preset whose headers best match (``generic`` when no platform fits).

    A platform preset must read at least as many fields as the generic one would, and headers
    the config mapping already claims say nothing about the platform.
    """
    keys = [normalize_header(h)[0] for h in headers]
    claimed = {normalize_header(h)[0] for h in (overrides or {}).values()}
    free = [k for k in keys if k not in claimed]
    floor = _coverage(_map_columns(keys, PRESETS["generic"], overrides))
    best, best_score = "generic", 0.0
    for name, p in PRESETS.items():
        mapping = _map_columns(keys, p, overrides)
        if name == "generic" or not _usable(mapping) or _coverage(mapping) < floor:
            continue
        s = _score(free, p)
        if s > best_score:
            best, best_score = name, s
    return best


# --------------------------------------------------------------------------- sniffing


@dataclass
class _Layout:
    encoding: str
    delimiter: str
    header_index: int  # 0-based record index of the header row
    headers: list[str]
    prefix_text: str
    complete: bool  # the prefix is the whole file


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
            import codecs

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
        raise ExportError(file, "this is not a CSV, TSV or XLSX file (binary content)")
    try:
        encoding, text = _decode_prefix(raw, complete)
    except UnicodeDecodeError:
        raise ExportError(file, "the text encoding is not UTF-8, UTF-16 or GB18030") from None
    lines = text.splitlines()
    if not complete and lines:
        lines = lines[:-1]  # the last line may be cut in the middle
    lines = lines[:MAX_HEADER_SCAN]
    extra = {normalize_header(h)[0] for h in (overrides or {}).values()}
    best: tuple[int, str, list[str]] | None = None
    for delim in ("\t", ",", ";"):
        rows = list(csv.reader(lines, delimiter=delim))
        for i, cells in enumerate(rows):
            if len(cells) > 1 and _is_header(cells, extra):
                if best is None or i < best[0]:
                    best = (i, delim, cells)
                break
    if best is None:
        first = next((ln for ln in lines if ln.strip()), "")
        if not _looks_tabular(lines):
            raise ExportError(file, "no table found: the file has no rows with comma- or tab-separated columns")
        raise ExportError(
            file,
            "unknown headers: no column looks like impressions, clicks or spend "
            f"(first line: {first[:120]!r}); choose a preset or set [reports.metrics.columns]",
        )
    i, delim, cells = best
    return _Layout(encoding, delim, i, cells, text, complete)


# --------------------------------------------------------------------------- value parsing


def _clean_text(values: pd.Series) -> pd.Series:
    """Trim names, fold NFKC and drop ``[已删除]`` suffixes; empty → NA. Works on unique values."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        cats = values.cat.categories
        cleaned = np.array([_clean_name(c) for c in cats] + [None], dtype=object)
        codes = values.cat.codes.to_numpy()
        out = cleaned[codes]  # code -1 picks the trailing None
    else:
        uniq = {v: _clean_name(v) for v in pd.unique(values.to_numpy(dtype=object))}
        out = np.array([uniq[v] for v in values.to_numpy(dtype=object)], dtype=object)
    return pd.Series(out, index=values.index, dtype="str")


def _clean_name(v: object) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # IDs read as numbers from XLSX
    s = unicodedata.normalize("NFKC", str(v)).strip()
    s = _DELETED_RE.sub("", s)
    return s or None


def _to_number(values: pd.Series, column: str, row_of, bad: list[BadCell], check: np.ndarray) -> pd.Series:
    """Parse a numeric column; unreadable cells on `check` rows go to `bad`. Missing → NaN."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64")
    obj = values.astype(object)
    out = pd.to_numeric(obj, errors="coerce").astype("float64")  # numbers and plain numeric text
    todo = out.isna() & obj.notna()
    if todo.any():
        text = obj[todo].astype(str).str.strip()
        missing = text.str.casefold().isin(_MISSING_SET) | text.str.match(_MASKED_RE)
        cleaned = text.str.replace(_NUMBER_JUNK_RE, "", regex=True)
        parsed = pd.to_numeric(cleaned, errors="coerce")
        out.loc[todo] = parsed.astype("float64")
        failed = parsed.isna() & ~missing
        failed_idx = failed.index[failed.to_numpy() & check[failed.index.to_numpy()]]
        for i in failed_idx[:50]:
            bad.append(BadCell(row_of(i), column, str(obj[i]), "expected a number"))
        if len(failed_idx) > 50:  # keep the count right without building thousands of objects
            bad.extend(BadCell(row_of(i), column, None, "expected a number") for i in failed_idx[50:])
    return out


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M",
                 "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d", "%Y年%m月%d日")


def _parse_date_scalar(v: object) -> pd.Timestamp | None:
    """One date cell: datetime, Excel serial, YYYYMMDD number, or text (ranges → start day)."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "year"):
        return pd.Timestamp(v).normalize()
    if isinstance(v, int | float | np.integer | np.floating):
        x = float(v)
        if 19000101 <= x <= 21001231 and x.is_integer():
            return _parse_date_scalar(str(int(x)))
        if 1 <= x < 2958466:  # Excel serial day (1900 system; Lotus leap-year bug → 1899-12-30 origin)
            return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(x))).normalize()
        return None
    s = unicodedata.normalize("NFKC", str(v)).strip()
    if not s or s.casefold() in _MISSING_SET:
        return None
    m = _RANGE_RE.match(s)
    if m and any(ch.isdigit() for ch in m.group(1)):
        start = _parse_date_scalar(m.group(1))
        if start is not None:
            return start
    for fmt in _DATE_FORMATS:
        try:
            return pd.Timestamp(pd.to_datetime(s, format=fmt)).normalize()
        except (ValueError, TypeError):
            continue
    if re.fullmatch(r"\d{5}(\.\d+)?", s):  # serial written as text
        return _parse_date_scalar(float(s))
    if re.search(r"[A-Za-z]", s):  # "Nov 1, 2026"
        try:
            return pd.Timestamp(pd.to_datetime(s)).normalize()
        except (ValueError, TypeError):
            return None
    return None


def _parse_unique_dates(uniq: pd.Index) -> np.ndarray:
    """Vectorised for the common formats; scalar fallback only for what is left."""
    out = pd.Series(pd.NaT, index=range(len(uniq)), dtype="datetime64[ns]")
    is_text = np.array([isinstance(u, str) for u in uniq], dtype=bool)
    text = pd.Series(np.asarray(uniq, dtype=object)).where(is_text)
    for fmt in _DATE_FORMATS[:4]:
        todo = out.isna() & is_text
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo].str.strip(), format=fmt, errors="coerce")
    for i in np.flatnonzero(out.isna().to_numpy()):
        ts = _parse_date_scalar(uniq[i])
        if ts is not None:
            out.iat[i] = ts
    return out.dt.normalize().to_numpy(dtype="datetime64[ns]")


def _to_date(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values.dt.normalize().astype("datetime64[ns]")
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object).astype("category") if _sortable(values) else values
    if isinstance(values.dtype, pd.CategoricalDtype):
        parsed = _parse_unique_dates(values.cat.categories)
        parsed = np.append(parsed, np.datetime64("NaT", "ns"))
        return pd.Series(parsed[values.cat.codes.to_numpy()], index=values.index)
    obj = values.to_numpy(dtype=object)
    return pd.Series([_parse_date_scalar(v) for v in obj], index=values.index, dtype="datetime64[ns]")


def _sortable(values: pd.Series) -> bool:
    kinds = {type(v) for v in values.dropna().to_numpy(dtype=object)[:1000]}
    return len(kinds) <= 1


def _labels(values: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Boolean mask of cells matching a pattern, evaluated once per distinct value."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        hit = np.array([bool(pattern.match(str(c))) for c in values.cat.categories] + [False])
        return hit[values.cat.codes.to_numpy()]
    obj = values.to_numpy(dtype=object)
    memo: dict[object, bool] = {}
    return np.array([memo.setdefault(v, v is not None and v == v and bool(pattern.match(str(v)))) for v in obj],
                    dtype=bool)


# --------------------------------------------------------------------------- reading


def _read_source(source: str | Path | bytes, name: str | None) -> tuple[str, bytes | None, Path | None]:
    if isinstance(source, bytes | bytearray):
        return name or "<upload>", bytes(source), None
    path = Path(source)
    if not path.exists():
        raise ExportError(name or str(path), "file not found")
    return name or str(path), None, path


def _prefix(data: bytes | None, path: Path | None) -> tuple[bytes, bool]:
    if data is not None:
        return data[:PREFIX_BYTES], len(data) <= PREFIX_BYTES
    with open(path, "rb") as fh:
        raw = fh.read(PREFIX_BYTES + 1)
    return raw[:PREFIX_BYTES], len(raw) <= PREFIX_BYTES


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
            raise ExportError(file, f"the file is not valid {layout.encoding} text") from None
        layout.encoding = "gb18030"  # the prefix was ASCII-only UTF-8, the rest is GB18030
        whole["encoding"] = "gb18030"
        frame = pd.read_csv(io.BytesIO(data) if data is not None else path, **whole)
    except (pd.errors.ParserError, ValueError) as exc:
        if "Too many columns specified" in str(exc):
            # Every row is shorter than the header (e.g. only "No data available."): tiny file.
            return _read_short(data, path, layout, cols)
        m = re.search(r"line (\d+)", str(exc))
        row = layout.header_index + int(m.group(1)) + 1 if m else None
        raise ExportError(file, f"the row does not fit the table ({exc})", row=row) from None
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
            bad.append(BadCell(i + 1, None, cells[width],
                               f"the row has {len(cells)} cells but the header has {width} (an unquoted comma?)"))
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
    from pandas.api.types import union_categoricals
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
            out[c] = pd.Series(union_categoricals(parts, ignore_order=True))
        else:
            out[c] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


@contextmanager
def _open_xlsx(data: bytes | None, path: Path | None, file: str):
    """The first sheet of a workbook that passed the size checks, opened read-only (streaming)."""
    from openpyxl import load_workbook

    from bot import upload_guard

    source = data if data is not None else path
    try:
        upload_guard.check_xlsx_zip(source, file)  # the zip directory: nothing inflated yet
        upload_guard.check_xlsx_parts(source, file)  # every part streamed once, before openpyxl
    except upload_guard.UploadRefused as exc:
        raise ExportError(file, exc.reason, key=exc.key, values=exc.values) from None
    try:
        wb = load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any openpyxl failure means "not a usable workbook"
        raise _workbook_error(file, exc, "cannot open") from None
    try:
        if not wb.worksheets:
            raise ExportError(file, "the Excel workbook has no sheet")
        yield wb.worksheets[0]
    finally:
        wb.close()


def _workbook_error(file: str, exc: Exception, doing: str) -> ExportError:
    from defusedxml import DefusedXmlException

    from bot.upload_guard import over_limit

    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, DefusedXmlException):
        cause = cause.__cause__ or cause.__context__  # openpyxl wraps it in a ValueError
    if cause is not None:  # openpyxl parses with defusedxml once it is installed
        refused = over_limit(file, "limit.xlsx_entities")
        return ExportError(file, refused.reason, key=refused.key, values=refused.values)
    return ExportError(file, f"{doing} the Excel workbook ({type(exc).__name__}: {exc})")


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
                raise _workbook_error(file, exc, "cannot read") from None
            yield cells
    finally:
        rows.close()  # closes the sheet's stream inside the zip


def _xlsx_header(ws, file: str, overrides) -> _Layout:
    from bot import upload_guard

    extra = {normalize_header(h)[0] for h in (overrides or {}).values()}
    for i, cells in enumerate(_xlsx_rows(ws, file, max_row=MAX_HEADER_SCAN, max_col=upload_guard.MAX_XLSX_COLUMNS)):
        texts = ["" if c is None else str(c) for c in cells]
        if _is_header(texts, extra):
            width = max(j for j, text in enumerate(texts) if text) + 1
            return _Layout("xlsx", "", i, texts[:width], "", True)
    raise ExportError(file, "unknown headers: no column looks like impressions, clicks or spend in the first sheet")


def _xlsx_body(ws, layout: _Layout, mapping: dict[str, int], file: str) -> pd.DataFrame:
    """Stream the data rows, keeping only the mapped columns (and the first, for total labels).

    openpyxl pads each row to `max_col` and fills gaps between row numbers with empty rows, so
    the cells it hands over (rows x header width) are counted here and reading stops past the
    limit; cells right of the header are never materialised.
    """
    from bot import upload_guard
    from bot.upload_guard import over_limit

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
) -> ImportResult:
    """Read one ad-platform export (CSV, TSV or XLSX) into canonical rows.

    ``columns`` maps canonical names (and ``roas``, ``ctr``) to headers of the file, as in the
    config's ``[reports.metrics.columns]``; it overrides the preset. ``preset="auto"`` picks the
    platform from the headers. ``platform`` overrides the platform name written on every row.
    ``progress`` shows a tqdm bar on stderr for big files when stderr is a terminal.

    Raises :class:`ExportError` (all or nothing) when the file or any data row cannot be read.
    """
    file, data, path = _read_source(source, name)
    if preset not in PRESET_NAMES:
        raise ExportError(file, f"unknown preset {preset!r}; choose one of {', '.join(PRESET_NAMES)}")
    bad_keys = set(columns or {}) - set(MAPPABLE_FIELDS)
    if bad_keys:
        raise ExportError(file, f"unknown canonical column(s) in the mapping: {', '.join(sorted(bad_keys))}")
    raw, complete = _prefix(data, path)
    if not raw:
        raise ExportError(file, "the file is empty")

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
    result = _canonical(
        frame, mapping, layout.headers, units, PRESETS[chosen], platform, file, first_data_row, columns
    )
    rows, dropped, warnings = result
    if chosen == "generic" and preset == "auto":
        warnings.insert(0, "platform not recognised from the headers; read with generic column names")
    return ImportResult(rows, dropped, chosen, file, layout.encoding, warnings)


def _check_mapping(file: str, headers: list[str], mapping: dict[str, int], overrides) -> None:
    keys = {normalize_header(h)[0] for h in headers}
    for fld, header in (overrides or {}).items():
        if normalize_header(header)[0] not in keys:
            raise ExportError(file, f'the column mapping names "{header}" for {fld}, but the file has no such header',
                              column=header)
    if not _usable(mapping):
        shown = ", ".join(h for h in headers if h)[:200]
        raise ExportError(file, f"unknown headers: cannot find spend, impressions and clicks among: {shown}")
    if "date" not in mapping:
        raise ExportError(file, "no date column (Day, 日期, 时间…); export with a daily breakdown")


def _canonical(
    frame: pd.DataFrame,
    mapping: dict[str, int],
    headers: list[str],
    units: list[str | None],
    preset: Preset,
    platform: str | None,
    file: str,
    first_data_row: int,
    overrides,
) -> tuple[pd.DataFrame, int, list[str]]:
    warnings: list[str] = []
    frame = frame.reset_index(drop=True)
    n = len(frame)
    col = {f: frame[i] for f, i in mapping.items() if i in frame.columns}
    first = frame[0] if 0 in frame.columns else pd.Series([None] * n, dtype=object)

    def row_of(i: int) -> int:
        return first_data_row + int(i)

    # Blank lines are not data: ignore them without counting.
    blank = np.asarray(frame.isna().all(axis=1))
    # Total/summary rows: first cell or a name cell says so.
    total = _labels(first, _TOTAL_RE)
    for f in ("campaign", "ad_group", "account"):
        if f in col:
            total |= _labels(col[f], _TOTAL_RE)
    if preset.name == "meta" and "campaign" in col:
        total |= np.asarray(col["campaign"].isna()) & ~blank  # the account summary row
    total &= ~blank
    keep = ~blank & ~total

    bad: list[BadCell] = []
    nums: dict[str, pd.Series] = {}
    for f in (*NUM_FIELDS, "roas"):
        if f in col:
            nums[f] = _to_number(col[f], headers[mapping[f]], row_of, bad, keep)
            # "1e400" parses as infinity: refuse it rather than sum it into an infinite total.
            for i in np.flatnonzero(np.isinf(nums[f].to_numpy(dtype="float64", na_value=np.nan)) & keep)[:50]:
                bad.append(BadCell(row_of(i), headers[mapping[f]], str(col[f].iat[i]), "the number is too large"))
    dates = _to_date(col["date"])
    has_numbers = np.zeros(n, dtype=bool)
    for s in nums.values():
        has_numbers |= s.notna().to_numpy()
    no_date = dates.isna().to_numpy()
    # A row with neither a date nor any number is a note ("数据说明…"), not data.
    notes = keep & no_date & ~has_numbers & ~np.asarray(col["date"].isna())
    keep &= ~notes
    bad_date = keep & no_date
    date_header = headers[mapping["date"]]
    raw_dates = col["date"].astype(object)
    for i in np.flatnonzero(bad_date)[:50]:
        v = raw_dates.iat[i]
        if v is None or v != v:
            bad.append(BadCell(row_of(i), date_header, None, "the date is missing"))
        else:
            bad.append(BadCell(row_of(i), date_header, str(v), "expected a date like 2026-03-31"))
    if bad_date.sum() > 50:
        bad.extend(BadCell(row_of(i), date_header, None, "expected a date") for i in np.flatnonzero(bad_date)[50:])
    if bad:
        raise ExportError.from_bad(file, bad)

    # A row equal to the column sums of the others (an unlabelled total).
    sums_row = _sum_rows(nums, keep)
    total_count = int(total.sum() + notes.sum() + sums_row.sum())
    keep &= ~sums_row
    if notes.any():
        shown = ", ".join(f"row {row_of(i)}" for i in np.flatnonzero(notes)[:3])
        warnings.append(f"skipped {int(notes.sum())} row(s) without a date or numbers ({shown})")
    if sums_row.any():
        warnings.append(f"dropped row {row_of(int(np.flatnonzero(sums_row)[0]))}: it equals the sum of the other rows")

    idx = np.flatnonzero(keep)
    out = pd.DataFrame(index=pd.RangeIndex(len(idx)))
    out["date"] = dates.to_numpy()[idx]
    out["platform"] = pd.Series([platform or preset.platform] * len(idx), dtype="str") if len(idx) else pd.Series(
        [], dtype="str")
    for f in TEXT_FIELDS:
        if f in col:
            out[f] = _clean_text(col[f].iloc[idx].reset_index(drop=True))
        else:
            out[f] = pd.Series([np.nan] * len(idx), dtype="str")
    if "campaign" not in col:
        fallback = out["ad_group"] if "ad_group" in col else out["account"]
        out["campaign"] = fallback.fillna("(all)").astype("str")
        warnings.append("no campaign column: rows are grouped under " + ("ad groups" if "ad_group" in col else "(all)"))
    else:
        out["campaign"] = out["campaign"].fillna("(no name)")

    masked = 0
    for f in NUM_FIELDS:
        if f in nums:
            v = nums[f].to_numpy()[idx]
            masked += int(np.isnan(v).sum())
            out[f] = np.nan_to_num(v, nan=0.0)  # present column: a missing cell counts as 0
        else:
            out[f] = np.nan
    if "revenue" not in nums and "roas" in nums:
        roas = np.nan_to_num(nums["roas"].to_numpy()[idx], nan=0.0)
        out["revenue"] = roas * out["spend"].to_numpy()
        warnings.append("revenue computed as ROAS × spend of each row")
    spend_unit = units[mapping["spend"]] if "spend" in mapping else None
    if spend_unit == "分":
        out["spend"] = out["spend"] / 100.0
        warnings.append("spend is in 分 (fen): converted to 元")
    elif spend_unit == "万元":
        out["spend"] = out["spend"] * 10_000.0
        warnings.append("spend is in 万元: converted to 元")
    if masked:
        warnings.append(f"{masked} empty or masked cell(s) (--, <5) counted as 0")
    if len(idx) and preset.name == "meta" and "conversions" in mapping and headers[mapping["conversions"]].strip().casefold() == "results":
        warnings.append("Meta 'Results' summed as conversions: results of different objectives are not comparable")
    if "date_end" in col:
        ends = _to_date(col["date_end"]).to_numpy()[idx]
        if (~pd.isna(ends) & (ends != out["date"].to_numpy())).any():
            warnings.append("some rows cover several days: each is dated by its first day")
    warnings.extend(_cross_check(out, nums, idx, preset, headers, mapping))
    return out[CANONICAL_COLUMNS], total_count, warnings


def _sum_rows(nums: dict[str, pd.Series], keep: np.ndarray) -> np.ndarray:
    """Rows whose every base count equals the sum of all the other kept rows."""
    flag = np.zeros(len(keep), dtype=bool)
    cols = [s.to_numpy() for f, s in nums.items() if f in ("impressions", "clicks", "spend")]
    if not cols or keep.sum() < 3:
        return flag
    cand = keep.copy()
    for v in cols:
        vv = np.where(keep, np.nan_to_num(v), 0.0)
        total = vv.sum()
        if total == 0:
            return flag
        # Totals are rounded in the file: allow half a cent per summed row.
        tol = 1e-9 * abs(total) + 0.005 * keep.sum()
        cand &= np.abs(2 * vv - total) <= tol
    if cand.sum() == 1:
        flag = cand
    return flag


def _cross_check(out, nums, idx, preset: Preset, headers, mapping) -> list[str]:
    """Compare the platform's CTR column with clicks / impressions on a sample of rows."""
    if "ctr" not in nums or "impressions" not in mapping or "clicks" not in mapping:
        return []
    sample = slice(0, 5000)
    ctr = nums["ctr"].to_numpy()[idx][sample] / preset.percent_scale
    impr = out["impressions"].to_numpy()[sample]
    clicks = out["clicks"].to_numpy()[sample]
    ok = (impr >= 1000) & ~np.isnan(ctr)
    if ok.sum() < 5:
        return []
    mine = clicks[ok] / impr[ok]
    off = np.abs(mine - ctr[ok]) > 0.02 * np.maximum(mine, 1e-4) + 0.0002
    if off.mean() > 0.5:
        return [
            f'the file\'s "{headers[mapping["ctr"]]}" does not match '
            f'"{headers[mapping["clicks"]]}" / "{headers[mapping["impressions"]]}": check the column mapping'
        ]
    return []


# --------------------------------------------------------------------------- combining


def dedupe(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Combine snapshots ordered oldest → newest; for a (date, platform, campaign) the newest wins.

    All rows of that key from the newest snapshot holding it are kept (a campaign may have several
    ad-group rows a day); rows of the same key in older snapshots are discarded, so re-importing
    a month after conversions were backfilled replaces the stale figures.
    """
    frames = [f for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=_EMPTY_DTYPES[c]) for c in CANONICAL_COLUMNS})
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    combined = pd.concat(
        [f.assign(_snap=i) for i, f in enumerate(frames)], ignore_index=True
    )
    key = ["date", "platform", "campaign"]
    newest = combined.groupby(key, sort=False, dropna=False)["_snap"].transform("max")
    return combined[combined["_snap"] == newest].drop(columns="_snap").reset_index(drop=True)


_EMPTY_DTYPES = {
    "date": "datetime64[ns]",
    "platform": "str",
    "account": "str",
    "campaign": "str",
    "ad_group": "str",
    "campaign_id": "str",
    **{f: "float64" for f in NUM_FIELDS},
}


def empty_rows() -> pd.DataFrame:
    """A canonical frame with no rows."""
    return dedupe([])
