"""A/B comparisons of campaigns, ad groups or creatives from a month's rows, free of Slack.

Each variant's impressions, clicks, conversions and spend are summed, and CTR, CVR and CPA are
ratios of those sums, as everywhere in feedsum (a ratio uses only rows carrying both its counts).
CTR (clicks out of impressions) and CVR (conversions out of clicks) are tested:

* two variants: a two-sided two-proportion z-test with the pooled standard error;
* three or more: Pearson's chi-square test of independence on the 2×k table says whether they
  differ at all (a leader is named only when they do); every pair is z-tested and the k(k−1)/2
  p-values are Holm-corrected together (family-wise 5% whichever variant happens to lead:
  correcting only the leader's k−1 tests would let a leader picked by the data beat someone by
  chance about 7% of the time with three variants). The verdict names the leader and the
  variants it is significantly ahead of; it is the winner only when it is ahead of every other.

Significant means p < 0.05 (after correction). A test is run only when every variant has at least
`MIN_TRIALS` trials and every expected count of the table (successes and failures under the
pooled rate) is at least 5; otherwise the verdict is "too little data" and no winner is named.
When the lead is not significant, the sample that would detect the observed difference with 80%
power is estimated (the normal-approximation formula for two proportions, equal groups, two-sided
α = 0.05, or Holm's strictest α/(k(k−1)/2) for k variants), with how much more data that is than
there is now. The groups may be of any size: the tests and the ratios use each variant's own
counts, so variants with very different spend compare correctly; what the counts cannot show
(other platforms, other days, very different delivery) is said beside the verdict (`caveats`).

CPA (spend ÷ conversions) is shown but not tested: spend is not a count of trials.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

ALPHA = 0.05
POWER = 0.80
MIN_TRIALS = 30  # per variant: below this the normal approximation is not trusted
MIN_EXPECTED = 5  # every expected count of the 2×k table (the usual chi-square rule)
IMPRACTICAL = 10  # more than this many times today's volume needed: call it a tie
MAX_VARIANTS = 6  # a comparison reads as a table in a Slack message: keep it narrow
LEVELS = ("campaign", "ad_group", "creative")
_PREFIX = {"campaign": "c", "ad_group": "g", "creative": "a"}


# --------------------------------------------------------------------------- variants


@dataclass(frozen=True)
class VariantKey:
    """A campaign (level "campaign"), an ad group inside one (level "ad_group"), or a creative
    (level "creative": a 创意/素材/ad) inside an ad group — or inside the campaign when the rows
    carry no ad group — on a platform. Equal names under different parents are different variants."""

    level: str
    platform: str
    campaign: str
    ad_group: str | None = None
    creative: str | None = None

    @property
    def name(self) -> str:
        if self.level == "creative" and self.creative is not None:
            return self.creative
        return self.ad_group if self.level == "ad_group" and self.ad_group is not None else self.campaign

    @property
    def id(self) -> str:
        """A short stable id (Slack option values hold at most 150 characters; names may not fit)."""
        raw = "\x1f".join((self.level, self.platform, self.campaign, self.ad_group or ""))
        if self.level == "creative":
            raw += "\x1f" + (self.creative or "")
        return _PREFIX[self.level] + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:15]

    @property
    def parent(self) -> str:
        """What the variant sits in, as a label shows it: "春季拉新", "春季拉新 · 单元1"."""
        if self.level == "creative" and self.ad_group is not None:
            return f"{self.campaign} · {self.ad_group}"
        return self.campaign

    def to_dict(self) -> dict[str, Any]:
        d = {"level": self.level, "platform": self.platform, "campaign": self.campaign, "ad_group": self.ad_group}
        if self.level == "creative":
            d["creative"] = self.creative
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VariantKey:
        level = d.get("level")
        if level not in LEVELS or not isinstance(d.get("platform"), str) or not isinstance(d.get("campaign"), str):
            raise ValueError(f"not a variant: {d!r}")
        group, creative = d.get("ad_group"), d.get("creative")
        if (level == "ad_group" and not isinstance(group, str)) or (
                level == "creative" and (not isinstance(creative, str) or not isinstance(group, str | None))):
            raise ValueError(f"not a variant: {d!r}")
        return cls(level, d["platform"], d["campaign"], group if level != "campaign" else None,
                   creative if level == "creative" else None)


@dataclass(frozen=True)
class VariantFigures:
    """One variant's month: base counts (None: no row carries it) and ratios of sums."""

    key: VariantKey
    impressions: float | None
    clicks: float | None
    conversions: float | None
    spend: float | None
    ctr: float | None
    cvr: float | None
    cpa: float | None
    # The counts each test uses: only rows carrying both (CTR: clicks of impressions, CVR:
    # conversions of clicks), so a test never mixes rows that lack one of them.
    ctr_counts: tuple[float, float] | None = None  # (clicks, impressions)
    cvr_counts: tuple[float, float] | None = None  # (conversions, clicks)


