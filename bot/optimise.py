"""The optimise section's A/B comparisons, free of Slack: what its form shows, what a save
stores, what the summary shows.

A form names variants by short ids (`VariantKey.id`, Slack option values hold 150 characters)
and keeps its comparisons in the modal until it is saved; a save stores them per report-period
with their full names (storage: `comparisons`). Figures are always taken from the month's data
as it is when shown, so a comparison follows late conversions like every other KPI.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from bot import periods
from bot.abtest import (
    MAX_VARIANTS,
    Comparison,
    VariantFigures,
    VariantKey,
    catalogue,
    compare,
    propose,
)
from bot.config import Report
from storage import repo

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


def month_rows(core, report: Report, period: str) -> pd.DataFrame | None:
    """The period's rows dated within the month, or None without data."""
    if core.data is None:
        return None
    rows = core.data.rows(report, period)
    if not len(rows):
        return None
    first, last = periods.bounds(period)
    day = pd.to_datetime(rows["date"]).dt.date
    rows = rows[(day >= first) & (day <= last)]
    return rows if len(rows) else None


def stored(core, report: Report, period: str) -> list[list[VariantKey]]:
    """The comparisons saved for the period, as variant keys."""
    out = []
    for variants in repo.comparisons_of(core.db, report.team_id, report.id, period):
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
    rows = month_rows(core, report, period)
    if rows is None:
        return None
    cat = catalogue(rows)
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
    rows = month_rows(core, report, period)
    saved = stored(core, report, period)
    known = _known(catalogue(rows) if rows is not None else [], saved)
    groups = _distinct([_resolve(ids, known) for ids in chosen if isinstance(ids, list)] + [_resolve(picks, known)])
    return repo.set_comparisons(core.db, report.team_id, report.id, period,
                                [[k.to_dict() for k in g] for g in groups], by=user, now=now)


def for_summary(core, report: Report, period: str, rows: pd.DataFrame | None
                ) -> tuple[list[Comparison], list[tuple[VariantKey, ...]]]:
    """The period's stored comparisons over `rows`, and proposals for its prompt."""
    if rows is None or not len(rows) or report.section(SECTION) is None:
        return [], []
    groups = _distinct(stored(core, report, period))
    taken = [set(g) for g in groups]
    return [compare(rows, g) for g in groups], [p for p in propose(catalogue(rows)) if set(p) not in taken]


def search(cat: list[VariantFigures], query: str, limit: int = SEARCH_RESULTS) -> list[VariantFigures]:
    """Variants whose name, campaign or platform contains every word of `query` (any case),
    campaigns first, most impressions first."""
    words = (query or "").casefold().split()
    found = [f for f in cat
             if all(w in " ".join((f.key.name, f.key.campaign, f.key.platform)).casefold() for w in words)]
    return found[:limit]
