"""Words for KPIs shared by the post, prompts, drafts and exports (Slack-free, no markup).

The report's `roi` setting names revenue ÷ spend: "ROI" when roi = "revenue" (usual in China),
"ROAS" when roi = "profit" (then "ROI" is (revenue − spend) ÷ spend) — in both locales.
"""

from __future__ import annotations

from bot.insight.claims import fmt_kpi
from bot.insight.kpi import NEEDS, Change, Coverage, Pacing
from bot.text import formats
from bot.text.i18n import join_list, resolve, t, t_plain

KPI_KEYS = ("spend", "impressions", "clicks", "conversions", "revenue", "ctr", "cpc", "cpm", "cvr", "cpa")


def _loc(locale: str | None) -> str:
    return resolve(locale)


def short_name(key: str, locale: str) -> str:
    """A KPI's name inside a sentence: "点击率" / "CTR", "消耗" / "spend"."""
    return t_plain(_loc(locale), f"kpi.short.{key}") if key in KPI_KEYS else key


def roi_source(roi_mode: str) -> str:
    """The KPI key the team calls ROI."""
    return "roas" if roi_mode == "revenue" else "profit_roi"


def kpi_name(key: str, locale: str, roi_mode: str = "revenue", *, long: bool = False) -> str:
    """ "ROI" / "ROAS" / "利润率" per the `roi` setting; `long` adds the formula."""
    loc = _loc(locale)
    if key == "roi":
        key = roi_source(roi_mode)
    if key == "roas":
        name = "ROI" if roi_mode == "revenue" else "ROAS"
        return t_plain(loc, "kpi.long.roas", name=name) if long else name
    if key == "profit_roi":
        name = "ROI" if roi_mode == "profit" else t_plain(loc, "kpi.profit_ratio")
        return t_plain(loc, "kpi.long.profit_roi", name=name) if long else name
    return short_name(key, loc)


def kpi_label(key: str, locale: str, roi_mode: str = "revenue") -> str:
    """A KPI's name as a heading (fields, forms, spreadsheets): "点击率 CTR", "ROI（收入÷消耗）" per
    the `roi` setting."""
    if key in ("roi", "roas", "profit_roi"):
        return kpi_name(key, locale, roi_mode, long=True)
    return t_plain(_loc(locale), f"kpi.label.{key}") if key in KPI_KEYS else key


def kpi_title(key: str, locale: str) -> str:
    """A KPI's name starting a line: "点击率" / "CTR", "消耗" / "Spend"."""
    return t_plain(_loc(locale), f"kpi.title.{key}") if key in KPI_KEYS else key


def coverage_text(cov: Coverage | None, locale: str) -> str:
    """ "仅腾讯广告，占消耗 17%" / "腾讯广告 only, 17% of spend"; "" when the KPI covers every row."""
    if cov is None:
        return ""
    loc = _loc(locale)
    share = share_text(cov.share, loc)
    basis = short_name(cov.basis, loc) if cov.basis else ""
    if cov.only:
        names = join_list(list(cov.platforms), loc)
        if share and basis:
            return t(loc, "kpi.coverage.only", platforms=names, basis=basis, share=share)
        return t(loc, "kpi.coverage.only_platforms", platforms=names)
    if share and basis:
        return t(loc, "kpi.coverage.part", basis=basis, share=share)
    return t(loc, "kpi.coverage.some")


def coverage_sums(cov: Coverage | None, locale: str) -> str:
    """The base counts of the covered rows: "收入 16.20万元 ÷ 消耗 7.24万元"."""
    if cov is None:
        return ""
    loc = _loc(locale)
    # the first name starts the text: a title ("Revenue"), the others short ("spend")
    parts = [t_plain(loc, "kpi.figure", name=kpi_title(k, loc) if i == 0 else short_name(k, loc),
                     value=fmt_kpi(k, cov.sums.get(k), loc)) for i, k in enumerate(NEEDS[cov.key])]
    return t_plain(loc, "kpi.sums.sep").join(parts)


def share_text(share: float | None, locale: str) -> str:
    """A partial coverage's share: "17%", "<1%", ">99%" (never 100%)."""
    if share is None:
        return ""
    pct = share * 100
    if pct < 1:
        return "<" + formats.percent(1, locale, 0, points=True)
    if pct < 99.5:
        return formats.percent(min(99, round(pct)), locale, 0, points=True)
    return ">" + formats.percent(99, locale, 0, points=True)


def change_scope_text(ch: Change | None, locale: str) -> str:
    """What a change against last month was taken over, when not over the same rows as the value."""
    if ch is None:
        return ""
    loc = _loc(locale)
    if not ch.comparable:
        return t(loc, "kpi.change.not_comparable")
    if ch.scope:
        return t(loc, "kpi.change.scope", platforms=join_list(list(ch.scope), loc))
    return ""


def pacing_text(p: Pacing | None, locale: str) -> str:
    """Budget pacing: a projection while the month runs; the final spend against budget after it."""
    if p is None:
        return ""
    loc = _loc(locale)
    budget = fmt_kpi("spend", p.budget, loc)
    spent = fmt_kpi("spend", p.spent, loc)
    if p.final:
        if p.spent > p.budget:
            return t(loc, "pacing.final.over", spent=spent, budget=budget, over=over_budget(p, loc))
        return t(loc, "pacing.final.within", spent=spent, budget=budget, used=formats.percent(p.share_spent, loc, 0))
    return t(loc, "pacing.running", budget=budget, spent=spent, used=formats.percent(p.share_spent, loc, 0),
             elapsed=formats.percent(p.share_elapsed, loc, 0), projected=fmt_kpi("spend", p.projected, loc),
             status=t(loc, f"pacing.status.{p.status}"))


def over_budget(p: Pacing, locale: str) -> str:
    """How far spend went over budget: "6.6%"."""
    return formats.percent(p.spent / p.budget - 1, locale, 1)


__all__ = ["KPI_KEYS", "change_scope_text", "coverage_sums", "coverage_text", "kpi_label", "kpi_name",
           "kpi_title", "over_budget", "pacing_text", "roi_source", "share_text", "short_name"]
