"""The sample team and the answers its members "write" in `feedsum demo`."""

from __future__ import annotations

import calendar
import random

ADMIN, ANNA, BO, CHEN = "U0DEMOADM", "U0DEMOANA", "U0DEMOBOO", "U0DEMOCHN"
CHANNEL = "C0DEMOFEED"

USERS = {
    ADMIN: "林经理 (Lin)", ANNA: "安娜 (Anna)", BO: "王博 (Bo)", CHEN: "陈晨 (Chen)",
}


def config(locale: str) -> dict:
    return {"reports": [{
        "id": "feed-ads", "name": "信息流投放组" if locale == "zh-CN" else "In-feed Ads Team",
        "channel": CHANNEL, "admins": [ADMIN], "timezone": "Asia/Shanghai", "locale": locale, "calendar": "CN",
        "targets": {"ctr": 0.012, "cpa": 60, "roas": 2.5},
        "budget": 400000,
        "sections": [
            {"key": "results", "owners": [ANNA]},
            {"key": "data", "owners": [BO]},
            {"key": "lessons", "owners": [ANNA, BO]},
            {"key": "solutions", "owners": [CHEN]},
            {"key": "plan", "owners": [ADMIN]},
            {"key": "optimise", "owners": [BO]},
            {"key": "team", "owners": [ADMIN]},
            {"key": "market", "owners": [CHEN]},
            {"key": "feedback", "owners": [ANNA]},
        ],
    }]}


ANSWERS = {
    "zh-CN": {
        "results": (ANNA, "• 巨量引擎新上线 6 条「双十一预热」计划，腾讯广告朋友圈 3 条。\n"
                          "• 首次试投百度信息流的线索表单，两周跑出稳定成本。\n"
                          "• 新做 24 套短视频素材，其中 5 套进入头部消耗。"),
        "data": (BO, "补充说明：\n"
                     "• 巨量引擎贡献了大部分新增消耗，来自预热计划；\n"
                     "• 腾讯广告朋友圈的转化率高于平均，但量级有限；\n"
                     "• 百度线索表单仍在学习期，成本偏高。"),
        "lessons": (ANNA, "有效：前 3 秒出现价格信息的素材点击率更高，可以复制。整体点击率环比提升 12%。\n"
                          "问题：大促前一周竞价上涨，部分计划超预算；百度新计划冷启动期转化偏少。"),
        "solutions": (CHEN, "1. 大促期间为每个账户设日预算上限，超出 80% 时提醒（负责人：陈晨，11 月 30 日前）。\n"
                            "2. 百度计划改用 oCPC 二阶段出价，A/B 测试两周验证。\n"
                            "3. 素材每周淘汰点击率最低的 20%。"),
        "plan": (ADMIN, "下月重点：年货节投放。目标点击率 1.3%，转化成本 55 元以内，预算 45 万。"
                        "新增快手磁力引擎测试账户。"),
        # The demo inserts the A/B comparison of the proposed 短视频A/B pair after this text, as
        # the optimise form's "Insert into text" does (feedsum/demo.py).
        "optimise": (BO, "「双十一预热」两版短视频做了 A/B 测试：短视频A 前 3 秒出价格，短视频B 先讲卖点，同期投放。\n"
                         "• 结论以下方对比为准，不看单日数字；\n"
                         "• 胜出的开头下月用到常规拉新计划，没分出胜负就延长一周再看。"),
        # "team" is left unanswered, to show how a missing section is named.
        "market": (CHEN, "竞品 A 在巨量引擎加大了直播间投放；平台对医疗类素材审核收紧，需要提前准备合规文案。"),
        "feedback": (ANNA, "团队：设计反映素材排期太紧 → 从下月起文案每周二前定稿（负责人：陈晨）。\n"
                           "用户：评论区多次问到价格和发货时间 → 落地页首屏加上价格与发货说明（负责人：安娜，12 月 1 日起）。\n"
                           "客服：百度线索表单的电话空号偏多 → 表单加短信验证，先在百度试一周。"),
    },
    "en": {
        "results": (ANNA, "• Launched 6 Ocean Engine pre-sale campaigns and 3 Tencent Moments campaigns.\n"
                          "• First Baidu lead-form test; costs stabilised within two weeks.\n"
                          "• Made 24 new short videos; 5 of them now carry most of the spend."),
        "data": (BO, "Notes:\n"
                     "• Ocean Engine brought most of the extra spend, from the pre-sale campaigns;\n"
                     "• Tencent Moments converted above average but at small volume;\n"
                     "• Baidu lead forms are still learning and expensive."),
        "lessons": (ANNA, "Worked: videos that show the price in the first 3 seconds get more clicks. CTR up 12% MoM.\n"
                          "Problems: bids rose the week before the sale and some campaigns overspent; "
                          "new Baidu campaigns converted little while learning."),
        "solutions": (CHEN, "1. Daily caps per account during sales, with an alert at 80% (owner: Chen, by Nov 30).\n"
                            "2. Switch Baidu to two-stage oCPC bidding; verify with a two-week A/B test.\n"
                            "3. Retire the weakest 20% of creatives by CTR every week."),
        "plan": (ADMIN, "Focus: the New Year sale. Targets: CTR 1.3%, CPA under 55, budget 450k. "
                        "Start a Kuaishou test account."),
        "optimise": (BO, "A/B test of the two pre-sale videos: 短视频A shows the price in the first 3 seconds, "
                         "短视频B opens with the product's selling points; both ran over the same days.\n"
                         "• The comparison below is what counts, not single days;\n"
                         "• The winning opening goes into the regular acquisition campaign next month; "
                         "with no clear winner we run it a week longer."),
        "market": (CHEN, "Competitor A moved budget into live-stream ads on Ocean Engine; the platform tightened "
                         "reviews of health-related creatives, so prepare compliant copy early."),
        "feedback": (ANNA, "Team: design says creative deadlines are too tight → copy is final by Tuesday each week "
                           "from next month (owner: Chen).\n"
                           "Users: comments keep asking about price and delivery → the landing page shows both on "
                           "its first screen (owner: Anna, from Dec 1).\n"
                           "Support: many Baidu leads left dead numbers → an SMS check on the form, tried on Baidu "
                           "for a week first."),
    },
}


