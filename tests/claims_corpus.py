"""Hand-written sentences for measuring the claim checker (tests/test_claims.py).

Each entry: (text, [(kpi, kind, verdict), ...]) where verdict is True (agrees with the
snapshot below), False (wrong value or direction) or None (cannot be verified). An empty
list means the sentence makes no claim about this month's totals (targets, plans, a single
platform or day, unrelated numbers).

Snapshot (this month vs last month), with the figures a writer would round from:
  spend 123,500 (12.35万) vs 115,000, +7.39%     impressions 1,250,000 (125万) vs 1,300,000, -3.85%
  clicks 28,375 (2.84万) vs 27,300, +3.94%        conversions 2,270 vs 2,100, +8.10%
  revenue 395,200 (39.52万) vs 345,000, +14.55%
  CTR 2.27% vs 2.10% (+8.10%, +0.17 pp)           CPC 4.35 vs 4.21, +3.32%
  CPM 98.80 vs 88.46, +11.69%                     CVR 8.00% vs 7.69% (+4.00%, +0.31 pp)
  CPA 54.41 vs 54.76, -0.65%                      ROI (revenue/spend) 3.20 vs 3.00, +6.67%
"""

from __future__ import annotations


def derive(base: dict[str, float]) -> dict[str, float | None]:
    """Ratios of sums, the way bot.insight.kpi defines them (kept here so the corpus is self-contained)."""
    d: dict[str, float | None] = dict(base)

    def div(a: str, b: str, mult: float = 1.0) -> float | None:
        return None if not d.get(b) or d.get(a) is None else d[a] / d[b] * mult

    d["ctr"] = div("clicks", "impressions")
    d["cpc"] = div("spend", "clicks")
    d["cpm"] = div("spend", "impressions", 1000)
    d["cvr"] = div("conversions", "clicks")
    d["cpa"] = div("spend", "conversions")
    d["roas"] = div("revenue", "spend")
    d["profit_roi"] = None if d["roas"] is None else d["roas"] - 1
    return d


CURRENT = derive(dict(impressions=1_250_000, clicks=28_375, spend=123_500.0, conversions=2_270, revenue=395_200.0))
PREVIOUS = derive(dict(impressions=1_300_000, clicks=27_300, spend=115_000.0, conversions=2_100, revenue=345_000.0))

T, F, U = True, False, None

