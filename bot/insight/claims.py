"""Check the numbers people wrote about KPIs against the month's data (rules only).

`find_claims` reads Chinese and English text for numeric statements tied to a KPI
("点击率从2.1%升至2.5%", "CTR up 12%", "消耗 12.3 万", "ROI 1:3.2", "CPA 53.3 元，高于目标 50 元")
and `check_claims` compares each with the figure the sentence is about: the month it names
(10 月, 上月, October, last month), the campaign, platform or day it names when that part
exists in the data (`ClaimData`), or the target on record.

Precision over recall: a figure whose subject is uncertain (a forecast, a competitor or
benchmark, a bid, a part of the month or account that is not in the data, a list that does
not pair up) is skipped rather than checked, and where a sentence can be read two ways a
figure passes when either reading agrees, so a correct summary never gets a false alarm.
See docs/claims.md for the rules and the measured figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.insight.abtest import ALPHA, VariantKey, compare, families, scope_of, variant_rows
from bot.insight.abtest_text import metric_verdict
from bot.insight.kpi import BASE_KEYS, COST_KEYS, KPI_KEYS, SHARE_KEYS, KPIs, clean_number, kpis
from bot.text import formats
from bot.text.i18n import resolve, t_plain

if TYPE_CHECKING:  # pragma: no cover
    from bot.insight.kpi import KPIReport

# ---------------------------------------------------------------------------
# Vocabulary

_EN_MONTH_ALT = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"

# "roi" is resolved per roi_mode; ROAS is always revenue / spend.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ctr": ("点击率", "CTR", "click-through rate", "click through rate", "clickthrough rate"),
    "cpc": ("点击单价", "平均点击价格", "单次点击成本", "点击成本", "CPC", "cost per click"),
    "cpm": (
        "千次展现费用", "千次展示费用", "千次曝光费用", "千次曝光成本", "千次展现成本",
        "千展成本", "千展", "CPM", "cost per mille", "cost per thousand impressions",
    ),
    "cvr": ("转化率", "CVR", "conversion rate", "converted at"),
    "cpa": (
        "单次转化成本", "转化成本", "获客成本", "CPA", "cost per conversion", "cost per acquisition",
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


def _alt(words: Iterable[str], *, plural: bool = False) -> str:
    """Alternation, longest first; ASCII words get letter boundaries ("CTRs" with `plural`)."""
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w).replace(r"\ ", r"[\s-]?")
        if w.isascii():
            tail = "s?" if plural and w.isupper() else ""
            parts.append(rf"(?<![A-Za-z]){esc}{tail}(?![A-Za-z])")
        else:
            parts.append(esc)
    return "|".join(parts)


def _norm(s: str) -> str:
    return re.sub(r"[\s-]+", " ", s.lower())


_ACRONYMS = {w.lower() for ws in _SYNONYMS.values() for w in ws if w.isupper()}
_KPI_LOOKUP = {_norm(w): k for k, ws in _SYNONYMS.items() for w in ws}
_KPI_RE = re.compile(_alt([w.upper() if w in _ACRONYMS else w for w in _KPI_LOOKUP], plural=True)
                     .replace("消费", "消费(?![者品类力])"), re.I)


def _kpi_of(word: str) -> str:
    """The KPI a matched name stands for ("CTRs" -> ctr)."""
    n = _norm(word)
    if n not in _KPI_LOOKUP and n.endswith("s") and n[:-1] in _ACRONYMS:
        n = n[:-1]
    return _KPI_LOOKUP.get(n, "")
_KPI_CJK_START = _alt(w for w in _KPI_LOOKUP if not w.isascii())
_KPI_ACRONYM_END_RE = re.compile(r"(?<![A-Za-z])(?:" + "|".join(sorted(_ACRONYMS, key=len, reverse=True)) + r")$", re.I)

_UP = r"上升|提升|提高|增长|增加|上涨|走高|拉升|上扬|回升|增|涨|升|多了"
_DOWN = r"下降|下滑|下跌|减少|降低|回落|走低|缩减|降|跌|减|少了"
_UP_EN = (r"up|rose|rise[sn]?|rising|increased?|increases|increasing|grew|grow(?:s|n|ing)?|gained|gains?|"
          r"climbed|climbs?|jumped|jumps?|higher|recovered|rebounded")
_DOWN_EN = (r"down|fell|falls?|fallen|falling|dropped|drops?|decreased?|decreases|decreasing|declined?|declines|"
            r"lower|reduced|cut|slipped|shrank|eased")
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
    r"^[^\d，,;；。]{0,14}?(?:到|至|(?<![A-Za-z])to(?![A-Za-z])|→|->|➝|⟶|=>)\s*(?:了)?\s*$", re.I
)
# "3.0~3.2", "3 到 3.2", "between 3 and 3.2": the figure lies in a range.
_RANGE_MID_RE = re.compile(r"\s*(?:~|-|–|—|至|到|(?<![A-Za-z])to(?![A-Za-z]))\s*", re.I)
_RANGE_AND_RE = re.compile(r"\s*(?:和|与|(?<![A-Za-z])and(?![A-Za-z]))\s*", re.I)
_BETWEEN_RE = re.compile(r"(?<![A-Za-z])between\s*$", re.I)
_AMONG_RE = re.compile(r"^\s*(?:元|%)?\s*(?:之间|区间|范围)")


# Sentences never checked: forecasts and plans, hypotheticals, other people's figures (competitors,
# benchmarks, the industry, other tools), costs that are not ad spend, and parts of the month that
# are not in the data. (A bid is skipped by the clause, see _BID_RE.)
_SKIP_WORDS = (
    "下月", "下个月", "下周", "下季度", "明年", "预计", "预期", "预估", "打算", "争取", "力争", "将会", "希望",
    "期望", "如果", "假如", "假设", "若是", "要是",
    "next month", "next quarter", "next year", "forecast", "forecasts", "expect", "expected", "expects",
    "projected", "projection", "will", "aim", "aims", "plan", "plans", "planned", "planning", "hope",
    "if", "would", "could",
    "行业", "大盘", "竞品", "同行", "竞对", "对手", "友商", "基准", "市场平均", "同类",
    "benchmark", "benchmarks", "industry", "peer", "peers", "competitor", "competitors", "competition",
    "rival", "rivals", "baseline", "market average", "category average",
    # another source's figures
    "第三方", "监测", "后台", "口径", "回传", "归因", "third-party", "third party", "according to", "attribution",
    "attributed",
    "第一天", "首日", "头一天", "最后一天", "最后两天", "first day", "last day", "final day", "opening day",
    # costs that are not ad spend
    "production", "agency", "salary", "salaries", "labor", "labour", "制作费", "人力成本", "服务费", "代理费",
    "日预算", "daily budget",
    # how much more data an A/B test needs: a count of trials to come, not one that happened
    "检验把握", "才能判定", "样本量", "统计功效", "sample size", "statistical power",
    "周末", "工作日", "上旬", "中旬", "下旬", "月初", "月中", "月底", "月末", "上半月", "下半月", "前半月",
    "后半月", "前两周", "后两周", "前三周", "最后一周", "首周", "本周", "上周", "大促", "618", "双12", "黑五",
    "Black Friday",
    "weekend", "weekends", "weekday", "weekdays", "first half", "second half", "mid-month", "midmonth",
    "first week", "last week", "final week", "peak day", "single day",
)
# "超出预算 6.6%": a budget with a word saying by how much it was missed (not the share spent).
_OVER_UNDER_RE = re.compile(r"(?:超出|超过|超支|超|高出|低于|少于|节省|节约|剩余|结余|(?<![A-Za-z])(?:over|under|above|below)(?![A-Za-z]))\s*(?:了|the\s+)?\s*$", re.I)
# Words that make what follows in the paragraph next month's ("下月重点：…。目标 CPA 55 元"), and
# words that bring a sentence back to a month the data has ("本月 CPA 53 元", "10 月…").
_FUTURE_RE = re.compile(r"下个?月|下季度|下一?阶段|明年|(?<![A-Za-z])next (?:month|quarter|year)(?![A-Za-z])", re.I)
_NOW_RE = re.compile(r"本月|这个月|当月|本期|(?<![A-Za-z])this month(?![A-Za-z])", re.I)


_SKIP_RE = re.compile(
    _alt(_SKIP_WORDS)
    + r"|(?:双\s*(?:11|十一)|Singles'? Day|Double 11)(?!\s*(?:当天|当日|那天|单日|这一天|itself))"
    + r"|(?:前|后|最后|头|末|近)\s*(?:\d+|[一二三四五六七八九十两]+)\s*(?:天|日|周|个?星期)"
    + r"|(?<![A-Za-z])(?:first|last|final|past|closing|opening)\s+(?:\d+|two|three|four|five|ten)\s+(?:days|weeks)"
    + r"|第\s*\d+\s*周|(?<![A-Za-z])weeks?\s+\d+|(?<![A-Za-z])(?:early|late|mid)[\s-]+" + _EN_MONTH_ALT,
    re.I,
)
# Words that put a figure on a part of the account; they need a part that exists in the data.
_GENERIC_PART_WORDS = (
    "平台", "渠道", "媒体", "计划", "单元", "广告组", "素材", "创意", "人群", "定向", "地域", "版位", "这条线",
    "该线", "产品线", "子账户", "各账户",
    "campaign", "campaigns", "platform", "platforms", "channel", "channels", "ad group", "ad groups",
    "ad set", "ad sets", "creative", "creatives", "accounts", "audience", "audiences",
    "placement", "placements",
)
_GENERIC_PART_RE = re.compile(_alt(_GENERIC_PART_WORDS), re.I)
# "其余计划", "the rest", "除 A 外": the figure is about what is left, which is not in the data.
_OTHERS_RE = re.compile(r"其余|其他|其它|剩下|剩余|(?<![A-Za-z])(?:the rest|others|other campaigns|other platforms|"
                        r"remaining|non-)(?![A-Za-z])", re.I)
_EXCEPT_BEFORE_RE = re.compile(r"(?:除了?|除去|不含|不算|(?<![A-Za-z])(?:except(?: for)?|excluding|apart from|other than|"
                               r"besides|aside from|outside(?: of)?|without)(?![A-Za-z]))\s*$", re.I)
# "当天", "that day": one day, which must be one the data has.
_DAY_WORD_RE = re.compile(r"当天|当日|单日|那天|这一天|(?<![A-Za-z])(?:that day|on the day|single[\s-]day)(?![A-Za-z])",
                          re.I)
# A target for a longer stretch than the month ("Q4 目标", "年度预算"): none on record to check.
_LONG_TARGET_RE = re.compile(r"(?<![A-Za-z])[QH][1-4](?!\d)|季度|年度|全年|半年|长期|(?<![A-Za-z])(?:annual|yearly|"
                             r"quarterly|quarter|full[\s-]year|long[\s-]term)(?![A-Za-z])", re.I)
# The whole account, said outright.
_RESET_RE = re.compile(
    r"全账户|整个账户|账户整体|(?<![子各])账户|整体|总体|全盘|合计|总计|汇总|总(?=消耗|花费|点击|转化|展|曝光|收入|的)"
    r"|(?<![A-Za-z])(?:overall|in total|total|blended|account[\s-]wide|whole account|account(?![A-Za-z])|across (?:all|both) "
    r"(?:platforms|campaigns))(?![A-Za-z])",
    re.I,
)
# Platforms people name, by their Chinese name: aliases in both languages.
_PLATFORM_ALIASES: dict[str, tuple[str, ...]] = {
    "巨量引擎": ("巨量引擎", "巨量", "Ocean Engine", "OceanEngine", "Juliang"),
    "腾讯广告": ("腾讯广告", "腾讯", "广点通", "Tencent Ads", "Tencent Advertising", "Tencent", "GDT"),
    "抖音": ("抖音", "Douyin"),
    "快手": ("快手", "磁力引擎", "磁力", "Kuaishou"),
    "微信": ("微信", "WeChat", "Weixin"),
    "朋友圈": ("朋友圈", "Moments"),
    "视频号": ("视频号",),
    "百度": ("百度", "Baidu"),
    "小红书": ("小红书", "Xiaohongshu", "RED"),
    "微博": ("微博", "Weibo"),
    "B站": ("B站", "哔哩哔哩", "哔哩", "Bilibili"),
    "头条": ("头条", "今日头条", "Toutiao"),
    "千川": ("千川", "Qianchuan"),
    "穿山甲": ("穿山甲", "Pangle"),
    "优量汇": ("优量汇",),
    "知乎": ("知乎", "Zhihu"),
    "爱奇艺": ("爱奇艺", "iQIYI"),
    "优酷": ("优酷", "Youku"),
    "京东": ("京东", "JD"),
    "淘宝": ("淘宝", "阿里", "Taobao", "Alibaba"),
    "QQ浏览器": ("QQ浏览器", "QQ Browser"),
    "TikTok": ("TikTok",),
    "Meta": ("Meta", "Facebook", "Instagram"),
    "Google": ("Google", "Google Ads", "YouTube"),
}
_ALIAS_LOOKUP = {_norm(a): canon for canon, aliases in _PLATFORM_ALIASES.items() for a in aliases}
_ALIAS_RE = re.compile(_alt(a for aliases in _PLATFORM_ALIASES.values() for a in aliases if a != "RED")
                       + r"|(?<![A-Za-z])RED(?![A-Za-z])", re.I)
# Words of campaign names too common to say which campaign is meant.
_GENERIC_FRAGMENTS = {"广告", "推广", "投放", "营销", "信息流", "计划", "活动", "效果", "平台", "账户", "转化", "campaign",
                      "ads", "ad", "素材", "创意", "单元", "creative"}
_NAME_SEPARATORS = " \t-_–—·•/|()（）[]【】「」《》<>'\"‘’“”.,:：+&"
_SEPARATORS_GONE = str.maketrans("", "", _NAME_SEPARATORS + "\n\r\f\v\u3000\xa0")

# Comparisons with some other figure (a target, a threshold): the number is not the KPI's.
_BLOCK_RE = re.compile(
    r"未达|没达到|没有达到|不及|低于|高于|超过|超出|优于|好于|差于|逊于"
    r"|(?<![A-Za-z])(?:short of|missed|above|below|exceed(?:ed|s)?|beat|beats|ahead of|behind|under)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?<!month )(?<!month-)over(?![A-Za-z])(?![\s-]month)",
    re.I,
)
_RELATION_WORDS = (
    (r"高于|超过|超出|(?<![A-Za-z])(?:above|over|exceed(?:ed|s|ing)?|ahead of)(?![A-Za-z])", "above"),
    (r"低于|不到|不足|(?<![A-Za-z])(?:below|under|short of|behind)(?![A-Za-z])", "below"),
    (r"优于|好于|超额|(?<![A-Za-z])(?:beat|beats|better than)(?![A-Za-z])", "better"),
    (r"差于|逊于|不及|未达到?|没有?达到|(?<![A-Za-z])(?:missed|worse than|fell short)(?![A-Za-z])", "worse"),
    (r"达到|达成|完成|(?<![A-Za-z])(?:met|hit|reached|achieved)(?![A-Za-z])", "met"),
)
_TARGET_RE = re.compile(
    r"(?P<share>目标完成率|目标达成率|达成率|达标率|完成率|预算使用率|预算执行率|(?<![A-Za-z])(?:attainment|budget "
    r"utili[sz]ation)(?![A-Za-z]))"
    r"|目标值?(?!人群|用户|受众|客户|群体|市场)|考核值?|(?<![A-Za-z])(?:targets?|goals?)(?![A-Za-z])"
    r"|(?P<budget>预算|(?<![A-Za-z])budget(?![A-Za-z]))",
    re.I,
)
# A clause about a daily or weekly figure ("日均消耗", "每天带来 274 个转化") says nothing of the month.
_DAILY_RE = re.compile(r"日均|每天|每日|平均每天|每周|周均|(?<![A-Za-z])(?:daily|per day|a day|each day|per week|"
                       r"weekly)(?![A-Za-z])", re.I)
# "比 A 高", "lower than variant A": compared with something other than a month.
_CMP_OTHER_RE = re.compile(r"(?:比|较|相比|相较|对比)(?P<inner>[^\d，,]{0,12}?)\s*(?:的)?\s*(?:要|还|更)?\s*"
                           r"(?:高|低|多|少|提升|下降|增长|减少|上升|降低|增加|好|差)")
_UP_NOUNS = ("higher", "more", "increase", "rise", "gain", "growth", "jump", "uplift", "lift", "climb", "增长", "增幅",
             "涨幅", "提升", "上涨", "升幅")
_TRAILING_DIR_RE = re.compile(
    r"\s*(?:MoM\s+|month[\s-]over[\s-]month\s+)?(?:的\s*)?(higher|lower|more|less|increase|rise|gain|growth|jump|uplift|lift|"
    r"climb|improvement|decrease|decline|drop|fall|dip|reduction|slide|增长|增幅|涨幅|提升|上涨|升幅|下降|下滑|降幅|跌幅|改善|优化)"
    r"(?![A-Za-z])(?!\s*(?:了|by|of)?\s*[+\-−]?[¥￥$]?\d)", re.I)  # "0.98% 提升 0.07 个百分点": that word is the next figure's
# "翻倍", "nearly doubled": a change by a factor (as a relative change: doubled = +100%)
_MULTIPLES = ((r"doubled|翻倍|翻了一番|翻番|翻了一倍|增长了?一倍", 1.0), (r"tripled|翻了两倍|增长了?两倍", 2.0),
              (r"quadrupled|翻了两番", 3.0), (r"halved|减半|腰斩|cut in half", -0.5))
_MULTIPLE_RE = re.compile(
    r"(?:(?P<hedge>nearly|almost|more than|over|近|接近|将近|差不多|几乎|超过|不止)\s*)?"
    r"(?P<word>doubled|tripled|quadrupled|halved|cut in half|翻倍|翻了一番|翻番|翻了一倍|翻了两倍|翻了两番|"
    r"增长了?一倍|增长了?两倍|减半|腰斩)", re.I)
# "占比 63%", "accounted for 63%": a part's share of the whole
_SHARE_WORD_RE = re.compile(r"占比|占了?|份额|贡献了?|(?<![A-Za-z])(?:share|accounted for|account for|took|made up|"
                            r"represented|contributed)(?![A-Za-z])", re.I)
# A clause about a bid ("出价下调 0.1 元后"): its figure is a bid, not a KPI.
_BID_RE = re.compile(r"出价|竞价|调价|溢价|提价|(?<![A-Za-z])(?:bids?|bidding|bid cap|cost cap|tCPA|tROAS)(?![A-Za-z])", re.I)
# "higher than the 22.99 on Nov 11": the figure is what is compared with, not a change.
_THAN_END_RE = re.compile(r"(?<![A-Za-z])(?:higher|lower|more|less|greater|smaller|better|worse|above|below)\s+than\s+"
                          r"(?:(?:the|that of|in)\s+)?$", re.I)
_THAN_RE = re.compile(r"\s*(?:MoM\s+)?(?:higher|lower|more|less|better|worse)\s+than\s+(?P<obj>.{0,30})", re.I)
_THAN_MONTH_RE = re.compile(r"(?:last month|the previous month|the prior month|the month before|a month (?:ago|earlier)|"
                            r"(?:in\s+)?" + _EN_MONTH_ALT + r"|before)", re.I)
# A figure for one day / the best day is not the month's figure.
_QUALIFIER_RE = re.compile(
    r"最高|最低|峰值|日均|平均每天|每日|每天|周均|(?<![A-Za-z])(?:peak|peaked|highest|lowest|max|min|daily|per day|a day)(?![A-Za-z])",
    re.I,
)

# A/B tests: "素材B 的点击率显著高于素材A", "the difference is not significant".
_SIG_NEUTRAL_RE = re.compile(r"显著性(?:检验|水平)|显著水平|(?<![A-Za-z])(?:significance (?:level|test)|tests? (?:of|for) "
                             r"significance)(?![A-Za-z])", re.I)
_SIG_NEG_RE = re.compile(
    r"(?:不|没有?|并不|并无|无|未|不具有?|不够|谈不上)\s*(?:达到|呈现|表现出|出现|产生|体现出?)?\s*(?:统计(?:学)?上?的?)?\s*显著"
    r"|(?:不|没有?|并无|无)\s*(?:显著的?)?统计(?:学)?(?:上的)?(?:意义|差异)"
    r"|(?<![A-Za-z])(?:in|non-?)significan\w*"
    r"|(?:(?<![A-Za-z])(?:not|never|no|without)|n't)\s+(?:[A-Za-z.]+\s+){0,2}?significan\w*"
    r"|(?<![A-Za-z])(?:not|n't|never|fail(?:ed|s)? to|did not|didn't)\s+(?:reach|achieve|hit)\s+(?:statistical\s+)?significance",
    re.I)
# ("a significant share of spend" is a large share: only a difference, lift or lead is a test's result)
_SIG_POS_RE = re.compile(r"显著|明显(?=\s*(?:地)?\s*(?:更|高于|低于|优于|好于|差于|领先|胜出|落后|不如))|统计(?:学)?(?:上的)?(?:意义|差异)"
                         r"|95\s*%\s*(?:的\s*)?(?:confidence|置信)|置信(?:水平|度)"
                         r"|(?<![A-Za-z])(?:significantly|significance|(?:(?:is|was|were|are|be|been|not|n't|statistically)\s+)"
                         r"significant|significant(?=\s*(?:differences?|lifts?|uplifts?|gaps?|leads?|winner|effects?|results?|"
                         r"at\b|[(,.;:]|$)))", re.I)
# A p-value stated: "p < 0.05", "p 值为 0.23", "(p=0.003)": below 0.05 says significant, above not.
_P_RE = re.compile(r"(?<![A-Za-z])[pP]\s*(?:值|-?values?)?\s*(?P<op>[<>=≤≥＜＞]|为|是|of|was|is)\s*(?P<v>0?\.\d+|1(?:\.0+)?)(?!\d)")
# "差异", "difference": the sentence compares variants even when it names only one ("素材B 的差异显著")
_DIFF_RE = re.compile(r"差异|差距|区别|(?<![A-Za-z])(?:differen\w*|gap|lead|lift|uplift|winner)(?![A-Za-z])", re.I)
# Not a statement about the result: a question, a hedge, a test still running.
_SIG_HEDGE_RE = re.compile(r"是否|有没有|接近显著|边缘显著|趋于显著|有待|待验证|尚待|[?？]|(?<![A-Za-z])(?:whether|marginal(?:ly)?|"
                           r"borderline|approaching|nearly|almost|might|may|possibly|trend(?:ing)? towards?)(?![A-Za-z])",
                           re.I)
# Which way a comparison goes: the subject ahead ("高于", "outperformed") or behind ("低于", "trailed").
_AHEAD_RE = re.compile(r"高于|优于|好于|胜过|胜于|超过|领先|胜出|跑赢|(?:显著|明显|更)\s*(?:地)?\s*(?:更)?\s*(?:高|好|优|多)(?!于)"
                       r"|(?<![A-Za-z])(?:higher|better|outperform\w*|beat|beats|ahead|won|wins|greater|more|"
                       r"exceed\w*|superior)(?![A-Za-z])", re.I)
_BEHIND_RE = re.compile(r"低于|差于|不如|落后|输给|跑输|(?:显著|明显|更)\s*(?:地)?\s*(?:更)?\s*(?:低|差|少)(?!于)"
                        r"|(?<![A-Za-z])(?:lower|worse|underperform\w*|behind|trail\w*|lost|fewer|less|inferior)(?![A-Za-z])",
                        re.I)
# "A/B 测试", "A/B/C": the name of the method, not variants.
_AB_PAIR_RE = re.compile(r"(?<![A-Za-z0-9])[A-Ha-h](?:\s*/\s*[A-Ha-h])+(?![A-Za-z0-9])")
# A variant named by its letter alone: "B 的点击率显著高于 A", "version B", "B 组".
_LETTER_RE = re.compile(r"(?<![A-Za-z0-9])([A-H])(?![A-Za-z0-9])")
# "A significant lift…": the article, not variant A
_ARTICLE_RE = re.compile(r"A\s+(?:(?!(?:had|has|was|is|got|won|beat|beats|outperformed|showed|delivered|saw|drove|"
                         r"performed|converted|did|came|led|leads|trailed|scored|reached)(?![A-Za-z]))[a-z]"
                         r"|[A-Z]{2,5}s?\s+of(?![A-Za-z])|[+\-]?[¥$￥]?\d)")
# "C 端", "A 股", "E-commerce": a letter that is not a variant
_LETTER_NOT_RE = re.compile(r"\s*(?:端|股|轮|级|类|档|型|站|-[A-Za-z])")
# a gap between two variants ("高 40%", "40% higher"), as opposed to a change over the month
_COMPARATIVE_RE = re.compile(r"(?<![A-Za-z])(?:higher|lower|more|less|greater|smaller)(?![A-Za-z])|(?<![提升])[高低](?!于)")
_CHANGE_VERB_RE = re.compile(r"提升|提高|增长|增加|上升|上涨|回升|下降|下滑|下跌|减少|降低|回落|(?<![A-Za-z])(?:rose|rise|rising|"
                             r"increased?|grew|fell|dropped|declined|decreased|up|down|improved|jumped)(?![A-Za-z])", re.I)
# Before a variant that is what the subject is compared with: "高于 A", "than A", "与 A 的差距".
_OBJECT_BEFORE_RE = re.compile(r"(?:比|较|相比|相较|对比|高于|低于|优于|好于|差于|胜过|不如|超过|领先|落后|与|和|跟|同|及|、|对"
                               r"|(?<![A-Za-z])(?:vs\.?|versus|than|over|against|between|and|with|from|beat|beats|"
                               r"outperformed|outperforms|trailed|trails|(?:ahead|short) of|behind))\s*(?:the\s+|于\s*)?$", re.I)
_SUBCLAUSE_RE = re.compile(r"[，；：:;]|,(?!\d{3}(?!\d))|——|—|–|\s-\s|但|然而|不过|(?<![A-Za-z])(?:but|whereas|while)(?![A-Za-z])",
                            re.I)

# Months and days.
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December")
_EN_MONTH_RE = (r"(?<![A-Za-z])(?P<en>January|February|March|April|May|June|July|August|September|October|"
                r"November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)(?:\.|(?![A-Za-z]))")
_ZH_NUM = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
           "十一": 11, "十二": 12}
_DAY_RE = re.compile(
    r"(?:(?P<y1>20\d{2})\s*年\s*)?(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*[日号]"
    r"|(?P<y2>20\d{2})[-/.](?P<m2>\d{1,2})[-/.](?P<d2>\d{1,2})(?!\d)"
    r"|(?<![\d.])(?P<m3>\d{1,2})/(?P<d3>\d{1,2})(?![\d/])"
    r"|" + _EN_MONTH_RE.replace("?P<en>", "?P<en1>") + r"\s*(?P<d4>\d{1,2})(?:st|nd|rd|th)?(?!\d|%|\.\d)"
    r"|(?<![\d.])(?P<d5>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _EN_MONTH_RE.replace("?P<en>", "?P<en2>")
    + r"|(?<![A-Za-z])the\s+(?P<d6>\d{1,2})(?:st|nd|rd|th)(?![A-Za-z])"
    r"|(?<![\d月.])(?P<d7>\d{1,2})\s*[日号](?!\d)"
    r"|(?<![\d.])(?P<m8>\d{1,2})\.(?P<d8>\d{1,2})(?=\s*(?:当天|当日|那天|这一天|单日))"
    r"|(?P<double11>双\s*(?:11|十一)(?:\s*(?:当天|当日|那天|单日|这一天))|(?:Singles'? Day|Double 11)(?=\s+itself|\s*\())",
    re.I,
)
_MONTH_RE = re.compile(
    r"(?P<ly>(?:去年|上年|前年)\s*(?:同期|(?:\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月份?)?"
    r"|(?<![A-Za-z])(?:last year'?s?(?:\s+" + _EN_MONTH_ALT + r")?|the same (?:period|month) (?:of )?last year|"
    r"a year (?:ago|earlier)|" + _EN_MONTH_ALT + r"\s+(?:of\s+)?last year)(?![A-Za-z]))"
    r"|(?P<older>上上个?月|前两个月|两个月前|(?<![A-Za-z])(?:(?:two|three|2|3) months (?:ago|earlier|before)|"
    r"the month before last)(?![A-Za-z]))"
    r"|(?P<ym>(?P<y>20\d{2})\s*(?:年\s*|[-/.])(?P<m>\d{1,2})(?:\s*月份?)?(?![\d月]|\s*[-/.]\s*\d))"
    r"|(?<![\d个.])(?P<zh>\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月份?(?![\d份]*\s*\d{1,2}\s*[日号])(?!底|初|中|末|度)"
    r"|" + _EN_MONTH_RE +
    r"|(?P<cur>本月|当月|这个月|这月|该月|本期|(?<![A-Za-z])this month(?![A-Za-z]))"
    r"|(?P<prev>上个?月|上一个月|前一个月|上期|(?<![A-Za-z])(?:last month|previous month|prior month|the month before|"
    r"a month (?:earlier|ago))(?![A-Za-z]))",
    re.I,
)
# Comparison words before a month or part make it the base, not the subject ("较上月", "than Tencent Ads").
_BASE_BEFORE_RE = re.compile(
    r"(?:比|较|相比|相较|对比|环比|高于|低于|超过|好于|优于|差于|(?<![A-Za-z])(?:vs\.?|versus|than|compared (?:to|with)|"
    r"relative to|against|from|over|above|below))\s*(?:the\s+|于\s*)?$",
    re.I,
)
_BASE_PAIR_BEFORE_RE = re.compile(r"(?:与|和|跟|同)\s*$")
_BASE_PAIR_AFTER_RE = re.compile(r"^\s*(?:相比|比|相较|对比)")
# A date that starts or ends a stretch of days ("11 月 15 日起", "since Nov 15"): not one day.
_RANGE_AFTER_DATE_RE = re.compile(r"^\s*(?:起|开始|以来|以后|之后|后|前|之前|以前|至|到|~|-|–|—|止|为止|(?<![A-Za-z])(?:onwards?|on|to|through|until)(?![A-Za-z]))", re.I)
_RANGE_BEFORE_DATE_RE = re.compile(r"(?:从|自|截至|截止|截止到|直到|到|至|(?<![A-Za-z])(?:since|from|after|before|until|through|till|by|as of))\s*$", re.I)

# Digits that are not KPI figures (dates, counts of things, ordinals) are masked out.
_MASK_RE = re.compile(
    r"(?:19|20)\d{2}\s*(?:[-/年]\s*\d{1,2}(?:\s*[-/月]\s*\d{1,2}\s*[日号]?)?|\.\d{1,2}\.\d{1,2})(?![\d.])"
    r"|(?:19|20)\d{2}\s*年"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|\d{1,2}\s*月份?|\d{1,2}\s*[日号]"
    r"|(?<![\d.])\d{1,2}/\d{1,2}(?:/\d{2,4})?(?![\d.%])"
    r"|双\s*11|(?<![\d.])\d{1,2}\.\d{1,2}(?=\s*(?:当天|当日|那天|这一天|单日))"
    r"|第\s*\d+"
    r"|(?<![A-Za-z])(?:Q|H|W|week|day|top|no\.|#)\s*\d+"
    r"|(?<![A-Za-z])(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s*\d{1,2}(?:st|nd|rd|th)?(?!\d|%|\.\d)"
    r"|(?<![\d.])\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
    r"|(?<![A-Za-z])in\s+20\d{2}(?!\d)"
    r"|\d+\s*(?:天|周|个月|年|小时|分钟|季度|人(?!次))"
    r"|\d+\s*(?:days?|weeks?|months?|years?|hours?|campaigns?|creatives?|ads|ad groups?|ad sets?"
    r"|accounts?|platforms?|channels?|videos?|keywords?|people|members?|teams?|times|lines?|deals?|orders?|leads?"
    r"|users?|installs?|downloads?|customers?|visits?|sessions?|sign-?ups?|registrations?|tests?|variants?)(?![A-Za-z])"
    r"|(?<![A-Za-z])(?:team|group) of \d+"
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
    r"(?:\s?(?P<unit>%|％|个百分点|百分点|个点|percentage points?|(?:pp|ppts?|pts?|points?|percent)(?![A-Za-z])|倍|[xX](?![A-Za-z])))?"
    r"(?:\s?(?P<cur2>元|块|RMB|CNY|yuan))?",
    re.I,
)
_MAG = {"万": 1e4, "w": 1e4, "亿": 1e8, "千": 1e3, "k": 1e3, "m": 1e6, "million": 1e6,
        "mn": 1e6, "thousand": 1e3, "billion": 1e9, "bn": 1e9}
_PP_UNITS = ("个百分点", "百分点", "个点", "pp", "ppt", "ppts", "pt", "pts", "point", "points",
             "percentage point", "percentage points")
# Full-width digits, point, percent, signs and letters, one character for one (spans stay valid).
_FOLD = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FOLD.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_FOLD.update({0xFF0E: ord("."), 0xFF05: ord("%"), 0xFF0B: ord("+"), 0xFF0D: ord("-"), 0xFF5E: ord("~"),
              0x301C: ord("~"), 0x3000: ord(" "), 0xFF04: ord("$"), 0xFF0F: ord("/"), 0x2212: ord("-")})

KINDS = ("value", "change_rel", "change_pp", "change_abs", "from_to", "range", "target", "share", "multiple")


# ---------------------------------------------------------------------------
# Data types

Part = tuple[str, str]  # ("platform" | "campaign" | "day", name or YYYY-MM-DD)


@dataclass(frozen=True)
class Scope:
    """What a figure is about: a month (this one or the one before) and a part of the data
    (None = the whole account)."""

    month: str = "current"  # "current" | "previous"
    part: Part | None = None


@dataclass(frozen=True)
class ClaimData:
    """Everything a figure may be checked against besides the month totals: each platform's,
    campaign's and day's KPIs in this month and the month before, and this month's targets.

    KPIs are ratios of sums over the part's rows (bot/insight/kpi.py), so a ratio covering only the
    rows that carry revenue or conversions is the covered figure. `targets` uses KPI keys
    (roas / profit_roi for ROI, "spend" for the budget).
    """

    period: str | None = None  # "YYYY-MM": lets "10 月" / "October" name this month or the one before
    current: Mapping[Part, KPIs] = field(default_factory=dict)
    previous: Mapping[Part, KPIs] = field(default_factory=dict)
    campaigns: Mapping[str, str] = field(default_factory=dict)  # campaign -> its platform
    targets: Mapping[str, float] = field(default_factory=dict)
    # KPIs whose two months cover different rows (revenue from one platform only): the month
    # totals to compare like with like (bot/insight/kpi.py), or None when no rows are comparable.
    like_for_like: Mapping[str, tuple[float | None, float | None] | None] = field(default_factory=dict)
    # The month's campaigns and ad groups as A/B variants (AbData), for sentences that compare
    # them ("素材B 的点击率显著高于素材A"); None without the month's rows.
    ab: AbData | None = None


@dataclass(frozen=True)
class Claim:
    """One numeric statement about a KPI.

    `value` is normalised: percents and points as fractions (12% -> 0.12, 0.4 pp -> 0.004),
    万/w ×1e4, 亿 ×1e8, k ×1e3, M ×1e6. For change claims `value` is the magnitude and
    `direction` carries the sign; for value claims it is signed. `scopes` are the readings of
    what the figure is about (the first is the likeliest); the claim holds if one of them does.
    """

    kpi: str
    kind: str  # one of KINDS
    value: float
    previous: float | None
    direction: str | None  # "up" | "down" | None
    span: tuple[int, int]
    text: str
    month: str = "current"  # the first reading's month: "current" or "previous" ("上月 2.1%")
    basis: str = "mom"  # change claims: "mom" or "yoy" (year over year: not verifiable)
    unit: str | None = None  # as written: "%", "pp", "x" or None
    precision: float = 0.0  # the step the writer rounded `value` to
    previous_precision: float = 0.0
    scopes: tuple[Scope, ...] = (Scope(),)
    low: float | None = None  # range claims: the lower end (value is the upper)
    bound: str | None = None  # value claims: "min" ("超过 39 万") or "max" ("50 元以内")
    relation: str | None = None  # target claims: "above" | "below" | "better" | "worse" | "met"
    approx: bool = False  # "约 40 万", "about ¥400k": one rounding step of slack
    # significance claims: the variants compared (the subject first; `direction` "up": it leads
    # them, "down": they lead it, None: they differ) and every variant the passage compares
    variants: tuple[Part, ...] = ()
    among: tuple[Part, ...] = ()


@dataclass(frozen=True)
class ClaimCheck:
    """A claim and what the data says about it; ok None = cannot be verified."""

    claim: Claim
    ok: bool | None
    expected: float | None  # the data's figure in the claim's terms (signed for changes)
    reason: str = ""  # "value" | "direction" | "relation" | "no_previous" | "no_data" | "no_target" | "yoy" | ""
    current: float | None = None
    previous: float | None = None
    interpretation: str | None = None  # "relative" | "points" | "absolute" for change claims
    scope: Scope = Scope()
    detail: object = None  # significance claims: (Comparison, metric) the verdict was read from

    def message(self, locale: str = "zh-CN") -> str:
        """One line for the user, e.g. “CTR 提升 12%”: the data gives +8.1% (2.10% → 2.27%)."""
        loc = resolve(locale)
        c = self.claim
        quote = t_plain(loc, "claims.quote", text=c.text)
        if c.kind == "significance" and self.detail is not None:
            comparison, metric = self.detail
            verdict = metric_verdict(getattr(comparison, metric), comparison, loc)
            return t_plain(loc, "claims.ab.ok" if self.ok else "claims.ab.wrong", quote=quote, verdict=verdict)
        if self.ok is None:
            reason = self.reason if self.reason in ("no_previous", "no_data", "no_target", "yoy") else "other"
            return t_plain(loc, "claims.unverifiable", quote=quote, why=t_plain(loc, f"claims.why.{reason}"))
        data = self._data_text(loc)
        where = _scope_text(self.scope, loc)
        if where:
            data = t_plain(loc, "claims.scoped", data=data, scope=where)
        if self.ok:
            return t_plain(loc, "claims.matches", quote=quote, data=data)
        if c.kind == "target":
            return t_plain(loc, "claims.on_target", quote=quote, data=data)
        if self.reason == "direction":
            return t_plain(loc, "claims.direction", quote=quote, data=data)
        return t_plain(loc, "claims.differs", quote=quote, data=data)

    def _data_text(self, loc: str) -> str:
        c = self.claim
        cur = fmt_kpi(c.kpi, self.current, loc)
        if c.kind == "target":
            target = fmt_kpi(c.kpi, self.expected, loc)
            share = ""
            if self.interpretation == "share" and self.current is not None and self.expected:
                share = t_plain(loc, "claims.record.share", share=formats.percent(self.current / self.expected, loc, 1))
            key = "claims.record.budget" if c.kpi == "spend" else "claims.record.target"
            return t_plain(loc, key, target=target, actual=cur, share=share)
        if c.kind in ("value", "range"):
            return fmt_kpi(c.kpi, self.expected, loc)
        if c.kind == "share":
            return t_plain(loc, "claims.share", share=formats.percent(self.expected, loc, 1), part=cur,
                           whole=fmt_kpi(c.kpi, self.previous, loc))
        span = f"{fmt_kpi(c.kpi, self.previous, loc)} → {cur}"
        if c.kind == "from_to":
            return span
        if self.interpretation == "points":
            return t_plain(loc, "claims.points", change=_signed(self.expected * 100, 2, loc), span=span)
        if self.interpretation == "absolute":
            body = _signed_kpi(c.kpi, self.expected, loc)
        else:
            dec = min(2, max(1, _decimals_of(c.precision * 100) + 1))
            body = formats.signed_percent(self.expected, loc, dec)
        return t_plain(loc, "claims.change", change=body, span=span)


def _scope_text(scope: Scope, loc: str) -> str:
    """'QQ浏览器拉新，上月' / 'QQ浏览器拉新, last month'; '' for this month's totals."""
    bits = []
    if scope.part is not None:
        bits.append(scope.part[1])
    if scope.month == "previous" and (scope.part is None or scope.part[0] != "day"):
        bits.append(t_plain(loc, "claims.scope.last_month"))
    return t_plain(loc, "claims.scope.sep").join(bits)


