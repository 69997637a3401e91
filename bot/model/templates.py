"""Built-in summary templates: section keys in order, with titles and writing guidance.

The `feed-ads` template follows the usual shape of an in-feed ads monthly review:
what was delivered, what the numbers say, what was learned, what to fix, what comes next, how the
work was optimised (A/B tests), who does what, the market, and the feedback heard.
`optimise` and `feedback` came later: a period opened before feedsum had them keeps the sections
it was opened with (recorded by migration m012), so reports on the default set gain them from
the next period on.
"""

from __future__ import annotations

FEED_ADS: dict[str, dict[str, dict[str, str]]] = {
    "results": {
        "title": {"zh-CN": "本月工作成果", "en": "What we delivered"},
        "prompt": {
            "zh-CN": "列出本月完成的主要投放工作：上线了哪些计划/产品线、面向哪些人群、用了哪些新素材或新玩法。"
            "每项尽量配一个结果数字（如消耗、转化、达成率），并点出最值得一提的一到两件事。",
            "en": "List the main work shipped this month: campaigns and product lines launched, audiences "
            "reached, new creatives or tactics tried. Give each item a result figure (spend, conversions, "
            "attainment) and call out the one or two things most worth knowing.",
        },
    },
    "data": {
        "title": {"zh-CN": "数据表现分析", "en": "What the numbers say"},
        "prompt": {
            "zh-CN": "用数据说明效果：点击率、点击单价、千次展现费用、转化率、转化成本、ROI 与上月相比如何变化，"
            "变化来自哪些平台或计划，原因是什么（素材、定向、出价、预算、竞争、节假日）。只写有数据支撑的结论。",
            "en": "Explain performance with data: how CTR, CPC, CPM, CVR, CPA and ROI moved against last "
            "month, which platforms or campaigns drove the change, and why (creative, targeting, bids, "
            "budget, competition, seasonality). Keep to conclusions the data supports.",
        },
    },
    "lessons": {
        "title": {"zh-CN": "经验与问题", "en": "Lessons and problems"},
        "prompt": {
            "zh-CN": "哪些做法有效、值得复制？哪些没达到预期（如超预算、转化偏低、素材衰退）？"
            "对未达成的目标逐一说明差距和原因，做到具体、可核对。",
            "en": "What worked and should be repeated? What fell short (overspend, weak conversion, "
            "creative fatigue)? For every missed target, state the gap and the reason, specifically "
            "enough that someone could check it.",
        },
    },
    "solutions": {
        "title": {"zh-CN": "改进措施", "en": "Fixes and improvements"},
        "prompt": {
            "zh-CN": "针对上面的问题给出具体做法：改什么（素材、落地页、定向、出价、预算分配）、谁负责、"
            "什么时候完成、预期带来什么变化，以及如何验证（如 A/B 测试）。",
            "en": "For each problem above, give a concrete fix: what changes (creative, landing page, "
            "targeting, bids, budget split), who owns it, by when, the expected effect and how it will "
            "be verified (for example an A/B test).",
        },
    },
    "plan": {
        "title": {"zh-CN": "下月计划与 KPI 目标", "en": "Next month's plan and KPI targets"},
        "prompt": {
            "zh-CN": "下月的重点投放、预算安排、要测试的新方向，以及量化目标（如点击率、转化率、转化成本、ROI、预算）。"
            "目标要可衡量、有时限，并说明依据。",
            "en": "Next month's focus, budget plan and experiments, with measurable targets (CTR, CVR, CPA, "
            "ROI, budget). Keep targets specific and time-bound, and say what they are based on.",
        },
    },
    "optimise": {
        "title": {"zh-CN": "优化与 A/B 测试", "en": "Optimisation and A/B tests"},
        "prompt": {
            "zh-CN": "本月持续做了哪些优化：测试了什么（文案、素材、定向、出价、投放时段），各版本结果如何对比，"
            "最后采用了哪一版、推广到了哪些计划。可在表单里挑选本月数据中的计划或广告组，插入带显著性判断的对比结论。",
            "en": "What you kept improving this month: what was tested (copy, creatives, targeting, bids, "
            "timing), how the versions compared, and which one was adopted and rolled out where. In the "
            "form you can pick campaigns or ad groups from this month's data and insert the comparison "
            "with its significance verdict.",
        },
    },
    "team": {
        "title": {"zh-CN": "团队目标与分工", "en": "Team goals and owners"},
        "prompt": {
            "zh-CN": "把下月目标拆到人：谁负责哪些账户、素材、数据监控或测试；需要哪些协作与支持；"
            "团队层面想提升的一项能力。",
            "en": "Break next month's goals down by person: who owns which accounts, creatives, monitoring "
            "or tests; what help is needed from others; one capability the team wants to build.",
        },
    },
    "market": {
        "title": {"zh-CN": "市场与竞品观察", "en": "Market and competitors"},
        "prompt": {
            "zh-CN": "本月行业与平台的变化（政策、流量价格、新产品）、竞品的投放动作与素材方向，"
            "以及这些对我们下月投放的影响。",
            "en": "Changes in the industry and on the platforms this month (policy, traffic prices, new "
            "products), what competitors ran and how, and what that means for next month.",
        },
    },
    "feedback": {
        "title": {"zh-CN": "反馈与调整", "en": "Feedback and what changes"},
        "prompt": {
            "zh-CN": "本月听到的反馈：团队内部（协作、流程、工具）和用户（评论、客服、调研、落地页行为）各说了什么、"
            "反映出什么问题，我们因此要改什么、由谁负责、从何时起生效。",
            "en": "Feedback heard this month, from the team (collaboration, process, tools) and from users "
            "(comments, support, surveys, landing-page behaviour): what it points to, and what we change "
            "because of it, who owns the change and from when.",
        },
    },
}

TEMPLATES: dict[str, dict[str, dict[str, dict[str, str]]]] = {"feed-ads": FEED_ADS}


def section_text(template: str, key: str, part: str) -> dict[str, str]:
    """The localised title or prompt of a template section (a copy, safe to change)."""
    return dict(TEMPLATES[template][key][part])
