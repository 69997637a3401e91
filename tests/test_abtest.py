"""A/B comparisons: figures, tests against reference values, verdicts on data with known outcomes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bot.insight.abtest import (
    MIN_TRIALS,
    VariantKey,
    catalogue,
    chi_square,
    compare,
    compare_named,
    holm,
    labels,
    propose,
    sample_size,
    two_proportion_z,
)


def rows_of(variants: dict[str, tuple], *, platform: str = "巨量引擎", campaign: str | None = None,
            days: int = 3) -> pd.DataFrame:
    """Daily rows whose month sums are exactly the given (impressions, clicks, conversions, spend).

    With `campaign`, the variants are ad groups of that campaign; otherwise campaigns."""
    out = []
    for name, (impr, clicks, conv, spend) in variants.items():
        for d in range(days):
            def share(total, d=d):
                return None if total is None else (total - (days - 1) * (total // days) if d == 0 else total // days)
            out.append({"date": pd.Timestamp(2026, 11, d + 1), "platform": platform,
                        "campaign": campaign or name, "ad_group": name if campaign else None,
                        "impressions": share(impr), "clicks": share(clicks), "conversions": share(conv),
                        "spend": None if spend is None else spend / days})
    return pd.DataFrame(out)


def keys(*names, level="campaign", platform="巨量引擎", campaign=None):
    return [VariantKey(level, platform, campaign or n, n if level == "ad_group" else None) for n in names]


# --- reference computations --------------------------------------------------------------------


def test_two_proportion_z_matches_the_hand_formula_and_statsmodels_documented_example():
    # statsmodels' proportions_ztest docs: count=[5, 12], nobs=[83, 99] gives z -1.4078, p 0.159.
    z, p = two_proportion_z(5, 83, 12, 99)
    pooled = 17 / 182
    hand = (5 / 83 - 12 / 99) / math.sqrt(pooled * (1 - pooled) * (1 / 83 + 1 / 99))
    assert z == pytest.approx(hand) and z == pytest.approx(-1.4078, abs=1e-4)
    assert p == pytest.approx(math.erfc(abs(hand) / math.sqrt(2))) and p == pytest.approx(0.1592, abs=1e-4)


def test_the_tests_agree_with_scipy_stats():
    from scipy.stats import chi2_contingency, norm

    for s, n in (([800, 1_000, 820], [40_000] * 3), ([3, 9, 14, 2], [120, 130, 150, 90]), ([45.5, 30.25], [900, 600])):
        table = [s, [ni - si for si, ni in zip(s, n, strict=True)]]
        ref = chi2_contingency(table, correction=False)
        assert chi_square(s, n) == pytest.approx((ref[0], ref[1]), rel=1e-9)
    z, p = two_proportion_z(1_090, 40_000, 1_000, 40_000)
    assert p == pytest.approx(2 * norm.sf(abs(z)), rel=1e-12)


def test_chi_square_is_the_textbook_value_and_z_squared_for_two_groups():
    # Expected 20/80 in each column: (10−20)²/20 + (30−20)²/20 + (90−80)²/80 + (70−80)²/80 = 12.5.
    stat, p = chi_square([10, 20, 30], [100, 100, 100])
    assert stat == pytest.approx(12.5) and p == pytest.approx(math.exp(-12.5 / 2))  # χ² with 2 df
    z, pz = two_proportion_z(5, 83, 12, 99)
    stat2, p2 = chi_square([5, 12], [83, 99])
    assert stat2 == pytest.approx(z ** 2) and p2 == pytest.approx(pz)


def test_sample_size_is_the_classic_value_and_holm_adjusts_in_order():
    assert sample_size(0.10, 0.15) == 686  # 10% vs 15%, α 0.05 two-sided, 80% power (Fleiss, no correction)
    assert sample_size(0.15, 0.10) == 686 and sample_size(0.1, 0.1) is None
    assert sample_size(0.10, 0.15, alpha=0.025) > 686
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


# --- known outcomes ------------------------------------------------------------------------------


def test_a_clear_winner_is_named_with_its_lead():
    rows = rows_of({"素材A": (100_000, 2_000, 100, 5_000.0), "素材B": (100_000, 2_600, 130, 5_200.0)})
    c = compare(rows, keys("素材A", "素材B"))
    a, b = c.variants
    assert (a.impressions, a.clicks, a.conversions, a.spend) == (100_000, 2_000, 100, pytest.approx(5_000))
    assert b.ctr == pytest.approx(0.026) and b.cvr == pytest.approx(0.05) and b.cpa == pytest.approx(40)
    assert c.ctr.outcome == "winner" and c.ctr.best == 1 and c.ctr.runner_up == 0
    assert c.ctr.relative == pytest.approx(0.3) and c.ctr.absolute == pytest.approx(0.006)
    assert c.ctr.p_value < 1e-10 and c.ctr.needed is None
    # CVR is 5.00% for both: no difference, and nothing to settle.
    assert c.cvr.outcome == "no_difference" and c.cvr.relative == 0 and c.cvr.needed is None


def test_a_tie_is_never_a_winner_and_says_what_would_settle_it():
    rows = rows_of({"v1": (10_000, 200, 20, 100.0), "v2": (10_000, 230, 20, 100.0)})
    c = compare(rows, keys("v1", "v2"))
    assert c.ctr.outcome == "no_difference" and c.ctr.best == 1 and 0.05 < c.ctr.p_value < 0.5
    need = sample_size(0.023, 0.020)
    assert c.ctr.needed == need and c.ctr.more == 2 * (need - 10_000)
    assert c.ctr.impractical is False
    far = compare(rows_of({"v1": (1_000, 200, 20, 1.0), "v2": (1_000, 201, 20, 1.0)}), keys("v1", "v2"))
    assert far.ctr.outcome == "no_difference" and far.ctr.impractical  # 20.0% vs 20.1%: a tie in practice


def test_a_too_small_sample_declares_nothing():
    c = compare(rows_of({"A": (20, 2, 0, 10.0), "B": (25, 6, 1, 10.0)}, days=1), keys("A", "B"))
    assert c.ctr.outcome == "insufficient" and c.ctr.reason == "few_trials" and c.ctr.short == (0, 1)
    assert not c.ctr.significant and c.ctr.best == 1  # who leads is known, but nothing is declared
    assert c.cvr.outcome == "insufficient"
    # Enough impressions, too few expected clicks: 1 vs 6 clicks looks like a big lead.
    c = compare(rows_of({"A": (300, 1, 0, 1.0), "B": (300, 6, 0, 1.0)}, days=1), keys("A", "B"))
    assert c.ctr.outcome == "insufficient" and c.ctr.reason == "expected" and c.ctr.more > 0
    assert MIN_TRIALS == 30


def test_three_variants_winner_partial_and_correction():
    rows = rows_of({"版本一": (40_000, 800, 40, 1.0), "版本二": (40_000, 1_000, 50, 1.0),
                    "版本三": (40_000, 820, 41, 1.0)})
    c = compare(rows, keys("版本一", "版本二", "版本三"))
    assert c.ctr.method == "chi2" and c.ctr.outcome == "winner" and c.ctr.best == 1
    assert set(c.ctr.beaten) == {0, 2} and c.ctr.runner_up == 2
    # Holm over all three pairs (the leader's two and 版本三 vs 版本一), the leader's reported.
    other = two_proportion_z(820, 40_000, 800, 40_000)[1]
    assert [pw.p_adjusted for pw in c.ctr.pairwise] == pytest.approx(holm([pw.p for pw in c.ctr.pairwise] + [other])[:2])
    assert c.ctr.p_value == pytest.approx(chi_square([800, 1_000, 820], [40_000] * 3)[1])
    partial = compare(rows_of({"A": (40_000, 800, 0, 1.0), "B": (40_000, 1_000, 0, 1.0),
                               "C": (40_000, 980, 0, 1.0)}), keys("A", "B", "C"))
    assert partial.ctr.outcome == "partial" and partial.ctr.beaten == (0,) and partial.ctr.runner_up == 2
    assert partial.ctr.more > 0  # B vs C is not settled
    # A pair that would pass alone (p < 0.05) fails after the correction for 3 variants.
    close = compare(rows_of({"A": (40_000, 1_000, 0, 1.0), "B": (40_000, 1_090, 0, 1.0),
                             "C": (40_000, 1_000, 0, 1.0)}), keys("A", "B", "C"))
    alone = two_proportion_z(1_090, 40_000, 1_000, 40_000)[1]
    assert alone < 0.05 and close.ctr.outcome == "no_difference"


def test_three_variants_correct_every_pair_not_only_the_leaders():
    """Which variant leads is read from the data: correcting only its k−1 tests would call it
    ahead by chance too often. Raw p 0.022 for the leader against the last: Holm over the
    leader's two tests says significant (0.043), over all three pairs not (0.065)."""
    rows = rows_of({"A": (40_000, 1_000, 0, 1.0), "B": (40_000, 1_104, 0, 1.0), "C": (40_000, 1_058, 0, 1.0)})
    ps = [two_proportion_z(1_104, 40_000, 1_000, 40_000)[1], two_proportion_z(1_104, 40_000, 1_058, 40_000)[1],
          two_proportion_z(1_058, 40_000, 1_000, 40_000)[1]]
    assert holm(ps[:2])[0] < 0.05 <= holm(ps)[0]
    c = compare(rows, keys("A", "B", "C"))
    assert c.ctr.best == 1 and c.ctr.outcome == "no_difference" and c.ctr.beaten == ()
    assert next(pw for pw in c.ctr.pairwise if pw.other == 0).p_adjusted >= 0.05


