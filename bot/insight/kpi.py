"""KPI engine: totals and ratios from canonical ad rows, always as ratios of sums.

A ratio is never averaged across rows or taken from a platform's ratio column: base counts are
summed first, then divided. Each ratio uses only rows that have both of its base counts (a file
without a conversions column neither adds conversions nor spend to CPA). A zero or missing
denominator gives None ("no value", shown as —), never 0, inf or NaN.

When only some rows carry a count (revenue from one platform only), the KPI says so: a `Coverage`
names the rows it covers ("Tencent only, 17% of spend") with the base counts of those rows, so
that figures shown beside it can match. Changes against last month compare like with like: when
the two months cover different rows, the change is taken over the platforms covered in full in
both months, or not at all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from bot.model.lazy_pandas import pd  # pandas imported on first use

# Base counts that may be summed, then ratios derived from the sums.
BASE_KEYS = ("impressions", "clicks", "spend", "conversions", "revenue")
RATIO_KEYS = ("ctr", "cpc", "cpm", "cvr", "cpa", "roas", "profit_roi")
KPI_KEYS = BASE_KEYS + RATIO_KEYS
# Ratios compared in percentage points (they are shares); the rest compare relatively.
SHARE_KEYS = ("ctr", "cvr")
# Lower is better for these: a fall is good news.
COST_KEYS = ("cpc", "cpm", "cpa")
# Higher is better for these; spend is neither (a budget question, see Attainment/Pacing).
GOOD_UP_KEYS = ("impressions", "clicks", "conversions", "revenue", "ctr", "cvr", "roas", "profit_roi")

KPIs = dict[str, float | None]  # every KPI_KEYS key present; None = no value (zero denominator / no data)

# ratio → (numerator, denominator, factor); profit_roi is handled apart ((revenue - spend) / spend).
_RATIOS = {
    "ctr": ("clicks", "impressions", 1.0),
    "cpc": ("spend", "clicks", 1.0),
    "cpm": ("spend", "impressions", 1000.0),
    "cvr": ("conversions", "clicks", 1.0),
    "cpa": ("spend", "conversions", 1.0),
    "roas": ("revenue", "spend", 1.0),
}
# The base counts a row must carry for a KPI to count it.
NEEDS: dict[str, tuple[str, ...]] = {
    **{k: (k,) for k in BASE_KEYS},
    **{name: (num, den) for name, (num, den, _) in _RATIOS.items()},
    "profit_roi": ("revenue", "spend"),
}
# What a coverage share is measured in, most telling first.
_SHARE_BASES = ("spend", "clicks", "impressions")


@dataclass(frozen=True)
class Coverage:
    """The rows a KPI covers when only some rows carry its base counts.

    Present on a report only for KPIs that have a value and leave some active rows out (an
    active row has any non-zero count). Example: ROAS when only Tencent reports revenue:
    platforms=("腾讯广告",), share=0.17 of spend, sums={"revenue": 162_000, "spend": 72_300, …}.
    """

    key: str
    platforms: tuple[str, ...]  # platforms with covered rows, largest share first
    all_platforms: tuple[str, ...]  # every platform with active rows in the month
    partial_platforms: tuple[str, ...]  # covered platforms with some rows left out
    basis: str | None  # the base count `share` is of: "spend", else "clicks" or "impressions"
    share: float | None  # covered part of `basis` over all active rows (0..1)
    sums: dict[str, float | None]  # every base count summed over the covered rows only

    @property
    def only(self) -> bool:
        """True when some platforms are left out entirely ("腾讯广告 only")."""
        return len(self.platforms) < len(self.all_platforms)

    @property
    def full_platforms(self) -> tuple[str, ...]:
        """Covered platforms none of whose active rows is left out."""
        return tuple(p for p in self.platforms if p not in self.partial_platforms)


@dataclass(frozen=True)
class Change:
    key: str
    current: float | None
    previous: float | None
    relative: float | None  # (current - previous) / previous; None when undefined
    points: float | None  # current - previous, for SHARE_KEYS only (as fractions: 0.004 = 0.4 pp)
    direction: str  # "up" | "down" | "flat" | "n/a"
    good: bool | None  # whether the move is good news (cost KPIs: down is good)
    # When the two months cover different rows: the platforms the change was taken over (both
    # months restricted to them), or comparable=False when no platform is covered in both.
    scope: tuple[str, ...] | None = None
    comparable: bool = True


@dataclass(frozen=True)
class Attainment:
    key: str
    target: float
    actual: float | None
    met: bool | None  # None when actual has no value
    gap: float | None  # actual - target (same units as the KPI)
    ratio: float | None  # actual / target
    coverage: Coverage | None = None  # the actual covers only these rows (None: all of them)


@dataclass(frozen=True)
class Driver:
    """A campaign (or platform) that moved a KPI most between the two months."""

    level: str  # "campaign" | "platform"
    name: str
    platform: str | None
    key: str  # the base count that moved, e.g. "spend" or "conversions"
    current: float
    previous: float
    delta: float


@dataclass(frozen=True)
class Pacing:
    """Spend against budget. While the month runs, a projection to its end; once it is over
    (`final`), the month's spend as it is: projected == spent and status "over" or "within"."""

    budget: float
    spent: float
    share_spent: float  # spent / budget
    share_elapsed: float  # days elapsed / days in month at `as_of`
    projected: float  # spend projected to month end at the current daily rate (final: spent)
    status: str  # running: "on_track" | "over" | "under"; final: "over" | "within"
    final: bool = False  # the month had ended at `as_of`
    as_of: date | None = None  # the day the projection was made (today in the report's time zone)