# ---------------------------------------------------------------------------
# Number formatting (shared with bot/insight/draft.py so drafts and messages agree)

MONEY_KEYS = ("spend", "revenue", "cpc", "cpm", "cpa")
COUNT_KEYS = ("impressions", "clicks", "conversions")


def _signed(x: float, dec: int, locale: str = "en") -> str:
    return formats.signed(x, locale, dec)


def _decimals_of(step: float) -> int:
    if step <= 0 or step >= 1:
        return 0
    return max(0, round(-math.log10(step)))


def fmt_kpi(key: str, v: float | None, locale: str) -> str:
    """Format a KPI value the way drafts write it: zh-CN 万/亿, en thousands separators,
    percents and money with 2 decimals, ROI as 3.20. None -> 无数据 / —."""
    loc = resolve(locale)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return t_plain(loc, "kpi.no_value")
    if key in SHARE_KEYS:
        return formats.percent(v, loc, 2)
    if key in ("roas", "profit_roi", "roi"):
        return formats.ratio(v, loc)
    if key in MONEY_KEYS:
        return formats.money_compact(v, loc) or formats.money(v, loc)
    return formats.compact(v, loc) or formats.decimal(v, loc)


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
        joined = bool(m.group("sign")) and m.group("sign") in "-−－" and (prev_ch.isdigit() or prev_ch in "%")
        # "Q3"-like leftovers, "v2", or part of a masked token; but "CPA48.5" is a KPI and its figure
        if prev_ch and (prev_ch.isascii() and prev_ch.isalnum() or prev_ch in "§.") and not joined \
                and not (prev_ch.isalpha() and _KPI_ACRONYM_END_RE.search(masked, max(start, s - 6), s)):
            continue
        sign = 0
        if m.group("sign") and not joined:
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
        begin = m.start("int") - (len(m.group("cur1")) if m.group("cur1") else 0) if joined else m.start()
        out.append(_Num(
            begin, m.end(), float(f"{int_str.replace(',', '')}.{dec or 0}"), len(dec), int_str,
            _MAG.get(mag_s, 1.0), unit, bool(m.group("cur1") or m.group("cur2")), sign,
        ))
    out.sort(key=lambda n: n.start)
    return out


