"""Check the numbers people wrote about KPIs against the month's data (rules only).

`find_claims` reads Chinese and English text for numeric statements tied to a KPI
("点击率从2.1%升至2.5%", "CTR up 12%", "消耗 12.3 万", "ROI 1:3.2") and
`check_claims` compares each with the KPIs of the current and previous month.

Precision over recall: a sentence or number whose subject is uncertain (targets,
plans, budgets, a single platform or campaign, a single day, "respectively") is
skipped rather than checked, so a correct summary never gets a false alarm.
See docs/claims.md for the rules and the measured figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.kpi import BASE_KEYS, COST_KEYS, SHARE_KEYS, KPIs

# ---------------------------------------------------------------------------
# Vocabulary

# "roi" is resolved per roi_mode; ROAS is always revenue / spend.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ctr": ("点击率", "CTR", "click-through rate", "click through rate", "clickthrough rate"),
    "cpc": ("点击单价", "平均点击价格", "单次点击成本", "点击成本", "CPC", "cost per click"),
    "cpm": (
        "千次展现费用", "千次展示费用", "千次曝光费用", "千次曝光成本", "千次展现成本",
        "千展成本", "千展", "CPM", "cost per mille", "cost per thousand impressions",
    ),
    "cvr": ("转化率", "CVR", "conversion rate"),
    "cpa": (
        "单次转化成本", "转化成本", "CPA", "cost per conversion", "cost per acquisition",
        "cost per action",
    ),
    "roi": ("投入产出比", "投产比", "ROI"),
    "roas": ("ROAS",),
    "spend": ("消耗", "花费", "消费", "投放金额", "spend", "spent", "ad spend", "cost"),
    "impressions": ("展现量", "展现", "展示量", "展示", "曝光量", "曝光", "impressions"),
    "clicks": ("点击量", "点击数", "点击次数", "点击", "clicks"),
    "conversions": ("转化数", "转化量", "转化", "conversions"),
    "revenue": ("收入", "GMV", "销售额", "成交额", "营收", "revenue", "sales"),
}


def _alt(words: Iterable[str]) -> str:
    """Alternation, longest first; ASCII words get letter boundaries."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w).replace(r"\ ", r"[\s-]?")
        parts.append(rf"(?<![A-Za-z]){esc}(?![A-Za-z])" if w.isascii() else esc)
    return "|".join(parts)


def _norm(s: str) -> str:
    return re.sub(r"[\s-]+", " ", s.lower())


_KPI_LOOKUP = {_norm(w): k for k, ws in _SYNONYMS.items() for w in ws}
_KPI_RE = re.compile(_alt(_KPI_LOOKUP), re.I)
_KPI_CJK_START = _alt(w for w in _KPI_LOOKUP if not w.isascii())

_UP = r"上升|提升|提高|增长|增加|上涨|走高|拉升|上扬|增|涨|升|多了"
_DOWN = r"下降|下滑|下跌|减少|降低|回落|走低|缩减|降|跌|减|少了"
_UP_EN = r"up|rose|rise[sn]?|rising|increased?|increases|increasing|grew|grow(?:s|n|ing)?|gained|gains?|climbed|climbs?|jumped|jumps?|higher"
_DOWN_EN = r"down|fell|falls?|fallen|falling|dropped|drops?|decreased?|decreases|decreasing|declined?|declines|lower|reduced|cut|slipped|shrank"
_DIR_UP_RE = re.compile(rf"{_UP}|(?<![A-Za-z])(?:{_UP_EN})(?![A-Za-z])", re.I)
_DIR_DOWN_RE = re.compile(rf"{_DOWN}|(?<![A-Za-z])(?:{_DOWN_EN})(?![A-Za-z])", re.I)
# "better"/"worse" words: the direction depends on whether the KPI is a cost.
_GOOD_RE = re.compile(r"优化|改善|(?<![A-Za-z])(?:improved|improves?|better)(?![A-Za-z])", re.I)
_BAD_RE = re.compile(r"恶化|变差|(?<![A-Za-z])(?:worse|worsened)(?![A-Za-z])", re.I)
# 高/低/多/少 only mean a direction in a comparison: "比上月高 0.4 个百分点".
_CMP_WEAK_RE = re.compile(r"(?:比|较)[^\d]{0,6}?(高|低|多|少)")