def _num(x) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _ratio(n: float | None, d: float | None) -> float | None:
    return None if n is None or d is None or d == 0 else n / d


def _frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The columns a comparison reads, with the masked pairs each ratio and test uses."""
    out = pd.DataFrame(index=rows.index)
    for col in ("impressions", "clicks", "conversions", "spend"):
        out[col] = pd.to_numeric(rows[col], errors="coerce").astype("float64") if col in rows else np.nan
    for name, (num, den) in {"ctr": ("clicks", "impressions"), "cvr": ("conversions", "clicks"),
                             "cpa": ("spend", "conversions")}.items():
        both = out[num].notna() & out[den].notna()
        out[f"{name}_n"] = out[num].where(both)
        out[f"{name}_d"] = out[den].where(both)
    for col in ("platform", "campaign", "ad_group", "creative"):
        out[col] = rows[col].astype(object) if col in rows else None
    # A creative of rows without an ad group sits in the campaign: "" stands for "no ad group" in
    # the grouping (names are never empty: readers turn an empty cell into none).
    out["_group"] = out["ad_group"].where(out["ad_group"].notna(), "")
    return out


_SUMMED = ["impressions", "clicks", "conversions", "spend", "ctr_n", "ctr_d", "cvr_n", "cvr_d", "cpa_n", "cpa_d"]


def _figures(key: VariantKey, sums) -> VariantFigures:
    """A variant's figures from its summed columns (in `_SUMMED` order; None: no rows)."""
    if sums is None:
        return VariantFigures(key, None, None, None, None, None, None, None)
    impressions, clicks, conversions, spend, ctr_n, ctr_d, cvr_n, cvr_d, cpa_n, cpa_d = (_num(v) for v in sums)
    return VariantFigures(
        key, impressions, clicks, conversions, spend,
        ctr=_ratio(ctr_n, ctr_d), cvr=_ratio(cvr_n, cvr_d), cpa=_ratio(cpa_n, cpa_d),
        ctr_counts=(ctr_n, ctr_d) if ctr_n is not None and ctr_d is not None else None,
        cvr_counts=(cvr_n, cvr_d) if cvr_n is not None and cvr_d is not None else None,
    )


_KEYS = {"campaign": ["platform", "campaign"], "ad_group": ["platform", "campaign", "ad_group"],
         "creative": ["platform", "campaign", "_group", "creative"]}