@dataclass
class KPIReport:
    period: str  # "YYYY-MM"
    totals: KPIs
    previous: KPIs | None
    changes: dict[str, Change]
    by_platform: pd.DataFrame  # index platform, columns KPI_KEYS
    by_campaign: pd.DataFrame  # columns platform, campaign + KPI_KEYS
    daily: pd.DataFrame  # index date, columns KPI_KEYS (this month)
    previous_daily: pd.DataFrame | None
    attainment: dict[str, Attainment] = field(default_factory=dict)
    drivers: list[Driver] = field(default_factory=list)
    pacing: Pacing | None = None
    roi_mode: str = "revenue"  # what "ROI" means: "revenue" (revenue/spend) or "profit"
    coverage: dict[str, Coverage] = field(default_factory=dict)  # KPIs covering only some rows
    previous_coverage: dict[str, Coverage] = field(default_factory=dict)
    # Currencies of accounts whose amounts were not added up (no rates given): spend and revenue
    # are then left without a value rather than mixed.
    mixed_currencies: tuple[str, ...] = ()
    # last month by platform and by campaign, so a sentence about one can be checked in both months
    previous_by_platform: pd.DataFrame | None = None
    previous_by_campaign: pd.DataFrame | None = None
    rows: pd.DataFrame | None = None  # the month's canonical rows (A/B comparisons read them)
    previous_rows: pd.DataFrame | None = None  # last month's (ad groups' figures are checked in both)

    @property
    def roi_key(self) -> str:
        return "roas" if self.roi_mode == "revenue" else "profit_roi"

    def roi(self) -> float | None:
        """The figure the team calls ROI, per the report's setting."""
        key = "roas" if self.roi_mode == "revenue" else "profit_roi"
        return self.totals.get(key)


# --------------------------------------------------------------------------- core


def clean_number(x) -> float | None:
    """NaN/inf/None → None; numbers → float."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _base_arrays(rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each base count of `rows` as float64 (NaN where a row has none; all NaN for a column it lacks).

    Numpy, not pandas, for the per-row work: column-by-column pandas costs milliseconds a call."""
    return {k: rows[k].astype("float64").to_numpy() if k in rows else np.full(len(rows), np.nan)
            for k in BASE_KEYS}


