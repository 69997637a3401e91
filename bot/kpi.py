"""KPI engine: totals and ratios from canonical ad rows, always as ratios of sums.

A ratio is never averaged across rows or taken from a platform's ratio column: base counts are
summed first, then divided. Each ratio uses only rows that have both of its base counts (a file
without a conversions column neither adds conversions nor spend to CPA). A zero or missing
denominator gives None ("no value", shown as —), never 0, inf or NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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


@dataclass(frozen=True)
class Change:
    key: str
    current: float | None
    previous: float | None
    relative: float | None  # (current - previous) / previous; None when undefined
    points: float | None  # current - previous, for SHARE_KEYS only (as fractions: 0.004 = 0.4 pp)
    direction: str  # "up" | "down" | "flat" | "n/a"
    good: bool | None  # whether the move is good news (cost KPIs: down is good)


@dataclass(frozen=True)
class Attainment:
    key: str
    target: float
    actual: float | None
    met: bool | None  # None when actual has no value
    gap: float | None  # actual - target (same units as the KPI)
    ratio: float | None  # actual / target


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
    budget: float
    spent: float
    share_spent: float  # spent / budget
    share_elapsed: float  # days elapsed / days in month at `as_of`
    projected: float  # spend projected to month end at the current daily rate
    status: str  # "on_track" | "over" | "under"


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
    # last month by platform and by campaign, so a sentence about one can be checked in both months
    previous_by_platform: pd.DataFrame | None = None
    previous_by_campaign: pd.DataFrame | None = None

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


def _masked_parts(rows: pd.DataFrame) -> pd.DataFrame:
    """Per-row numerator/denominator columns restricted to rows that have both base counts."""
    parts = {}
    for k in BASE_KEYS:
        parts[k] = rows[k].astype("float64") if k in rows else pd.Series(np.nan, index=rows.index)
    out = pd.DataFrame(parts, index=rows.index)
    for name, (num, den, _) in _RATIOS.items():
        both = out[num].notna() & out[den].notna()
        out[f"_{name}_n"] = out[num].where(both)
        out[f"_{name}_d"] = out[den].where(both)
    return out


def _finish(sums: pd.DataFrame) -> pd.DataFrame:
    """Turn summed parts into KPI columns; undefined ratios are NaN in frames."""
    out = sums[list(BASE_KEYS)].copy()
    for name, (_, _, factor) in _RATIOS.items():
        n, d = sums[f"_{name}_n"], sums[f"_{name}_d"]
        out[name] = (n / d.where(d != 0)) * factor
    d = sums["_roas_d"]
    out["profit_roi"] = (sums["_roas_n"] - d) / d.where(d != 0)
    return out[list(KPI_KEYS)].replace([np.inf, -np.inf], np.nan)


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


def kpis(rows: pd.DataFrame) -> KPIs:
    """Sum the base counts of canonical rows and derive every ratio from the sums.

    Every KPI_KEYS key is present; None when there is no value (no rows with that count, or a
    zero denominator).
    """
    table = kpi_table(rows)
    return {k: clean_number(table[k].iloc[0]) for k in KPI_KEYS}


# --------------------------------------------------------------------------- comparisons


def compare(current: KPIs, previous: KPIs | None) -> dict[str, Change]:
    """A Change for every KPI key; ``direction="n/a"`` where either side has no value."""
    out = {}
    for k in KPI_KEYS:
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


def attainment(totals: KPIs, targets: dict[str, float], roi_mode: str = "revenue") -> dict[str, Attainment]:
    """Actual against target for each target key (KPI names, plus ``roi`` per `roi_mode`).

    Cost KPIs and ``spend`` (a budget-like ceiling) are met at or below the target; the others at
    or above. Ratios are fractions (ctr=0.03).
    """
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
        out[key] = Attainment(key, target, actual, met, actual - target, ratio)
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


def pacing(period: str, spent: float | None, budget: float, as_of) -> Pacing:
    """Budget pacing at `as_of` (a day of `period`; later days count as the month's end)."""
    start = pd.Period(period, freq="M")
    days = start.days_in_month
    day = pd.Timestamp(as_of)
    if day < start.start_time.normalize():
        raise ValueError(f"as_of {day.date()} is before {period}")
    elapsed = days if day > start.end_time else day.day
    spent = spent or 0.0
    projected = spent / elapsed * days
    if projected > budget * 1.05:
        status = "over"
    elif projected < budget * 0.95:
        status = "under"
    else:
        status = "on_track"
    return Pacing(budget, spent, spent / budget, elapsed / days, projected, status)


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
        if as_of is None:
            as_of = cur["date"].max() if len(cur) else pd.Period(period, freq="M").start_time
        pace = pacing(period, totals["spend"], float(budget), as_of)

    return KPIReport(
        period=period,
        totals=totals,
        previous=previous,
        changes=compare(totals, previous),
        by_platform=by_platform,
        by_campaign=by_campaign,
        daily=daily,
        previous_daily=previous_daily,
        attainment=attainment(totals, targets or {}, roi_mode),
        drivers=drivers(cur, previous_rows),
        pacing=pace,
        roi_mode=roi_mode,
        previous_by_platform=previous_by_platform,
        previous_by_campaign=previous_by_campaign,
    )