def _fold(text: str) -> str:
    """Full-width digits, points, percent and letters as ASCII, one character for one."""
    return text.translate(_FOLD)


def _mask(text: str) -> str:
    chars = list(text)
    for m in _MASK_RE.finditer(text):
        for i in range(m.start(), m.end()):
            if chars[i].isdigit():
                chars[i] = "§"
    return "".join(chars)


# A full stop ends a sentence, but not after "vs", "e.g." or a month's short name ("Nov. 11").
_SENTENCE_END_RE = re.compile(
    r"[。！？!?；;\n]|(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)"
    + "".join(rf"(?<!\b{m})" for m in ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
                                       "No", "approx"))
    + r"\.(?=\s|$)")


def _sentences(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENTENCE_END_RE.finditer(text):
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


def _relation(before: str) -> str | None:
    """The comparison word that ends `before` ("高于", "missed the"), as a relation."""
    tail = re.sub(r"(?:\s|的|了|the|a|an|our|its|their)+$", "", before, flags=re.I)
    for rx, rel in _RELATION_WORDS:
        if re.search(rf"(?:{rx})$", tail, re.I):
            return rel
    return None


_FILLER_RE = re.compile(
    r"^(?:[\s:：=（(,，]|值|为|是|设定为|定为|设为|设在|定在|约|的|(?<![A-Za-z])(?:of|is|was|at|set at|set to|on record|"
    r"this month|for the month|the|a|an|our)(?![A-Za-z]))*$",
    re.I,
)
_DIRECT_RE = re.compile(r"^(?:[\s:：=（(]|为|是|的|只有|仅|仅为|达|达到|约|(?<![A-Za-z])(?:'s|of|at|was|is|were|only|just|"
                        r"about|around)(?![A-Za-z]))*$", re.I)
_TARGET_AFTER_RE = re.compile(
    r"^\s*(?:元|块)?\s*(?:(?P<rel>above|below|under|over|short of|ahead of|behind|higher than|lower than|高于|低于)\s*"
    r"(?:(?:the|our|a)\s+)?(?:[¥￥$]?\d[\d,.]*\s*(?:万|亿|[kKmMwW](?![A-Za-z]))?\s*(?:%|元|pp)?\s*)?(?:[A-Za-z]{2,5}\s+)?"
    r"|(?P<of>of\s+(?:(?:the|our|a)\s+)?(?:[¥￥$]?\d[\d,.]*\s*(?:%|k|元)?\s*)?(?:[A-Za-z]{2,5}\s+)?))?"
    r"(?:的)?\s*(?:(?P<t>目标|考核|(?<![A-Za-z])(?:target|goal)(?![A-Za-z]))|"
                              r"(?P<b>预算|(?<![A-Za-z])budget(?![A-Za-z])))", re.I)
_BOUND_BEFORE = (  # negated forms first: "没有超过 50 元" is at most 50
    (re.compile(r"(?:不低于|不少于|至少|最少|(?<![A-Za-z])(?:at least|no less than|not (?:below|under|less than))"
                r"(?![A-Za-z]))(?:\s|了|the)*$", re.I), "min"),
    (re.compile(r"(?:不高于|不超过|未超过|没有?超过|未超出|没有?超出|至多|最多|(?<![A-Za-z])(?:at most|no more than|up to|"
                r"not (?:above|over|more than)|did not exceed|didn't exceed)(?![A-Za-z]))(?:\s|了|the)*$", re.I), "max"),
    (re.compile(r"(?:超过|超出|高于|突破|(?<![A-Za-z])(?:above|more than|over|exceed(?:ed|s|ing)?)(?![A-Za-z]))"
                r"(?:\s|了|the)*$", re.I), "min"),
    (re.compile(r"(?:低于|不到|不足|少于|(?<![A-Za-z])(?:below|less than|under|fewer than)(?![A-Za-z]))(?:\s|了|the)*$",
                re.I), "max"),
)
# "没有达到 1.2%", "didn't reach 1.2%": a figure said not to hold; not checked.
_NEG_LEAD_RE = re.compile(r"(?:没有|没|未|并未|不是|不会|(?<![A-Za-z])(?:not|never|didn't|did not|wasn't|was not|isn't|"
                          r"is not|hasn't|has not|failed to)(?![A-Za-z]))[^\d，,;；]{0,8}$", re.I)
_BOUND_AFTER_RE = re.compile(r"^\s*(?:(?P<min>以上)|(?P<max>以下|以内|之内))")
_NEAR_RE = re.compile(r"(?:近|接近|将近|逼近|(?<![A-Za-z])(?:nearly|almost|close to|approaching|roughly|approximately)"
                      r"(?![A-Za-z]))\s*$", re.I)
_APPROX_RE = re.compile(r"(?:约|大约|大概|(?<![A-Za-z])(?:about|around|approx\.?)(?![A-Za-z])|~)\s*$|^\s*(?:元|%)?\s*左右",
                        re.I)
_SUBJECT_RE = re.compile(r"实际|实为|(?<![A-Za-z])(?:actual(?:ly)?|came in at|landed at)(?![A-Za-z])", re.I)
_RESP_RE = re.compile(r"分别|各为|各自为|依次为|(?<![A-Za-z])respectively(?![A-Za-z])", re.I)
_LIST_SEP_RE = re.compile(r"^\s*(?:、|和|与|及|以及|跟|,|，|/|&|(?<![A-Za-z])(?:and|or)(?![A-Za-z])|,\s*and)\s*$", re.I)
_BOTH_RE = re.compile(r"都|均|双双|同步|一起|(?<![A-Za-z])(?:both|all)(?![A-Za-z])", re.I)
_ATTACH_END_RE = re.compile(r"\s*(?:[）)，,;；。]|$|→|->|(?:to|and|vs\.?|versus|but|while)(?![A-Za-z]))", re.I)
_ATTACH_RE = re.compile(r"^\s*[（(]?\s*(?:(?:in|for|during|of|on)\s+)?$", re.I)
_PHRASE_GAP_RE = re.compile(r"[\s的之这那]*(?:两|二|三|四|几|[2-9])?\s*(?:个|条|家|组)?\s*")
_NAME_STOP = {"other", "others", "unknown", "none", "nan", "null", "all", "total", "其他", "未知", "全部", "合计"}


def _name_tokens(name: str) -> tuple[str, set[int], set[int]]:
    """A name without separators, lower case, with where its words start and end
    (words: runs of letters/digits or of CJK characters)."""
    out, starts, ends = [], set(), set()
    prev = None  # "a" ascii, "c" other, None after a separator
    for ch in name.lower():
        if ch in _NAME_SEPARATORS or ch.isspace():
            if prev is not None:
                ends.add(len(out))
            prev = None
            continue
        kind = "a" if ch.isascii() else "c"
        if kind != prev:
            if prev is not None:
                ends.add(len(out))
            starts.add(len(out))
        out.append(ch)
        prev = kind
    ends.add(len(out))
    return "".join(out), starts, ends


@dataclass
class _Ev:
    start: int
    end: int
    kind: str  # "month" | "part" | "target"
    value: object  # month: "current"/"previous"/None(unknown); part: Part | "total" | None(unknown)
    base: bool = False  # a comparison's base ("较上月", "than Tencent Ads"), not the subject
    depth: tuple[int, int] | None = None  # the brackets it sits in
    attached: int | None = None  # the start of the figure it trails ("0.93% in October")
    named: bool = True  # a part that was named (not only a generic word like 平台)
    month_of: str | None = None  # for a day: its month
    budget: bool = False
    share: bool = False  # "达成率", "budget utilisation": the figure is actual / target
    cands: frozenset | None = None  # for a piece of a name: the parts whose names hold it
    framing: bool = False  # its clause has no figure ("10 月份，…", "In October, …"): it frames the rest
    letter: bool = False  # a variant named by its letter alone ("B 的点击率…")


class _World:
    """The names, months and days a sentence may refer to, from the data."""

    def __init__(self, data: ClaimData | None, scope_names: Iterable[str], text: str = ""):
        self.data = data
        self.ab = data.ab if data else None
        self.period = data.period if data else None
        self.names: list[tuple[str, Part | None, set[int], set[int]]] = []
        self.platform_campaigns: dict[str, set[str]] = {}
        self.days: dict[str, str] = {}  # YYYY-MM-DD -> "current" | "previous"
        self.written: set[str] = set()  # the parts' names as written in the data
        seen: set[str] = set()
        written = _fold(text).lower().translate(_SEPARATORS_GONE)
        if data:
            for month, table in (("current", data.current), ("previous", data.previous)):
                for kind, name in table:
                    if kind == "day":
                        self.days.setdefault(name, month)
                        continue
                    self._name(name, (kind, name), seen)
            if data.ab is not None:  # ad groups and creatives the text names (whole names only, see candidates)
                named = data.ab.named(written)
                for name, part in named:
                    if part is not None:
                        self._name(name, part, seen)
                for name, part in named:  # nobody's in particular: known, so never part of another name
                    if part is None:
                        self._name(name, None, seen)
            for camp, plat in data.campaigns.items():
                self.platform_campaigns.setdefault(plat, set()).add(camp)
        for s in scope_names:
            if s and len(str(s).strip()) >= 2:
                self._name(str(s), None, seen)
        self.joined = "\x00".join(n for n, *_ in self.names)

    def _name(self, name: str, part: Part | None, seen: set[str]) -> None:
        norm, starts, ends = _name_tokens(name)
        if len(norm) < 2 or norm in _NAME_STOP or (norm, part) in seen:
            return
        seen.add(norm)
        self.names.append((norm, part, starts, ends))
        if part is not None:
            self.written.add(_fold(name))

    def without_names(self, sentence: str) -> str:
        """The sentence with the data's names blanked out: "双十一预热-短视频A" names a campaign, not
        the Singles' Day stretch of the month that the skip words look for."""
        for name in self.written:
            if name in sentence:
                sentence = sentence.replace(name, " " * len(name))
        return sentence

    # --- months -----------------------------------------------------------------------------

    def month_key(self, y: int | None, m: int) -> str | None:
        """"current" / "previous" for a month number (and year), None for any other month."""
        if not self.period or not 1 <= m <= 12:
            return None
        py, pm = map(int, self.period.split("-"))
        qy, qm = (py, pm - 1) if pm > 1 else (py - 1, 12)
        if m == pm and y in (None, py):
            return "current"
        if m == qm and y in (None, qy):
            return "previous"
        return None

    def day(self, y: int | None, m: int | None, d: int) -> tuple[str | None, Part | None]:
        """The month key and day part of a date, when the data has that day."""
        if not self.period:
            return None, None
        py, pm = map(int, self.period.split("-"))
        if m is None:
            m = pm
        key = self.month_key(y, m)
        if key is None:
            return None, None
        year = py if key == "current" else (py if pm > 1 else py - 1)
        iso = f"{year:04d}-{m:02d}-{d:02d}"
        return key, (("day", iso) if iso in self.days else None)

    # --- names ------------------------------------------------------------------------------

    def resolve(self, frag: str) -> Part | None | str:
        """What a piece of a name stands for: a part, None (unknown or ambiguous), or "skip"
        (not a name of anything here)."""
        got = self.candidates(frag)
        return got if isinstance(got, str) else self.pick(got)

    def candidates(self, frag: str) -> frozenset[Part | None] | str:
        """The parts whose names hold `frag` ("skip" when none does); an exact name is alone."""
        if len(frag) < 2 or frag in _GENERIC_FRAGMENTS or frag.isdigit():
            return "skip"
        hits: list[Part | None] = []
        exact: list[Part | None] = []
        for norm, part, starts, ends in self.names:
            if norm == frag:
                exact.append(part)
                continue
            if part is not None and part[0] in ("ad_group", "creative"):
                continue  # ad groups and creatives are named in full: their names are short and generic ("素材A", "通投")
            i = norm.find(frag)
            while i >= 0:
                if len(frag) >= 3 or i in starts or i + len(frag) in ends:
                    hits.append(part)
                    break
                i = norm.find(frag, i + 1)
        if exact:
            rank = {"platform": 0, "campaign": 1}  # then ad groups: a campaign of the same name wins
            return frozenset([min(exact, key=lambda p: rank.get(p[0], 2) if p else 1)])
        if not hits:
            return "skip"
        return frozenset(hits)

    def pick(self, parts: frozenset[Part | None]) -> Part | None:
        """One part for a set of candidates: the only one, or the platform they make up whole."""
        if None in parts or not parts:
            return None
        if len(parts) == 1:
            return next(iter(parts))
        plats = {p[1] for p in parts if p[0] == "platform"}
        camps = {p[1] for p in parts if p[0] == "campaign"}
        owners = {self.data.campaigns.get(c) for c in camps} if self.data else {None}
        if len(plats) == 1 and owners <= plats:
            return ("platform", plats.pop())
        if not plats and len(owners) == 1 and None not in owners:
            owner = owners.pop()
            if camps == self.platform_campaigns.get(owner):
                return ("platform", owner)
        return None

    def fragments(self, text: str, s0: int, s1: int, blocked: list[tuple[int, int]]) -> list[_Ev]:
        """Pieces of the sentence that are (parts of) names in the data."""
        if not self.names:
            return []
        chars, idx = [], []
        for i in range(s0, s1):
            ch = text[i]
            if ch in _NAME_SEPARATORS or ch.isspace() or any(a <= i < b for a, b in blocked):
                if any(a <= i < b for a, b in blocked):
                    chars.append("\x00")
                    idx.append(i)
                continue
            chars.append(ch.lower())
            idx.append(i)
        ns = "".join(chars)
        out: list[_Ev] = []
        i = 0
        while i < len(ns):
            j = i + 1
            while j < len(ns) and ns[i:j + 1] in self.joined and "\x00" not in ns[i:j + 1]:
                j += 1
            if j - i < 2:
                i += 1
                continue
            frag = ns[i:j]
            a, b = idx[i], idx[j - 1] + 1
            ascii_edges = (a > 0 and text[a - 1].isascii() and text[a - 1].isalnum() and frag[0].isascii()) or (
                b < len(text) and text[b].isascii() and text[b].isalnum() and frag[-1].isascii())
            if ascii_edges or (frag.isascii() and not frag.isalnum()):
                i += 1
                continue
            got = self.candidates(frag)
            if got == "skip":
                i += 1
                continue
            ev = _Ev(a, b, "part", self.pick(got), cands=got)
            # "抖音两条拉新计划": pieces of names in one phrase narrow each other down (A and B)
            if out and out[-1].cands is not None and _PHRASE_GAP_RE.fullmatch(text[out[-1].end:a]):
                both = out[-1].cands & got
                if both:
                    prev = out.pop()
                    ev = _Ev(prev.start, b, "part", self.pick(both), cands=both)
            out.append(ev)
            i = j
        return out


def _paren_spans(text: str, s0: int, s1: int) -> list[tuple[int, int]]:
    spans, stack = [], []
    for i in range(s0, s1):
        if text[i] in "（(":
            stack.append(i)
        elif text[i] in "）)" and stack:
            spans.append((stack.pop(), i + 1))
    for a in stack:  # an unclosed bracket runs to the end of the sentence
        spans.append((a, s1))
    return spans


class _Parser:
    def __init__(self, text: str, roi_mode: str, world: _World, *, future: bool = False) -> None:
        self.future = future  # the text is about next month unless a sentence names a month we have
        self.para_future = future
        self.original = text
        self.text = _fold(text)
        self.masked = _mask(self.text)
        self.roi_mode = roi_mode
        self.world = world
        self.claims: list[Claim] = []
        # the current sentence
        self.s0 = self.s1 = 0
        self.events: list[_Ev] = []
        self.parens: list[tuple[int, int]] = []
        self.para_part: object = "none"  # "none" (nothing named), a Part, or None (unknown part)
        self.para_month: str | None | bool = False  # False: nothing named
        self.para_variants: list[Part] = []  # campaigns and ad groups the paragraph has named
        self.variants_compared = False  # the sentence names two or more campaigns or ad groups
        self.last_sentence: tuple[int, int, list | None] = (0, 0, None)  # and the variants it named

    def snippet(self, a: int, b: int, label: str | None = None) -> str:
        s = self.original[a:b].strip(" ，,：:（()）")
        if len(s) > 60:
            s = s[:28] + "…" + s[-28:]
        if label and not _KPI_RE.search(_fold(s)):
            s = f"{label} … {s}"  # quote the KPI too when the figure sits apart from it
        return s

    # --- sentences and their context --------------------------------------------------------

    def run(self, skip_re: re.Pattern[str]) -> list[Claim]:
        text = self.text
        prev_end = 0
        for s_start, s_end in _sentences(text):
            if re.search(r"\n\s*\n", text[prev_end:s_start]):
                self.para_part, self.para_month = "none", False  # a new paragraph
                self.para_future = self.future
                self.para_variants = []
            prev_end = s_end
            own = self.world.without_names(text[s_start:s_end])  # its own words, not the data's names
            if _FUTURE_RE.search(own):
                self.para_future = True  # a plan: the rest of the paragraph is next month's too
            if self.para_future and not (_NOW_RE.search(own) or _MONTH_RE.search(own)):
                continue
            if skip_re.search(own):
                continue
            self.s0, self.s1 = s_start, s_end
            self.parens = _paren_spans(text, s_start, s_end)
            self.stretch = False
            self.events = self.sentence_events(s_start, s_end)
            if self.stretch:
                continue
            named = [e.value for e in self.events if e.kind == "part" and isinstance(e.value, tuple)
                     and e.value[0] in ("campaign", "ad_group", "creative")]
            self.variants_compared = len(set(named)) >= 2
            if not self.lists(s_start, s_end):
                carry: tuple[str, int] | None = None  # (key, mention start) from an earlier clause
                for c_start, c_end in _clauses(text, s_start, s_end):
                    self.c0, self.c1 = c_start, c_end
                    carry = self.clause(c_start, c_end, carry)
            self.significance(s_start, s_end)
            self.carry_context()
            self.para_variants = list(dict.fromkeys(self.para_variants + named))
            self.last_sentence = (s_start, s_end, self.variant_mentions() if self.world.ab else None)
        return self.claims

    def kpi_mentions(self, start: int, end: int) -> list[tuple[int, int, str]]:
        text = self.text
        mentions = [(m.start(), m.end(), _roi_key(_kpi_of(m.group(0)), self.roi_mode))
                    for m in _KPI_RE.finditer(text, start, end)]
        mentions = [(a, b, k) for a, b, k in mentions if k]
        # "点击率（CTR）": one mention, so the quote starts at the first name.
        merged: list[tuple[int, int, str]] = []
        for a, b, k in mentions:
            if merged and merged[-1][2] == k and re.fullmatch(r"[\s（()）/]*", text[merged[-1][1]:a]):
                merged[-1] = (merged[-1][0], b, k)
            else:
                merged.append((a, b, k))
        return merged

    def sentence_events(self, s0: int, s1: int) -> list[_Ev]:
        text, world = self.text, self.world
        kpis = [(a, b) for a, b, _ in self.kpi_mentions(s0, s1)]
        evs: list[_Ev] = []
        taken: list[tuple[int, int]] = list(kpis)

        def free(a: int, b: int) -> bool:
            return not any(a < y and x < b for x, y in taken)

        for m in _DAY_RE.finditer(text, s0, s1):
            g = m.groupdict()
            if g["double11"]:
                y, mo, d = None, 11, 11
            else:
                y = int(g["y1"] or g["y2"]) if (g["y1"] or g["y2"]) else None
                mo_s = g["m1"] or g["m2"] or g["m3"] or g["m8"]
                en = g["en1"] or g["en2"]
                mo = int(mo_s) if mo_s else (_en_month(en) if en else None)
                d = int(g["d1"] or g["d2"] or g["d3"] or g["d4"] or g["d5"] or g["d6"] or g["d7"] or g["d8"])
                if g["d6"] or g["d7"]:
                    mo = None
            if not 1 <= d <= 31:
                continue
            key, part = world.day(y, mo, d)
            before, after = text[s0:m.start()], text[m.end():s1]
            stretch = _RANGE_AFTER_DATE_RE.match(after) or _RANGE_BEFORE_DATE_RE.search(before)
            if stretch:
                self.stretch = True  # "11 月 15 日起", "since Nov 15": a stretch of days, not in the data
            if stretch or key is None:
                part = None
            evs.append(_Ev(m.start(), m.end(), "part", part, month_of=key if part else None))
            taken.append((m.start(), m.end()))
        for m in _MONTH_RE.finditer(text, s0, s1):
            if not free(m.start(), m.end()):
                continue
            g = m.groupdict()
            if g["ly"] or g["older"]:
                key = None  # last year's month, or two months back: no data
            elif g["cur"]:
                key = "current"
            elif g["prev"]:
                key = "previous"
            elif g["ym"]:
                key = world.month_key(int(g["y"]), int(g["m"]))
            elif g["zh"]:
                z = g["zh"]
                key = world.month_key(None, int(z) if z.isdigit() else _ZH_NUM.get(z, 0))
            else:
                key = world.month_key(None, _en_month(g["en"]))
            evs.append(_Ev(m.start(), m.end(), "month", key))
            taken.append((m.start(), m.end()))
        for ev in world.fragments(text, s0, s1, taken):
            evs.append(ev)
            taken.append((ev.start, ev.end))
        for m in _ALIAS_RE.finditer(text, s0, s1):
            if not free(m.start(), m.end()):
                continue
            canon = _ALIAS_LOOKUP.get(_norm(m.group(0)))
            if canon is None:
                continue
            got = world.resolve(_name_tokens(canon)[0])
            evs.append(_Ev(m.start(), m.end(), "part", None if got == "skip" else got))
            taken.append((m.start(), m.end()))
        if world.ab is not None:
            # "B 的点击率 1.40%", "variant B": a variant by its letter, as the sentence or paragraph
            # names its family (or the data has one family of lettered names); otherwise unknown.
            pairs = [m.span() for m in _AB_PAIR_RE.finditer(text, s0, s1)]
            letters = [m for m in _LETTER_RE.finditer(text, s0, s1)
                       if free(m.start(), m.end()) and not any(a <= m.start() < b for a, b in pairs)
                       and not (m.group(1) == "A" and _ARTICLE_RE.match(text, m.start()))
                       and not _LETTER_NOT_RE.match(text, m.end())]
            if letters:
                near = [e.value for e in evs if e.kind == "part" and isinstance(e.value, tuple)
                        and world.ab.key(e.value) is not None]
                context = near[0] if near else (self.para_variants[-1] if self.para_variants else None)
                family = None if context else world.ab.lettered({m.group(1).lower() for m in letters})
                for m in letters:
                    x = m.group(1).lower()
                    part = world.ab.sibling(context, x) if context else (family or {}).get(x)
                    evs.append(_Ev(m.start(), m.end(), "part", part, letter=True))
                    taken.append((m.start(), m.end()))
        for e in evs:
            if e.kind == "part" and _EXCEPT_BEFORE_RE.search(text[max(s0, e.start - 12):e.start]):
                e.value = None  # "除微信朋友圈-品牌外": the others
        named = any(e.kind == "part" and e.value is not None and not e.month_of for e in evs)
        for m in _OTHERS_RE.finditer(text, s0, s1):
            if free(m.start(), m.end()):
                evs.append(_Ev(m.start(), m.end(), "part", None))
                taken.append((m.start(), m.end()))
        if not any(e.kind == "part" and e.month_of and e.value for e in evs):
            for m in _DAY_WORD_RE.finditer(text, s0, s1):
                if free(m.start(), m.end()):
                    evs.append(_Ev(m.start(), m.end(), "part", None, named=False))
        for m in _RESET_RE.finditer(text, s0, s1):
            if free(m.start(), m.end()):
                evs.append(_Ev(m.start(), m.end(), "part", "total"))
                taken.append((m.start(), m.end()))
        for m in _GENERIC_PART_RE.finditer(text, s0, s1):
            if not free(m.start(), m.end()):
                continue
            if named or self.para_part not in ("none", None):
                continue  # "QQ浏览器拉新这条线", "the Tencent Ads platform": explained by the name
            evs.append(_Ev(m.start(), m.end(), "part", None, named=False))
        for m in _TARGET_RE.finditer(text, s0, s1):
            if free(m.start(), m.end()):
                evs.append(_Ev(m.start(), m.end(), "target", None, budget=bool(m.group("budget")) or (
                    m.group("share") or "").startswith("预算") or "budget" in (m.group("share") or "").lower(),
                    share=bool(m.group("share"))))
        evs.sort(key=lambda e: e.start)
        nums = _tokens(text, self.masked, s0, s1)
        for c0, c1 in _clauses(text, s0, s1):
            bare = not any(c0 <= n.start < c1 for n in nums)
            for e in evs:
                if c0 <= e.start < c1:
                    e.framing = bare
        for e in evs:
            before = text[max(s0, e.start - 16):e.start]
            if e.kind in ("month", "part"):
                e.base = bool(_BASE_BEFORE_RE.search(before) or (
                    _BASE_PAIR_BEFORE_RE.search(before) and _BASE_PAIR_AFTER_RE.match(text[e.end:s1])))
            spans = [s for s in self.parens if s[0] < e.start < s[1]]
            e.depth = min(spans, key=lambda s: s[1] - s[0]) if spans else None
            for n in nums:
                # "0.93% in October", "4.01（10 月）": the month trails its figure (but "（上月 2.10%）" leads one)
                if n.end <= e.start and _ATTACH_RE.match(text[n.end:e.start]) and _ATTACH_END_RE.match(text, e.end, s1):
                    e.attached = n.start
        return evs

    def carry_context(self) -> None:
        """What the next sentence inherits: the part and month this one named last."""
        for e in reversed(self.events):
            if e.kind == "part" and not e.base and e.depth is None and e.attached is None and e.named \
                    and e.value != "total":
                self.para_part = e.value
                break
        for e in reversed(self.events):
            if (e.kind == "month" or (e.kind == "part" and e.month_of)) and not e.base and e.depth is None \
                    and e.attached is None:
                self.para_month = e.value if e.kind == "month" else e.month_of
                break

    # --- what a figure is about -------------------------------------------------------------

    def _visible(self, e: _Ev, pos: int) -> bool:
        return e.depth is None or e.depth[0] < pos < e.depth[1]

    def _explicit(self, kinds, n: _Num, lo: int) -> _Ev | None:
        """The last event of `kinds` between lo and the figure that speaks about it."""
        found = None
        for e in self.events:
            if not (lo <= e.start < n.start) or not kinds(e) or not self._visible(e, n.start):
                continue
            if e.attached is not None and e.attached != n.start:
                continue  # "from ¥46.96 last month to ¥47.95": "last month" is the first figure's
            if e.base and not _DIRECT_RE.match(self.text[e.end:n.start]):
                continue  # "较上月提升": the base of a comparison, not the subject
            found = e
        return found

    @staticmethod
    def _is_month(e: _Ev) -> bool:
        return e.kind == "month" or (e.kind == "part" and e.month_of is not None)

    @staticmethod
    def _is_part(e: _Ev) -> bool:
        return e.kind == "part"

    def explicit_month(self, n: _Num, lo: int | None = None) -> tuple[bool, str | None]:
        """(named?, month) for a figure: a month named right after it or before it in its clause."""
        for e in self.events:
            if e.attached == n.start and self._is_month(e):
                return True, e.value if e.kind == "month" else e.month_of
        e = self._explicit(self._is_month, n, self.c0 if lo is None else lo)
        if e is None:
            return False, None
        return True, e.value if e.kind == "month" else e.month_of

    def months_at(self, n: _Num) -> list[str] | None:
        named, month = self.explicit_month(n)
        if named:
            return [month] if month else None
        inherited = None
        for e in self.events:
            if self.s0 <= e.start < self.c0 and self._is_month(e) and not e.base and e.depth is None \
                    and e.attached is None:
                inherited = e
        if inherited is not None:
            m = inherited.value if inherited.kind == "month" else inherited.month_of
            if m is None:
                return None
            return [m] if inherited.framing else list(dict.fromkeys([m, "current"]))
        if self.para_month is not False:
            m = self.para_month
            return None if m is None else list(dict.fromkeys([m, "current"]))
        return ["current"]

    def parts_at(self, n: _Num) -> list[Part | None] | None:
        named = [f for f in self.events if self.s0 <= f.start < n.start and f.kind == "part" and not f.base
                 and isinstance(f.value, tuple) and self._visible(f, n.start)]
        if any(f.month_of for f in named) and any(not f.month_of for f in named):
            return None  # one campaign on one day: not a slice we have
        e = self._explicit(self._is_part, n, self.c0)
        if e is not None:
            if e.value is None:
                return None
            if e.value == "total":
                # "抖音两条拉新计划合计": the total of the part named before; "A 和 B 合计": of a list
                named = [f for f in self.events if self.c0 <= f.start < e.start and f.kind == "part"
                         and f.value != "total" and f.named and not f.base]
                if named:
                    f = named[-1]
                    if f.value is None or f.month_of or any(
                            g is not f and g.kind == "part" and g.end <= f.start
                            and _LIST_SEP_RE.match(self.text[g.end:f.start]) for g in self.events):
                        return None
                    return [f.value]
                return [None]
            # "巨量引擎和腾讯广告 CTR 1.00%": a list of parts without "分别" pairs with nothing
            for f in self.events:
                if f is not e and f.kind == "part" and f.end <= e.start and _LIST_SEP_RE.match(self.text[f.end:e.start]):
                    return None
            return [e.value]
        for f in self.events:
            if n.end <= f.start < self.c1 and f.kind == "part" and not f.base and f.depth is None \
                    and f.value != "total" and f.attached is None:
                return None  # a part named after the figure: unclear which it is about
        inherited = None
        for f in self.events:
            if self.s0 <= f.start < self.c0 and f.kind == "part" and not f.base and f.depth is None \
                    and f.attached is None:
                inherited = f
        if inherited is not None:
            if inherited.value is None:
                return None
            if inherited.value == "total":
                return [None]
            return [inherited.value] if inherited.framing else [inherited.value, None]
        if self.para_part != "none":
            return None if self.para_part is None else [self.para_part, None]
        return [None]

    def scopes_at(self, n: _Num, *, months: list[str] | None = None,
                  parts: list[Part | None] | None = None) -> tuple[Scope, ...] | None:
        months = months if months is not None else self.months_at(n)
        parts = parts if parts is not None else self.parts_at(n)
        if not months or not parts:
            return None
        if any(p is not None and p[0] == "day" for p in parts) and any(
                f.kind == "part" and isinstance(f.value, tuple) and not f.month_of and not f.base
                and self.s0 <= f.start < n.start for f in self.events):
            return None  # one campaign on one day: not a slice we have
        out: list[Scope] = []
        for p in parts:
            if p is not None and p[0] == "day":
                m = self.world.days.get(p[1])
                if m is None:
                    return None
                out.append(Scope(m, p))
            else:
                out.extend(Scope(m, p) for m in months)
        return tuple(dict.fromkeys(out))

    def base_of(self, n: _Num) -> tuple[bool, bool]:
        """(the clause compares with another month than the last, or with another part)."""
        other_month = other_part = False
        for e in self.events:
            if self.c0 <= e.start < n.start and e.base:
                if e.kind == "month" and e.value != "previous":
                    other_month = True
                elif e.kind == "part" and e.value != "total":
                    other_part = True
        return other_month, other_part

    def subject_before(self, n: _Num) -> bool:
        """The clause names what a carried figure is about ("11 月回升到 1.00%", "实际 3.96")."""
        for e in self.events:
            if self.c0 <= e.start < n.start and e.kind in ("month", "part") and not e.base:
                return True
        return bool(_SUBJECT_RE.search(self.text, self.c0, n.start))

    def new_subject(self, lead_from: int, n: _Num) -> bool:
        """A part or month named since the last figure ("…5.94% and Ocean Engine at 4.44%")."""
        return any(lead_from <= e.start < n.start and e.kind in ("month", "part") and not e.base
                   and e.attached is None and e.value != "total" for e in self.events)

    def role_of(self, n: _Num) -> tuple[str, str | None, bool] | None:
        """("target", relation, budget) when the figure is a stated target, budget, the gap to one
        (relation "above"/"below") or the share of one reached (relation "share"); ("other", …) for
        a target of a longer stretch ("Q4 目标", "年度预算")."""
        text = self.text
        m = _TARGET_AFTER_RE.match(text[n.end:min(self.s1, n.end + 40)])
        if m:
            kind = "other" if _LONG_TARGET_RE.search(text, self.c0, n.end + m.end()) else "target"
            if m.group("of") and n.unit in ("pct", "x"):
                return kind, "share", bool(m.group("b"))  # "91% of the CTR goal", "98.5% of budget"
            if m.group("of"):
                return "other", None, True  # "5.8k of budget unused": a part of the budget
            rel = m.group("rel")
            relation = _relation(rel) if rel else _relation(text[self.c0:n.start])
            return kind, relation, bool(m.group("b"))
        for e in reversed(self.events):
            if e.kind != "target" or not (self.c0 <= e.end <= n.start):
                continue
            kind = "other" if _LONG_TARGET_RE.search(text, self.c0, e.end) else "target"
            between = text[e.end:n.start]
            if re.match(r"\s*[：:]", between) and _relation(text[self.c0:e.start]) in ("met", "worse"):
                return None  # "未达目标：点击率 1.00%": a status, then the actual figure
            if not e.budget:
                between = _KPI_RE.sub(" ", between)
            if e.share and re.fullmatch(r"[\s:：为是达约]*", between):
                return kind, "share", e.budget  # "CTR 达标率 91%"
            if re.fullmatch(r"\s*的\s*", between) and n.unit in ("pct", "x"):
                return kind, "share", e.budget  # "完成目标的 91%", "是目标的 1.32 倍"
            if e.budget and n.unit == "pct" and _OVER_UNDER_RE.search(text, self.c0, e.start):
                return "other", None, True  # "超出预算 6.6%", "1.5% under budget": by how much, unchecked
            if _FILLER_RE.match(between):
                relation = _relation(text[self.c0:e.start])
                if n.unit == "x" or (n.unit == "pct" and (e.budget or key_is_money(text, self.c0, e.start))):
                    relation = "share"  # "占预算 98.55%"
                return kind, relation, e.budget
            # "较目标低 2.05 元", "比目标高 0.96": the gap to the target
            gap = re.fullmatch(r"\s*(?:了)?\s*(?:更)?([高低多少])\s*(?:了|出)?\s*(?:约|大约|近|将近)?\s*", between)
            if gap and re.search(r"(?:比|较|相比|相较)\s*$", text[self.c0:e.start]):
                return kind, "above" if gap.group(1) in "高多" else "below", e.budget
            return None
        return None

    # --- lists: "CPC 和 CPA 分别为 2.40 元和 47.95 元" ---------------------------------------------

    def lists(self, s0: int, s1: int) -> bool:
        """Pair lists of KPIs, parts or months with lists of figures; True when the sentence
        was handled here (paired, or left alone because the lists do not pair up)."""
        text = self.text
        mentions = self.kpi_mentions(s0, s1)
        resp = _RESP_RE.search(text, s0, s1)
        nums = _tokens(text, self.masked, s0, s1)
        if not nums:
            return False
        self.c0, self.c1 = s0, s1
        # a run of KPI names joined by 和/、/and
        runs: list[list[tuple[int, int, str]]] = []
        prev_end = s0
        for mt in mentions:
            if runs and _LIST_SEP_RE.match(text[runs[-1][-1][1]:mt[0]]) and mt[2] != runs[-1][-1][2] \
                    and (len(runs[-1]) > 1 or not runs[-1][0][3]):
                runs[-1].append(mt)
            else:
                # "24.9 万消耗，CPA …": a name with its own figure before it starts no list
                runs.append([(*mt, any(prev_end <= n.start and n.end <= mt[0] for n in nums))])
            prev_end = mt[1]
        runs = [[m[:3] for m in r] for r in runs]
        kpi_run = next((r for r in runs if len(r) >= 2), None)
        if kpi_run is None and not resp:
            return False
        if kpi_run is not None:
            after = [n for n in nums if n.start > kpi_run[-1][1]]
            nxt = next((mt[0] for mt in mentions if mt[0] > kpi_run[-1][1]), s1)
            figs = [n for n in after if n.start < nxt]
            if not figs:
                return bool(resp)
            if len(figs) == 1 and not resp:
                if not _BOTH_RE.search(text, kpi_run[-1][1], figs[0].start):
                    return True  # "CTR 和 CVR 提升 5%": which one?
                for a, b, key in kpi_run:
                    self.pair(key, figs[0], a, b, None, None, shared_from=kpi_run[-1][1])
                return True
            if len(figs) != len(kpi_run):
                return True
            for (a, b, key), n in zip(kpi_run, figs, strict=True):
                self.pair(key, n, a, b, None, None, shared_from=kpi_run[-1][1])
            return True
        # "巨量引擎和腾讯广告的 CTR 分别为 …", "10 月和 11 月 CTR 分别为 …"
        keys = {k for _, _, k in mentions}
        if len(keys) != 1:
            return True
        a, b, key = mentions[0]
        first = nums[0].start
        parts = [e for e in self.events if e.kind == "part" and not e.month_of and not e.base and e.start < first
                 and e.value != "total"]
        months = [e for e in self.events if self._is_month(e) and not e.base and e.start < first]
        if len(parts) >= 2:
            subjects, what = parts, "part"
        elif len(months) >= 2:
            subjects, what = months, "month"
        else:
            return True
        figs = [n for n in nums if n.start > max(e.end for e in subjects) and n.start > b]
        if len(figs) != len(subjects) or any(e.value is None for e in subjects):
            return True
        for e, n in zip(subjects, figs, strict=True):
            if what == "part":
                if e.month_of:
                    return True
                self.pair(key, n, a, b, None, [e.value], shared_from=resp.end() if resp else b)
            else:
                m = e.value if e.kind == "month" else e.month_of
                self.pair(key, n, a, b, [m], None, shared_from=resp.end() if resp else b)
        return True

    def pair(self, key: str, n: _Num, a: int, b: int, months, parts, *, shared_from: int) -> None:
        """One figure of a list, with its KPI (and its part or month)."""
        text = self.text
        label = text[a:b]
        lead = text[shared_from:n.start]
        direction = _direction(lead, key)
        change = direction or n.sign or n.unit == "pp" or _CHANGE_MARK_RE.search(text, self.s0, n.start)
        snip = (n.start, n.end, label)
        if change:
            self.change(key, n, direction, snip, bool(_YOY_RE.search(text, self.s0, n.start)),
                        months=months, parts=parts)
        else:
            self.value(key, n, snip, months=months, parts=parts)

    # --- clauses ----------------------------------------------------------------------------

    def clause(self, start: int, end: int, carry):
        text = self.text
        mentions = self.kpi_mentions(start, end)
        # "预算 40 万元": a budget is a spend figure (a target, see role_of)
        for e in self.events:
            if e.kind == "target" and e.budget and start <= e.start < end and \
                    not any(a <= e.start < b for a, b, _ in mentions):
                mentions.append((e.start, e.end, "spend"))
        mentions.sort()
        nums = _tokens(text, self.masked, start, end)
        if _DAILY_RE.search(text, start, end):
            return carry  # a daily figure
        if _BID_RE.search(text, start, end):
            return None  # "出价下调 0.1 元后，…": a bid, and nothing to carry from it
        for m in _MULTIPLE_RE.finditer(text, start, end):  # "翻倍", "nearly doubled"
            if _NEG_LEAD_RE.search(text, start, m.start()):
                continue  # "没有翻倍"
            before = [mt for mt in mentions if mt[1] <= m.start()]
            subject = before[-1][2] if before else (carry[0] if carry and not mentions else None)
            if subject:
                self.multiple(subject, m, before[-1][0] if before else m.start())
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
                    r"\s*(?:次|个|笔|单|人次)?\s*(?:的)?\s*(?:(in|of|total)\s+)?(?:(?:the|all|total|our)\s+)*", gap, re.I)
                if gm and n.unit == "pct" and mentions[j][2] in BASE_KEYS:  # "36.8% 的消耗", "75% of spend"
                    self.value(mentions[j][2], n, (n.start, mentions[j][1], None), share=True)
                    continue
                # counts take plain numbers; money totals need "¥…"/"元" or "in/of" ("$12,300 in spend")
                fits = gm and n.unit is None and (
                    (mentions[j][2] in COUNT_KEYS and not n.money)
                    or (mentions[j][2] in ("spend", "revenue") and (n.money or gm.group(1))))
                if fits:
                    lead = text[max(start, mentions[i][1] if i is not None else start):n.start]
                    bound = _bound_before(lead)
                    if not _QUALIFIER_RE.search(text, max(start, n.start - 6), n.start) and not _NEAR_RE.search(lead) \
                            and (bound or not _NEG_LEAD_RE.search(lead)):
                        self.value(mentions[j][2], n, (n.start, mentions[j][1], None), bound=bound,
                                   approx=bool(_APPROX_RE.search(lead)))
                    continue
            if i is not None:
                assigned[i].append(n)
        for i, (a, b, key) in enumerate(mentions):
            if assigned[i]:
                near = re.split(r"[：:，,；;]", text[max(start, a - 6):a])[-1]
                if _QUALIFIER_RE.search(near):
                    continue
                self.segment(key, a, b, assigned[i], carried=False)
        return (mentions[-1][2], mentions[-1][0])

    def compared_with_other(self, lead: str, n: _Num) -> bool:
        """"比 A 高 12.8 元", "0.13 pp lower than variant A": a gap to something that is not
        the month before (a target is handled as one)."""
        for m in _CMP_OTHER_RE.finditer(lead):
            inner = re.sub(r"[\s的了于]", "", m.group("inner"))
            if inner and not _MONTH_RE.fullmatch(inner) and not _TARGET_RE.search(inner):
                return True
        t = _THAN_RE.match(self.text, n.end, self.s1)
        return bool(t and not _THAN_MONTH_RE.match(t.group("obj")) and not _TARGET_RE.match(
            re.sub(r"^(?:the|our)\s+", "", t.group("obj"))))

    def explained(self, a: int, n: _Num) -> bool:
        """A comparison word before a figure is explained when the figure is a target, or a
        named month's or part's figure ("低于上月的 5.10%", "高于目标 50 元")."""
        if _TARGET_AFTER_RE.match(self.text[n.end:n.end + 12]):
            return True
        return any(a <= e.start < n.start and e.kind in ("month", "part", "target") and e.value != "total"
                   for e in self.events)

    def segment(self, key: str, kpi_start: int, lead_start: int, nums: list[_Num], *, carried: bool):
        text = self.text
        label = _KPI_RE.match(text, kpi_start)
        label = label.group(0) if label else key
        have_value = False
        pos = lead_start
        i = 0
        while i < len(nums):
            n = nums[i]
            lead_from = pos
            lead = text[pos:n.start]
            # The first figure is quoted from the KPI name on; later ones from the previous figure.
            snip_start = kpi_start if (pos == lead_start and not carried) else pos
            if snip_start == pos:
                cut = max(lead.rfind(ch) for ch in "（(")  # quote from "(last month" on
                if cut >= 0:
                    snip_start = pos + cut + 1
            snip = (snip_start, n.end, label)
            if _QUALIFIER_RE.search(lead) or _NEAR_RE.search(lead) or self.compared_with_other(lead, n):
                return
            role = self.role_of(n)
            if role is not None:
                self.target(key, n, snip, role)
                pos, i = n.end, i + 1
                continue
            blk = next(reversed(list(_BLOCK_RE.finditer(lead))), None)
            bound = _bound_before(lead)
            if blk is not None and bound is None and not self.explained(pos + blk.end(), n):
                return
            if bound is None and _NEG_LEAD_RE.search(lead):
                pos, i = n.end, i + 1
                continue
            after_bound = _BOUND_AFTER_RE.match(text[n.end:n.end + 4])
            if after_bound:
                bound = "min" if after_bound.group("min") else "max"
            # ranges: "3.0~3.2", "3 到 3.2", "在 3.0 和 3.2 之间", "between 3 and 3.2"
            if i + 1 < len(nums):
                n2 = nums[i + 1]
                middle = text[n.end:n2.start]
                tail = text[n2.end:n2.end + 6]
                same_unit = n.unit in (None, n2.unit) or n2.unit is None
                is_range = same_unit and "pp" not in (n.unit, n2.unit) and not n2.sign and (
                    (_RANGE_MID_RE.fullmatch(middle) and not _FROM_END_RE.search(lead) and _direction(lead, key) is None)
                    or (_RANGE_AND_RE.fullmatch(middle) and (_BETWEEN_RE.search(lead) or _AMONG_RE.match(tail))))
                if is_range and bound is None:
                    self.range(key, n, n2, _direction(lead, key), (snip_start, n2.end, label))
                    pos, i = n2.end, i + 2
                    continue
                # from -> to pairs: "从52元降到45元", "from 2.1% to 2.5%", "2.10% → 2.27%"
                plain_middle = _MONTH_RE.sub(" ", _DAY_RE.sub(" ", middle))
                plain_middle = re.sub(r"\s*(?:的|'s)\s*$", " ", plain_middle)
                if _FT_MIDDLE_RE.match(plain_middle) and (_FROM_END_RE.search(_MONTH_RE.sub("", lead).rstrip("的 "))
                                                          or _ARROW_RE.search(middle)):
                    self.from_to(key, n, n2, _direction(middle, key) or _direction(lead, key),
                                 snip_start, n2.end, label)
                    pos, i = n2.end, i + 2
                    continue
            if bound is not None:
                if not carried or self.subject_before(n) or blk is not None:
                    self.value(key, n, snip, bound=bound)
                pos, i = n.end, i + 1
                continue
            if _THAN_END_RE.search(lead):
                direction = None  # "higher than the 22.99 on Nov 11": only a named month's or day's level
                attached = next((e for e in self.events if e.attached == n.start and self._is_month(e)), None)
                if attached is not None and attached.kind == "month":
                    self.value(key, n, snip, month=attached.value)
                elif attached is not None and isinstance(attached.value, tuple):
                    self.value(key, n, snip, month=attached.month_of, parts=[attached.value])
                pos, i = n.end, i + 1
                continue
            approx = bool(_APPROX_RE.search(lead) or _APPROX_RE.match(text[n.end:n.end + 4]))
            trailing = text[n.end:min(n.end + 24, nums[i + 1].start if i + 1 < len(nums) else len(text))]
            direction = _direction(lead, key)
            if direction is None:  # "a 12% increase", "12% 的增长"
                t = _TRAILING_DIR_RE.match(text, n.end, min(self.s1, n.end + 30))
                if t:
                    word = t.group(1).lower()
                    if word in ("improvement", "改善", "优化"):
                        direction = "down" if key in COST_KEYS else "up"
                    else:
                        direction = "up" if _DIR_UP_RE.fullmatch(word) or word in _UP_NOUNS else "down"
            marker = _CHANGE_MARK_RE.search(lead) or re.match(
                r"\s*(?:MoM|month[\s-]over[\s-]month|YoY|vs\.?\s+last month|from last month"
                r"|(?:higher|lower|more|less) than (?:last|the previous) month)\b", trailing, re.I)
            yoy = bool(_YOY_RE.search(lead) or re.match(r"\s*(?:YoY|year[\s-]over[\s-]year)\b", trailing, re.I))
            pos = n.end
            i += 1
            rel_dir = None
            if blk is not None:
                rel = _relation(lead[:blk.end()])
                rel_dir = {"above": "up", "below": "down"}.get(rel or "")
            # a named month's level: "10 月为 0.93%", "较 10 月的 0.93%", "低于上月的 5.10%"
            direct_month = self._explicit(self._is_month, n, lead_from)
            if direct_month is not None and _DIRECT_RE.match(text[direct_month.end:n.start]) \
                    and not n.sign and direction is None:
                if direct_month.kind == "month":
                    self.value(key, n, snip, month=direct_month.value, direction=rel_dir)
                elif isinstance(direct_month.value, tuple):  # "高于 11 月 11 日的 0.95%"
                    self.value(key, n, snip, month=direct_month.month_of, parts=[direct_month.value])
                continue
            # "up from 0.93% in October": the earlier level
            if _FROM_END_RE.search(lead) and not n.sign:
                named, m = self.explicit_month(n)
                self.value(key, n, snip, month=m if named else "previous", direction=direction)
                continue
            # a minus right after "上月" is a negative level (profit ROI), not a change
            if (n.sign == 0 or (n.sign < 0 and n.unit != "pp")) and (_is_prev_value(lead) or (direction is None and re.match(
                r"\s*(?:last month|the month before|in the previous month|上月)(?![A-Za-z])", trailing, re.I
            ))):
                self.value(key, n, snip, month="previous", direction=rel_dir)
                continue
            if _TO_END_RE.search(lead):  # "降到 45 元", "grew 8% to 2,270": the new level
                if (not carried or self.subject_before(n)) and (not have_value or self.new_subject(lead_from, n)):
                    have_value = self.value(key, n, snip, direction=direction, approx=approx)
                continue
            signed_change = n.sign > 0 or (n.sign < 0 and (
                n.unit == "pp" or (n.unit == "pct" and key not in SHARE_KEYS + ("roas", "profit_roi"))))
            if not direction and not n.sign and _is_prev_value(lead, compared=True):
                self.value(key, n, snip, month="previous", direction=rel_dir)
                continue
            if direction or signed_change or marker:
                if self.variants_compared and not marker and not yoy:
                    near = lead[-12:] + " " + trailing[:16]
                    if not direction or (_COMPARATIVE_RE.search(near) and not _CHANGE_VERB_RE.search(near)):
                        continue  # "素材B 1.40%，素材A 1.00%，高 40%（+0.40 个百分点）": the gap between them
                self.change(key, n, direction, snip, yoy)
                continue
            attached = next((e for e in self.events if e.attached == n.start and self._is_month(e)), None)
            if attached is not None:  # "compared with 0.93% in October", "the 22.99 on Nov 11"
                if attached.kind == "month":
                    self.value(key, n, snip, month=attached.value)
                elif isinstance(attached.value, tuple):
                    self.value(key, n, snip, month=attached.month_of, parts=[attached.value])
                continue
            if n.unit == "pct" and key in BASE_KEYS and _SHARE_WORD_RE.search(text, self.c0, n.start):
                self.value(key, n, snip, share=True)  # "…贡献 50.7 万，占 32.5%"
                continue
            if n.unit == "pct" and key == "spend" and not n.sign and not direction and any(
                    e.kind == "target" and e.budget and self.s0 <= e.start < n.start for e in self.events):
                self.value(key, n, snip)  # "预算 40 万，使用 98.5%": the budget's share spent
                continue
            if (carried and not self.subject_before(n)) or (have_value and not self.new_subject(lead_from, n)):
                continue  # a second bare figure has an unclear subject
            have_value = self.value(key, n, snip, approx=approx)

    # --- A/B tests: "素材B 的点击率显著高于素材A" ----------------------------------------------

    def variant_mentions(self) -> list[tuple[int, int, Part]] | None:
        """The campaigns and ad groups the sentence names, in order (letters as resolved in
        sentence_events); None when a letter names no variant for sure."""
        if any(e.letter and e.value is None for e in self.events):
            return None
        return [(e.start, e.end, e.value) for e in self.events if e.kind == "part" and isinstance(e.value, tuple)
                and self.world.ab.key(e.value) is not None]

    def significance(self, s0: int, s1: int) -> None:
        """Claims about an A/B test's result ("显著", "not significant", "明显更高") between variants the
        sentence names (or the family of the one it names); nothing when they are unclear."""
        ab, text = self.world.ab, self.text
        if ab is None:
            return
        body = _SIG_NEUTRAL_RE.sub(lambda m: " " * len(m.group(0)), text[s0:s1])
        if not (_SIG_POS_RE.search(body) or _SIG_NEG_RE.search(body) or _P_RE.search(body)) \
                or _SIG_HEDGE_RE.search(body):
            return
        lead_in = re.match(r"\s*(?:[-•·*]\s+|\d{1,2}[.)、]\s*)", text[s0:s1])  # a list item's marker
        quote = self.snippet(s0 + (lead_in.end() if lead_in else 0), s1)
        mentions = self.variant_mentions()
        if mentions is None:
            return
        start = s0  # where what the sentence says begins: "…X 1.40% vs Y 1.00%; significant at 95%"
        l0, l1, last = self.last_sentence
        if not mentions and last and re.fullmatch(r"\s*[;；]\s*", text[l1:s0 + 1]):
            mentions, start = last, l0  # the same line, after a semicolon: the same comparison
        elif not mentions and len(self.para_variants) == 2:  # "… A 和 B。差异不显著。": the two just named
            mentions = [(s0, s0, p) for p in self.para_variants]
        if not mentions:
            return
        named = list(dict.fromkeys(p for *_, p in mentions))
        among = tuple(dict.fromkeys(named + self.para_variants))
        pairs = [m.span() for m in _AB_PAIR_RE.finditer(text, s0, s1)]
        pos = s0
        for piece in [*_SUBCLAUSE_RE.finditer(body), None]:
            a, b = pos, (s0 + piece.start() if piece else s1)
            pos = s0 + piece.end() if piece else s1
            sub = body[a - s0:b - s0]
            negated = bool(_SIG_NEG_RE.search(sub))
            if not negated and not _SIG_POS_RE.search(sub):
                pm = _P_RE.search(sub)
                if pm is None:
                    continue
                below, above, v = pm.group("op") in "<＜≤", pm.group("op") in ">＞≥", float(pm.group("v"))
                if below and v <= 0.05 or not (below or above) and v < 0.05:
                    negated = False  # "p < 0.05", "p = 0.003"
                elif not below and v >= 0.05:
                    negated = True  # "p > 0.05", "p = 0.23"
                else:
                    continue  # "p < 0.2", "p > 0.01": which side of 0.05?

            def role(x: int, end: int) -> bool:
                """Compared with, not the subject: "高于 A", "than A", or "素材A/B 测试" (the pair)."""
                return bool(_OBJECT_BEFORE_RE.search(text[max(start, x - 10):x])) or any(
                    pa <= end - 1 < pb for pa, pb in pairs)

            inside = [(x, p, role(x, e)) for x, e, p in mentions if a <= x < b]
            before = [(x, p, role(x, e)) for x, e, p in mentions if x < a]
            subject = next((p for _, p, obj in inside if not obj), None) \
                or next((p for _, p, obj in before if not obj), None) or (inside[0][1] if inside else None)
            if subject is None:
                continue
            window = text[start:b]
            ahead = [m.end() for m in _AHEAD_RE.finditer(window)]
            behind = [m.end() for m in _BEHIND_RE.finditer(window)]
            direction = None
            if ahead or behind:
                direction = "up" if max(ahead, default=-1) > max(behind, default=-1) else "down"
            objects = [p for _, p, _ in inside if p != subject] or [p for p in named if p != subject]
            if not objects and (direction or _DIFF_RE.search(window)):
                objects = list(ab.others(subject))  # "素材B 的点击率显著更高": than the rest of its family
            objects = list(dict.fromkeys(objects))
            if not objects:
                continue  # "素材B 上线后点击率显著提升": a change over time, not a comparison
            own = [k for _, _, k in self.kpi_mentions(a, b)]
            keys = own or [k for _, _, k in self.kpi_mentions(start, a)]
            tested = list(dict.fromkeys(k for k in keys if k in ("ctr", "cvr")))
            if keys and not tested:
                continue  # CPA, spend…: not what the test compares
            # the clause's own rates each; one named before it; several before it, or none: either
            readings = tested if own or len(tested) == 1 else [""]
            for kpi in readings:
                self.claims.append(Claim(
                    kpi=kpi, kind="significance", value=0.0 if negated else 1.0, previous=None, direction=direction,
                    span=(a, b), text=quote, variants=(subject, *objects), among=among,
                ))

    # --- claims -----------------------------------------------------------------------------

    def add(self, key, kind, n: _Num, direction, a, b, label=None, *, scopes, **kw) -> None:
        self.claims.append(Claim(
            kpi=key, kind=kind, value=kw.pop("value", n.value()), previous=kw.pop("previous", None),
            direction=direction, span=(a, b), text=self.snippet(a, b, label),
            unit={"pct": "%", "pp": "pp", "x": "x"}.get(n.unit or ""), precision=n.step(key),
            month=scopes[0].month, scopes=scopes, **kw,
        ))

    def _level_ok(self, key: str, n: _Num) -> bool:
        if n.unit == "pct" and re.match(r"\s*of(?![A-Za-z])", self.text[n.end:n.end + 4]):
            return False  # "99.7% of the account average": a ratio to something else
        if key in SHARE_KEYS and n.unit == "pct" and n.mant * n.mag > 60:
            return False  # "CTR 是整体的 99.7%": no click or conversion rate is that high
        pct_ok = key in SHARE_KEYS or key in ("roas", "profit_roi")
        if n.unit == "pp" or (n.unit == "pct" and not pct_ok) or (n.unit is None and key in SHARE_KEYS):
            return False  # ambiguous: "CPA 12%", "CTR 2.5" without a unit
        if n.unit == "x" and key not in ("roas", "profit_roi"):
            return False
        # "点击出价 0.2 元" is not a number of clicks
        return not (n.money and key in COUNT_KEYS + SHARE_KEYS + ("roas", "profit_roi"))

    def value(self, key, n: _Num, snip, *, direction=None, month=None, months=None, parts=None,
              bound=None, approx=False, share=False) -> bool:
        role = self.role_of(n)
        if role is not None:  # "¥400,000 budget", "the 1.10% target"
            self.target(key, n, snip, role)
            return True
        if n.unit == "pct" and key in BASE_KEYS and (share or _SHARE_WORD_RE.search(self.text, self.c0, n.start)):
            self.share(key, n, snip, month, approx, parts)
            return True
        if n.unit == "pct" and key == "spend" and not n.sign and any(
                e.kind == "target" and e.budget and self.s0 <= e.start < n.start for e in self.events):
            self.target(key, n, snip, ("target", "share", True))  # "预算 40 万，使用 98.5%"
            return True
        if not self._level_ok(key, n):
            return False
        if month is not None:
            months = [month] if month in ("current", "previous") else None
            if months is None:
                return True  # another month's figure: not ours to check, but it is a level
        scopes = self.scopes_at(n, months=months, parts=parts)
        if scopes is None:
            return True
        self.add(key, "value", n, direction, *snip, scopes=scopes, bound=bound, approx=approx)
        return True

    def change(self, key, n: _Num, direction, snip, yoy: bool, *, months=None, parts=None) -> None:
        if n.unit == "x":
            return  # "增长 1.5 倍" is read both as +150% and ×1.5
        if n.unit is None and key in SHARE_KEYS:
            return
        if n.money and key in COUNT_KEYS:
            return
        other_month, other_part = self.base_of(n)
        if other_month or other_part:
            return  # compared with another month than the last, or with another part
        scopes = self.scopes_at(n, months=months, parts=parts)
        if scopes is None:
            return
        scopes = tuple(s for s in scopes if s.month == "current" and (s.part is None or s.part[0] != "day"))
        if not scopes:
            return
        kind = {"pct": "change_rel", "pp": "change_pp"}.get(n.unit or "", "change_abs")
        if direction is None and n.sign:
            direction = "up" if n.sign > 0 else "down"
        self.add(key, kind, n, direction, *snip, scopes=scopes, value=abs(n.value()),
                 basis="yoy" if yoy else "mom")

    def share(self, key: str, n: _Num, snip, month, approx: bool, parts=None) -> None:
        """"巨量引擎消耗占比 63%", "Ocean Engine took 63% of spend": a part's share of the total."""
        named = [e for e in self.events if self.s0 <= e.start < n.start and e.kind == "part" and not e.base
                 and e.value != "total" and self._visible(e, n.start)]
        if parts is not None:  # paired in a list
            part = parts[0] if len(parts) == 1 else None
        elif len({e.value for e in named}) == 1:  # one part, and only one: its share of the whole
            part = named[-1].value
        else:
            return
        if not isinstance(part, tuple) or part[0] == "day":
            return
        if month is not None:
            months = [month] if month in ("current", "previous") else None
        else:
            months = self.months_at(n)
        if not months or n.sign:
            return
        scopes = tuple(Scope(m, part) for m in months)
        self.add(key, "share", n, None, *snip, scopes=scopes, approx=approx)

    def multiple(self, key: str, m: re.Match, a: int) -> None:
        """"点击翻倍", "clicks nearly doubled": a change by a factor, checked loosely."""
        word = m.group("word").lower()
        factor = next(f for rx, f in _MULTIPLES if re.fullmatch(rx, word))
        if key not in BASE_KEYS + ("roas", "profit_roi", "cpa", "cpc", "cpm", "ctr", "cvr"):
            return
        n = _Num(m.start(), m.end(), abs(factor), 0, "1", 1.0, "pct", False, 0)
        other_month, other_part = self.base_of(n)
        scopes = self.scopes_at(n)
        if scopes is None or other_month or other_part:
            return
        scopes = tuple(s for s in scopes if s.month == "current" and (s.part is None or s.part[0] != "day"))
        if not scopes:
            return
        hedge = (m.group("hedge") or "").lower()
        lo, hi = abs(factor) * 0.7, abs(factor) * 1.4
        if hedge in ("nearly", "almost", "近", "接近", "将近", "差不多", "几乎"):
            lo, hi = abs(factor) * 0.6, abs(factor) * 1.05
        elif hedge in ("more than", "over", "超过", "不止"):
            lo, hi = abs(factor) * 0.97, math.inf
        self.claims.append(Claim(
            kpi=key, kind="multiple", value=abs(factor), previous=None, direction="up" if factor > 0 else "down",
            span=(a, m.end()), text=self.snippet(a, m.end()), unit="%", precision=0.0, scopes=scopes,
            low=lo, month="current", bound=f"{hi}",
        ))

    def _units(self, key, n1: _Num, n2: _Num) -> bool:
        # "从 2.1 升至 2.5%", "从10.2升到12.3万": the unit written once applies to both.
        if n1.unit is None and n2.unit in ("pct", "pp"):
            n1.unit = n2.unit
        if n2.unit is None and n1.unit in ("pct", "pp"):
            n2.unit = n1.unit
        if n1.mag == 1 and n2.mag != 1 and n2.mant and 0.1 <= n1.mant / n2.mant <= 10:
            n1.mag = n2.mag
        if n2.mag == 1 and n1.mag != 1 and n1.mant and 0.1 <= n2.mant / n1.mant <= 10:
            n2.mag = n1.mag
        if n1.unit != n2.unit or (key in SHARE_KEYS and n1.unit != "pct"):
            return False
        if key not in SHARE_KEYS + ("roas", "profit_roi") and n1.unit == "pct":
            return False
        return self._level_ok(key, n2)

    def from_to(self, key, n1: _Num, n2: _Num, direction, a, b, label=None) -> None:
        if not self._units(key, n1, n2):
            return
        if self.variants_compared and not _MONTH_RE.search(self.text, self.s0, self.s1):
            return  # "from 素材A to 素材B (1.00% → 1.40%)": one variant to the other, not a month to the next
        named1, m1 = self.explicit_month(n1)
        named2, m2 = self.explicit_month(n2, n1.end)
        if (named1 and m1 != "previous") or (named2 and m2 != "current"):
            return  # "10 月 CTR 从 0.85% 升到 0.93%": a move within a month, not ours
        parts = self.parts_at(n2)
        if parts is None or any(p is not None and p[0] == "day" for p in parts):
            return
        scopes = tuple(Scope("current", p) for p in parts)
        self.claims.append(Claim(
            kpi=key, kind="from_to", value=n2.value(), previous=n1.value(), direction=direction,
            span=(a, b), text=self.snippet(a, b, label), unit={"pct": "%"}.get(n2.unit or ""),
            precision=n2.step(key), previous_precision=n1.step(key), scopes=scopes,
        ))

    def range(self, key, n1: _Num, n2: _Num, direction, snip) -> None:
        if not self._units(key, n1, n2):
            return
        scopes = self.scopes_at(n2)
        if scopes is None or self.role_of(n2) is not None:
            return
        lo, hi = sorted((n1.value(), n2.value()))
        self.claims.append(Claim(
            kpi=key, kind="range", value=hi, previous=None, direction=direction, span=(snip[0], snip[1]),
            text=self.snippet(*snip), unit={"pct": "%"}.get(n2.unit or ""), precision=n2.step(key),
            previous_precision=n1.step(key), scopes=scopes, low=lo, month=scopes[0].month,
        ))

    def target(self, key, n: _Num, snip, role) -> None:
        kind, relation, budget = role
        if kind != "target":
            return
        if budget:
            key = "spend"
        if relation == "share":
            if n.unit not in ("pct", "x") or n.sign:
                return
        elif relation in ("above", "below") and n.unit == "pp" and key in SHARE_KEYS:
            pass  # "低于目标 0.10 个百分点": the gap in points
        elif not self._level_ok(key, n):
            return
        scopes = self.scopes_at(n)
        if scopes != (Scope(),):
            return  # a target for a part or another month: none on record
        self.add(key, "target", n, None, *snip, scopes=scopes, relation=relation)


