"""Sentences about A/B tests, checked against the data of tests/claims_ab_data.py (month 2026-11).

Same shape as the other corpora: `expect` "wrong" when a figure of a named variant disagrees with
that variant's data, or a claim of (no) significance disagrees with the test the optimise form
runs; "ok" when right, or when the checker should say nothing (the variants cannot be told, the
KPI is not one the test compares, a change over time rather than a comparison).

The truth, from the totals (November; October in brackets where a change is claimed):
  素材A  CTR 1.00% (1.00%), CVR 5.00%, CPA 50.00    素材B  CTR 1.40% (1.30%), CVR 5.12%, CPA 48.00
    CTR: 素材B ahead, p < 0.001 (significant); CVR: p ≈ 0.82 (not significant)
  品牌-Variant A  CTR 1.20%, CVR 4.00%, CPA 62.50   品牌-Variant B  CTR 1.23%, CVR 4.23%, CPA 60.00
    CTR p ≈ 0.665, CVR p ≈ 0.84: a tie on both
  Video A  CTR 2.00%, CVR 10.00%, CPA 25.00         Video B  CTR 2.05%, CVR 5.98%, CPA 41.84
    CTR p ≈ 0.48 (not significant); CVR: Video A ahead, p < 0.001 (significant)
  新品-文案1  CTR 1.00% (2 / 200)                    新品-文案2  CTR 3.50% (7 / 200): too little data
Three families of lettered names (素材, 品牌-Variant, Video): a bare "B … A" with nothing named
nearby could be any of them.
"""

from __future__ import annotations


def _e(locale: str, text: str, expect: str, why: str = "") -> dict:
    return {"locale": locale, "text": text, "expect": expect, "why": why}


ZH, EN = "zh-CN", "en"