@pytest.mark.parametrize("k", [3, 4])
def test_with_no_real_difference_a_leader_is_called_ahead_at_most_5_percent_of_the_time(k):
    """The family-wise error of the verdict on 3+ variants, by simulation (fixed seed): equal
    true CTRs, and how often the verdict says the leader is significantly ahead of anyone."""
    import numpy as np

    from bot.insight.abtest import test_rates

    rng = np.random.default_rng(2026)
    runs = 2_000
    called = sum(test_rates("ctr", [(float(x), 50_000.0) for x in rng.binomial(50_000, 0.02, size=k)]).outcome
                 in ("winner", "partial") for _ in range(runs))
    assert called / runs <= 0.05 + 0.005  # the simulation's own noise: about ±0.5 pp


def test_variants_unlike_in_spend_platform_or_days_are_computed_from_their_own_counts():
    """Very different volumes, other platforms, other days: each variant's counts are its own,
    the test is the reference two-proportion test on them, and what the counts cannot show is
    said beside the verdict."""
    from scipy.stats import norm

    big = rows_of({"Brand v1": (900_000, 18_000, 900, 45_000.0)}, platform="巨量引擎")
    small = rows_of({"Brand v2": (30_000, 780, 30, 1_500.0)}, platform="腾讯广告")
    small["date"] = small["date"] + pd.Timedelta(days=20)  # ran on other days
    c = compare(pd.concat([big, small], ignore_index=True),
                [VariantKey("campaign", "巨量引擎", "Brand v1"), VariantKey("campaign", "腾讯广告", "Brand v2")])
    a, b = c.variants
    assert (a.impressions, a.clicks, b.impressions, b.clicks) == (900_000, 18_000, 30_000, 780)
    pooled = 18_780 / 930_000
    z = (0.026 - 0.02) / math.sqrt(pooled * (1 - pooled) * (1 / 900_000 + 1 / 30_000))
    assert c.ctr.best == 1 and c.ctr.statistic == pytest.approx(z) and c.ctr.p_value == pytest.approx(2 * norm.sf(z))
    assert c.ctr.outcome == "winner"
    assert c.caveats == ("platforms", "days", "spend")
    # Alike: one platform, the same days, spend within SPEND_RATIO: nothing to add.
    same = compare(rows_of({"v1": (100_000, 2_000, 100, 1_000.0), "v2": (60_000, 1_300, 60, 600.0)}), keys("v1", "v2"))
    assert same.caveats == ()