CORPUS: list[tuple[str, list[tuple[str, str, bool | None]]]] = [
    # --- zh-CN, correct ---
    ("本月消耗 12.35 万元，环比增长 7.4%。", [("spend", "value", T), ("spend", "change_rel", T)]),
    ("点击率从2.10%升至2.27%。", [("ctr", "from_to", T)]),
    ("CTR 环比提升 0.17 个百分点。", [("ctr", "change_pp", T)]),
    ("点击率环比提升 8.1%", [("ctr", "change_rel", T)]),
    ("CTR 提升 0.2%，主要来自新素材。", [("ctr", "change_rel", T)]),  # 0.2 pp read as points
    ("转化成本从54.76元降到54.41元", [("cpa", "from_to", T)]),
    ("CPA 降到 54.4 元", [("cpa", "value", T)]),
    ("整体 ROI 1:3.2", [("roas", "value", T)]),
    ("投产比 3.2，环比提升 6.7%", [("roas", "value", T), ("roas", "change_rel", T)]),
    ("花费12.35w", [("spend", "value", T)]),
    ("消耗 12.3 万", [("spend", "value", T)]),
    ("展现 125万次，环比下降 3.8%", [("impressions", "value", T), ("impressions", "change_rel", T)]),
    ("点击量 2.84万", [("clicks", "value", T)]),
    ("本月带来 2270 个转化，环比增长 8.1%", [("conversions", "value", T), ("conversions", "change_rel", T)]),
    ("转化率 8.0%，提升 0.3 个百分点", [("cvr", "value", T), ("cvr", "change_pp", T)]),
    ("千次展现费用 98.8 元", [("cpm", "value", T)]),
    ("点击单价 4.35 元，环比上涨 3.3%", [("cpc", "value", T), ("cpc", "change_rel", T)]),
    ("收入 39.5 万元", [("revenue", "value", T)]),
    ("GMV 环比增长 14.6%", [("revenue", "change_rel", T)]),
    ("CPM 从 88.46 元涨到 98.80 元", [("cpm", "from_to", T)]),
    ("转化成本环比下降 0.7%", [("cpa", "change_rel", T)]),
    ("点击率较上月高 0.17 个百分点", [("ctr", "change_pp", T)]),
    ("CTR 2.27%（上月 2.10%）", [("ctr", "value", T), ("ctr", "value", T)]),
    ("消耗 12.35 万，点击 2.84 万，转化 2270", [("spend", "value", T), ("clicks", "value", T), ("conversions", "value", T)]),
    ("CPA 优化 0.7%", [("cpa", "change_rel", T)]),
    ("转化成本下降 0.4 元", [("cpa", "change_abs", T)]),
    ("带来 2.84万次点击", [("clicks", "value", T)]),
    # --- zh-CN, wrong ---
    ("点击率从2.1%升至2.5%", [("ctr", "from_to", F)]),
    ("CTR 提升 12%", [("ctr", "change_rel", F)]),
    ("消耗 13.2 万", [("spend", "value", F)]),
    ("CPA 降到 45 元", [("cpa", "value", F)]),
    ("ROI 1:3.5", [("roas", "value", F)]),
    ("转化率下降了 0.3 个百分点", [("cvr", "change_pp", F)]),
    ("点击量 3.4万", [("clicks", "value", F)]),
    ("展现 120万次", [("impressions", "value", F)]),
    ("转化成本从52元降到45元", [("cpa", "from_to", F)]),
    ("收入环比下降 14.6%", [("revenue", "change_rel", F)]),
    ("CPC 上涨 8%", [("cpc", "change_rel", F)]),
    ("千展 88.5 元", [("cpm", "value", F)]),
    ("消耗环比增长 17.4%", [("spend", "change_rel", F)]),
    ("点击率 2.5%", [("ctr", "value", F)]),
    ("投产比从 3.0 提升到 3.5", [("roas", "from_to", F)]),
    ("CTR 2.27%（上月 2.3%）", [("ctr", "value", T), ("ctr", "value", F)]),
    ("点击率提升 0.4%", [("ctr", "change_rel", F)]),  # neither +8.1% nor +0.17 pp
    ("ROI 下降到 3.2", [("roas", "value", F)]),  # right level, wrong direction
    ("转化 2,500 个，环比下降 5%", [("conversions", "value", F), ("conversions", "change_rel", F)]),
    # --- en, correct ---
    ("Spend was ¥123,500, up 7.4% MoM.", [("spend", "value", T), ("spend", "change_rel", T)]),
    ("CTR rose from 2.10% to 2.27%.", [("ctr", "from_to", T)]),
    ("CTR up 8.1%", [("ctr", "change_rel", T)]),
    ("CTR up 0.17pp", [("ctr", "change_pp", T)]),
    ("Conversions grew 8.1% month over month to 2,270.", [("conversions", "change_rel", T), ("conversions", "value", T)]),
    ("CPA fell 0.7% to ¥54.41.", [("cpa", "change_rel", T), ("cpa", "value", T)]),
    ("ROAS 3.2x, up 6.7% MoM", [("roas", "value", T), ("roas", "change_rel", T)]),
    ("We generated 2,270 conversions at a CPA of ¥54.41.", [("conversions", "value", T), ("cpa", "value", T)]),
    ("Impressions were 1.25M, down 3.8% MoM.", [("impressions", "value", T), ("impressions", "change_rel", T)]),
    ("CVR improved by 0.3 pp to 8.0%.", [("cvr", "change_pp", T), ("cvr", "value", T)]),
    ("Revenue reached ¥395.2k", [("revenue", "value", T)]),
    ("Clicks increased 3.9%.", [("clicks", "change_rel", T)]),
    ("CPM ¥98.8", [("cpm", "value", T)]),
    ("Cost per conversion decreased from ¥54.76 to ¥54.41", [("cpa", "from_to", T)]),
    # --- en, wrong ---
    ("CTR up 12%", [("ctr", "change_rel", F)]),
    ("spend was $12,300", [("spend", "value", F)]),
    ("conversions fell 8% MoM", [("conversions", "change_rel", F)]),
    ("CPA dropped to ¥45", [("cpa", "value", F)]),
    ("CVR rose 0.5pp", [("cvr", "change_pp", F)]),
    ("ROI 1:2.8", [("roas", "value", F)]),
    ("Impressions rose 3.8%", [("impressions", "change_rel", F)]),
    ("Revenue was ¥420k", [("revenue", "value", F)]),
    ("CPC fell from ¥4.50 to ¥4.35", [("cpc", "from_to", F)]),
    ("We got 31,200 clicks", [("clicks", "value", F)]),
    ("CPM was 11.7% lower than last month", [("cpm", "change_rel", F)]),
    # --- not claims about this month's totals ---
    ("下月目标点击率 3%，CPA 控制在 50 元以内。", []),
    ("本月新上线 3个素材，第2周开始放量。", []),
    ("计划下月消耗提升到 15 万。", []),
    ("Next month we plan to push CTR to 3%.", []),
    ("Our CPA target is ¥50.", []),
    ("抖音 CTR 3.1%，表现最好。", []),
    ("5月12日单日消耗 8,000 元。", []),
    ("The team shipped 12 creatives in 4 weeks.", []),
    ("CTR 和 CVR 分别为 2.6%、9.1%。", [("ctr", "value", F), ("cvr", "value", F)]),
    ("预算 20 万元，已花费 61.75%。", []),
    ("点击率最高的一天达到 3.1%。", []),
    ("整体表现稳定，团队配合良好。", []),
    ("Industry average CTR is 1.8%.", []),
    ("日均消耗 4,100 元左右。", []),
    ("2024年5月共投放 31 天。", []),
    # --- cannot be verified ---
    ("消耗同比增长 20%", [("spend", "change_rel", U)]),
]