def _grouped(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    keys = _KEYS[level]
    part = frame.dropna(subset=keys)
    if not len(part):
        return pd.DataFrame(columns=_SUMMED)
    return part.groupby(keys, sort=False)[_SUMMED].sum(min_count=1)


def _key(level: str, idx: tuple) -> VariantKey:
    if level == "creative":
        return VariantKey(level, str(idx[0]), str(idx[1]), str(idx[2]) or None, str(idx[3]))
    return VariantKey(level, str(idx[0]), str(idx[1]), str(idx[2]) if level == "ad_group" else None)


def _index(k: VariantKey) -> tuple:
    if k.level == "creative":
        return k.platform, k.campaign, k.ad_group or "", k.creative
    return (k.platform, k.campaign) + ((k.ad_group,) if k.level == "ad_group" else ())


def catalogue(rows: pd.DataFrame) -> list[VariantFigures]:
    """Every campaign, ad group and creative in `rows` with its figures, most impressions first
    per level."""
    frame = _frame(rows)
    out: list[VariantFigures] = []
    for level in LEVELS:
        grouped = _grouped(frame, level)
        figs = []
        # Plain tuples, not iterrows(): a big account has tens of thousands of ad groups.
        for idx, sums in zip(grouped.index, grouped[_SUMMED].itertuples(index=False, name=None), strict=True):
            figs.append(_figures(_key(level, idx if isinstance(idx, tuple) else (idx,)), sums))
        figs.sort(key=lambda f: (-(f.impressions or 0), f.key.platform, f.key.campaign, f.key.ad_group or "",
                                 f.key.creative or ""))
        out += figs
    return out


def figures_of(rows: pd.DataFrame, keys: list[VariantKey], *, frame: pd.DataFrame | None = None
               ) -> list[VariantFigures]:
    """The figures of each variant in `keys` (all None for a variant with no rows this month).
    A variant is its whole key: the same name under another campaign or ad group is not it.
    (`frame`: `rows` as _frame() reads them, when the caller has it already.)"""
    frame = _frame(rows) if frame is None else frame
    grouped = {level: _grouped(frame, level) for level in {k.level for k in keys}}
    out = []
    for k in keys:
        idx, table = _index(k), grouped[k.level]
        out.append(_figures(k, table.loc[idx, _SUMMED].tolist() if idx in table.index else None))
    return out


def resolve(rows: pd.DataFrame, name: str) -> VariantKey | None:
    """The variant a written name refers to: the campaign of exactly that name (any case), else
    the ad group, else the creative; None when there is none, or when several share the name at
    that level (other platforms, campaigns or ad groups): nothing is picked or merged unseen."""
    wanted = name.strip().casefold()
    found = [f.key for f in catalogue(rows) if f.key.name.strip().casefold() == wanted]
    for level in LEVELS:
        at = [k for k in found if k.level == level]
        if at:
            return at[0] if len(at) == 1 else None
    return None


# --------------------------------------------------------------------------- tests


@dataclass(frozen=True)
class Pairwise:
    """The leading variant against one other (3+ variants): raw and Holm-adjusted p-values (the
    adjustment over every pair of the comparison, see the module's docstring)."""

    other: int
    z: float
    p: float
    p_adjusted: float

    @property
    def significant(self) -> bool:
        return self.p_adjusted < ALPHA


@dataclass(frozen=True)
class MetricTest:
    """The verdict on one rate (CTR or CVR) across the variants of a comparison.

    outcome: "winner" (the leader beats every other variant, significant at 95%), "partial"
    (3+ variants: it beats some, not all), "no_difference" (tested, not significant, or the rates
    are equal), "insufficient" (too little data to test: `reason`), "no_data" (the rows carry no
    such counts). `best`/`runner_up` index `Comparison.variants`; `relative`/`absolute` compare
    them. `needed` is the trials per variant for 80% power at the observed difference, `more`
    how many trials that adds to what the two have now (both None when there is no difference).
    """

    metric: str  # "ctr" | "cvr"
    outcome: str
    method: str  # "z" (two variants) or "chi2"
    best: int | None = None
    runner_up: int | None = None
    relative: float | None = None  # (best − runner-up) ÷ runner-up; None when runner-up is 0
    absolute: float | None = None  # best − runner-up, as a fraction (0.0044 = 0.44 pp)
    statistic: float | None = None  # z, or chi-square
    p_value: float | None = None  # of the z-test, or of the chi-square test
    pairwise: tuple[Pairwise, ...] = ()
    needed: int | None = None
    more: int | None = None
    impractical: bool = False  # `needed` is beyond any realistic volume: a tie in practice
    reason: str | None = None  # insufficient: "no_trials" | "few_trials" | "no_successes" | "expected"
    short: tuple[int, ...] = ()  # the variants that fall short (no or few trials)

    @property
    def significant(self) -> bool:
        return self.outcome == "winner"

    @property
    def beaten(self) -> tuple[int, ...]:
        """Variants the leader is significantly ahead of."""
        if self.method == "z":
            return (self.runner_up,) if self.outcome == "winner" and self.runner_up is not None else ()
        if self.outcome not in ("winner", "partial"):
            return ()  # the chi-square test found no difference at all: no pair counts
        return tuple(p.other for p in self.pairwise if p.significant)


@dataclass(frozen=True)
class Comparison:
    variants: tuple[VariantFigures, ...]
    ctr: MetricTest
    cvr: MetricTest
    # What the counts cannot show, said beside the verdict (the test is still computed the same):
    # "platforms" (each counts clicks and conversions its own way), "days" (they mostly ran on
    # different days), "spend" (one spent SPEND_RATIO times another or more: delivered differently).
    caveats: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[VariantKey, ...]:
        return tuple(v.key for v in self.variants)


# The statistics are written out (tests check them against scipy.stats and published values):
# scipy.stats takes 1.5 s to import, scipy.special 0.3 s, and a click should not wait for either.
_NORMAL = NormalDist()


def two_proportion_z(s1: float, n1: float, s2: float, n2: float) -> tuple[float, float]:
    """(z, two-sided p) of the pooled two-proportion z-test of s1/n1 against s2/n2."""
    pooled = (s1 + s2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (s1 / n1 - s2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def chi_square(successes: list[float], trials: list[float]) -> tuple[float, float]:
    """(chi-square, p) of Pearson's test of independence on the 2×k table (no continuity correction)."""
    from scipy.special import chdtrc

    s = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    observed = np.array([s, n - s])
    expected = np.outer(observed.sum(axis=1), n) / n.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        cells = np.where(expected > 0, (observed - expected) ** 2 / expected, 0.0)
    stat = float(cells.sum())
    return stat, float(chdtrc(len(n) - 1, stat))


def holm(pvalues: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the order given."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def sample_size(p1: float, p2: float, *, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Trials per group to detect p1 against p2 (two-sided, equal groups); None when p1 == p2."""
    if p1 == p2:
        return None
    za, zb = _NORMAL.inv_cdf(1 - alpha / 2), _NORMAL.inv_cdf(power)
    pbar = (p1 + p2) / 2
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
    return math.ceil(n)


def test_rates(metric: str, counts: list[tuple[float, float] | None]) -> MetricTest:
    """The verdict on one rate; `counts` holds (successes, trials) per variant, None without them."""
    method = "z" if len(counts) == 2 else "chi2"
    if all(c is None for c in counts):
        return MetricTest(metric, "no_data", method)
    none = tuple(i for i, c in enumerate(counts) if c is None or not c[1])
    if none:
        return MetricTest(metric, "insufficient", method, reason="no_trials", short=none)
    s = [float(c[0]) for c in counts]
    n = [float(c[1]) for c in counts]
    rates = [si / ni for si, ni in zip(s, n, strict=True)]
    order = sorted(range(len(rates)), key=lambda i: -rates[i])
    best, second = order[0], order[1]
    lead = dict(best=best, runner_up=second, absolute=rates[best] - rates[second],
                relative=(rates[best] - rates[second]) / rates[second] if rates[second] else None)
    k = len(counts)
    alpha = ALPHA / (k * (k - 1) // 2)  # Holm's strictest step over every pair
    needed = sample_size(rates[best], rates[second], alpha=alpha)
    more = None if needed is None else int(max(0.0, needed - n[best]) + max(0.0, needed - n[second]))
    settle = dict(needed=needed, more=more,
                  impractical=needed is not None and needed > IMPRACTICAL * max(n[best], n[second]))
    few = tuple(i for i in range(k) if n[i] < MIN_TRIALS)
    if few:
        return MetricTest(metric, "insufficient", method, reason="few_trials", short=few, **lead, **settle)
    pooled = sum(s) / sum(n)
    if sum(s) == 0:
        return MetricTest(metric, "insufficient", method, reason="no_successes", **lead)
    if min(min(ni * pooled, ni * (1 - pooled)) for ni in n) < MIN_EXPECTED:
        return MetricTest(metric, "insufficient", method, reason="expected", **lead, **settle)
    if k == 2:
        z, p = two_proportion_z(s[best], n[best], s[second], n[second])
        outcome = "winner" if p < ALPHA else "no_difference"
        return MetricTest(metric, outcome, method, statistic=z, p_value=p,
                          **lead, **(settle if outcome != "winner" else {}))
    stat, p = chi_square(s, n)
    # Every pair (the higher rate first), Holm-corrected together: which variant leads is itself
    # read from the data, so its k−1 tests alone would be too lenient. The verdict is the leader's.
    pairs = [(i, j) for a, i in enumerate(order) for j in order[a + 1:]]
    raw = [two_proportion_z(s[i], n[i], s[j], n[j]) for i, j in pairs]
    adjusted = holm([r[1] for r in raw])
    pairwise = tuple(Pairwise(j, r[0], r[1], a) for (i, j), r, a in zip(pairs, raw, adjusted, strict=True)
                     if i == best)
    # The chi-square test gates the pairs: a leader is named only when the variants differ at all.
    beaten = [pw for pw in pairwise if pw.significant] if p < ALPHA else []
    if not beaten:
        outcome = "no_difference"
    elif len(beaten) == len(pairwise):
        outcome = "winner"
    else:
        outcome = "partial"
    return MetricTest(metric, outcome, method, statistic=stat, p_value=p, pairwise=pairwise,
                      **lead, **(settle if outcome != "winner" else {}))


SPEND_RATIO = 5  # one variant spending this many times another: the platform delivered them differently


def _mask(frame: pd.DataFrame, k: VariantKey) -> pd.Series:
    m = (frame["platform"] == k.platform) & (frame["campaign"] == k.campaign)
    if k.level == "ad_group":
        m &= frame["ad_group"] == k.ad_group
    elif k.level == "creative":
        m &= (frame["_group"] == (k.ad_group or "")) & (frame["creative"] == k.creative)
    return m


def variant_rows(rows: pd.DataFrame, key: VariantKey) -> pd.DataFrame:
    """The rows of one variant (its whole key: the same name elsewhere is not it)."""
    return rows[_mask(_frame(rows), key).to_numpy()]


def caveats(rows: pd.DataFrame, figs: list[VariantFigures], *, frame: pd.DataFrame | None = None
            ) -> tuple[str, ...]:
    """What makes the variants unlike each other beyond the variant itself (see Comparison)."""
    out = []
    if len({f.key.platform for f in figs}) > 1:
        out.append("platforms")
    if "date" in rows and len(rows):
        frame = _frame(rows) if frame is None else frame
        active = frame[["impressions", "clicks", "spend"]].fillna(0).gt(0).any(axis=1)
        days = [set(pd.to_datetime(rows["date"][(_mask(frame, f.key) & active).to_numpy()]).dt.normalize())
                for f in figs]
        if all(days) and 2 * len(set.intersection(*days)) < min(len(d) for d in days):
            out.append("days")
    spend = [f.spend for f in figs]
    if all(v is not None and v > 0 for v in spend) and max(spend) >= SPEND_RATIO * min(spend):
        out.append("spend")
    return tuple(out)


def compare(rows: pd.DataFrame, keys: list[VariantKey]) -> Comparison:
    """The comparison of two or more variants over `rows` (the month's rows)."""
    if len(keys) < 2:
        raise ValueError("a comparison needs two or more variants")
    frame = _frame(rows)
    figs = figures_of(rows, list(keys), frame=frame)
    return Comparison(tuple(figs), test_rates("ctr", [f.ctr_counts for f in figs]),
                      test_rates("cvr", [f.cvr_counts for f in figs]), caveats(rows, figs, frame=frame))


def compare_named(rows: pd.DataFrame, names: list[str]) -> Comparison | None:
    """The comparison of the variants written as `names` (campaign or ad group names), or None
    when fewer than two distinct names are found in `rows`. For checking written A/B claims."""
    keys = []
    for name in names:
        key = resolve(rows, name)
        if key is None:
            return None
        if key not in keys:
            keys.append(key)
    return compare(rows, keys) if len(keys) >= 2 else None


# --------------------------------------------------------------------------- proposals

# A variant marker: what differs between the names of an A/B pair. Each pattern's group 1 is
# the marker's value; the rest of the name (the stem, prefix words included) must be equal.
_LETTER = re.compile(r"(?<![A-Za-z0-9])([A-Ha-h])(?![A-Za-z0-9])")
_NUMBERED = re.compile(
    r"(?:(?<![A-Za-z])(?:v|ver|version|variant|test|creative|copy|ad|no\.?|#)|素材|创意|版本|方案|文案|测试|样式|标题|图片|视频|组|版)"
    r"\s*[-_.]?\s*(\d{1,2})(?!\d)", re.IGNORECASE)
_CN_NUMBER = re.compile(r"(?:素材|创意|版本|方案|文案|测试|样式|标题|图片|视频|组)([一二三四五六七八九十])")
_CONTROL = re.compile(r"(对照组|实验组|测试组|原版|新版|(?<![A-Za-z])(?:control|treatment|baseline)(?![A-Za-z]))",
                      re.IGNORECASE)
_CN_DIGITS = {c: str(i) for i, c in enumerate("一二三四五六七八九十", start=1)}
_CONTROL_VALUES = {"对照组": "0", "原版": "0", "control": "0", "baseline": "0",
                   "实验组": "1", "测试组": "1", "新版": "1", "treatment": "1"}
_SEPARATORS = re.compile(r"[\s_\-–—|/·.:：]+")
MAX_PROPOSALS = 5


def _markers(name: str) -> list[tuple[str, str, str]]:
    """(kind, value, stem) for every place a variant marker could be in `name`."""
    out = []
    for kind, pattern in (("letter", _LETTER), ("number", _NUMBERED), ("number", _CN_NUMBER), ("control", _CONTROL)):
        for m in pattern.finditer(name):
            raw = m.group(1)
            if kind == "letter":
                value = raw.casefold()
            elif kind == "number":
                value = _CN_DIGITS.get(raw, raw).lstrip("0") or "0"
            else:
                value = _CONTROL_VALUES[raw.casefold()]
            stem = name[:m.start(1)] + "\x00" + name[m.end(1):]
            out.append((kind, value, _SEPARATORS.sub(" ", stem).strip().casefold()))
    return out


def scope_of(k: VariantKey) -> tuple:
    """Where a variant's siblings are: campaigns of its platform, ad groups of its campaign,
    creatives of its ad group (or of its campaign, without ad groups)."""
    return (k.level, k.platform, k.campaign if k.level != "campaign" else "",
            (k.ad_group or "") if k.level == "creative" else "")


def families(keys: list[VariantKey]) -> dict[tuple, dict[str, VariantKey]]:
    """Variants whose names differ only by a variant marker, among campaigns of one platform,
    ad groups of one campaign or creatives of one ad group: {(scope, kind, stem): {marker value:
    key}} ("a"/"b" for letters, "1"/"2" for numbers, "0"/"1" for control/treatment), two or more
    members each. The first key with a value wins, so list the likeliest first."""
    groups: dict[tuple, dict[str, VariantKey]] = {}
    for k in keys:
        scope = scope_of(k)
        for kind, value, stem in _markers(k.name):
            groups.setdefault((scope, kind, stem), {}).setdefault(value, k)
    return {g: members for g, members in groups.items() if len(members) >= 2}


def propose(variants: list[VariantFigures], limit: int = MAX_PROPOSALS) -> list[tuple[VariantKey, ...]]:
    """Groups of variants whose names differ only by a variant marker (素材A/素材B, 素材1/素材2,
    v1/v2, 版本一/版本二, Variant A/Variant B, 对照组/实验组), among campaigns of one platform, ad
    groups of one campaign or creatives of one ad group; the groups with most impressions first.
    Variants without impressions are left out (nothing to compare)."""
    shown = {f.key: f for f in variants if f.impressions}
    found: dict[frozenset, tuple[float, tuple[VariantKey, ...]]] = {}
    for (_scope, _kind, _stem), members in families(list(shown)).items():
        chosen = [members[v] for v in sorted(members, key=lambda v: (len(v), v))][:MAX_VARIANTS]
        keys = tuple(chosen)
        volume = sum(shown[k].impressions or 0 for k in chosen)
        ident = frozenset(keys)
        if ident not in found or volume > found[ident][0]:
            found[ident] = (volume, keys)
    ranked = sorted(found.values(), key=lambda item: -item[0])
    return [keys for _, keys in ranked[:limit]]


def group_label(keys: list[VariantKey] | tuple[VariantKey, ...]) -> str:
    """A group of variants in a few words: "素材A / 素材B · 春季拉新" for ad groups of one campaign
    (creatives of one ad group: "素材1 / 素材2 · 春季拉新 · 单元1")."""
    text = " / ".join(labels(keys))
    if all(k.level != "campaign" for k in keys) and len({k.parent for k in keys}) == 1:
        text += f" · {keys[0].parent}"
    return text


def labels(keys: list[VariantKey] | tuple[VariantKey, ...]) -> list[str]:
    """Names to show for variants side by side: the bare name, qualified by what it sits in
    (campaign, ad group) and then by platform where two of them would otherwise read the same."""
    out = [k.name for k in keys]
    if len(set(out)) < len(out):
        out = [f"{k.name} ({k.parent})" if k.level != "campaign" else k.name for k in keys]
    if len(set(out)) < len(out):
        out = [f"{label} · {k.platform}" for label, k in zip(out, keys, strict=True)]
    return out