def test_zero_conversions_are_handled():
    both = compare(rows_of({"A": (10_000, 500, 0, 100.0), "B": (10_000, 520, 0, 100.0)}), keys("A", "B"))
    assert both.cvr.outcome == "insufficient" and both.cvr.reason == "no_successes"
    assert both.variants[0].cvr == 0 and both.variants[0].cpa is None  # CPA has no value, never 0 or inf
    one = compare(rows_of({"A": (50_000, 1_000, 0, 100.0), "B": (50_000, 1_000, 20, 100.0)}), keys("A", "B"))
    assert one.cvr.outcome == "winner" and one.cvr.best == 1 and one.cvr.relative is None
    assert one.cvr.absolute == pytest.approx(0.02)


def test_missing_measures_and_unknown_variants():
    rows = rows_of({"A": (10_000, 500, None, 100.0), "B": (10_000, 520, None, 100.0)})
    c = compare(rows, keys("A", "B"))
    assert c.cvr.outcome == "no_data" and c.variants[0].conversions is None
    gone = compare(rows, keys("A", "Z"))
    assert gone.variants[1].impressions is None and gone.ctr.outcome == "insufficient"
    assert gone.ctr.reason == "no_trials" and gone.ctr.short == (1,)
    with pytest.raises(ValueError):
        compare(rows, keys("A"))