_CHANGE_MARK_RE = re.compile(
    r"环比|同比|较上月|比上月|相比上月|(?<![A-Za-z])(?:MoM|YoY|month[\s-]over[\s-]month|year[\s-]over[\s-]year)(?![A-Za-z])"
    r"|vs\.?\s+(?:last|the previous|the prior)\s+(?:month|year)|(?:compared (?:to|with)|from) (?:last|the previous) month",
    re.I,
)
_YOY_RE = re.compile(r"同比|去年|(?<![A-Za-z])(?:YoY|year[\s-]over[\s-]year|last year)(?![A-Za-z])", re.I)
_PREV_MARK_RE = re.compile(
    r"上月|上个月|前一个月|(?<![A-Za-z])(?:last month|previous month|prior month|the month before)(?![A-Za-z])",
    re.I,
)
_CMP_BEFORE_PREV_RE = re.compile(r"(?:比|较|环比|相比|对比|vs\.?|than|compared (?:to|with)|from|over)\s*$", re.I)
_TO_END_RE = re.compile(r"(?:到|至|为|(?<![A-Za-z])(?:to|at)(?![A-Za-z]))\s*(?:了)?\s*$", re.I)
_FROM_END_RE = re.compile(r"(?:从|由|(?<![A-Za-z])from(?![A-Za-z]))\s*$", re.I)
_ARROW_RE = re.compile(r"→|->|➝|⟶|=>")
_FT_MIDDLE_RE = re.compile(
    r"^[^\d，,;；。]{0,12}?(?:到|至|(?<![A-Za-z])to(?![A-Za-z])|→|->|➝|⟶|=>)\s*(?:了)?\s*$", re.I
)

# Whole sentences that are not statements about this month's totals.
_PLATFORMS = (
    "抖音", "巨量", "千川", "快手", "磁力", "腾讯", "广点通", "微信", "朋友圈", "视频号", "百度",
    "小红书", "微博", "B站", "哔哩", "头条", "穿山甲", "优量汇", "知乎", "爱奇艺", "优酷", "京东",
    "淘宝", "阿里", "Douyin", "TikTok", "Kuaishou", "Tencent", "WeChat", "Baidu", "Xiaohongshu",
    "Weibo", "Bilibili", "Toutiao", "Pangle", "Ocean Engine", "Meta", "Facebook", "Google",
)
_SKIP_WORDS = (
    # forward-looking: targets, plans, forecasts ("计划" is also "ad campaign")
    "下月", "下个月", "下周", "下季度", "明年", "目标", "计划", "预计", "预期", "预估", "打算", "争取",
    "将会", "next month", "next quarter", "target", "targets", "goal", "goals", "plan", "plans",
    "planned", "planning", "forecast", "expect", "expected", "projected", "will", "aim",
    # references other than last month
    "行业", "大盘", "竞品", "同行", "基准", "benchmark", "industry", "peers", "baseline",
    "预算", "budget",
    # a part of the account, not the total
    "平台", "渠道", "媒体", "账户", "单元", "广告组", "素材", "创意", "人群", "定向", "地域", "版位",
    "campaign", "campaigns", "platform", "platforms", "channel", "channels", "ad group", "ad set",
    "creative", "creatives", "account", "audience", "placement",
    # a part of the month
    "周末", "工作日", "单日", "当天", "月初", "月中", "月底", "月末", "上半月", "下半月", "前两周",
    "后两周", "大促", "双11", "双十一", "weekend", "weekday", "first half", "second half",
    "peak day", "single day",
    # "A 和 B 分别为 x、y": the pairing is easy to get wrong
    "分别", "respectively",
) + _PLATFORMS
_SKIP_RE = re.compile(
    _alt(_SKIP_WORDS) + r"|第\s*\d+\s*周|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{4}-\d{1,2}-\d{1,2}"
    r"|(?<![A-Za-z])(?:week|day)\s+\d+|(?<![A-Za-z])on\s+\d{1,2}/\d{1,2}",
    re.I,
)
# Comparisons with some other figure (a target, a threshold): the number is not the KPI's.
_BLOCK_RE = re.compile(
    r"未达|没达到|没有达到|不及|低于|高于|超过|超出|(?<![A-Za-z])(?:short of|missed|above|below|exceed(?:ed|s)?|beat|ahead of|behind)(?![A-Za-z])",
    re.I,
)
# A figure for one day / the best day is not the month's figure.
_QUALIFIER_RE = re.compile(
    r"最高|最低|峰值|日均|平均每天|每日|每天|周均|(?<![A-Za-z])(?:peak|highest|lowest|max|min|daily|per day|a day)(?![A-Za-z])",
    re.I,
)