CORPUS: list[dict] = [
    # ------------------------------------------------------- figures of a named variant, zh-CN
    _e(ZH, "素材B 点击率 1.40%，素材A 只有 1.00%。", "ok", "each against its ad group"),
    _e(ZH, "素材A 的转化成本 50.00 元，素材B 为 48.00 元。", "ok"),
    _e(ZH, "品牌-Variant B 的转化率 4.23%。", "ok"),
    _e(ZH, "Video A 转化率 10.00%，转化成本 25 元。", "ok"),
    _e(ZH, "素材B 点击率环比提升 0.10 个百分点。", "ok", "1.30% -> 1.40%"),
    _e(ZH, "素材B 展现 30 万，点击 4200 次。", "ok"),
    _e(ZH, "素材B 点击率 1.2%。", "wrong", "1.40%"),
    _e(ZH, "素材A 的转化成本 48.00 元。", "wrong", "50.00 (48.00 is 素材B's)"),
    _e(ZH, "Video B 转化率 10.00%。", "wrong", "5.98%"),
    _e(ZH, "品牌-Variant A 点击率 1.32%。", "wrong", "1.20%"),
    _e(ZH, "素材A 点击率环比提升 0.3 个百分点。", "wrong", "flat at 1.00%"),
    # ------------------------------------------------------------------------------------ en
    _e(EN, "Variant A CTR 1.20%, Variant B 1.23%.", "ok"),
    _e(EN, "Video B converted at 5.98% for a CPA of ¥41.84.", "ok"),
    _e(EN, "素材B had a 1.40% CTR.", "ok"),
    _e(EN, "Variant A CTR 1.1%.", "wrong", "1.20%"),
    _e(EN, "Video A's CPA was ¥41.84.", "wrong", "¥25.00 (¥41.84 is Video B's)"),
    _e(EN, "素材B's CVR was 5.5%.", "wrong", "5.12%"),
    # ----------------------------------------------------------- significance claims, zh-CN
    _e(ZH, "素材B 的点击率显著高于素材A。", "ok", "p < 0.001, B ahead"),
    _e(ZH, "素材B 的点击率显著高于 A。", "ok", "A: 素材B's sibling"),
    _e(ZH, "与素材A 相比，素材B 的点击率明显更高。", "ok"),
    _e(ZH, "素材A 和素材B 的转化率差异不显著。", "ok", "p ≈ 0.82"),
    _e(ZH, "品牌-Variant A 与品牌-Variant B 的点击率没有显著差异。", "ok"),
    _e(ZH, "Video A 的转化率显著高于 Video B。", "ok"),
    _e(ZH, "Video A 和 Video B 的点击率差异不显著（p = 0.48）。", "ok"),
    _e(ZH, "新品-文案2 的点击率更高，但数据太少，差异不显著。", "ok", "too little data: not significant"),
    _e(ZH, "素材B 点击率显著领先，转化率则没有显著差异。", "ok", "two clauses, two metrics"),
    _e(ZH, "本月测试了素材A 和素材B。B 的点击率显著更高，转化率差异不显著。", "ok", "letters from the sentence before"),
    _e(ZH, "素材A 的点击率显著高于素材B。", "wrong", "素材B is ahead"),
    _e(ZH, "素材B 的转化率显著高于素材A。", "wrong", "p ≈ 0.82"),
    _e(ZH, "品牌-Variant B 的点击率明显更高。", "wrong", "p ≈ 0.665 against its sibling"),
    _e(ZH, "素材A 和素材B 的点击率差异不显著。", "wrong", "p < 0.001"),
    _e(ZH, "Video B 的转化率显著高于 Video A。", "wrong", "Video A is ahead"),
    _e(ZH, "新品-文案2 的点击率显著高于新品-文案1。", "wrong", "too little data to call"),
    _e(ZH, "文案2 的点击率明显更高。", "wrong", "a numbered family; too little data"),
    _e(ZH, "品牌-Variant A 的转化率显著低于品牌-Variant B。", "wrong", "p ≈ 0.84"),
    _e(ZH, "本月测试了素材A 和素材B。A 的点击率显著更高。", "wrong", "素材B is ahead"),
    _e(ZH, "素材B 上线一周后，点击率比 A 显著高出 0.4 个百分点。", "ok"),
    # letters for variants, p-values
    _e(ZH, "素材A 和素材B 对比：B 版点击率 1.40%，A 版 1.00%，差异显著（p < 0.001）。", "ok", "letters after the names"),
    _e(ZH, "素材A 和素材B 对比：B 版点击率 1.20%，A 版 1.00%。", "wrong", "B 1.40%"),
    _e(ZH, "素材A/B 测试中，B 版点击率显著更高。", "ok", "the pair frames the sentence"),
    _e(ZH, "素材A/B 测试中，A 版点击率显著更高。", "wrong", "B is ahead"),
    _e(ZH, "素材B 对素材A：转化率差异 p = 0.82，不显著。", "ok"),
    _e(ZH, "Video A 对 Video B 的点击率差异 p < 0.05。", "wrong", "p ≈ 0.48"),
    _e(ZH, "品牌-Variant A 与品牌-Variant B 的转化率差异显著（p = 0.03）。", "wrong", "p ≈ 0.84"),
    # not for the checker to judge
    _e(ZH, "B 的点击率显著高于 A。", "ok", "three lettered families: which A and B?"),
    _e(ZH, "B 版点击率 1.20%，A 版 1.00%。", "ok", "which A and B? not the account either"),
    _e(ZH, "B 组点击率显著更高。", "ok", "which B?"),
    _e(ZH, "素材B 的转化成本显著更低。", "ok", "CPA is not tested"),
    _e(ZH, "素材B 上线后点击率显著提升。", "ok", "a change over time"),
    _e(ZH, "素材A 和素材B 的点击率是否有显著差异，还要再跑两周。", "ok", "a question"),
    _e(ZH, "新素材的点击率显著更高。", "ok", "no variant named"),
    _e(ZH, "A/B 测试显著提升了点击率。", "ok", "the method, not variants"),
    # ---------------------------------------------------------------- significance claims, en
    _e(EN, "素材B's CTR was significantly higher than 素材A's.", "ok"),
    _e(EN, "The CTR difference between Variant A and Variant B is not significant.", "ok"),
    _e(EN, "Video A significantly outperformed Video B on CVR.", "ok"),
    _e(EN, "Video B's CTR lead over Video A is not statistically significant (p = 0.48).", "ok"),
    _e(EN, "Variant B converted slightly better than Variant A, but the difference wasn't significant.", "ok"),
    _e(EN, "We tested Video A against Video B. A's CVR was significantly higher.", "ok"),
    _e(EN, "Variant B's CTR was significantly higher than Variant A's.", "wrong", "p ≈ 0.665"),
    _e(EN, "Video B significantly outperformed Video A on CVR.", "wrong", "Video A is ahead"),
    _e(EN, "The CTR difference between 素材A and 素材B is not significant.", "wrong", "p < 0.001"),
    _e(EN, "素材B's CVR was significantly better than 素材A's.", "wrong", "p ≈ 0.82"),
    _e(EN, "新品-文案2 had a significantly higher CTR than 新品-文案1.", "wrong", "too little data"),
    _e(EN, "Video A and Video B differ significantly in CTR.", "wrong", "p ≈ 0.48"),
    _e(EN, "We tested Video A against Video B. B's CVR was significantly higher.", "wrong", "Video A is ahead"),
    _e(EN, "Variant A vs Variant B: B's CTR 1.23% vs A's 1.20% (p = 0.66).", "ok"),
    _e(EN, "Variant A vs Variant B: B's CTR 1.53% vs A's 1.20%.", "wrong", "B 1.23%"),
    _e(EN, "In the Video A/B test, A converted significantly better (p < 0.001).", "ok"),
    _e(EN, "In the Video A/B test, B converted significantly better (p < 0.001).", "wrong", "Video A is ahead on CVR"),
    # not for the checker to judge
    _e(EN, "A significant share of spend went to Variant B.", "ok", "significant = large"),
    _e(EN, "Version B's CTR was 1.9% against 1.2% for version A.", "ok", "which A and B?"),
    _e(EN, "A 20% lift in CTR came from the new copy.", "ok", "an article"),
    _e(EN, "B beat A significantly on CTR.", "ok", "which A and B?"),
    _e(EN, "Variant B is significantly ahead on CPA.", "ok", "CPA is not tested"),
    _e(EN, "The new creative won significantly.", "ok", "no variant named"),
    _e(EN, "We'll check whether Variant B is significantly better.", "ok", "a plan"),
    # ---- written after the checker passed everything above, in phrasings it had not seen: its first
    # run judged 16 of 18 right (missed "won … at 95% confidence"; a false alarm on "from 素材A to
    # 素材B (1.00% → 1.40%)" read as a change over the month); both kinds fixed since
    _e(ZH, "素材B 的点击率为 1.40%，显著优于素材A 的 1.00%。", "ok"),
    _e(ZH, "素材B 的点击率比素材A 显著提升了 0.4 个百分点。", "ok"),
    _e(ZH, "素材B 胜出，点击率 1.40% 对 1.00%，p<0.001。", "ok"),
    _e(ZH, "素材B 胜出，转化率 5.12% 对 5.00%，差异显著。", "wrong", "CVR p ≈ 0.82"),
    _e(ZH, "两个素材（素材A、素材B）的转化率没有统计学差异。", "ok"),
    _e(ZH, "素材A、素材B 点击率差异具有统计学意义。", "ok"),
    _e(ZH, "Video B 在点击率上略高于 Video A，但未达到显著水平。", "ok"),
    _e(ZH, "Video B 在转化率上显著领先 Video A。", "wrong", "Video A is ahead"),
    _e(ZH, "品牌-Variant B 的转化率 4.23%，较品牌-Variant A 的 4.00% 显著提高。", "wrong", "p ≈ 0.84"),
    _e(ZH, "素材B 的点击率 1.40%，素材A 1.00%，B 显著更好。", "ok"),
    _e(ZH, "Video A 的点击率 2.10%。", "wrong", "2.00%"),
    _e(ZH, "品牌-Variant B 的 CTR 显著更高（1.23% vs 1.20%）。", "wrong", "p ≈ 0.665"),
    _e(EN, "The lift in CTR from 素材A to 素材B (1.00% → 1.40%) is statistically significant.", "ok"),
    _e(EN, "素材B beat 素材A on CTR with p < 0.001, but CVR was a wash (p = 0.82).", "ok"),
    _e(EN, "Variant B won the CTR test against Variant A at 95% confidence.", "wrong", "p ≈ 0.665"),
    _e(EN, "There was no significant difference in CVR between Video A and Video B.", "wrong", "p < 0.001"),
    _e(EN, "Video A's 10.00% CVR was significantly above Video B's 5.98%.", "ok"),
    _e(EN, "Video B CTR 2.05%, Video A 2.00%; no significant difference.", "ok"),
]
