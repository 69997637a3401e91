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
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from bot.model.dates import parse_date_format
from bot.text.i18n import Msg, t, text_of
from bot.text.mrkdwn import plain

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
# A unit suffix: (元) (万元) (分) (%) %, or any currency code in () or [] — "Amount spent (IDR)",
# "Spend [USD]", "Cost (CNY)" (ISO codes are upper case; "Clicks (all)" is not a unit).
_UNIT_RE = re.compile(r"\s*(?:[(\[]\s*(元|万元|分|%|[A-Z]{3})\s*[)\]]|%)$")
# "# of Impressions", "No. of clicks", "Number of conversions" name the measure itself.
_COUNT_OF_RE = re.compile(r"^(?:#|no\.?|number)\s*of\s+")
# English plurals fold into the singular for matching ("Impression" = "Impressions"); not "-ss".
_PLURAL_RE = re.compile(r"(?<=[a-z]{3})(?<!s)s\b")
_RANGE_RE = re.compile(r"^\s*(.+?)\s*(?:至|到|~|～|\s-\s|\s–\s|\s—\s)\s*(.+?)\s*$")


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class BadCell:
    """One cell that could not be read: where it is and what was wrong (``problem``: str or Msg)."""

    row: int | None
    column: str | None
    value: str | None
    problem: str

    def describe(self, locale: str = "en") -> str:
        parts = []
        if self.row is not None:
            parts.append(t(locale, "read.row", row=self.row))
        if self.column is not None:
            parts.append(t(locale, "read.column", column=self.column))
        where = t(locale, "read.sep").join(parts)
        problem = text_of(self.problem, locale)
        what = problem if self.value is None else t(locale, "read.got", problem=problem, value=self.value)
        return t(locale, "read.file", file=where, what=what) if where else what