# Digits that are not KPI figures (dates, counts of things, ordinals) are masked out.
_MASK_RE = re.compile(
    r"(?:19|20)\d{2}\s*(?:[-/年]\s*\d{1,2}(?:\s*[-/月]\s*\d{1,2}\s*[日号]?)?|\.\d{1,2}\.\d{1,2})(?![\d.])"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?|\d{1,2}\s*月份?|\d{1,2}\s*[日号]"
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|第\s*\d+"
    r"|(?<![A-Za-z])(?:Q|H|W|week|day|top|no\.|#)\s*\d+"
    r"|\d+\s*(?:天|周|个月|年|小时|分钟|季度)"
    r"|\d+\s*(?:days?|weeks?|months?|years?|hours?|campaigns?|creatives?|ads|ad groups?|ad sets?"
    r"|accounts?|platforms?|channels?|videos?|keywords?|people|members?|teams?|times)(?![A-Za-z])"
    r"|\d+(?:st|nd|rd|th)(?![A-Za-z])"
    rf"|\d+\s*(?:个(?!百分点|点)|条|款|家|支|套|组|位|名|项)(?=[\u4e00-\u9fff])(?!{_KPI_CJK_START})",
    re.I,
)
_RATIO_RE = re.compile(r"(?<![\d.])1\s*[:：]\s*(?P<num>\d+)(?:\.(?P<dec>\d+))?(?![\d.])")
_NUM_RE = re.compile(
    r"(?P<sign>[+\-−＋－])?(?P<cur1>[¥￥$]|RMB\s?|CNY\s?)?"
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
    r"(?:\s?(?P<magc>万|亿|千(?!次展|次曝|展))|(?P<magl>[wWkKmM])(?![A-Za-z])"
    r"|\s?(?P<magw>million|thousand|billion|mn|bn)(?![A-Za-z]))?"
    r"(?:\s?(?P<unit>%|％|个百分点|百分点|个点|percentage points?|(?:pp|pts?|points?|percent)(?![A-Za-z])|倍|[xX](?![A-Za-z])))?"
    r"(?:\s?(?P<cur2>元|块|RMB|CNY|yuan))?",
    re.I,
)
_MAG = {"万": 1e4, "w": 1e4, "亿": 1e8, "千": 1e3, "k": 1e3, "m": 1e6, "million": 1e6,
        "mn": 1e6, "thousand": 1e3, "billion": 1e9, "bn": 1e9}
_PP_UNITS = ("个百分点", "百分点", "个点", "pp", "pt", "pts", "point", "points",
             "percentage point", "percentage points")

KINDS = ("value", "change_rel", "change_pp", "change_abs", "from_to")


# ---------------------------------------------------------------------------
# Data types


@dataclass(frozen=True)
class Claim:
    """One numeric statement about a KPI.

    `value` is normalised: percents and points as fractions (12% -> 0.12, 0.4 pp -> 0.004),
    万/w ×1e4, 亿 ×1e8, k ×1e3, M ×1e6. For change claims `value` is the magnitude and
    `direction` carries the sign; for value claims it is signed.
    """

    kpi: str
    kind: str  # value | change_rel | change_pp | change_abs | from_to
    value: float
    previous: float | None
    direction: str | None  # "up" | "down" | None
    span: tuple[int, int]
    text: str
    month: str = "current"  # value claims: "current" or "previous" ("上月 2.1%")
    basis: str = "mom"  # change claims: "mom" or "yoy" (year over year: not verifiable)
    unit: str | None = None  # as written: "%", "pp", "x" or None
    precision: float = 0.0  # the step the writer rounded `value` to
    previous_precision: float = 0.0


@dataclass(frozen=True)
class ClaimCheck:
    """A claim and what the data says about it; ok None = cannot be verified."""

    claim: Claim
    ok: bool | None
    expected: float | None  # the data's figure in the claim's terms (signed for changes)
    reason: str = ""  # "value" | "direction" | "no_previous" | "no_data" | "yoy" | ""
    current: float | None = None
    previous: float | None = None
    interpretation: str | None = None  # "relative" | "points" | "absolute" for change claims

    def message(self, locale: str = "zh-CN") -> str:
        """One line for the user, e.g. “CTR 提升 12%”: the data gives +8.1% (2.10% → 2.27%)."""
        zh = _is_zh(locale)
        c = self.claim
        quote = f"“{c.text}”"
        if self.ok is None:
            why = {
                "no_previous": ("没有上月数据", "no previous month to compare with"),
                "no_data": ("该指标本月无数据", "no data for this KPI"),
                "yoy": ("同比需要去年数据", "year-over-year needs last year's data"),
            }.get(self.reason, ("无法核对", "cannot be verified"))
            return f"{quote}：无法核对（{why[0]}）" if zh else f"{quote}: can't verify ({why[1]})"
        data = self._data_text(zh)
        if self.ok:
            return f"{quote}：与数据一致，{data}" if zh else f"{quote}: matches the data, {data}"
        if self.reason == "direction":
            return (f"{quote}：方向不符，数据为 {data}" if zh
                    else f"{quote}: wrong direction, the data gives {data}")
        return f"{quote}：数据为 {data}" if zh else f"{quote}: the data gives {data}"

    def _data_text(self, zh: bool) -> str:
        c = self.claim
        loc = "zh-CN" if zh else "en"
        cur = fmt_kpi(c.kpi, self.current, loc)
        if c.kind == "value":
            return fmt_kpi(c.kpi, self.expected, loc)
        span = f"{fmt_kpi(c.kpi, self.previous, loc)} → {cur}"
        if c.kind == "from_to":
            return span
        if self.interpretation == "points":
            return f"{_signed(self.expected * 100, 2)} {'个百分点' if zh else 'pp'}（{span}）" if zh \
                else f"{_signed(self.expected * 100, 2)} pp ({span})"
        if self.interpretation == "absolute":
            body = _signed_kpi(c.kpi, self.expected, loc)
        else:
            dec = min(2, max(1, _decimals_of(c.precision * 100) + 1))
            body = f"{_signed(self.expected * 100, dec)}%"
        return f"{body}（{span}）" if zh else f"{body} ({span})"