def test_ad_groups_and_fractional_conversions():
    rows = rows_of({"素材A": (30_000, 900, 45.5, 900.0), "素材B": (30_000, 600, 30.25, 900.0)}, campaign="春季拉新")
    cat = catalogue(rows)
    assert [(f.key.level, f.key.name) for f in cat] == [("campaign", "春季拉新"), ("ad_group", "素材A"),
                                                        ("ad_group", "素材B")]
    c = compare(rows, [f.key for f in cat[1:]])
    assert c.ctr.outcome == "winner" and c.ctr.best == 0
    assert c.variants[0].conversions == pytest.approx(45.5)
    assert compare_named(rows, ["素材a", "素材B"]).keys == c.keys  # names as written, any case
    assert compare_named(rows, ["素材A", "素材C"]) is None


def test_ratios_use_rows_carrying_both_counts():
    rows = rows_of({"A": (10_000, 300, 30, 300.0), "B": (10_000, 200, 20, 300.0)}, days=1)
    extra = rows.iloc[[0]].assign(impressions=None, clicks=500.0, conversions=None)  # clicks without impressions
    c = compare(pd.concat([rows, extra], ignore_index=True), keys("A", "B"))
    assert c.variants[0].clicks == 800 and c.variants[0].ctr == pytest.approx(0.03)
    assert c.variants[0].ctr_counts == (300, 10_000)


# --- proposals -----------------------------------------------------------------------------------


def _cat(names, level="campaign", platform="巨量引擎"):
    return catalogue(rows_of({n: (1_000 * (i + 1), 10, 1, 1.0) for i, n in enumerate(names)},
                             platform=platform, campaign="计划" if level == "ad_group" else None))


@pytest.mark.parametrize("names, pairs", [
    (["春季拉新-素材A", "春季拉新-素材B", "双11大促"], [("春季拉新-素材A", "春季拉新-素材B")]),
    (["素材1_女性", "素材2_女性", "素材3_男性"], [("素材1_女性", "素材2_女性")]),
    (["落地页版本一", "落地页版本二", "落地页版本三"], [("落地页版本一", "落地页版本二", "落地页版本三")]),
    (["对照组-信息流", "实验组-信息流"], [("对照组-信息流", "实验组-信息流")]),
    (["A组 女 25-34", "B组 女 25-34"], [("A组 女 25-34", "B组 女 25-34")]),
    (["Spring Sale - Variant A", "Spring Sale - Variant B", "Brand"], [("Spring Sale - Variant A", "Spring Sale - Variant B")]),
    (["promo_v1", "promo_v2", "promo_v10"], [("promo_v1", "promo_v2", "promo_v10")]),
    (["Lookalike control", "Lookalike treatment"], [("Lookalike control", "Lookalike treatment")]),
    (["Retargeting ad 1", "Retargeting ad 2"], [("Retargeting ad 1", "Retargeting ad 2")]),
    (["双11大促", "双12大促", "Q1 Brand", "Q2 Brand", "iPhone A", "Android A"], []),
    (["Campaign A - Beijing", "Campaign A - Shanghai"], []),
])
def test_pairs_are_proposed_from_variant_names(names, pairs):
    found = [tuple(k.name for k in p) for p in propose(_cat(names))]
    assert sorted(found) == sorted(pairs)