def _bound_before(lead: str) -> str | None:
    """"超过 39 万" -> "min", "50 元以内" is read elsewhere; a negation turns it ("没能突破 1.1%")."""
    for idx, (rx, bound) in enumerate(_BOUND_BEFORE):
        m = rx.search(lead)
        if m:
            if idx >= 2 and re.search(r"(?:没能|未能|没有|没|未|不|并未|(?<![A-Za-z])(?:not|never|didn't|did not|failed to)"
                                      r"(?![A-Za-z]))\s*$", lead[:m.start()], re.I):
                return "max" if bound == "min" else "min"
            return bound
    return None


def key_is_money(text: str, start: int, end: int) -> bool:
    """The KPI named last before a target word is a money or count KPI ("CPA 目标"): a percent
    of it is a share of the target, not a level."""
    names = [_kpi_of(m.group(0)) for m in _KPI_RE.finditer(text, start, end)]
    return bool(names) and names[-1] not in SHARE_KEYS + ("roas", "roi")


def _en_month(name: str | None) -> int:
    if not name:
        return 0
    low = name.lower().rstrip(".")
    for i, full in enumerate(_EN_MONTHS, 1):
        if full.lower().startswith(low[:3]):
            return i
    return 0


def find_claims(text: str, *, roi_mode: str = "revenue", scope_names: Iterable[str] = (),
                data: ClaimData | None = None, future: bool = False) -> list[Claim]:
    """Numeric KPI statements in `text` (zh-CN or en), in reading order.

    `roi_mode` says what "ROI"/投产比 means ("revenue" -> roas, "profit" -> profit_roi).
    `data` names the platforms, campaigns and days a figure may be about, and the month
    ("10 月" is the previous month when `data.period` is 2026-11). Sentences about
    forecasts, competitors, benchmarks, bids or parts of the month are skipped, and so are
    figures about a part not in `data` (any of `scope_names` included). A paragraph that turns to
    next month ("下月重点：…") is next month's to its end; with `future` (a plan section) the whole
    text is, except sentences that name this month or another month in the data.
    """
    claims = _Parser(text, roi_mode, _World(data, scope_names, text), future=future).run(_SKIP_RE)
    return sorted(claims, key=lambda c: c.span)