# ---------------------------------------------------------------------------
# Number formatting (shared with bot/draft.py so drafts and messages agree)

MONEY_KEYS = ("spend", "revenue", "cpc", "cpm", "cpa")
COUNT_KEYS = ("impressions", "clicks", "conversions")


def _is_zh(locale: str | None) -> bool:
    return (locale or "").lower().startswith("zh")


def _signed(x: float, dec: int) -> str:
    s = f"{x:+,.{dec}f}"
    return s if float(s.replace(",", "")) != 0 else f"{0:.{dec}f}"


def _decimals_of(step: float) -> int:
    if step <= 0 or step >= 1:
        return 0
    return max(0, round(-math.log10(step)))


def fmt_kpi(key: str, v: float | None, locale: str) -> str:
    """Format a KPI value the way drafts write it: zh-CN 万/亿, en thousands separators,
    percents and money with 2 decimals, ROI as 3.20. None -> 无数据 / —."""
    zh = _is_zh(locale)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "无数据" if zh else "—"
    if key in SHARE_KEYS:
        return f"{v * 100:.2f}%"
    if key in ("roas", "profit_roi", "roi"):
        return f"{v:.2f}"
    money = key in MONEY_KEYS
    if zh:
        a = abs(v)
        if a >= 1e8:
            body = f"{v / 1e8:.2f}亿"
        elif a >= 1e4:
            body = f"{v / 1e4:.2f}万"
        else:
            body = f"{v:,.2f}" if money else f"{v:,.0f}"
        return f"{body}元" if money and a >= 1e4 else (f"{body} 元" if money else body)
    if money:
        return f"-¥{-v:,.2f}" if v < 0 else f"¥{v:,.2f}"
    return f"{v:,.0f}"


def _signed_kpi(key: str, v: float, locale: str) -> str:
    body = fmt_kpi(key, abs(v), locale)
    return ("+" if v >= 0 else "-") + body


# ---------------------------------------------------------------------------
# Parsing


@dataclass
class _Num:
    start: int
    end: int
    mant: float
    dec: int
    int_str: str
    mag: float
    unit: str | None  # "pct" | "pp" | "x" | None
    money: bool
    sign: int  # +1, -1, 0 (none written)

    def value(self) -> float:
        v = self.mant * self.mag
        if self.unit in ("pct", "pp"):
            v /= 100
        return -v if self.sign < 0 else v

    def step(self, key: str) -> float:
        s = 10.0 ** -self.dec
        # Whole numbers with trailing zeros are usually rounded ("12,300", "120万"):
        # treat the zeros as rounding but keep three significant digits.
        if self.dec == 0 and key in BASE_KEYS:
            digits = self.int_str.replace(",", "")
            tz = len(digits) - len(digits.rstrip("0"))
            s = 10.0 ** max(0, min(tz, len(digits) - 3))
        s *= self.mag
        return s / 100 if self.unit in ("pct", "pp") else s


