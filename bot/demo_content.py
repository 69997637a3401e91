"""The sample team and the answers its members "write" in `feedsum demo`."""

from __future__ import annotations

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
            {"key": "team", "owners": [ADMIN]},
            {"key": "market", "owners": [CHEN]},
        ],
    }]}


ANSWERS = {
    "zh-CN": {
        "results": (ANNA, "• 巨量引擎新上线 6 条「双十一预热」计划，腾讯广告朋友圈 3 条。\n"
                          "• 首次试投百度信息流的线索表单，两周跑出稳定成本。\n"
                          "• 新做 24 套短视频素材，其中 5 套进入头部消耗。"),
        "data": (BO, "整体看，本月放量明显，点击率基本持平，转化成本略有上升：\n"
                     "• 巨量引擎贡献了大部分新增消耗，来自预热计划；\n"
                     "• 腾讯广告朋友圈的转化率高于平均，但量级有限；\n"
                     "• 百度线索表单仍在学习期，成本偏高。"),
        "lessons": (ANNA, "有效：前 3 秒出现价格信息的素材点击率更高，可以复制。\n"
                          "问题：大促前一周竞价上涨，部分计划超预算；百度新计划冷启动期转化偏少。"),
        "solutions": (CHEN, "1. 大促期间为每个账户设日预算上限，超出 80% 时提醒（负责人：陈晨，11 月 30 日前）。\n"
                            "2. 百度计划改用 oCPC 二阶段出价，A/B 测试两周验证。\n"
                            "3. 素材每周淘汰点击率最低的 20%。"),
        "plan": (ADMIN, "下月重点：年货节投放。目标点击率 1.3%，转化成本 55 元以内，预算 45 万。"
                        "新增快手磁力引擎测试账户。"),
        # "team" is left unanswered, to show how a missing section is named.
        "market": (CHEN, "竞品 A 在巨量引擎加大了直播间投放；平台对医疗类素材审核收紧，需要提前准备合规文案。"),
    },
    "en": {
        "results": (ANNA, "• Launched 6 Ocean Engine pre-sale campaigns and 3 Tencent Moments campaigns.\n"
                          "• First Baidu lead-form test; costs stabilised within two weeks.\n"
                          "• Made 24 new short videos; 5 of them now carry most of the spend."),
        "data": (BO, "Spend grew clearly this month, CTR held roughly flat and CPA rose a little:\n"
                     "• Ocean Engine brought most of the extra spend, from the pre-sale campaigns;\n"
                     "• Tencent Moments converted above average but at small volume;\n"
                     "• Baidu lead forms are still learning and expensive."),
        "lessons": (ANNA, "Worked: videos that show the price in the first 3 seconds get more clicks.\n"
                          "Problems: bids rose the week before the sale and some campaigns overspent; "
                          "new Baidu campaigns converted little while learning."),
        "solutions": (CHEN, "1. Daily caps per account during sales, with an alert at 80% (owner: Chen, by Nov 30).\n"
                            "2. Switch Baidu to two-stage oCPC bidding; verify with a two-week A/B test.\n"
                            "3. Retire the weakest 20% of creatives by CTR every week."),
        "plan": (ADMIN, "Focus: the New Year sale. Targets: CTR 1.3%, CPA under 55, budget 450k. "
                        "Start a Kuaishou test account."),
        "market": (CHEN, "Competitor A moved budget into live-stream ads on Ocean Engine; the platform tightened "
                         "reviews of health-related creatives, so prepare compliant copy early."),
    },
}