def _bases(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(_base_arrays(rows), index=rows.index)


def _masked_parts(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-row numerator/denominator columns restricted to rows that have both base counts."""
    base = _base_arrays(rows)
    parts = dict(base)
    for name, (num, den, _) in _RATIOS.items():
        both = ~np.isnan(base[num]) & ~np.isnan(base[den])
        parts[f"_{name}_n"] = np.where(both, base[num], np.nan)
        parts[f"_{name}_d"] = np.where(both, base[den], np.nan)
    return pd.DataFrame(parts, index=rows.index)


def _finish(sums: pd.DataFrame) -> pd.DataFrame:
    """Turn summed parts into KPI columns; undefined ratios are NaN in frames."""
    col = {c: sums[c].to_numpy(dtype="float64") for c in sums.columns}
    out = {k: col[k] for k in BASE_KEYS}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for name, (_, _, factor) in _RATIOS.items():
            n, d = col[f"_{name}_n"], col[f"_{name}_d"]
            d = np.where(d != 0, d, np.nan)
            out[name] = (n / d) * factor
            if name == "roas":
                out["profit_roi"] = (n - d) / d
    return pd.DataFrame({k: np.where(np.isinf(out[k]), np.nan, out[k]) for k in KPI_KEYS}, index=sums.index)


def kpi_table(rows: pd.DataFrame, by: str | list[str] | None = None) -> pd.DataFrame:
    """KPI columns (ratios of sums) for each group of `by`, or one row ``"all"`` when None.

    Base counts are NaN for a group where no row has that count; ratios NaN when undefined.
    """
    parts = _masked_parts(rows)
    if by is None:
        sums = parts.sum(min_count=1).to_frame("all").T
    else:
        keys = [by] if isinstance(by, str) else list(by)
        parts[keys] = rows[keys]
        sums = parts.groupby(keys, sort=True, dropna=False).sum(min_count=1)
    return _finish(sums)


def kpis_by_group(values: Mapping[str, np.ndarray], group: np.ndarray, n: int) -> list[KPIs]:
    """What :func:`kpi_table` gives for groups 0..n-1 (``group``: each row's), from numpy columns.

    ``values`` maps base keys to per-row counts (NaN: the row has no such count; a key left out:
    no row has it).
    """
    group = np.asarray(group, dtype=np.int64)
    rows = len(group)

    def total(v: np.ndarray, rows_with: np.ndarray) -> np.ndarray:  # NaN where no row has it (min_count=1)
        sums = np.bincount(group, weights=np.where(rows_with, v, 0.0), minlength=n)
        return np.where(np.bincount(group, weights=rows_with, minlength=n) > 0, sums, np.nan)

    base = {k: np.asarray(values[k], dtype=np.float64) if k in values else np.full(rows, np.nan) for k in BASE_KEYS}
    has = {k: ~np.isnan(v) for k, v in base.items()}
    out = {k: total(base[k], has[k]) for k in BASE_KEYS}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf: no value, as in kpi_table
        for name, (num, den, factor) in _RATIOS.items():
            both = has[num] & has[den]
            top, bottom = total(base[num], both), total(base[den], both)
            bottom = np.where(bottom != 0, bottom, np.nan)
            out[name] = top / bottom * factor
            if name == "roas":
                out["profit_roi"] = (top - bottom) / bottom
    return [{k: clean_number(out[k][i]) for k in KPI_KEYS} for i in range(n)]


def kpis(rows: pd.DataFrame) -> KPIs:
    """Sum the base counts of canonical rows and derive every ratio from the sums.

    Every KPI_KEYS key is present; None when there is no value (no rows with that count, or a
    zero denominator).
    """
    table = kpi_table(rows)
    return {k: clean_number(table[k].iloc[0]) for k in KPI_KEYS}


def _platforms(rows: pd.DataFrame) -> pd.Series:
    if "platform" not in rows:
        return pd.Series("—", index=rows.index)
    return rows["platform"].astype(object).where(rows["platform"].notna(), "—").astype(str)


def coverage(rows: pd.DataFrame | None, key: str) -> Coverage | None:
    """Which rows `key` covers, or None when it covers every active row (or none at all)."""
    return coverages(rows, {key: 1.0}).get(key)


def coverages(rows: pd.DataFrame | None, values: KPIs | None) -> dict[str, Coverage]:
    """Coverage of every KPI that has a value but leaves some active rows out."""
    if rows is None or not len(rows) or not values:
        return {}
    # Usually every KPI covers every active row: that is found in numpy, and frames are built
    # only for a KPI that leaves rows out.
    arrays = _base_arrays(rows)
    has = {k: ~np.isnan(v) for k, v in arrays.items()}
    is_active = np.logical_or.reduce([has[k] & (v != 0) for k, v in arrays.items()])
    base = plat = active = None
    out = {}
    for key in KPI_KEYS:
        if values.get(key) is None:
            continue
        is_covered = np.logical_and.reduce([has[k] for k in NEEDS[key]])
        if not (is_active & ~is_covered).any() or not is_covered.any():
            continue
        if base is None:
            base = pd.DataFrame(arrays, index=rows.index)
            active = pd.Series(is_active, index=rows.index)
            plat = _platforms(rows)
        covered = pd.Series(is_covered, index=rows.index)
        left_out = active & ~covered
        basis = next((b for b in _SHARE_BASES if base[b][left_out].fillna(0).abs().sum() > 0), None)
        share = None
        if basis is not None:
            total = base[basis][active].sum()
            share = float(base[basis][covered].sum() / total) if total else None
        weight = base[basis].fillna(0) if basis else pd.Series(1.0, index=rows.index)
        by_covered = weight[covered].groupby(plat[covered]).sum().sort_values(ascending=False, kind="stable")
        platforms = tuple(str(p) for p in by_covered.index)
        left = set(plat[left_out].unique())
        out[key] = Coverage(
            key=key, platforms=platforms,
            all_platforms=tuple(sorted(set(plat[active].unique()) | set(platforms))),
            partial_platforms=tuple(p for p in platforms if p in left),
            basis=basis, share=share,
            sums={k: clean_number(base[k][covered].sum(min_count=1)) for k in BASE_KEYS},
        )
    return out


def _full_platforms(rows: pd.DataFrame, key: str, cov: Coverage | None) -> set[str]:
    if cov is not None:
        return set(cov.full_platforms)
    covered = _bases(rows)[list(NEEDS[key])].notna().all(axis=1)
    return set(_platforms(rows)[covered])


def like_for_like(changes: dict[str, Change], rows: pd.DataFrame, previous_rows: pd.DataFrame | None,
                  cov: dict[str, Coverage], prev_cov: dict[str, Coverage]) -> dict[str, Change]:
    """Changes of KPIs whose two months cover different rows, retaken over the platforms covered
    in full in both months; not comparable (direction "n/a") when there are none."""
    if previous_rows is None:
        return changes
    out = dict(changes)
    scoped_kpis: dict[frozenset, tuple[KPIs, KPIs]] = {}  # ROI, revenue and profit share one scope
    for key, ch in changes.items():
        c, p = cov.get(key), prev_cov.get(key)
        if ch.current is None or ch.previous is None or (c is None and p is None):
            continue
        if c is not None and p is not None and set(c.platforms) == set(p.platforms) \
                and not c.partial_platforms and not p.partial_platforms:
            continue  # the same platforms, each in full, both months: like with like already
        common = _full_platforms(rows, key, c) & _full_platforms(previous_rows, key, p)
        if not common:
            out[key] = Change(key, ch.current, ch.previous, None, None, "n/a", None, scope=(), comparable=False)
            continue
        scope = frozenset(common)
        if scope not in scoped_kpis:
            scoped_kpis[scope] = (kpis(rows[_platforms(rows).isin(common)]),
                                  kpis(previous_rows[_platforms(previous_rows).isin(common)]))
        cur, prev = scoped_kpis[scope]
        scoped = compare({key: cur.get(key)}, {key: prev.get(key)}, keys=(key,))[key]
        out[key] = replace(scoped, scope=tuple(sorted(common)))
    return out


# --------------------------------------------------------------------------- comparisons


def compare(current: KPIs, previous: KPIs | None, keys: tuple[str, ...] = KPI_KEYS) -> dict[str, Change]:
    """A Change for every KPI key; ``direction="n/a"`` where either side has no value."""
    out = {}
    for k in keys:
        c = current.get(k)
        p = previous.get(k) if previous else None
        if c is None or p is None:
            out[k] = Change(k, c, p, None, None, "n/a", None)
            continue
        relative = (c - p) / abs(p) if p != 0 else None
        points = c - p if k in SHARE_KEYS else None
        if math.isclose(c, p, rel_tol=1e-9, abs_tol=1e-12):
            direction, good = "flat", None
        else:
            direction = "up" if c > p else "down"
            if k in COST_KEYS:
                good = direction == "down"
            elif k in GOOD_UP_KEYS:
                good = direction == "up"
            else:
                good = None  # spend: more or less is not news by itself
        out[k] = Change(k, c, p, relative, points, direction, good)
    return out


def attainment(totals: KPIs, targets: dict[str, float], roi_mode: str = "revenue",
               coverage: dict[str, Coverage] | None = None) -> dict[str, Attainment]:
    """Actual against target for each target key (KPI names, plus ``roi`` per `roi_mode`).

    Cost KPIs and ``spend`` (a budget-like ceiling) are met at or below the target; the others at
    or above. Ratios are fractions (ctr=0.03). An actual that covers only some rows carries its
    `coverage`, so that the verdict can say so.
    """
    coverage = coverage or {}
    out = {}
    for key, target in targets.items():
        src = ("roas" if roi_mode == "revenue" else "profit_roi") if key == "roi" else key
        if src not in KPI_KEYS:
            raise ValueError(f"unknown KPI target {key!r}; use one of {', '.join(KPI_KEYS)} or roi")
        target = float(target)
        actual = totals.get(src)
        if actual is None:
            out[key] = Attainment(key, target, None, None, None, None)
            continue
        met = actual <= target if (src in COST_KEYS or src == "spend") else actual >= target
        ratio = actual / target if target != 0 else None
        out[key] = Attainment(key, target, actual, met, actual - target, ratio, coverage.get(src))
    return out


def _grouped_base(rows: pd.DataFrame | None, keys: list[str], base: str) -> pd.Series:
    if rows is None or not len(rows) or rows[base].isna().all():
        return pd.Series(dtype="float64")
    return rows.groupby(keys, sort=False, dropna=False)[base].sum(min_count=1)


def drivers(rows: pd.DataFrame, previous_rows: pd.DataFrame | None, limit: int = 3) -> list[Driver]:
    """Campaigns, then platforms, that moved spend and conversions most (up to `limit` each)."""
    out: list[Driver] = []
    if previous_rows is None:
        return out
    for level, keys in (("campaign", ["platform", "campaign"]), ("platform", ["platform"])):
        for base in ("spend", "conversions"):
            cur = _grouped_base(rows, keys, base)
            prev = _grouped_base(previous_rows, keys, base)
            if cur.empty and prev.empty:
                continue
            both = pd.concat([cur.rename("c"), prev.rename("p")], axis=1).fillna(0.0)
            both["d"] = both["c"] - both["p"]
            both = both[both["d"] != 0]
            both["a"] = both["d"].abs()
            both = both.sort_values("a", ascending=False, kind="stable").head(limit)
            for idx, r in both.iterrows():
                idx = idx if isinstance(idx, tuple) else (idx,)
                plat = idx[0]
                name = idx[1] if level == "campaign" else idx[0]
                out.append(Driver(level, str(name), None if level == "platform" else str(plat), base,
                                  float(r["c"]), float(r["p"]), float(r["d"])))
    return out


def pacing(period: str, spent: float | None, budget: float, as_of, *, data_through=None) -> Pacing:
    """Budget pacing on day `as_of` (today, in the report's time zone).

    While the month runs, spend is projected to its end at the daily rate so far (over the days
    elapsed, or over the days the data covers when it reaches further). From the day after the
    month's last, nothing is projected: the result is final, the month's spend against budget.
    """
    start = pd.Period(period, freq="M")
    days = start.days_in_month
    day = pd.Timestamp(as_of).normalize()
    if day < start.start_time.normalize():
        raise ValueError(f"as_of {day.date()} is before {period}")
    spent = spent or 0.0
    if day > start.end_time:
        return Pacing(budget, spent, spent / budget, 1.0, spent, "over" if spent > budget else "within",
                      final=True, as_of=day.date())
    elapsed = day.day
    if data_through is not None:
        through = pd.Timestamp(data_through).normalize()
        if start.start_time <= through <= start.end_time:
            elapsed = max(elapsed, through.day)
    projected = spent / elapsed * days
    if projected > budget * 1.05:
        status = "over"
    elif projected < budget * 0.95:
        status = "under"
    else:
        status = "on_track"
    return Pacing(budget, spent, spent / budget, elapsed / days, projected, status, as_of=day.date())


# --------------------------------------------------------------------------- report


def _month(rows: pd.DataFrame | None, period: str | None) -> pd.DataFrame | None:
    if rows is None:
        return None
    if period is None or not len(rows):
        return rows
    p = pd.Period(period, freq="M")
    d = pd.to_datetime(rows["date"])
    return rows[(d >= p.start_time) & (d <= p.end_time)]


def build_report(
    period: str,
    rows: pd.DataFrame,
    previous_rows: pd.DataFrame | None,
    *,
    targets: dict[str, float] | None = None,
    budget: float | None = None,
    as_of=None,
    roi_mode: str = "revenue",
) -> KPIReport:
    """Everything the summary needs about one month of canonical rows.

    `rows` may hold more than the month: only dates within `period` ("YYYY-MM") are used.
    `previous_rows` is the comparison period as given (usually last month; None = no comparison).
    `as_of` is today in the report's time zone: pacing projects while the month runs and is
    final after it (None: the last day in the data, as if the month were still running).
    Frames carry NaN where a KPI has no value; the KPIs dicts carry None.
    """
    if roi_mode not in ("revenue", "profit"):
        raise ValueError("roi_mode must be 'revenue' or 'profit'")
    period = str(pd.Period(period, freq="M"))
    cur = _month(rows, period)
    totals = kpis(cur)
    previous = kpis(previous_rows) if previous_rows is not None else None

    by_platform = kpi_table(cur, "platform")
    by_campaign = kpi_table(cur, ["platform", "campaign"]).reset_index()
    by_campaign = by_campaign.sort_values("spend", ascending=False, kind="stable", na_position="last")
    by_campaign = by_campaign.reset_index(drop=True)
    daily = kpi_table(cur, "date")
    previous_daily = kpi_table(previous_rows, "date") if previous_rows is not None else None
    has_prev = previous_rows is not None and len(previous_rows)
    previous_by_platform = kpi_table(previous_rows, "platform") if has_prev else None
    previous_by_campaign = kpi_table(previous_rows, ["platform", "campaign"]).reset_index() if has_prev else None

    pace = None
    if budget is not None and budget > 0:
        through = cur["date"].max() if len(cur) else None
        if as_of is None:
            as_of = through if through is not None else pd.Period(period, freq="M").start_time
        pace = pacing(period, totals["spend"], float(budget), as_of, data_through=through)

    cov = coverages(cur, totals)
    prev_cov = coverages(previous_rows, previous)
    return KPIReport(
        period=period,
        totals=totals,
        previous=previous,
        changes=like_for_like(compare(totals, previous), cur, previous_rows, cov, prev_cov),
        by_platform=by_platform,
        by_campaign=by_campaign,
        daily=daily,
        previous_daily=previous_daily,
        attainment=attainment(totals, targets or {}, roi_mode, cov),
        drivers=drivers(cur, previous_rows),
        pacing=pace,
        roi_mode=roi_mode,
        coverage=cov,
        previous_coverage=prev_cov,
        previous_by_platform=previous_by_platform,
        previous_by_campaign=previous_by_campaign,
        rows=cur,
        previous_rows=previous_rows if has_prev else None,
    )


# --------------------------------------------------------------------------- currencies


def one_currency(frames: list[pd.DataFrame], currency_of: dict[tuple[str, str], str], currency: str | None = None,
                 rates: dict[str, float] | None = None) -> tuple[list[pd.DataFrame], tuple[str, ...]]:
    """Amounts (spend, revenue) of accounts in several currencies, brought into one or refused.

    `currency_of` maps (platform, account) to the account's currency (API sources know it); other
    rows are taken to be in `currency`. With `currency` and `rates` (units of `currency` per unit),
    every amount is converted. Without rates, more than one currency is refused: spend and revenue
    lose their values (counts, CTR and CVR stay) and the currencies are returned, never a sum of
    yuan and dollars. Returns the frames to use and the refused currencies (empty when fine).
    """
    rates = rates or {}
    codes = [pd.Series([currency_of.get(k) for k in zip(f["platform"], f["account"], strict=True)], index=f.index,
                       dtype=object) if len(f) else pd.Series(dtype=object) for f in frames]
    present = sorted({c for s in codes for c in s.dropna()})
    if currency is None:
        if len(present) <= 1:
            return frames, ()
        refused = tuple(present)
    else:
        if all(c == currency or c in rates for c in present):
            if all(c == currency for c in present):
                return frames, ()
            out = []
            for f, c in zip(frames, codes, strict=True):
                factor = c.map(lambda x: rates.get(x, 1.0) if x and x != currency else 1.0).astype("float64")
                out.append(f.assign(spend=f["spend"] * factor, revenue=f["revenue"] * factor))
            return out, ()
        refused = tuple(sorted(set(present) | {currency}))
    return [f.assign(spend=np.nan, revenue=np.nan) for f in frames], refused