def _tokens(text: str, masked: str, start: int, end: int) -> list[_Num]:
    out: list[_Num] = []
    taken: list[tuple[int, int]] = []
    for m in _RATIO_RE.finditer(masked, start, end):
        dec = m.group("dec") or ""
        out.append(_Num(m.start(), m.end(), float(f"{m.group('num')}.{dec or 0}"), len(dec),
                        m.group("num"), 1.0, None, False, 0))
        taken.append((m.start(), m.end()))
    pos = start
    while True:
        m = _NUM_RE.search(masked, pos, end)
        if not m:
            break
        pos = max(m.end(), pos + 1)
        if any(a <= m.start("int") < b for a, b in taken):
            continue
        s = m.start()
        prev_ch = masked[s - 1] if s > start else ""
        if prev_ch and (prev_ch.isascii() and prev_ch.isalnum() or prev_ch in "§."):
            continue  # "Q3"-like leftovers, "v2", or part of a masked token
        sign = 0
        if m.group("sign"):
            # "2024-05" style hyphens are masked already; a sign right after a digit is a range.
            sign = 1 if m.group("sign") in "+＋" else -1
        dec = m.group("dec") or ""
        mag_s = (m.group("magc") or m.group("magl") or m.group("magw") or "").lower()
        unit_s = (m.group("unit") or "").lower()
        unit = None
        if unit_s in ("%", "％", "percent"):
            unit = "pct"
        elif unit_s in _PP_UNITS:
            unit = "pp"
        elif unit_s in ("倍", "x"):
            unit = "x"
        int_str = m.group("int")
        out.append(_Num(
            m.start(), m.end(), float(f"{int_str.replace(',', '')}.{dec or 0}"), len(dec), int_str,
            _MAG.get(mag_s, 1.0), unit, bool(m.group("cur1") or m.group("cur2")), sign,
        ))
    out.sort(key=lambda n: n.start)
    return out