def test_proposals_stay_within_a_platform_or_campaign_and_rank_by_volume():
    rows = pd.concat([rows_of({"素材A": (5_000, 50, 1, 1.0), "素材B": (5_000, 60, 1, 1.0)}, campaign="计划甲"),
                      rows_of({"素材C": (900_000, 9, 1, 1.0)}, campaign="计划乙"),
                      rows_of({"Brand v1": (100_000, 9, 1, 1.0)}, platform="Meta"),
                      rows_of({"Brand v2": (100_000, 9, 1, 1.0)}, platform="Google Ads"),
                      rows_of({"Video v1": (50_000, 9, 1, 1.0), "Video v2": (50_000, 9, 1, 1.0)}, platform="Meta")])
    found = propose(catalogue(rows))
    assert [[k.name for k in p] for p in found] == [["Video v1", "Video v2"], ["素材A", "素材B"]]
    assert {k.campaign for k in found[1]} == {"计划甲"} and found[1][0].level == "ad_group"


def test_labels_tell_apart_variants_with_the_same_name():
    a = VariantKey("ad_group", "Meta", "计划甲", "素材A")
    b = VariantKey("ad_group", "Meta", "计划乙", "素材A")
    assert labels([a, b]) == ["素材A (计划甲)", "素材A (计划乙)"]
    c = VariantKey("campaign", "Meta", "Brand")
    d = VariantKey("campaign", "TikTok", "Brand")
    assert labels([c, d]) == ["Brand · Meta", "Brand · TikTok"]
    assert labels(keys("A", "B")) == ["A", "B"]


def test_variant_keys_round_trip_and_have_short_ids():
    k = VariantKey("ad_group", "巨量引擎", "春" * 300, "素材A")
    assert VariantKey.from_dict(k.to_dict()) == k and len(k.id) <= 20 and k.id.startswith("g")
    assert VariantKey("campaign", "p", "c").id != VariantKey("ad_group", "p", "c", "c").id
    with pytest.raises(ValueError):
        VariantKey.from_dict({"level": "creative", "platform": "p", "campaign": "c"})


# --- in words ------------------------------------------------------------------------------------

def _say(variants, locale, **kw):
    from bot.insight.abtest_text import comparison_text

    return comparison_text(compare(rows_of(variants, **kw), keys(*variants)), locale)


def test_a_clear_winner_in_plain_words():
    zh = _say({"素材A": (100_000, 2_000, 100, 5_000.0), "素材B": (100_000, 2_600, 130, 5_200.0)}, "zh-CN")
    assert zh.splitlines()[0] == "A/B 对比：素材A 对 素材B"
    assert "- 素材A：展现 10.0万 · 点击 2,000 · 转化 100 · 点击率 2.00% · 转化率 5.00% · 转化成本 50.00 元" in zh
    assert ("- 点击率：素材B 领先——素材B 2.60%，素材A 2.00%，高 30.0%（+0.60 个百分点），"
            "在 95% 置信水平下显著（p < 0.001）。") in zh
    assert "- 转化率：没有差别，均为 5.00%。" in zh
    assert "- 转化成本（未做显著性检验）：素材B 最低，40.00 元，素材A 为 50.00 元。" in zh
    en = _say({"Variant A": (100_000, 2_000, 100, 5_000.0), "Variant B": (100_000, 2_600, 130, 5_200.0)}, "en")
    assert ("CTR: Variant B is ahead — Variant B 2.60% vs Variant A 2.00%, 30.0% higher (+0.60 pp); "
            "significant at 95% (p < 0.001).") in en


