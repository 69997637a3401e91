"""The optimise section's A/B comparisons, free of Slack: what its form shows, what a save
stores, what the summary shows.

A form names variants by short ids (`VariantKey.id`, Slack option values hold 150 characters)
and keeps its comparisons in the modal until it is saved; a save stores them per report-period
with their full names (storage: `comparisons`). Figures are always taken from the month's data
as it is when shown, so a comparison follows late conversions like every other KPI.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import pandas as pd

from bot.insight.abtest import (
    MAX_VARIANTS,
    Comparison,
    VariantFigures,
    VariantKey,
    catalogue,
    compare,
    propose,
)
from bot.model import periods
from bot.model.config import Report

SECTION = "optimise"
MAX_COMPARISONS = 8  # each is a table and its verdicts in the thread: a handful reads, dozens don't
STATIC_OPTIONS = 100  # a static select holds at most 100 options; beyond, they load as the owner types
SEARCH_RESULTS = 100  # options per block_suggestion answer (Block Kit's limit)


@dataclass
class AbForm:
    """The A/B part of the optimise form: the month's variants, the comparisons kept in the form,
    the variants picked for a new one (and its comparison once two are picked), proposals."""

    catalogue: list[VariantFigures]
    chosen: list[Comparison]
    picks: list[VariantKey]
    pending: Comparison | None
    proposals: list[tuple[VariantKey, ...]]

    @property
    def external(self) -> bool:
        """Too many variants for a static select: options load from a search as the owner types."""
        return len(self.catalogue) > STATIC_OPTIONS

    @property
    def full(self) -> bool:
        return len(self.chosen) >= MAX_COMPARISONS


# The month's rows and variants, per store, by the snapshots they were read from (snapshots
# never change, so the same ids mean the same data): a search as the owner types, and each click
# in the form, reads them again otherwise.
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CACHED = 3
_lock = threading.Lock()


def _month(core, report: Report, period: str) -> tuple[pd.DataFrame, list[VariantFigures]] | None:
    if core.data is None:
        return None
    snaps = tuple(s.id for s in core.store.snapshots.of(report.team_id, report.id, period))
    if not snaps:
        return None
    key = (report.team_id, report.id, period, snaps)
    with _lock:
        cache = _CACHE.setdefault(core.store, OrderedDict())
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    rows = core.data.rows(report, period)
    first, last = periods.bounds(period)
    day = pd.to_datetime(rows["date"]).dt.date
    rows = rows[(day >= first) & (day <= last)]
    found = (rows, catalogue(rows)) if len(rows) else None
    with _lock:
        cache[key] = found
        while len(cache) > _CACHED:
            cache.popitem(last=False)
    return found


def month_rows(core, report: Report, period: str) -> pd.DataFrame | None:
    """The period's rows dated within the month, or None without data."""
    found = _month(core, report, period)
    return found[0] if found else None


def month_catalogue(core, report: Report, period: str) -> list[VariantFigures] | None:
    """Every campaign, ad group and creative of the month with its figures (see abtest.catalogue)."""
    found = _month(core, report, period)
    return found[1] if found else None


def stored(core, report: Report, period: str) -> list[list[VariantKey]]:
    """The comparisons saved for the period, as variant keys."""
    out = []
    for variants in core.store.comparisons.of(report.team_id, report.id, period):
        try:
            out.append([VariantKey.from_dict(v) for v in variants])
        except (ValueError, TypeError, AttributeError):
            continue  # written by a later version, or damaged: shown as nothing rather than failing
    return out


def _known(cat: list[VariantFigures], extra: list[list[VariantKey]]) -> dict[str, VariantKey]:
    known = {f.key.id: f.key for f in cat}
    for keys in extra:
        for k in keys:
            known.setdefault(k.id, k)
    return known


def _resolve(ids, known: dict[str, VariantKey]) -> list[VariantKey]:
    out: list[VariantKey] = []
    for i in ids or ():
        k = known.get(i) if isinstance(i, str) else None
        if k is not None and k not in out:
            out.append(k)
    return out[:MAX_VARIANTS]


def _distinct(groups: list[list[VariantKey]]) -> list[list[VariantKey]]:
    out: list[list[VariantKey]] = []
    for keys in groups:
        if len(keys) >= 2 and set(keys) not in [set(o) for o in out]:
            out.append(keys)
    return out[:MAX_COMPARISONS]


def form(core, report: Report, period: str, *, chosen: list[list[str]] | None = None,
         picks: list[str] | None = None) -> AbForm | None:
    """The A/B part of the form (None without data this month). `chosen` are the comparisons
    the form holds, as ids (None: the stored ones, as the form first opens); `picks` the
    variants picked for a new one."""
    found = _month(core, report, period)
    if found is None:
        return None
    rows, cat = found
    saved = stored(core, report, period)
    known = _known(cat, saved)
    groups = saved if chosen is None else [_resolve(ids, known) for ids in chosen if isinstance(ids, list)]
    groups = _distinct(groups)
    picked = _resolve(picks, known)
    taken = [set(g) for g in groups]
    return AbForm(
        catalogue=cat,
        chosen=[compare(rows, g) for g in groups],
        picks=picked,
        pending=compare(rows, picked) if len(picked) >= 2 else None,
        proposals=[p for p in propose(cat) if set(p) not in taken],
    )


def save(core, report: Report, period: str, user: str, chosen: list[list[str]], picks: list[str], now) -> bool:
    """Store the comparisons a saved form holds (a pending one with two or more variants too);
    returns True when they changed. Ids the month's data no longer knows are dropped."""
    saved = stored(core, report, period)
    known = _known(month_catalogue(core, report, period) or [], saved)
    groups = _distinct([_resolve(ids, known) for ids in chosen if isinstance(ids, list)] + [_resolve(picks, known)])
    return core.store.comparisons.set(report.team_id, report.id, period,
                                      [[k.to_dict() for k in g] for g in groups], by=user, now=now)


def for_summary(core, report: Report, period: str) -> tuple[list[Comparison], list[tuple[VariantKey, ...]]]:
    """The period's stored comparisons over the month's data, and proposals for its prompt."""
    found = _month(core, report, period) if report.section(SECTION) is not None else None
    if found is None:
        return [], []
    rows, cat = found
    groups = _distinct(stored(core, report, period))
    taken = [set(g) for g in groups]
    return [compare(rows, g) for g in groups], [p for p in propose(cat) if set(p) not in taken]


def search(cat: list[VariantFigures], query: str, limit: int = SEARCH_RESULTS) -> list[VariantFigures]:
    """Variants whose name, campaign, ad group or platform contains every word of `query` (any
    case), campaigns first, then ad groups and creatives, most impressions first."""
    words = (query or "").casefold().split()
    found = [f for f in cat if all(w in " ".join((f.key.name, f.key.campaign, f.key.ad_group or "",
                                                  f.key.platform)).casefold() for w in words)]
    return found[:limit]