def _mask(text: str) -> str:
    chars = list(text)
    for m in _MASK_RE.finditer(text):
        for i in range(m.start(), m.end()):
            if chars[i].isdigit():
                chars[i] = "§"
    return "".join(chars)


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in re.finditer(r"[。！？!?；;\n]|(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)\.(?=\s|$)", text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out, pos = [], start
    for m in re.finditer(r"，|,(?!\d{3}(?!\d))", text[start:end]):
        out.append((pos, start + m.start()))
        pos = start + m.end()
    out.append((pos, end))
    return out


def _direction(lead: str, key: str) -> str | None:
    """The direction word nearest to the number in `lead`."""
    best: tuple[int, str] | None = None
    for rx, d in ((_DIR_UP_RE, "up"), (_DIR_DOWN_RE, "down")):
        for m in rx.finditer(lead):
            if best is None or m.end() > best[0]:
                best = (m.end(), d)
    for rx, good in ((_GOOD_RE, True), (_BAD_RE, False)):
        for m in rx.finditer(lead):
            d = "down" if (key in COST_KEYS) == good else "up"
            if best is None or m.end() > best[0]:
                best = (m.end(), d)
    m = _CMP_WEAK_RE.search(lead)
    if m and (best is None or m.end() > best[0]):
        best = (m.end(), "up" if m.group(1) in "高多" else "down")
    return best[1] if best else None


def _roi_key(key: str, roi_mode: str) -> str:
    if key == "roi":
        return "roas" if roi_mode == "revenue" else "profit_roi"
    return key


def _is_prev_value(lead: str, *, compared: bool = False) -> bool:
    """'（上月 2.10%）' / '(last month 2.10%)': the number is last month's value.

    With `compared`, "较上月的 2.10%" / "vs last month's 2.10%" count too: the caller has
    found no direction word or sign, so the figure can only be last month's level.
    """
    ms = list(_PREV_MARK_RE.finditer(lead))
    if not ms:
        return False
    m = ms[-1]
    tail = lead[m.end():]
    if re.search(r"\d", tail) or _direction(tail, "") or _CHANGE_MARK_RE.search(tail):
        return False
    return compared or not _CMP_BEFORE_PREV_RE.search(lead[: m.start()])


class _Parser:
    def __init__(self, text: str, roi_mode: str) -> None:
        self.text = text
        self.masked = _mask(text)
        self.roi_mode = roi_mode
        self.claims: list[Claim] = []

    def snippet(self, a: int, b: int, label: str | None = None) -> str:
        s = self.text[a:b].strip(" ，,：:（()）")
        if len(s) > 60:
            s = s[:28] + "…" + s[-28:]
        if label and not _KPI_RE.search(s):
            s = f"{label} … {s}"  # quote the KPI too when the figure sits apart from it
        return s

    def run(self, skip_re: re.Pattern[str]) -> list[Claim]:
        for s_start, s_end in _sentences(self.text):
            if skip_re.search(self.text, s_start, s_end):
                continue
            carry: tuple[str, int] | None = None  # (key, mention start) from an earlier clause
            for c_start, c_end in _clauses(self.text, s_start, s_end):
                carry = self.clause(c_start, c_end, carry)
        return self.claims

    def clause(self, start: int, end: int, carry):
        text = self.text
        mentions = [(m.start(), m.end(), _KPI_LOOKUP.get(_norm(m.group(0)), ""))
                    for m in _KPI_RE.finditer(text, start, end)]
        mentions = [(a, b, _roi_key(k, self.roi_mode)) for a, b, k in mentions if k]
        # "点击率（CTR）": one mention, so the quote starts at the first name.
        merged: list[tuple[int, int, str]] = []
        for a, b, k in mentions:
            if merged and merged[-1][2] == k and re.fullmatch(r"[\s（()）/]*", text[merged[-1][1]:a]):
                merged[-1] = (merged[-1][0], b, k)
            else:
                merged.append((a, b, k))
        mentions = merged
        nums = _tokens(text, self.masked, start, end)
        if not mentions:
            if carry and nums:
                self.segment(carry[0], carry[1], start, nums, carried=True)
            return carry
        assigned: dict[int, list[_Num]] = {i: [] for i in range(len(mentions))}
        for n in nums:
            before = [i for i, (a, b, _) in enumerate(mentions) if b <= n.start]
            after = [i for i, (a, b, _) in enumerate(mentions) if a >= n.end]
            if before:
                i = before[-1]
                gap = text[mentions[i][1]:n.start]
                direct = re.fullmatch(r"[\s:：=为是达约共计合计总计了的（(]*", gap)
            else:
                i, direct = None, None
            # "3.4万次点击", "1,234 clicks", "$12,300 in spend": the number precedes a count.
            if not direct and after:
                j = after[0]
                gap = text[n.end:mentions[j][0]]
                gm = re.fullmatch(
                    r"\s*(?:次|个|笔|单|人次)?\s*(?:的)?\s*(?:(in|of|total)\s+)?", gap, re.I)
                # counts take plain numbers; money totals need "¥…"/"元" or "in/of" ("$12,300 in spend")
                fits = gm and n.unit is None and (
                    (mentions[j][2] in COUNT_KEYS and not n.money)
                    or (mentions[j][2] in ("spend", "revenue") and (n.money or gm.group(1))))
                if fits:
                    if not _QUALIFIER_RE.search(text, max(start, n.start - 6), n.start):
                        self.add(mentions[j][2], "value", n, None, n.start, mentions[j][1])
                    continue
            if i is not None:
                assigned[i].append(n)
        for i, (a, b, key) in enumerate(mentions):
            if assigned[i]:
                if _QUALIFIER_RE.search(text, max(start, a - 6), a):
                    continue
                self.segment(key, a, b, assigned[i], carried=False)
        return (mentions[-1][2], mentions[-1][0])

    def segment(self, key: str, kpi_start: int, lead_start: int, nums: list[_Num], *, carried: bool):
        text = self.text
        label = _KPI_RE.match(text, kpi_start)
        label = label.group(0) if label else key
        have_value = False
        pos = lead_start
        i = 0
        while i < len(nums):
            n = nums[i]
            lead = text[pos:n.start]
            # The first figure is quoted from the KPI name on; later ones from the previous figure.
            snip_start = kpi_start if (pos == lead_start and not carried) else pos
            if snip_start == pos:
                cut = max(lead.rfind(ch) for ch in "（(")  # quote from "(last month" on
                if cut >= 0:
                    snip_start = pos + cut + 1
            if _QUALIFIER_RE.search(lead) or _BLOCK_RE.search(lead):
                return
            # from -> to pairs: "从52元降到45元", "from 2.1% to 2.5%", "2.10% → 2.27%"
            if i + 1 < len(nums):
                n2 = nums[i + 1]
                middle = text[n.end:n2.start]
                if _FT_MIDDLE_RE.match(middle) and (_FROM_END_RE.search(lead) or _ARROW_RE.search(middle)):
                    self.from_to(key, n, n2, _direction(middle, key) or _direction(lead, key),
                                 snip_start, n2.end, label)
                    pos = n2.end
                    i += 2
                    continue
            trailing = text[n.end:min(n.end + 24, nums[i + 1].start if i + 1 < len(nums) else len(text))]
            direction = _direction(lead, key)
            if direction is None:
                t = re.match(r"\s*(?:MoM\s+)?(higher|lower|more|less)\b", trailing, re.I)
                if t:
                    direction = "up" if t.group(1).lower() in ("higher", "more") else "down"
            marker = _CHANGE_MARK_RE.search(lead) or re.match(
                r"\s*(?:MoM|month[\s-]over[\s-]month|YoY|vs\.?\s+last month|from last month"
                r"|(?:higher|lower|more|less) than (?:last|the previous) month)\b", trailing, re.I)
            yoy = bool(_YOY_RE.search(lead) or re.match(r"\s*(?:YoY|year[\s-]over[\s-]year)\b", trailing, re.I))
            pos = n.end
            i += 1
            snip = (snip_start, n.end, label)
            # a minus right after "上月" is a negative level (profit ROI), not a change
            if (n.sign == 0 or (n.sign < 0 and n.unit != "pp")) and (_is_prev_value(lead) or (direction is None and re.match(
                r"\s*(?:last month|the month before|in the previous month|上月)(?![A-Za-z])", trailing, re.I
            ))):
                self.value(key, n, snip, month="previous")
                continue
            if _TO_END_RE.search(lead):  # "降到 45 元", "grew 8% to 2,270": the new level
                if not carried and not have_value:
                    have_value = self.value(key, n, snip, direction=direction)
                continue
            signed_change = n.sign > 0 or (n.sign < 0 and (
                n.unit == "pp" or (n.unit == "pct" and key not in SHARE_KEYS + ("roas", "profit_roi"))))
            if not direction and not n.sign and _is_prev_value(lead, compared=True):
                self.value(key, n, snip, month="previous")
                continue
            if direction or signed_change or marker:
                self.change(key, n, direction, snip, yoy)
                continue
            if carried or have_value:
                continue  # a second bare figure has an unclear subject
            have_value = self.value(key, n, snip)

    def add(self, key, kind, n: _Num, direction, a, b, label=None, **kw) -> None:
        self.claims.append(Claim(
            kpi=key, kind=kind, value=kw.pop("value", n.value()), previous=kw.pop("previous", None),
            direction=direction, span=(a, b), text=self.snippet(a, b, label),
            unit={"pct": "%", "pp": "pp", "x": "x"}.get(n.unit or ""), precision=n.step(key), **kw,
        ))

    def value(self, key, n: _Num, snip, *, direction=None, month="current") -> bool:
        pct_ok = key in SHARE_KEYS or key in ("roas", "profit_roi")
        if n.unit == "pp" or (n.unit == "pct" and not pct_ok) or (n.unit is None and key in SHARE_KEYS):
            return False  # ambiguous: "CPA 12%", "CTR 2.5" without a unit
        if n.unit == "x" and key not in ("roas", "profit_roi"):
            return False
        self.add(key, "value", n, direction, *snip, month=month)
        return True

    def change(self, key, n: _Num, direction, snip, yoy: bool) -> None:
        if n.unit == "x":
            return  # "增长 1.5 倍" is read both as +150% and ×1.5
        if n.unit is None and key in SHARE_KEYS:
            return
        kind = {"pct": "change_rel", "pp": "change_pp"}.get(n.unit or "", "change_abs")
        if direction is None and n.sign:
            direction = "up" if n.sign > 0 else "down"
        self.add(key, kind, n, direction, *snip, value=abs(n.value()),
                 basis="yoy" if yoy else "mom")

    def from_to(self, key, n1: _Num, n2: _Num, direction, a, b, label=None) -> None:
        # "从 2.1 升至 2.5%", "从10.2升到12.3万": the unit written once applies to both.
        if n1.unit is None and n2.unit in ("pct", "pp"):
            n1.unit = n2.unit
        if n2.unit is None and n1.unit in ("pct", "pp"):
            n2.unit = n1.unit
        if n1.mag == 1 and n2.mag != 1 and n2.mant and 0.1 <= n1.mant / n2.mant <= 10:
            n1.mag = n2.mag
        if n1.unit != n2.unit or (key in SHARE_KEYS and n1.unit != "pct"):
            return
        if key not in SHARE_KEYS + ("roas", "profit_roi") and n1.unit == "pct":
            return
        self.claims.append(Claim(
            kpi=key, kind="from_to", value=n2.value(), previous=n1.value(), direction=direction,
            span=(a, b), text=self.snippet(a, b, label), unit={"pct": "%"}.get(n2.unit or ""),
            precision=n2.step(key), previous_precision=n1.step(key),
        ))


def find_claims(text: str, *, roi_mode: str = "revenue", scope_names: Iterable[str] = ()) -> list[Claim]:
    """Numeric KPI statements in `text` (zh-CN or en), in reading order.

    `roi_mode` says what "ROI"/投产比 means ("revenue" -> roas, "profit" -> profit_roi).
    Sentences about targets, plans, budgets, benchmarks, a platform or campaign, a single
    day, or naming any of `scope_names` (the report's platform/campaign names) are skipped.
    """
    skip = _SKIP_RE
    names = [s for s in scope_names if s and len(s.strip()) >= 2]
    if names:
        skip = re.compile(_SKIP_RE.pattern + "|" + "|".join(re.escape(s) for s in names), re.I)
    claims = _Parser(text, roi_mode).run(skip)
    return sorted(claims, key=lambda c: c.span)


# ---------------------------------------------------------------------------
# Checking


def _close(stated: float, actual: float, step: float) -> bool:
    """Stated equals actual rounded (or truncated) to the writer's precision, plus slack."""
    eps = 1e-9 * max(1.0, abs(actual))
    if abs(stated - actual) <= step * 0.55 + eps:
        return True
    # Truncation ("2.27" for 2.2789) is a rounding habit, not a wrong figure.
    return abs(stated) <= abs(actual) + eps and abs(actual) - abs(stated) < step + eps and \
        (stated == 0 or (stated > 0) == (actual > 0))


def _dir_of(x: float, scale: float) -> str:
    if abs(x) <= 1e-12 * max(1.0, scale):
        return "flat"
    return "up" if x > 0 else "down"


def check_claims(
    text: str,
    current: KPIs,
    previous: KPIs | None,
    *,
    roi_mode: str = "revenue",
    scope_names: Iterable[str] = (),
) -> list[ClaimCheck]:
    """Find the claims in `text` and check each against this month's and last month's KPIs.

    A claim passes when the stated figure equals the data rounded to the precision the writer
    used (truncation accepted) and any direction word agrees with the data. "CTR 提升 0.4%" is
    accepted as either a relative change or 0.4 percentage points (writers use both).
    """
    return [check_claim(c, current, previous) for c in find_claims(
        text, roi_mode=roi_mode, scope_names=scope_names)]


def check_claim(c: Claim, current: KPIs, previous: KPIs | None) -> ClaimCheck:
    """Check one claim (see check_claims)."""
    cur = current.get(c.kpi) if current else None
    prev = previous.get(c.kpi) if previous else None

    def result(ok, expected, reason="", interp=None):
        return ClaimCheck(c, ok, expected, reason if ok is not True else "", cur, prev, interp)

    if c.kind == "value":
        actual = prev if c.month == "previous" else cur
        if actual is None:
            return result(None, None, "no_previous" if c.month == "previous" and previous is None else "no_data")
        if not _close(c.value, actual, c.precision):
            return result(False, actual, "value")
        if (c.direction and c.month == "current" and cur is not None and prev is not None
                and _dir_of(cur - prev, abs(prev)) != c.direction):
            return result(False, actual, "direction")
        return result(True, actual)

    if c.basis == "yoy":
        return result(None, None, "yoy")
    if previous is None:
        return result(None, None, "no_previous")
    if cur is None or prev is None:
        return result(None, None, "no_data")
    real_dir = _dir_of(cur - prev, abs(prev))

    if c.kind == "from_to":
        ok = _close(c.value, cur, c.precision) and _close(c.previous, prev, c.previous_precision)
        if ok and c.direction and real_dir != c.direction:
            return result(False, cur - prev, "direction", "absolute")
        return result(ok, cur - prev, "" if ok else "value", "absolute")

    # Interpretations of a change claim, in the order we prefer to report them.
    interps: list[tuple[str, float | None]] = []
    rel = (cur - prev) / abs(prev) if prev else None
    points_ok = c.kpi in SHARE_KEYS or c.kpi == "profit_roi"
    if c.kind == "change_rel":
        interps.append(("relative", rel))
        if points_ok:
            interps.append(("points", cur - prev))
    elif c.kind == "change_pp":
        # 百分点 on a money or count KPI can only mean percent.
        interps.append(("points", cur - prev) if points_ok else ("relative", rel))
    else:
        interps.append(("absolute", cur - prev))
    interps = [(k, v) for k, v in interps if v is not None]
    if not interps:
        return result(None, None, "no_data")
    stated_zero = c.value <= c.precision * 0.5
    for name, expected in interps:
        if c.direction and not stated_zero and real_dir != c.direction:
            continue
        stated = c.value if c.direction != "down" else -c.value
        if c.direction is None:
            stated, expected_cmp = c.value, abs(expected)
        else:
            expected_cmp = expected
        if _close(stated, expected_cmp, c.precision):
            return result(True, expected, "", name)
    name, expected = interps[0]
    if c.direction and real_dir != c.direction and not stated_zero:
        return result(False, expected, "direction", name)
    return result(False, expected, "value", name)


def summary_line(checks: list[ClaimCheck], locale: str = "zh-CN") -> str:
    """'已核对 9 个数字，2 个与数据不符' / 'Checked 9 figures against the data; 2 disagree'."""
    zh = _is_zh(locale)
    n = len(checks)
    bad = sum(1 for c in checks if c.ok is False)
    unknown = sum(1 for c in checks if c.ok is None)
    if n == 0:
        return "没有找到可核对的数字" if zh else "No figures to check against the data"
    if zh:
        head = f"已核对 {n} 个数字，"
        body = f"{bad} 个与数据不符" if bad else ("均与数据一致" if not unknown else "其余均与数据一致")
        if unknown:
            body = f"{unknown} 个无法核对，" + body
        return head + body
    head = f"Checked {n} figure{'s' if n != 1 else ''} against the data; "
    body = f"{bad} disagree{'s' if bad == 1 else ''}" if bad else ("all agree" if not unknown else "the rest agree")
    if unknown:
        body = f"{unknown} can't be verified, " + body
    return head + body