# ---------------------------------------------------------------------------
# Checking


def _close(stated: float, actual: float, step: float, *, slack: float = 0.55) -> bool:
    """Stated equals actual rounded (or truncated) to the writer's precision, plus slack."""
    eps = 1e-9 * max(1.0, abs(actual))
    if abs(stated - actual) <= step * slack + eps:
        return True
    # Truncation ("2.27" for 2.2789) is a rounding habit, not a wrong figure.
    return abs(stated) <= abs(actual) + eps and abs(actual) - abs(stated) < step - eps and \
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
    data: ClaimData | None = None,
    future: bool = False,
) -> list[ClaimCheck]:
    """Find the claims in `text` and check each against the KPIs it is about: this month's
    and last month's totals, and with `data` each platform's, campaign's and day's figures
    and the month's targets.

    A claim passes when the stated figure equals the data rounded to the precision the writer
    used (truncation accepted) and any direction word agrees with the data. "CTR 提升 0.4%" is
    accepted as either a relative change or 0.4 percentage points (writers use both).
    """
    checks = [check_claim(c, current, previous, data) for c in find_claims(
        text, roi_mode=roi_mode, scope_names=scope_names, data=data, future=future)]
    # no target on record, or an A/B claim on rows without the counts: nothing to say
    return [c for c in checks if c.reason != "no_target" and not (c.claim.kind == "significance" and c.ok is None)]


