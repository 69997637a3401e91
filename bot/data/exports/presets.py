"""Platform presets: which headers mean which field, detecting the platform, and the
warnings about measures the mapping left unread."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from bot.data.exports.errors import ExportError
from bot.data.exports.fields import MAPPABLE_FIELDS, NUM_FIELDS
from bot.text.i18n import Msg

# A unit suffix: (元) (万元) (分) (%) %, or any currency code in () or [] — "Amount spent (IDR)",
# "Spend [USD]", "Cost (CNY)" (ISO codes are upper case; "Clicks (all)" is not a unit).
_UNIT_RE = re.compile(r"\s*(?:[(\[]\s*(元|万元|分|%|[A-Z]{3})\s*[)\]]|%)$")
# "# of Impressions", "No. of clicks", "Number of conversions" name the measure itself.
_COUNT_OF_RE = re.compile(r"^(?:#|no\.?|number)\s*of\s+")
# English plurals fold into the singular for matching ("Impression" = "Impressions"); not "-ss".
_PLURAL_RE = re.compile(r"(?<=[a-z]{3})(?<!s)s\b")


def normalize_header(header: object) -> tuple[str, str | None]:
    """Return (matching key, unit) of a header: NFKC, trimmed, unit suffix dropped, casefolded,
    ``# of`` dropped and English plurals folded (``# of Impressions``, ``Impression`` and
    ``Impressions`` share one key).

    NFKC folds full-width brackets (``花费（元）`` → ``花费(元)``) so both spellings match.
    """
    return _normalized("" if header is None else str(header))


# Every file's headers are matched against every preset's names, the same few hundred strings.
@functools.lru_cache(maxsize=4096)
def _normalized(header: str) -> tuple[str, str | None]:
    text = unicodedata.normalize("NFKC", header)
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
# [creative] The level under the ad group (a creative / 素材 / ad, what A/B tests usually vary):
#   百度 创意名称 (/work/shared/reference/ad-exports.md, creative report); Meta's ad-level
#   insights carry ad_id/ad_name (github.com/joshuaj2018/marketing_dwh models/facebook_ads.sql),
#   "Ad name" in Ads Manager exports; TikTok's level below the ad group is the ad (AUCTION_AD);
#   巨量引擎 素材 (升级版) and 创意 (older UI), 腾讯广告/快手/UC 创意. docs/exports.md lists them.
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
                "creative": ("Ad name",),  # [creative]
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
                "creative": ("Ad name",),  # [creative]
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
                "creative": ("素材名称", "创意名称"),  # [creative]
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
                # v1 exports: 推广计划 → 广告组 → 广告; in 3.0 the 广告 is the top level (the campaign).
                "ad_group": ("广告组名称", "广告名称"),
                "creative": ("创意名称", "广告名称"),  # [creative]: 广告 below a 广告组
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
                "creative": ("创意名称",),  # [creative]
                "campaign_id": ("推广计划ID",),
                "impressions": ("展现", "展现量"),
                "clicks": ("点击", "点击量"),
                "spend": ("消费",),
                "conversions": ("网页转化", "转化"),
                "ctr": ("点击率",),
            },
            notes=("推广单元ID", "创意ID", "标题", "描述", "平均点击价格", "千次展现消费"),
        ),
        Preset(
            "kuaishou",
            "快手",
            {
                "date": ("日期", "时间"),
                "account": ("账户名称", "账户"),
                "campaign": ("广告计划名称", "计划名称", "广告计划"),
                "ad_group": ("广告组名称", "广告组"),
                "creative": ("创意名称",),  # [creative]
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
                "creative": ("Ad name",),  # [creative]
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
                "creative": ("创意名称",),  # [creative]
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
                "creative": ("creative", "creative name", "ad name", "创意", "创意名称", "素材", "素材名称"),
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


def _check_mapping(file: str, headers: list[str], mapping: dict[str, int], overrides) -> None:
    keys = {normalize_header(h)[0] for h in headers}
    for fld, header in (overrides or {}).items():
        if normalize_header(header)[0] not in keys:
            raise ExportError(file, Msg("read.mapping_missing", header=header, field=fld), column=header)
    if not _usable(mapping):
        shown = ", ".join(h for h in headers if h)[:200]
        raise ExportError(file, Msg("read.no_measures", headers=shown))


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