class ExportError(Exception):
    """A file that cannot be imported, explained for the person who downloaded it.

    ``row`` is the 1-based row number a spreadsheet shows (None when not about one row);
    ``column`` the header as written in the file. When several rows are bad, ``bad`` lists them
    all and the attributes describe the first; nothing of the file is imported. ``problem`` is a
    :class:`~bot.text.i18n.Msg` (or plain text): ``text(locale)`` renders the whole message in a
    report's locale, ``str()`` in English.
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
        # A file over one of the size limits: the bot/text/i18n.py string saying so (problem is its English).
        self.key, self.values = key, values or {}
        if key:
            self.problem = Msg(key, **self.values)
        super().__init__(str(self))

    def __str__(self) -> str:
        return plain(self.text("en"))  # logs and the command line: what people read, not mrkdwn

    def text(self, locale: str) -> str:
        if len(self.bad) > 1:
            rows = {b.row for b in self.bad}
            shown = t(locale, "read.list_sep").join(b.describe(locale) for b in self.bad[: self.MAX_SHOWN])
            more = len(self.bad) - self.MAX_SHOWN
            return t(locale, "read.bad_rows", file=self.file, count=len(rows),
                     cells=len(self.bad), shown=shown, more=t(locale, "read.more", n=more) if more > 0 else "")
        cell = BadCell(self.row, self.column, self.value, self.problem)
        return t(locale, "read.cell", file=self.file, what=cell.describe(locale))

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
    warnings: list[Msg] = field(default_factory=list)  # str-compatible; .text(locale)


# --------------------------------------------------------------------------- presets


def normalize_header(header: object) -> tuple[str, str | None]:
    """Return (matching key, unit) of a header: NFKC, trimmed, unit suffix dropped, casefolded,
    ``# of`` dropped and English plurals folded (``# of Impressions``, ``Impression`` and
    ``Impressions`` share one key).

    NFKC folds full-width brackets (``花费（元）`` → ``花费(元)``) so both spellings match.
    """
    text = unicodedata.normalize("NFKC", "" if header is None else str(header))
    text = re.sub(r"[\s_]+", " ", text).strip().lstrip("\ufeff").strip()
    unit = None
    m = _UNIT_RE.search(text)
    if m and m.start() > 0:
        unit = m.group(1) or "%"
        text = text[: m.start()].rstrip()
    key = _COUNT_OF_RE.sub("", text.casefold())
    return _PLURAL_RE.sub("", key), unit


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


# Where a header alias comes from (docs/exports.md has the table). Headers match after
# normalize_header(): case, plurals ("Impression" = "Impressions"), "# of", "_" and currency
# suffixes ("Spend [USD]", "Cost (CNY)") do not matter, so those spellings need no entry here.
# [zh-google] Google Ads zh-CN UI exports: the header aliases of a public Google Ads CSV importer,
#   github.com/adsorgcn/AdsPilot plugins/traffic/google-ads/report_import.py (日期/天, 广告系列,
#   广告组, 展示次数, 点击次数, 费用, 转化次数, 转化价值, 平均每次点击费用, 广告系列状态); Google's
#   zh-CN CSVs write 展示次数/点击次数/点击率 (github.com/changyy/google-csv-helper README, AdSense).
# [tiktok-api] TikTok's report download sample "Campaign ID,Campaign Name,Ad Group ID,Ad Group
#   Name,Age,Gender,Cost,Impression,Click": ads.tiktok.com/marketing_api/docs?id=1740302808815618.
# [ab-dataset] Kaggle A/B test campaign data: "Campaign Name;Date;Spend [USD];# of Impressions;
#   Reach;# of Website Clicks;…;# of Purchase" (github.com/KaranThakkar3/AB-Testing README).
# [fb-bidding] "Impression, Click, Purchase, Earning" (github.com/brkuzn/A-B-Test README).
# [fb-conv] Facebook ad conversion data "Impressions, Clicks, Spent, Total_Conversion"
#   (github.com/JorgeCCorroV/dbt-project-cook-unity models/stg_cookunity_conversions.sql).
PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "google-ads",
            "Google Ads",
            {
                "date": ("Day", "Date", "天", "日期"),  # [zh-google]
                "account": ("Account", "Account name", "Customer name"),
                "campaign": ("Campaign", "广告系列"),  # [zh-google]
                "ad_group": ("Ad group", "广告组"),  # [zh-google]
                "campaign_id": ("Campaign ID", "广告系列 ID"),  # [zh-google]
                "impressions": ("Impr.", "Impressions", "展示次数"),  # [zh-google]
                "clicks": ("Clicks", "点击次数"),  # [zh-google]
                "spend": ("Cost", "费用"),  # [zh-google]
                "conversions": ("Conversions", "转化次数"),  # [zh-google]
                "revenue": ("Conv. value", "Total conv. value", "转化价值"),  # [zh-google]
                "ctr": ("CTR", "点击率"),  # [zh-google]
            },
            notes=("Campaign status", "Currency code", "Avg. CPC", "Conv. value / cost", "Avg. CPM",
                   "Budget type", "Cost / conv.", "Conv. rate", "Optimisation score",
                   "Optimization score", "广告系列状态", "平均每次点击费用"),  # [zh-google]
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
                "impressions": ("Impressions", "Impression", "展示量"),  # Impression: [tiktok-api]
                "clicks": ("Clicks (destination)", "Clicks", "Click", "点击量(目标页面)", "点击量"),  # [tiktok-api]
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
                "clicks": ("clicks", "link clicks", "点击", "点击数", "点击量", "点击次数",
                           "website clicks"),  # [ab-dataset]
                "spend": ("spend", "cost", "amount spent", "消耗", "花费", "消费", "总花费", "费用",
                          "spent"),  # [fb-conv]
                "conversions": ("conversions", "results", "转化", "转化数", "转化量", "目标转化量",
                                "total conversion", "purchases"),  # [fb-conv], [ab-dataset], [fb-bidding]
                "revenue": ("revenue", "conv. value", "conversion value", "收入", "销售额", "成交金额",
                            "下单金额", "付费金额", "GMV", "earnings"),  # [fb-bidding]
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


def _note_keys(preset: Preset) -> set[str]:
    return {normalize_header(h)[0] for h in preset.notes}


def _score(keys: list[str], preset: Preset) -> float:
    known = preset.all_keys() | _note_keys(preset)
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
        # A platform's name goes on the rows only when the file is that platform's export: its own
        # headers carry the measures (not the hand mapping) and one header only it writes is there.
        if not _usable(_map_columns(keys, p, None)) or not any(_KEY_SPREAD.get(k) == 1 and k in p.all_keys()
                                                               | _note_keys(p) for k in free):
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
            bad.append(BadCell(row_of(i), column, str(obj[i]), Msg("read.number_expected")))
        if len(failed_idx) > 50:  # keep the count right without building thousands of objects
            bad.extend(BadCell(row_of(i), column, None, Msg("read.number_expected")) for i in failed_idx[50:])
    return out


# --------------------------------------------------------------------------- dates and periods

# Vectorised first pass (the common ISO-like forms); every other form is read once per distinct value.
_FAST_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y-%m-%d %H:%M")
_TIME = r"(?:[ T,]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
# 2026-11-01, 2026/11/1, 2026.11.1, 2026年11月1日 (a time of day after it is ignored)
_YMD_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME + "$")
# 9/2/2025, 02/09/2025, 2.9.2025, 2-9-25: day and month order is decided per file (see _Dates.decide)
_AB_RE = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})" + _TIME + "$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_SERIAL_RE = re.compile(r"^\d{5}(?:\.\d+)?$")
_ISO_RANGE_RE = re.compile(r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)\s*(?:至|到|~|～|-|–|—)\s*"
                           r"(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)")
_ALL_TIME = frozenset({"all time", "所有时间", "全部时间"})
FIX_CONTEXTS = ("cli", "config", "slack")
_NAT = np.datetime64("NaT", "ns")




@dataclass(frozen=True)
class MonthHint:
    """A month a person named for a file: ``year`` None when they wrote only the month ("11月")."""

    year: int | None
    month: int

    @classmethod
    def parse(cls, value: str | MonthHint | None) -> MonthHint | None:
        """``"YYYY-MM"`` (as on the CLI and in feedsum.toml); raises ValueError otherwise."""
        if value is None or isinstance(value, MonthHint):
            return value
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", str(value))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(value)
        return cls(int(m.group(1)), int(m.group(2)))

    def resolve(self, start: pd.Timestamp | None, end: pd.Timestamp | None, today: date | None) -> tuple[int, int]:
        """(year, month): a missing year is the one whose month lies in the period, else the
        latest such month up to today."""
        if self.year is not None:
            return self.year, self.month
        if start is not None and end is not None:
            for year in range(end.year, start.year - 1, -1):
                first = pd.Timestamp(year, self.month, 1)
                if first <= end and first + pd.offsets.MonthEnd(0) >= start:
                    return year, self.month
        today = today or datetime.now(UTC).date()
        return (today.year if self.month <= today.month else today.year - 1), self.month


_MONTH_NAMES = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sept", "sep"), ("october", "oct"),
     ("november", "nov"), ("december", "dec")], start=1) for name in names}
_ZH_MONTHS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12}


def month_from_text(text: str | None) -> MonthHint | None:
    """The one month a message names ("11月", "十一月", "2026-11", "2026年11月", "November",
    "Nov 2026"); None when it names none or several different ones."""
    if not text:
        return None
    s = unicodedata.normalize("NFKC", text)
    s = re.sub(r"<[^>]*>", " ", s)  # Slack mentions and links
    found: set[MonthHint] = set()
    for m in re.finditer(r"(?<!\d)(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})(?:\s*月)?(?![-/.]?\d)", s):
        if 2000 <= int(m.group(1)) <= 2100 and 1 <= int(m.group(2)) <= 12:
            found.add(MonthHint(int(m.group(1)), int(m.group(2))))
    rest = re.sub(r"(?<!\d)\d{4}\s*(?:[-/.]|年)\s*\d{1,2}(?:\s*月)?", " ", s)
    for m in re.finditer(r"(?<![\d.])(\d{1,2})\s*月份?", rest):
        if 1 <= int(m.group(1)) <= 12:
            found.add(MonthHint(None, int(m.group(1))))
    for m in re.finditer(r"(十[一二]?|[一二三四五六七八九])月", rest):
        found.add(MonthHint(None, _ZH_MONTHS[m.group(1)]))
    for m in re.finditer(r"\b([A-Za-z]{3,9})\.?(?:\s+(\d{4})\b)?", rest):
        word = m.group(1)
        number = _MONTH_NAMES.get(word.casefold())
        if number is None or (word.casefold() == "may" and word[0] != "M"):  # "may" is also a verb
            continue
        found.add(MonthHint(int(m.group(2)) if m.group(2) else None, number))
    years = {h.month: h.year for h in found if h.year is not None}
    months = {(years.get(h.month, h.year), h.month) for h in found}  # "11月" and "2026-11" agree
    if len(months) != 1:
        return None
    year, month = months.pop()
    return MonthHint(year, month)


def date_order_from_text(text: str | None) -> str | None:
    """"DMY" or "MDY" when a message states the day/month order with those letters."""
    found = {m.upper() for m in re.findall(r"(?<![A-Za-z])(DMY|MDY)(?![A-Za-z])", text or "", re.IGNORECASE)}
    return found.pop() if len(found) == 1 else None


def _fix(context: str, what: str) -> Msg:
    return Msg(f"read.fix.{what}.{context if context in FIX_CONTEXTS else 'cli'}")


@dataclass
class _Period:
    """The period a report states about itself (Google's line 2): None bounds for "All time"."""

    text: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None


def _plausible(ts: pd.Timestamp | None) -> pd.Timestamp | None:
    """A date an ad report can carry: ad platforms began in the 1990s; a year like 1310 is a typo
    or a mangled cell, and would not even fit pandas' nanosecond dates."""
    return ts if ts is not None and 1990 <= ts.year <= 2199 else None


class _Dates:
    """Reads the dates of one file. Day/month order (9/2/2025 vs 02/09/2025) is one decision for
    the whole file: a day above 12 settles it, the source's ``date_format`` states it, and when
    neither does, the file is refused rather than guessed."""

    def __init__(self, file: str, context: str, date_format: str | None):
        try:
            self.order, self.strftime = parse_date_format(date_format)
        except ValueError:
            raise ExportError(file, Msg("read.date_format_bad", value=str(date_format))) from None
        self.given = self.order is not None
        self.file, self.context = file, context

    def expected(self) -> Msg:
        if self.strftime:
            return Msg("read.date_expected_as", format=self.strftime)
        if self.order in ("DMY", "MDY"):
            return Msg("read.date_expected_as", format={"DMY": "D/M/YYYY", "MDY": "M/D/YYYY"}[self.order])
        return Msg("read.date_expected")

    def decide(self, texts, column: str | None) -> None:
        if self.given:
            return
        dmy = mdy = ambiguous = None
        dots_only = True
        for text in texts:
            m = _AB_RE.match(text.strip())
            if not m:
                continue
            a, b = int(m.group(1)), int(m.group(3))
            dots_only &= m.group(2) == "."
            if a > 12 >= b:
                dmy = dmy or text
            elif b > 12 >= a:
                mdy = mdy or text
            elif a != b and a <= 12 and b <= 12:
                ambiguous = ambiguous or text
        if dmy and mdy:
            raise ExportError(self.file, Msg("read.date_order_mixed", dmy=dmy, mdy=mdy), column=column)
        if dmy or mdy:
            self.order = "DMY" if dmy else "MDY"
        elif ambiguous:
            if not dots_only:
                raise ExportError(self.file, Msg("read.date_order", example=ambiguous, fix=_fix(self.context, "order")),
                                  column=column)
            self.order = "DMY"  # 2.9.2025: nobody writes month.day.year

    def one(self, s: str) -> pd.Timestamp | None:
        """One date written as text; None when it is not one (or not a plausible report date)."""
        return _plausible(self._one(s))

    def _one(self, s: str) -> pd.Timestamp | None:
        try:
            m = _YMD_RE.match(s)
            if m:
                return pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            m = _COMPACT_RE.match(s)
            if m:
                return pd.Timestamp(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if self.strftime:
                try:
                    return pd.Timestamp(pd.to_datetime(s, format=self.strftime)).normalize()
                except (ValueError, TypeError):
                    pass
            m = _AB_RE.match(s)
            if m:
                a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
                order = self.order or ("DMY" if a > 12 or a == b else "MDY" if b > 12 else None)
                if order not in ("DMY", "MDY"):
                    return None
                day, month = (a, b) if order == "DMY" else (b, a)
                return pd.Timestamp(y + 2000 if y < 100 else y, month, day)
        except ValueError:  # 2026-02-30
            return None
        if _SERIAL_RE.match(s):  # an Excel serial written as text
            return self.value(float(s))
        if re.search(r"[A-Za-z]", s) and re.search(r"\d{4}", s) and re.search(r"(?<!\d)\d{1,2}(?!\d)", s):
            try:  # "Nov 1, 2026", "1 November 2026": month names cannot be misread
                return pd.Timestamp(pd.to_datetime(s)).normalize()
            except (ValueError, TypeError, OverflowError):
                return None
        return None

    def value(self, v: object) -> pd.Timestamp | None:
        if isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "year"):
            try:
                return _plausible(pd.Timestamp(v).normalize())
            except (ValueError, OverflowError):  # out of pandas' range
                return None
        x = float(v)
        if 19000101 <= x <= 21001231 and x.is_integer():
            return self.one(str(int(x)))
        if 1 <= x < 2958466:  # Excel serial day (1900 system; Lotus leap-year bug → 1899-12-30 origin)
            return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(x))).normalize()
        return None

    def cell(self, v: object) -> tuple[pd.Timestamp, pd.Timestamp | None] | None:
        """(first day, last day or None) of one date cell: a date, or a range like 2026-03-01至2026-03-31."""
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if not isinstance(v, str):
            if isinstance(v, bool):
                return None
            got = self.value(v) if isinstance(v, int | float | np.integer | np.floating) or hasattr(v, "year") \
                else None
            return (got, None) if got is not None else None
        s = unicodedata.normalize("NFKC", v).strip()
        if not s or s.casefold() in _MISSING_SET:
            return None
        m = _RANGE_RE.match(s)
        if m and any(ch.isdigit() for ch in m.group(1)):
            first, last = self.one(m.group(1)), self.one(m.group(2))
            if first is not None:
                return first, (last if last is not None and last >= first else None)
        got = self.one(s)
        return (got, None) if got is not None else None

    def unique(self, uniq) -> tuple[np.ndarray, np.ndarray]:
        """First and last days (NaT: not a date / a single day) of distinct cell values."""
        n = len(uniq)
        start = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
        end = np.full(n, _NAT)
        is_text = np.array([isinstance(u, str) for u in uniq], dtype=bool)
        text = pd.Series(np.asarray(uniq, dtype=object)).where(is_text)
        formats = ((self.strftime,) if self.strftime else ()) + _FAST_FORMATS
        for fmt in formats:
            todo = start.isna() & is_text
            if not todo.any():
                break
            parsed = pd.to_datetime(text[todo].str.strip(), format=fmt, errors="coerce")
            # Implausible years (a typo like 1310) are not dates, and would not fit nanoseconds.
            parsed = parsed.where((parsed.dt.year >= 1990) & (parsed.dt.year <= 2199))
            start[todo] = parsed.astype("datetime64[ns]")
        for i in np.flatnonzero(start.isna().to_numpy()):
            got = self.cell(uniq[i])
            if got is not None:
                start.iat[i] = got[0]
                if got[1] is not None:
                    end[i] = np.datetime64(got[1], "ns")
        return start.dt.normalize().to_numpy(dtype="datetime64[ns]"), end

    def column(self, values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """First and last day of every cell of a date column."""
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            return values.dt.normalize().to_numpy(dtype="datetime64[ns]"), np.full(len(values), _NAT)
        if not isinstance(values.dtype, pd.CategoricalDtype) and _sortable(values):
            values = values.astype(object).astype("category")
        if isinstance(values.dtype, pd.CategoricalDtype):
            start, end = self.unique(values.cat.categories)
            codes = values.cat.codes.to_numpy()
            return np.append(start, _NAT)[codes], np.append(end, _NAT)[codes]
        obj = values.to_numpy(dtype=object)
        memo: dict = {}
        start, end = np.full(len(obj), _NAT), np.full(len(obj), _NAT)
        for i, v in enumerate(obj):
            key = (type(v), v) if v == v else None
            if key not in memo:
                memo[key] = self.cell(v)
            got = memo[key]
            if got is not None:
                start[i] = np.datetime64(got[0], "ns")
                if got[1] is not None:
                    end[i] = np.datetime64(got[1], "ns")
        return start, end

    def period(self, lines: list[str]) -> _Period | None:
        """The report period stated above the header (Google's line 2, 时间范围：…), if any."""
        for text in _period_candidates(lines):
            if text.casefold() in _ALL_TIME:
                return _Period(text, None, None)
            got = self.cell(text)
            if got is not None and got[1] is not None:
                return _Period(text, got[0], got[1])
        return None


def _period_candidates(lines: list[str]):
    for line in lines:
        s = unicodedata.normalize("NFKC", line).strip().strip('"').strip()
        if not s:
            continue
        yield s
        if re.search(r"[:：]", s):
            yield re.split(r"[:：]", s, maxsplit=1)[1].strip()
        m = _ISO_RANGE_RE.search(s)
        if m:
            yield m.group(0)


def _period_sides(lines: list[str]) -> list[str]:
    """Both ends of every range-looking preamble text: they take part in the day/month decision."""
    out = []
    for text in _period_candidates(lines):
        m = _RANGE_RE.match(text)
        if m:
            out += [m.group(1), m.group(2)]
    return out


def _texts(values: pd.Series | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if isinstance(c, str)]
    if pd.api.types.is_datetime64_any_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        return []
    return [v for v in pd.unique(values.to_numpy(dtype=object)) if isinstance(v, str)]


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
        raise ExportError(name or str(path), Msg("read.not_found"))
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

    from bot.data import upload_guard
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
    from defusedxml import DefusedXmlException

    from bot.data.upload_guard import over_limit

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
    from bot.data import upload_guard
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
    from bot.data import upload_guard
    from bot.data.upload_guard import over_limit

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
    opts = _Options(hint, dates, context, today, layout.preamble)
    rows, dropped, warnings = _canonical(
        frame, mapping, layout.headers, units, PRESETS[chosen], platform, file, first_data_row, opts
    )
    if chosen == "generic" and preset == "auto" and not platform:
        warnings.insert(0, Msg("read.w.generic"))
    warnings.extend(_measure_warnings(layout.headers, mapping, PRESETS[chosen]))
    return ImportResult(rows, dropped, chosen, file, layout.encoding, warnings)


@dataclass
class _Options:
    month: MonthHint | None
    dates: _Dates
    context: str
    today: date | None
    preamble: list[str]


def _check_mapping(file: str, headers: list[str], mapping: dict[str, int], overrides) -> None:
    keys = {normalize_header(h)[0] for h in headers}
    for fld, header in (overrides or {}).items():
        if normalize_header(header)[0] not in keys:
            raise ExportError(file, Msg("read.mapping_missing", header=header, field=fld), column=header)
    if not _usable(mapping):
        shown = ", ".join(h for h in headers if h)[:200]
        raise ExportError(file, Msg("read.no_measures", headers=shown))


def _header_rows(frame: pd.DataFrame, headers: dict[int, str], measures: list[int]) -> np.ndarray:
    """Rows that repeat the header (sheets pasted together): two or more cells equal to their
    column's header. A repeated header puts text into the measure columns, so when the parser made
    them all numeric there is none and nothing is compared (the fast path)."""
    hits = np.zeros(len(frame), dtype=np.int8)
    if all(i in frame.columns and pd.api.types.is_numeric_dtype(frame[i].dtype) for i in measures):
        return hits >= 2
    for i, header in headers.items():
        if i not in frame.columns or not header.strip():
            continue
        values = frame[i]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        target = header.strip().casefold()
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = pd.Series(values.cat.categories.astype(str))
            same = np.append((cats.str.strip().str.casefold() == target).to_numpy(dtype=bool), False)
            hits += same[values.cat.codes.to_numpy()]
        else:
            text = values.astype(object).where(values.notna(), "").astype(str)
            hits += (text.str.strip().str.casefold() == target).to_numpy(dtype=np.int8)
    return hits >= 2


def _month_index(d: np.ndarray) -> np.ndarray:
    return d.astype("datetime64[M]").astype(np.int64)


def _span_text(start, end) -> str:
    return f"{pd.Timestamp(start):%Y-%m-%d} – {pd.Timestamp(end):%Y-%m-%d}"


def _canonical(
    frame: pd.DataFrame,
    mapping: dict[str, int],
    headers: list[str],
    units: list[str | None],
    preset: Preset,
    platform: str | None,
    file: str,
    first_data_row: int,
    opts: _Options,
) -> tuple[pd.DataFrame, int, list[Msg]]:
    warnings: list[Msg] = []
    frame = frame.reset_index(drop=True)
    n = len(frame)
    col = {f: frame[i] for f, i in mapping.items() if i in frame.columns}
    first = frame[0] if 0 in frame.columns else pd.Series([None] * n, dtype=object)

    def row_of(i: int) -> int:
        return first_data_row + int(i)

    def rows_text(mask: np.ndarray) -> str:
        return ", ".join(str(row_of(i)) for i in np.flatnonzero(mask)[:3]) + ("…" if mask.sum() > 3 else "")

    # Blank lines are not data: ignore them without counting.
    blank = np.asarray(frame.isna().all(axis=1))
    # Sheets pasted together repeat their header row: not data, not totals.
    read = {i: headers[i] for i in {0, *mapping.values()} if i < len(headers)}
    header_rows = _header_rows(frame, read, [mapping[f] for f in NUM_FIELDS if f in mapping]) & ~blank
    # Total/summary rows, anywhere in the file: first cell or a name cell says so.
    total = _labels(first, _TOTAL_RE)
    for f in ("campaign", "ad_group", "account"):
        if f in col:
            total |= _labels(col[f], _TOTAL_RE)
    if preset.name == "meta" and "campaign" in col:
        total |= np.asarray(col["campaign"].isna()) & ~blank  # the account summary row
    total &= ~blank & ~header_rows
    keep = ~blank & ~total & ~header_rows

    bad: list[BadCell] = []
    nums: dict[str, pd.Series] = {}
    for f in (*NUM_FIELDS, "roas"):
        if f in col:
            nums[f] = _to_number(col[f], headers[mapping[f]], row_of, bad, keep)
            # "1e400" parses as infinity: refuse it rather than sum it into an infinite total.
            for i in np.flatnonzero(np.isinf(nums[f].to_numpy(dtype="float64", na_value=np.nan)) & keep)[:50]:
                bad.append(BadCell(row_of(i), headers[mapping[f]], str(col[f].iat[i]), Msg("read.too_large")))
    has_numbers = np.zeros(n, dtype=bool)
    for v in nums.values():
        has_numbers |= v.notna().to_numpy()

    period: _Period | None = None
    if "date" in col:
        date_header = headers[mapping["date"]]
        opts.dates.decide(_texts(col["date"]) + _texts(col.get("date_end")), date_header)
        start, end = opts.dates.column(col["date"])
        if "date_end" in col:  # Meta's "Reporting ends": the last day of each row
            last = opts.dates.column(col["date_end"])[0]
            end = np.where(np.isnat(last), end, last)
        no_date = np.isnat(start)
        # A row with neither a date nor any number is a note ("数据说明…"), not data.
        notes = keep & no_date & ~has_numbers & ~np.asarray(col["date"].isna())
        keep &= ~notes
        bad_date = keep & no_date
        raw_dates = col["date"].astype(object)
        for i in np.flatnonzero(bad_date)[:50]:
            v = raw_dates.iat[i]
            if v is None or v != v:
                bad.append(BadCell(row_of(i), date_header, None, Msg("read.date_missing")))
            else:
                bad.append(BadCell(row_of(i), date_header, str(v), opts.dates.expected()))
        if bad_date.sum() > 50:
            bad.extend(BadCell(row_of(i), date_header, None, opts.dates.expected())
                       for i in np.flatnonzero(bad_date)[50:])
    else:
        # No day column: every row covers the period the report states above its header.
        opts.dates.decide(_period_sides(opts.preamble), None)
        period = opts.dates.period(opts.preamble)
        if period is None and opts.month is None:
            raise ExportError(file, Msg("read.no_date", fix=_fix(opts.context, "month")))
        notes = keep & ~has_numbers
        keep &= ~notes
        if period is not None and period.start is not None:
            start = np.full(n, np.datetime64(period.start, "ns"))
            end = np.full(n, np.datetime64(period.end, "ns"))
        else:  # "All time", or nothing stated: only the named month can place the rows
            start, end = np.full(n, _NAT), np.full(n, _NAT)
    if bad:
        raise ExportError.from_bad(file, bad)

    # A row equal to the column sums of the others (an unlabelled total).
    sums_row = _sum_rows(nums, keep)
    total_count = int(total.sum() + notes.sum() + sums_row.sum())
    keep &= ~sums_row
    if notes.any():
        warnings.append(Msg("read.w.notes", n=int(notes.sum()), rows=rows_text(notes)))
    if header_rows.any():
        warnings.append(Msg("read.w.headers", n=int(header_rows.sum()), rows=rows_text(header_rows)))
    if sums_row.any():
        warnings.append(Msg("read.w.sum_row", row=row_of(int(np.flatnonzero(sums_row)[0]))))

    idx = np.flatnonzero(keep)
    dated, more = _place(start[idx], end[idx], idx, period, "date" in col, opts, file, row_of,
                         headers[mapping["date"]] if "date" in col else None, col.get("date"), col.get("date_end"))
    warnings.extend(more)
    out = pd.DataFrame(index=pd.RangeIndex(len(idx)))
    out["date"] = dated
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
        warnings.append(Msg("read.w.no_campaign_groups" if "ad_group" in col else "read.w.no_campaign_all"))
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
        warnings.append(Msg("read.w.roas"))
    spend_unit = units[mapping["spend"]] if "spend" in mapping else None
    if spend_unit == "分":
        out["spend"] = out["spend"] / 100.0
        warnings.append(Msg("read.w.fen"))
    elif spend_unit == "万元":
        out["spend"] = out["spend"] * 10_000.0
        warnings.append(Msg("read.w.wan"))
    if masked:
        warnings.append(Msg("read.w.masked", n=masked))
    if len(idx) and preset.name == "meta" and "conversions" in mapping and headers[mapping["conversions"]].strip().casefold() == "results":
        warnings.append(Msg("read.w.meta_results"))
    warnings.extend(_cross_check(out, nums, idx, preset, headers, mapping))
    return out[CANONICAL_COLUMNS], total_count, warnings


def _place(start: np.ndarray, end: np.ndarray, idx: np.ndarray, period: _Period | None, by_day: bool,
           opts: _Options, file: str, row_of, date_header: str | None, raw_start, raw_end):
    """The date each kept row is filed under, and what to tell about it.

    A row covering several days (a range cell, Meta's starts/ends, or the whole file's stated
    period) is filed under its first day when it lies within one calendar month; a period
    spanning months or without bounds needs the month named, and is then filed under that month.
    """
    warnings: list[Msg] = []
    single = np.isnat(end)
    if by_day and single.all() and opts.month is None:  # a daily export: nothing to place (the fast path)
        return start, warnings
    end = np.where(single, start, end)
    multi = end > start
    unbounded = not by_day and (period is None or period.start is None)

    def period_text(j: int) -> str:
        if not by_day:
            return period.text if period is not None else ""
        a = raw_start.iat[idx[j]] if raw_start is not None else None
        b = raw_end.iat[idx[j]] if raw_end is not None else None
        if isinstance(a, str) and isinstance(b, str) and a.strip() != b.strip():
            return f"{a.strip()} – {b.strip()}"
        if isinstance(a, str) and _RANGE_RE.match(a.strip()):
            return a.strip()
        return _span_text(start[j], end[j])

    where = {"row": row_of(idx[0]), "column": date_header} if by_day and len(idx) else {}
    if opts.month is None:
        if unbounded and len(idx):
            raise ExportError(file, Msg("read.period_unbounded", period=period.text, fix=_fix(opts.context, "month")))
        spans = multi & (_month_index(start) != _month_index(end))
        if spans.any():
            j = int(np.flatnonzero(spans)[0])
            where = {"row": row_of(idx[j]), "column": date_header} if by_day else {}
            raise ExportError(file, Msg("read.period_spans", period=period_text(j), fix=_fix(opts.context, "month")),
                              **where)
        dated = start
    else:
        bounded = multi & ~np.isnat(start)
        lo = pd.Timestamp(start[bounded].min()) if bounded.any() else None
        hi = pd.Timestamp(end[bounded].max()) if bounded.any() else None
        year, month = opts.month.resolve(lo, hi, opts.today)
        m0 = np.datetime64(f"{year:04d}-{month:02d}-01", "ns")
        m1 = np.datetime64((pd.Timestamp(m0) + pd.offsets.MonthEnd(0)).date(), "ns")
        named = f"{year:04d}-{month:02d}"
        if unbounded:
            dated = np.full(len(idx), m0)
            if len(idx):
                text = period.text if period is not None else Msg("read.period_none")
                warnings.append(Msg("read.w.month", period=text, month=named))
            return dated, warnings
        outside = multi & ((start > m1) | (end < m0))
        if outside.any():
            j = int(np.flatnonzero(outside)[0])
            raise ExportError(file, Msg("read.period_other_month", period=period_text(j), month=named),
                              **({"row": row_of(idx[j]), "column": date_header} if by_day else {}))
        moved = multi & ((start < m0) | (end > m1))
        dated = np.where(moved, np.maximum(start, m0), start)
        if moved.any():
            warnings.append(Msg("read.w.month", period=period_text(int(np.flatnonzero(moved)[0])), month=named))
    if warnings:  # filed under the named month: said already
        return dated, warnings
    if not by_day and period is not None and len(idx):
        warnings.append(Msg("read.w.period", period=period.text, date=f"{pd.Timestamp(dated[0]):%Y-%m-%d}"))
    elif multi.any():
        warnings.append(Msg("read.w.multi_day"))
    return dated, warnings


# Words that make a header name a base measure, and words that make it something else (a ratio,
# a unique count, a label). Checked only on columns the mapping did not use.
_MEASURE_WORDS = {
    "revenue": re.compile(r"revenue|\bconv(?:ersion)?s?\.? value|purchase value|\bearning|\bgmv\b|收入|金额|销售额|成交额"),
    "conversions": re.compile(r"conversion|\bconv\b|\bresults?\b|purchase|转化|下单|激活"),
    "impressions": re.compile(r"impression|\bimpr\b|展示|展现|曝光"),
    "clicks": re.compile(r"click|点击"),
    "spend": re.compile(r"\bspend\b|\bspent\b|\bcost\b|消耗|花费|消费|费用"),
}
_NOT_A_MEASURE = re.compile(
    r"rate|率|\bper\b|/|%|\bcp[acmv]\b|\bctr\b|\bcvr\b|\broas\b|\broi\b|\bavg\b|average|平均|均价|单价|成本|人数|千次|"
    r"reach|unique|frequency|share|indicator|\bid\b|status|\btype\b|budget|预算|出价|\bbid\b|currency|货币|"
    r"name|名称|目标$"
)
# Which KPIs have no value without each base measure (CTR = clicks ÷ impressions, …).
_KPIS_OF = {"impressions": ("ctr", "cpm"), "clicks": ("ctr", "cpc", "cvr"), "spend": ("cpc", "cpm", "cpa", "roas"),
            "conversions": ("cvr", "cpa"), "revenue": ("roas",)}


def _measure_keys() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {f: set() for f in NUM_FIELDS}
    for p in PRESETS.values():
        for f in NUM_FIELDS:
            out[f] |= set(p.keys(f))
    return out


_MEASURE_KEYS = _measure_keys()


def _names_measure(header: str) -> str | None:
    text = unicodedata.normalize("NFKC", header).casefold()
    if not text.strip() or _NOT_A_MEASURE.search(text):
        return None
    key = normalize_header(header)[0]
    for f in NUM_FIELDS:
        if key in _MEASURE_KEYS[f]:
            return f
    return next((f for f, pattern in _MEASURE_WORDS.items() if pattern.search(text)), None)


def _measure_warnings(headers: list[str], mapping: dict[str, int], preset: Preset) -> list[Msg]:
    """Never a silent null: a column that looks like a base measure but was not read, and each
    base measure the file lacks with the KPIs that therefore have no value."""
    out: list[Msg] = []
    used = set(mapping.values())
    present = {f for f in NUM_FIELDS if f in mapping} | ({"revenue"} if "roas" in mapping else set())
    notes = _note_keys(preset)
    for i, header in enumerate(headers):
        if i in used:
            continue
        f = _names_measure(header)
        if f is None:
            continue
        if f not in present:
            out.append(Msg("read.w.unused", column=header.strip(), measure=Msg(f"read.measure.{f}"), field=f))
        elif normalize_header(header)[0] not in notes and f in mapping:
            out.append(Msg("read.w.unused_alt", column=header.strip(), measure=Msg(f"read.measure.{f}"),
                           used=headers[mapping[f]].strip()))
    for f in NUM_FIELDS:
        if f not in present:
            out.append(Msg("read.w.missing", measure=Msg(f"read.measure.{f}"),
                           kpis=tuple(Msg(f"read.kpi.{k}") for k in _KPIS_OF[f])))
    return out


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


def _cross_check(out, nums, idx, preset: Preset, headers, mapping) -> list[Msg]:
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
        return [Msg("read.w.ctr_mismatch", ctr=headers[mapping["ctr"]], clicks=headers[mapping["clicks"]],
                    impressions=headers[mapping["impressions"]])]
    return []


# --------------------------------------------------------------------------- combining


def dedupe(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Combine snapshots ordered oldest → newest; for a (date, platform, campaign) the newest wins
    (a campaign known by its id where both rows carry one).

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
    # The same campaign is the same campaign id where both rows carry one (two accounts may each
    # have a "Brand" campaign; a renamed campaign keeps its id), else the same name.
    snap = combined["_snap"]
    has_id = combined["campaign_id"].notna() & (combined["campaign_id"].astype(str) != "")
    by_name = combined.groupby(key, sort=False, dropna=False)["_snap"]
    newest = by_name.transform("max")
    if not has_id.any():
        return combined[snap == newest].drop(columns="_snap").reset_index(drop=True)
    newest_without_id = snap.where(~has_id, -1).groupby([combined[k] for k in key], sort=False,
                                                         dropna=False).transform("max")
    newest_of_id = combined.groupby(["date", "platform", "campaign_id"], sort=False, dropna=False)["_snap"].transform("max")
    keep = (has_id & (snap >= newest_of_id) & (snap >= newest_without_id)) | (~has_id & (snap == newest))
    return combined[keep].drop(columns="_snap").reset_index(drop=True)


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