def claim_data(report: KPIReport) -> ClaimData:
    """Slices and targets of a KPI report, in the form the checker reads them."""
    def rows(frame, kind: str, name_of) -> dict[Part, KPIs]:
        out: dict[Part, KPIs] = {}
        if frame is None or not len(frame):
            return out
        for idx, r in frame.iterrows():
            name = name_of(idx, r)
            if name is None or str(name).strip().lower() in ("", "nan", "none", "nat"):
                continue
            out[(kind, str(name))] = {k: clean_number(r.get(k)) for k in KPI_KEYS}
        return out

    def campaigns(frame) -> tuple[dict[Part, KPIs], dict[str, str]]:
        if frame is None or not len(frame) or "campaign" not in frame.columns:
            return {}, {}
        names = frame["campaign"].astype(str)
        dup = set(names[names.duplicated()])  # the same name on two platforms: neither is meant alone
        table = rows(frame[~names.isin(dup)], "campaign", lambda i, r: r["campaign"])
        owner = {str(r["campaign"]): str(r["platform"]) for _, r in frame[~names.isin(dup)].iterrows()
                 if "platform" in frame.columns and r["platform"] is not None}
        return table, owner

    def days(frame) -> dict[Part, KPIs]:
        return rows(frame, "day", lambda i, r: str(i)[:10])

    cur_c, owners = campaigns(report.by_campaign)
    prev_c, prev_owners = campaigns(getattr(report, "previous_by_campaign", None))
    current = {**rows(report.by_platform, "platform", lambda i, r: i), **cur_c, **days(report.daily)}
    previous = {**rows(getattr(report, "previous_by_platform", None), "platform", lambda i, r: i), **prev_c,
                **days(report.previous_daily)}
    ab = None
    month_rows = getattr(report, "rows", None)
    if month_rows is not None and len(month_rows):
        taken = {name for kind, name in (*current, *previous) if kind in ("platform", "campaign")}
        variants = {p: VariantKey("campaign", owners[p[1]], p[1]) for p in cur_c if p[1] in owners}
        ab = AbData(month_rows, getattr(report, "previous_rows", None), variants, taken)
    targets: dict[str, float] = {}
    for key, att in (report.attainment or {}).items():
        kpi = ("roas" if report.roi_mode == "revenue" else "profit_roi") if key == "roi" else key
        targets[kpi] = att.target
    if report.pacing is not None:
        targets["spend"] = report.pacing.budget
    like = {k: ((ch.current, ch.previous) if getattr(ch, "comparable", True) else None)
            for k, ch in (report.changes or {}).items() if getattr(ch, "scope", None) is not None}
    return ClaimData(period=report.period, current=current, previous=previous,
                     campaigns={**prev_owners, **owners}, targets=targets, like_for_like=like, ab=ab)