def test_no_winner_from_noise_in_plain_words():
    en = _say({"v1": (10_000, 200, 20, 100.0), "v2": (10_000, 230, 20, 100.0)}, "en")
    assert "CTR: v2 is ahead — v2 2.30% vs v1 2.00%, 15.0% higher (+0.30 pp) — but not significantly at 95% " \
           "(p = 0.144): neither can be called better yet." in en
    assert "At 80% power, about 53,000 more impressions across v2 and v1 (≈37,000 per variant) would settle it." in en
    zh = _say({"v1": (10_000, 200, 20, 100.0), "v2": (10_000, 230, 20, 100.0)}, "zh-CN")
    assert "但在 95% 置信水平下不显著（p = 0.144），还不能说哪个更好。" in zh
    assert "大约还需共 5.3万 次展现（每个版本约 3.7万 次）才能判定" in zh
    for text in (en, zh):
        assert "significant at 95% (p" not in text and "在 95% 置信水平下显著" not in text
    tie = _say({"A": (1_000, 200, 20, 1.0), "B": (1_000, 201, 20, 1.0)}, "en", days=1)
    assert "far beyond this month's volume: the gap may be too small to matter" in tie


def test_too_little_data_and_zero_conversions_in_plain_words():
    small = _say({"A": (20, 2, 0, 10.0), "B": (25, 6, 1, 10.0)}, "zh-CN", days=1)
    assert "点击率：数据太少，暂不判定：A、B 的展现不足 30 次；目前 B 24.00%，A 10.00%" in small
    assert "领先" not in small and "显著" not in small.replace("未做显著性检验", "")
    en = _say({"A": (10_000, 500, 0, 100.0), "B": (10_000, 520, 0, 100.0)}, "en")
    assert "CVR: too little data to call it: no conversions yet." in en and "CPA —" in en
    zero = _say({"A": (50_000, 1_000, 0, 100.0), "B": (50_000, 1_000, 20, 100.0)}, "zh-CN")
    assert "转化率：B 领先——B 2.00%，A 0.00%，高 2.00 个百分点，在 95% 置信水平下显著" in zero


def test_three_variants_in_plain_words():
    text = _say({"版本一": (40_000, 800, 40, 1.0), "版本二": (40_000, 1_000, 50, 1.0), "版本三": (40_000, 820, 41, 1.0)},
                "zh-CN")
    assert "点击率：版本二 领先其余所有版本——版本二 2.50%，版本三 2.05%" in text and "Holm 校正" in text
    text = _say({"A": (40_000, 800, 0, 1.0), "B": (40_000, 1_000, 0, 1.0), "C": (40_000, 980, 0, 1.0)}, "en")
    assert "CTR: B leads (2.50%), significantly ahead of A but not of C (95%, Holm-corrected)." in text


def test_three_variants_that_differ_overall_with_no_pair_settled_say_so():
    """Chi-square p 0.028, yet no pair holds after Holm over the three pairs: the variants differ
    somewhere, and no variant can be called better — never "do not differ significantly"."""
    c = compare(rows_of({"A": (40_000, 1_000, 0, 1.0), "B": (40_000, 1_104, 0, 1.0), "C": (40_000, 1_000, 0, 1.0)}),
                keys("A", "B", "C"))
    assert c.ctr.outcome == "no_difference" and c.ctr.p_value < 0.05 and c.ctr.beaten == ()
    en = _say({"A": (40_000, 1_000, 0, 1.0), "B": (40_000, 1_104, 0, 1.0), "C": (40_000, 1_000, 0, 1.0)}, "en")
    assert "the variants differ overall (chi-square p = 0.028), but after Holm correction of the pairs none" in en
    assert "do not differ significantly" not in en
    zh = _say({"A": (40_000, 1_000, 0, 1.0), "B": (40_000, 1_104, 0, 1.0), "C": (40_000, 1_000, 0, 1.0)}, "zh-CN")
    assert "各版本整体有差异（卡方检验 p = 0.028），但两两比较经 Holm 校正后，还不能说哪个版本更好" in zh