def exports(period: str) -> dict[str, bytes]:
    """Sample ad-platform exports for a month, shaped like the real ones (title lines, 合计 rows,
    GB18030), with spend growing and CTR dipping slightly in the second month."""
    year, month = map(int, period.split("-"))
    days = calendar.monthrange(year, month)[1]
    rng = random.Random(f"feedsum-demo-{period}")
    growth = 1.25 if month % 2 == 0 else 1.0
    ocean = ["双十一预热-短视频A", "双十一预热-短视频B", "常规拉新-信息流", "再营销-直播间"]
    lines = [f"广告组报表,{year}-{month:02d}-01 至 {year}-{month:02d}-{days}", "",
             "时间,广告组,展示数,点击数,点击率(%),总花费(元),转化数"]
    totals = [0, 0, 0.0, 0]
    for day in range(1, days + 1):
        for i, name in enumerate(ocean):
            impressions = int(rng.uniform(40_000, 90_000) * growth * (1 + 0.4 * (i == 0)))
            clicks = int(impressions * rng.uniform(0.009, 0.014) / (1 + 0.05 * (growth > 1)))
            spend = round(impressions / 1000 * rng.uniform(28, 36), 2)
            conv = int(clicks * rng.uniform(0.03, 0.05))
            totals = [totals[0] + impressions, totals[1] + clicks, totals[2] + spend, totals[3] + conv]
            lines.append(f"{year}-{month:02d}-{day:02d},{name},{impressions},{clicks},{clicks / impressions * 100:.2f},"
                         f"\"{spend:,.2f}\",{conv}")
    lines.append(f"合计,,{totals[0]},{totals[1]},{totals[1] / totals[0] * 100:.2f},\"{totals[2]:,.2f}\",{totals[3]}")
    ocean_csv = ("\n".join(lines) + "\n").encode("gb18030")

    lines = ["日期\t广告名称\t花费\t曝光次数\t点击次数\t点击率\t下单金额\t下单次数"]
    for day in range(1, days + 1):
        for name in ("朋友圈-年货节", "公众号-会员日"):
            impressions = int(rng.uniform(20_000, 35_000) * growth)
            clicks = int(impressions * rng.uniform(0.011, 0.016))
            spend = round(clicks * rng.uniform(2.2, 2.8), 2)
            orders = int(clicks * rng.uniform(0.04, 0.06))
            revenue = round(orders * rng.uniform(95, 130), 2)
            lines.append(f"{year}/{month}/{day}\t{name}\t{spend:.2f}\t{impressions}\t{clicks}\t"
                         f"{clicks / impressions * 100:.2f}%\t{revenue:.2f}\t{orders}")
    tencent_tsv = ("\n".join(lines) + "\n").encode("utf-8-sig")
    return {f"oceanengine-{period}.csv": ocean_csv, f"tencent-{period}.tsv": tencent_tsv}