class AbData:
    """The month's campaigns, ad groups and creatives as A/B variants: which part is which variant
    (bot.insight.abtest.VariantKey), the families their names make (素材A/素材B, v1/v2), their figures and
    comparisons (bot.insight.abtest.compare, the test the optimise form shows).

    Ad groups and creatives are looked up by name when a text names them (an account may have
    tens of thousands). A name two campaigns' ad groups (or two ad groups' creatives) share, or
    that a campaign, a platform or the other level also has, is nobody's in particular and left
    out — but it is still known as a name, so the text is never read as naming something else
    whose name holds it."""

    LEVELS = ("ad_group", "creative")

    def __init__(self, rows, previous_rows, campaigns: Mapping[Part, object], taken: set[str]):
        self.rows = rows
        self._months = {"current": rows, "previous": previous_rows}
        self._campaigns = dict(campaigns)  # ("campaign", name) -> VariantKey
        self._taken = taken
        self._names: dict[str, list[tuple[str, str]]] = {}  # level -> (normalised, name) of every one
        self._present: dict[str, set[str]] = {}  # level -> every name at that level, in either month
        self._groups: dict[Part, object] = {}  # (level, name) -> VariantKey, or None when nobody's
        self._kpis: dict[tuple[Part, str], KPIs | None] = {}
        self._families: dict[tuple | None, list[tuple[str, dict[str, Part]]]] = {}
        self._compared: dict[tuple[Part, ...], object] = {}

    def _frames(self, level: str) -> list:
        return [f for f in self._months.values() if f is not None and len(f) and level in f.columns]

    def _all(self, level: str) -> set[str]:
        if level not in self._present:
            found: set[str] = set()
            for f in self._frames(level):
                found.update(str(x) for x in f[level].dropna().unique())
            self._present[level] = found
        return self._present[level]

    def _resolve(self, level: str, names) -> None:
        """Who owns each of `names` (ad group or creative names), in both months at once."""
        todo = {n for n in names if (level, n) not in self._groups}
        if not todo:
            return
        parents = ["platform", "campaign"] + (["ad_group"] if level == "creative" else [])
        owners: dict[str, set] = {n: set() for n in todo}
        for f in self._frames(level):
            sel = f[f[level].isin(todo)].reindex(columns=parents + [level])
            for *parent, name in sel.drop_duplicates().itertuples(index=False, name=None):
                parent = [None if p is None or p != p else str(p) for p in parent]  # NaN: none
                if parent[0] is not None and parent[1] is not None:
                    owners[str(name)].add(tuple(parent))
        other = self._all("creative" if level == "ad_group" else "ad_group")
        for name, found in owners.items():
            ok = len(found) == 1 and name not in self._taken and name not in other and name.strip() != ""
            self._groups[(level, name)] = VariantKey(level, *found.pop(), name) if ok else None

    def named(self, written: str) -> list[tuple[str, Part | None]]:
        """The ad groups and creatives whose names the text holds (`written`: lower case,
        separators removed), each with its part, or None when it is nobody's in particular."""
        out = []
        for level in self.LEVELS:
            if level not in self._names:
                self._names[level] = [(n.lower().translate(_SEPARATORS_GONE), n) for n in sorted(self._all(level))]
            hits = [n for norm, n in self._names[level] if len(norm) >= 2 and norm in written]
            self._resolve(level, hits)
            out += [(n, (level, n) if self._groups[(level, n)] is not None else None) for n in hits]
        return out

    def key(self, part: Part):
        """The variant a campaign, ad group or creative part is (None: not one, or not for sure)."""
        if part[0] == "campaign":
            return self._campaigns.get(part)
        if part[0] not in self.LEVELS:
            return None
        self._resolve(part[0], {part[1]})
        return self._groups[part]

    def kpis(self, part: Part, month: str) -> KPIs | None:
        """An ad group's or creative's KPIs in "current" or "previous" (None without rows)."""
        if (part, month) not in self._kpis:
            k, f = self.key(part), self._months.get(month)
            found = None
            if k is not None and f is not None and len(f) and k.level in f.columns:
                sel = variant_rows(f[f[k.level] == k.name], k)
                found = kpis(sel) if len(sel) else None
            self._kpis[(part, month)] = found
        return self._kpis[(part, month)]

    def _part(self, key) -> Part:
        return key.level, key.name

    def _family_groups(self, scope: tuple | None) -> list[tuple[str, dict[str, Part]]]:
        """The families among a platform's campaigns, a campaign's ad groups or an ad group's
        creatives (scope: bot.insight.abtest.scope_of; None: everywhere)."""
        if scope not in self._families:
            keys = [k for k in self._campaigns.values() if scope is None or scope == scope_of(k)]
            for level in self.LEVELS:
                if scope is not None and scope[0] != level:
                    continue
                f = self.rows
                if level not in f.columns:
                    continue
                if scope is not None:
                    f = f[(f["campaign"] == scope[2]) & (f["platform"] == scope[1])]
                names = {str(x) for x in f[level].dropna().unique()}
                self._resolve(level, names)
                keys += [k for k in (self._groups[(level, n)] for n in sorted(names)) if k is not None
                         and (scope is None or scope_of(k) == scope)]
            self._families[scope] = [(kind, {v: self._part(k) for v, k in m.items()})
                                     for (_scope, kind, _stem), m in families(keys).items()]
        return self._families[scope]

    def _families_of(self, part: Part) -> list[tuple[str, dict[str, Part]]]:
        k = self.key(part)
        if k is None:
            return []
        return [(kind, m) for kind, m in self._family_groups(scope_of(k)) if part in m.values()]

    def sibling(self, part: Part, letter: str) -> Part | None:
        """The variant named like `part` but with the letter `letter` ("a"…): 素材B → 素材A."""
        hits = {m.get(letter) for kind, m in self._families_of(part) if kind == "letter"}
        hits.discard(None)
        return hits.pop() if len(hits) == 1 else None

    def others(self, part: Part) -> tuple[Part, ...]:
        """The rest of the one family `part` belongs to (nothing when it is in none, or several)."""
        found = [m for _, m in self._families_of(part)]
        return tuple(p for p in found[0].values() if p != part) if len(found) == 1 else ()

    def lettered(self, letters: set[str]) -> dict[str, Part] | None:
        """The family of letter-marked names holding every letter of `letters`, when only one does."""
        found = {tuple(sorted(m.items())) for kind, m in self._family_groups(None)
                 if kind == "letter" and letters <= set(m)}
        return dict(found.pop()) if len(found) == 1 else None

    def compare(self, parts: tuple[Part, ...]):
        if parts not in self._compared:
            keys = [self.key(p) for p in parts]
            rows = self.rows[self.rows["campaign"].isin({k.campaign for k in keys})]  # the rest can't count
            self._compared[parts] = compare(rows, keys)
        return self._compared[parts]