def test_caveats_are_said_beside_the_verdict():
    from bot.insight.abtest_text import comparison_text

    rows = pd.concat([rows_of({"Brand v1": (900_000, 18_000, 900, 45_000.0)}, platform="巨量引擎"),
                      rows_of({"Brand v2": (30_000, 780, 30, 1_500.0)}, platform="腾讯广告")], ignore_index=True)
    c = compare(rows, [VariantKey("campaign", "巨量引擎", "Brand v1"), VariantKey("campaign", "腾讯广告", "Brand v2")])
    assert c.caveats == ("platforms", "spend")
    zh = comparison_text(c, "zh-CN").splitlines()
    assert zh[-2:] == ["- 注意：这些版本投放在不同平台（巨量引擎、腾讯广告），点击和转化的统计口径不同，差异未必来自版本本身。",
                       "- 注意：各版本花费相差悬殊，平台很可能把它们投给了不同的人群和版位，两组未必可比。"]
    assert "ran on different platforms (巨量引擎, 腾讯广告)" in comparison_text(c, "en")


def test_the_table_aligns_wide_characters():
    from bot.insight.abtest_text import text_table, width

    c = compare(rows_of({"素材A": (100_000, 2_000, 100, 5_000.0), "很长很长很长的素材名称B": (1_000, 20, 1, 50.0)}),
                keys("素材A", "很长很长很长的素材名称B"))
    lines = text_table(c, "zh-CN").splitlines()
    assert len({width(line) for line in lines}) == 1  # every line as wide: columns line up
    assert "…" in lines[2] and width(lines[2].split("  ")[0]) <= 18


def test_ad_group_proposals_of_different_campaigns_are_told_apart():
    from bot.insight.abtest import group_label

    rows = pd.concat([rows_of({"素材A": (5_000, 50, 1, 1.0), "素材B": (5_000, 60, 1, 1.0)}, campaign="计划甲"),
                      rows_of({"素材A": (9_000, 50, 1, 1.0), "素材B": (9_000, 60, 1, 1.0)}, campaign="计划乙")])
    found = propose(catalogue(rows))
    assert [group_label(p) for p in found] == ["素材A / 素材B · 计划乙", "素材A / 素材B · 计划甲"]
    assert group_label(keys("v1", "v2")) == "v1 / v2"


# --- creatives (素材/创意/ads): the level under the ad group ---------------------------------------


def creative_rows(spec: dict[tuple, tuple], *, platform: str = "巨量引擎", days: int = 3) -> pd.DataFrame:
    """Daily rows of creatives: {(campaign, ad group or None, creative): (impressions, clicks,
    conversions, spend)}, month sums exact as in rows_of."""
    out = []
    for (campaign, group, creative), counts in _daily(spec, days):
        out.append({**counts, "platform": platform, "campaign": campaign, "ad_group": group, "creative": creative})
    return pd.DataFrame(out)