def check_report(text: str, report: KPIReport, *, scope_names: Iterable[str] = ()) -> list[ClaimCheck]:
    """check_claims against everything a KPI report knows (totals, slices, targets)."""
    return check_claims(text, report.totals, report.previous, roi_mode=report.roi_mode,
                        scope_names=scope_names, data=claim_data(report))


def _kpis_of(scope: Scope, current: KPIs, previous: KPIs | None,
             data: ClaimData | None) -> tuple[KPIs | None, KPIs | None]:
    """(this month's, last month's) KPIs of a scope's part."""
    if scope.part is None:
        return current, previous
    if data is None:
        return None, None
    if scope.part[0] == "day":
        table = data.current if scope.month == "current" else data.previous
        return (table.get(scope.part), None) if scope.month == "current" else (None, table.get(scope.part))
    if scope.part[0] in ("ad_group", "creative"):
        return (data.ab.kpis(scope.part, "current"), data.ab.kpis(scope.part, "previous")) if data.ab else (None, None)
    return data.current.get(scope.part), data.previous.get(scope.part)


def check_claim(c: Claim, current: KPIs, previous: KPIs | None, data: ClaimData | None = None) -> ClaimCheck:
    """Check one claim (see check_claims): it holds when one of its readings does, and is wrong
    only when every reading can be checked and none holds."""
    if c.kind == "significance":
        return _check_significance(c, data)
    results = []
    for scope in c.scopes or (Scope(),):
        cur, prev = _kpis_of(scope, current, previous, data)
        if c.kind == "share":
            results.append(_check_share(c, scope, cur if scope.month == "current" else prev,
                                        current if scope.month == "current" else previous))
            continue
        if c.kind.startswith("change") and scope.part is None and data and c.kpi in data.like_for_like:
            pair = data.like_for_like[c.kpi]
            if pair is None:  # the two months cover different rows and none in common
                results.append(ClaimCheck(c, None, None, "no_data", None, None, None, scope))
                continue
            # the change over the rows both months cover, or as the totals read
            like = _check_reading(c, scope, {c.kpi: pair[0]}, {c.kpi: pair[1]}, data)
            if like.ok is True:
                results.append(like)
                continue
        results.append(_check_reading(c, scope, cur, prev, data))
    good = [r for r in results if r.ok is True]
    if good:
        return good[0]
    unknown = [r for r in results if r.ok is None]
    return unknown[0] if unknown else results[0]


def _check_significance(c: Claim, data: ClaimData | None) -> ClaimCheck:
    """A claim about an A/B test against the test the optimise form runs (bot/insight/abtest.py): the
    subject against each variant it is compared with, per rate (CTR, CVR, or either when the
    sentence names neither). "Significant" holds when the test is, at 95%, with the leader the
    sentence says; "not significant" is wrong only when the test is significant even with the
    p-value Bonferroni-corrected for every variant the passage compares (never stricter than
    what the form said about a group)."""
    ab = data.ab if data else None
    if ab is None or len(c.variants) < 2 or any(ab.key(p) is None for p in c.variants):
        return ClaimCheck(c, None, None, "no_data")
    subject, objects = c.variants[0], c.variants[1:]
    k = max(len(c.among), len(c.variants))
    readings = []  # (holds, comparison, metric)
    for metric in ([c.kpi] if c.kpi in ("ctr", "cvr") else ["ctr", "cvr"]):
        if c.direction is None and len(c.variants) > 2:  # "三个版本的差异显著"
            comparison = ab.compare(c.variants)
            test = getattr(comparison, metric)
            if test.outcome in ("no_data", "insufficient") and not c.value:
                continue
            significant = test.p_value is not None and test.p_value < ALPHA
            readings.append((significant == bool(c.value), comparison, metric))
            continue
        results = []
        for other in objects:
            comparison = ab.compare((subject, other))
            test = getattr(comparison, metric)
            if test.outcome == "no_data":
                results = []
                break
            claimed_leader = {"up": 0, "down": 1}.get(c.direction or "")
            leader_ok = claimed_leader is None or test.best == claimed_leader
            if c.value:
                holds = test.outcome == "winner" and leader_ok
            else:
                strict = test.outcome == "winner" and test.p_value is not None and test.p_value * (k - 1) < ALPHA
                holds = not (strict and leader_ok)
            results.append((holds, comparison))
        if results:
            bad = next((r for r in results if not r[0]), None)
            readings.append((bad is None, (bad or results[0])[1], metric))
    if not readings:
        return ClaimCheck(c, None, None, "no_data")
    holds, comparison, metric = next((r for r in readings if r[0]), readings[0])
    p = getattr(comparison, metric).p_value
    return ClaimCheck(c, holds, p, "" if holds else "significance", detail=(comparison, metric))


def _check_reading(c: Claim, scope: Scope, current: KPIs | None, previous: KPIs | None,
                   data: ClaimData | None) -> ClaimCheck:
    cur = current.get(c.kpi) if current else None
    prev = previous.get(c.kpi) if previous else None

    def result(ok, expected, reason="", interp=None):
        return ClaimCheck(c, ok, expected, reason if ok is not True else "", cur, prev, interp, scope)

    if c.kind == "target":
        target = (data.targets.get(c.kpi) if data else None)
        if target is None:
            return result(None, None, "no_target")
        if c.relation == "share":  # "完成目标的 91%": actual / target
            if cur is None or not target:
                return result(None, None, "no_data")
            ok = _close(c.value, cur / target, c.precision)
            return result(ok, target, "" if ok else "value", "share")
        ok = _close(c.value, target, c.precision)
        if not ok and c.relation in ("above", "below", "better", "worse") and cur is not None:
            gap = abs(cur - target)  # "高于目标 3.3 元": the gap, not the target
            ok = _close(c.value, gap, c.precision) or (
                c.unit == "%" and c.kpi not in SHARE_KEYS and target and _close(c.value, gap / abs(target), c.precision))
        if not ok:
            return result(False, target, "value")
        if c.relation and cur is not None and not _relation_holds(c.relation, c.kpi, cur, target):
            return result(False, target, "relation")
        return result(True, target)

    if c.kind == "share":
        if scope.part is None:
            return result(None, None, "no_data")
        return result(None, None, "share")  # worked out in check_claim, which has the totals

    if c.kind == "multiple":
        if cur is None or prev is None or not prev:
            return result(None, None, "no_data")
        rel = (cur - prev) / abs(prev)
        sign = 1 if c.direction == "up" else -1
        ok = c.low <= rel * sign <= float(c.bound)
        return result(ok, rel, "" if ok else "value", "relative")

    if c.kind in ("value", "range"):
        if scope.month == "previous":
            actual = prev
            if actual is None:
                return result(None, None, "no_previous" if previous is None else "no_data")
        else:
            actual = cur
            if actual is None:
                return result(None, None, "no_data")
        step = c.precision
        if c.kind == "range":
            lo_ok = actual >= c.low - c.previous_precision * 0.55 - 1e-12
            hi_ok = actual <= c.value + step * 0.55 + 1e-12
            if not (lo_ok and hi_ok):
                return result(False, actual, "value")
        elif c.bound == "min":
            if actual < c.value - step * 0.55 - 1e-12 * max(1.0, abs(actual)):
                return result(False, actual, "value")
        elif c.bound == "max":
            if actual > c.value + step * 0.55 + 1e-12 * max(1.0, abs(actual)):
                return result(False, actual, "value")
        elif not _close(c.value, actual, step, slack=1.0 if c.approx else 0.55):
            return result(False, actual, "value")
        if c.direction and cur is not None and prev is not None and _dir_of(cur - prev, abs(prev)) != c.direction:
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
    # The same change worked out from the figures as shown (CTR 0.93% -> 1.00% is +7.5%, not the
    # +7.15% of the unrounded data): a writer who computes from the summary is not wrong.
    shown_cur, shown_prev = _shown(c.kpi, cur), _shown(c.kpi, prev)
    candidates = list(interps)
    for name, _ in interps:
        if name == "relative" and shown_prev:
            candidates.append((name, (shown_cur - shown_prev) / abs(shown_prev)))
        elif name in ("points", "absolute"):
            candidates.append((name, shown_cur - shown_prev))
    stated_zero = c.value <= c.precision * 0.5
    for name, expected in candidates:
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


def _check_share(c: Claim, scope: Scope, part: KPIs | None, whole: KPIs | None) -> ClaimCheck:
    """A part's share of the month's total ("巨量引擎消耗占比 63%")."""
    p = part.get(c.kpi) if part else None
    w = whole.get(c.kpi) if whole else None
    if p is None or not w:
        return ClaimCheck(c, None, None, "no_data", p, w, "share", scope)
    actual = p / w
    ok = _close(c.value, actual, c.precision, slack=1.0 if c.approx else 0.55)
    return ClaimCheck(c, ok, actual, "" if ok else "value", p, w, "share", scope)


def _shown(key: str, v: float) -> float:
    """A KPI value rounded the way summaries and tables show it (2 decimals; percents 2 decimals)."""
    if key in SHARE_KEYS:
        return round(v, 4)
    if key in COUNT_KEYS:
        return round(v)
    return round(v, 2)


def _relation_holds(relation: str, kpi: str, actual: float, target: float) -> bool:
    lower_better = kpi in COST_KEYS or kpi == "spend"
    if relation == "above":
        return actual > target
    if relation == "below":
        return actual < target
    good = actual <= target if lower_better else actual >= target
    if relation in ("better", "met"):
        return good
    return not good  # worse / missed


def summary_line(checks: list[ClaimCheck], locale: str = "zh-CN") -> str:
    """'已核对 9 个数字，2 个与数据不符' / 'Checked 9 figures against the data; 2 disagree'."""
    loc = resolve(locale)
    n = len(checks)
    bad = sum(1 for c in checks if c.ok is False)
    unknown = sum(1 for c in checks if c.ok is None)
    if n == 0:
        return t_plain(loc, "claims.summary.none")
    if bad:
        body = t_plain(loc, "claims.summary.bad", count=bad)
    else:
        body = t_plain(loc, "claims.summary.rest_agree" if unknown else "claims.summary.all_agree")
    if unknown:
        body = t_plain(loc, "claims.summary.unknown", count=unknown) + body
    return t_plain(loc, "claims.summary.head", count=n) + body