def _daily(spec, days):
    for ident, (impr, clicks, conv, spend) in spec.items():
        for d in range(days):
            def share(total, d=d):
                return total - (days - 1) * (total // days) if d == 0 else total // days
            yield ident, {"date": pd.Timestamp(2026, 11, d + 1), "impressions": share(impr), "clicks": share(clicks),
                          "conversions": share(conv), "spend": spend / days}


def test_creatives_are_variants_within_their_ad_group_never_merged_by_name():
    rows = creative_rows({("春季拉新", "单元1", "素材1"): (100_000, 2_000, 100, 5_000.0),
                          ("春季拉新", "单元1", "素材2"): (100_000, 2_600, 130, 5_200.0),
                          ("春季拉新", "单元2", "素材1"): (50_000, 400, 10, 900.0),  # same name, another ad group
                          ("品牌", None, "品牌视频"): (10_000, 100, 5, 300.0)})  # no ad group in the rows
    cat = catalogue(rows)
    creatives = [f for f in cat if f.key.level == "creative"]
    assert [(f.key.ad_group, f.key.name, f.impressions) for f in creatives] == [
        ("单元1", "素材1", 100_000), ("单元1", "素材2", 100_000), ("单元2", "素材1", 50_000), (None, "品牌视频", 10_000)]
    one = VariantKey("creative", "巨量引擎", "春季拉新", "单元1", "素材1")
    two = VariantKey("creative", "巨量引擎", "春季拉新", "单元1", "素材2")
    c = compare(rows, [one, two])
    assert c.variants[0].clicks == 2_000 and c.variants[1].clicks == 2_600  # 单元2's 素材1 is not in it
    assert c.ctr.outcome == "winner" and c.ctr.best == 1
    # The same name in two ad groups: two variants, told apart by where they are.
    other = VariantKey("creative", "巨量引擎", "春季拉新", "单元2", "素材1")
    assert labels([one, other]) == ["素材1 (春季拉新 · 单元1)", "素材1 (春季拉新 · 单元2)"]
    assert compare(rows, [one, other]).variants[1].impressions == 50_000
    # Rows read before creatives were (no creative column, or none in it) have no creative level.
    assert not [f for f in catalogue(rows.drop(columns="creative")) if f.key.level == "creative"]
    assert not [f for f in catalogue(rows.assign(creative=None)) if f.key.level == "creative"]


@pytest.mark.parametrize("names, pairs", [
    (["素材1", "素材2", "素材3"], [("素材1", "素材2", "素材3")]),
    (["创意A", "创意B"], [("创意A", "创意B")]),
    (["竖版视频_v1", "竖版视频_v2", "横版视频"], [("竖版视频_v1", "竖版视频_v2")]),
    (["Hook A - 15s", "Hook B - 15s"], [("Hook A - 15s", "Hook B - 15s")]),
])
def test_creative_pairs_are_proposed_within_one_ad_group(names, pairs):
    from bot.insight.abtest import group_label

    spec = {("春季拉新", "单元1", n): (1_000 * (i + 1), 10, 1, 1.0) for i, n in enumerate(names)}
    spec[("春季拉新", "单元2", names[0])] = (90_000, 10, 1, 1.0)  # a namesake elsewhere: never paired in
    found = [p for p in propose(catalogue(creative_rows(spec))) if p[0].level == "creative"]
    assert sorted(tuple(k.name for k in p) for p in found) == sorted(pairs)
    assert all({k.ad_group for k in p} == {"单元1"} for p in found)
    assert group_label(found[0]).endswith(" · 春季拉新 · 单元1")


def test_creative_keys_round_trip_and_old_ones_still_load():
    k = VariantKey("creative", "Meta", "Spring", "Lookalike", "Hook A")
    assert VariantKey.from_dict(k.to_dict()) == k and k.id.startswith("a") and len(k.id) <= 20
    loose = VariantKey("creative", "Meta", "Spring", None, "Hook A")
    assert VariantKey.from_dict(loose.to_dict()) == loose and loose.id != k.id
    g = VariantKey("ad_group", "Meta", "Spring", "Lookalike")
    assert g.to_dict() == {"level": "ad_group", "platform": "Meta", "campaign": "Spring", "ad_group": "Lookalike"}
    assert g.id == "g" + __import__("hashlib").sha256(b"ad_group\x1fMeta\x1fSpring\x1fLookalike").hexdigest()[:15]
    for bad in ({"level": "creative", "platform": "p", "campaign": "c", "ad_group": "g"},
                {"level": "creative", "platform": "p", "campaign": "c", "ad_group": 3, "creative": "x"}):
        with pytest.raises(ValueError):
            VariantKey.from_dict(bad)


def test_a_written_name_is_one_variant_exactly_or_none():
    """A name picks the variant of exactly that name; one that several campaigns' ad groups (or
    several platforms' campaigns) share is nobody's in particular, never the biggest of them."""
    rows = pd.concat([rows_of({"素材A": (90_000, 900, 9, 1.0), "素材B": (5_000, 60, 1, 1.0)}, campaign="计划甲"),
                      rows_of({"素材A": (5_000, 50, 1, 1.0)}, campaign="计划乙"),
                      rows_of({"素材A2": (5_000, 50, 1, 1.0)}, campaign="计划丙")])
    from bot.insight.abtest import resolve

    assert resolve(rows, "素材A") is None  # 计划甲's and 计划乙's
    assert resolve(rows, "素材B") == VariantKey("ad_group", "巨量引擎", "计划甲", "素材B")
    assert resolve(rows, "素材") is None and resolve(rows, "素材A2").campaign == "计划丙"
    assert compare_named(rows, ["素材A", "素材B"]) is None
