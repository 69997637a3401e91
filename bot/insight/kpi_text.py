"""Words for KPIs shared by the post, prompts, drafts and exports (Slack-free, no markup).

The report's `roi` setting names revenue ÷ spend: "ROI" when roi = "revenue" (usual in China),
"ROAS" when roi = "profit" (then "ROI" is (revenue − spend) ÷ spend) — in both locales.
"""

from __future__ import annotations

from bot.insight.claims import fmt_kpi
from bot.insight.kpi import NEEDS, Change, Coverage, Pacing
from bot.text.i18n import join_list, t

_SHORT = {
    "zh-CN": {"spend": "消耗", "impressions": "展现", "clicks": "点击", "conversions": "转化", "revenue": "收入",
              "ctr": "点击率", "cpc": "点击单价", "cpm": "千次展现费用", "cvr": "转化率", "cpa": "转化成本"},
    "en": {"spend": "spend", "impressions": "impressions", "clicks": "clicks", "conversions": "conversions",
           "revenue": "revenue", "ctr": "CTR", "cpc": "CPC", "cpm": "CPM", "cvr": "CVR", "cpa": "CPA"},
}


def _loc(locale: str | None) -> str:
    return "zh-CN" if (locale or "").lower().startswith("zh") else "en"


def roi_source(roi_mode: str) -> str:
    """The KPI key the team calls ROI."""
    return "roas" if roi_mode == "revenue" else "profit_roi"


def kpi_name(key: str, locale: str, roi_mode: str = "revenue", *, long: bool = False) -> str:
    """ "ROI" / "ROAS" / "利润率" per the `roi` setting; `long` adds the formula."""
    loc = _loc(locale)
    zh = loc == "zh-CN"
    if key == "roi":
        key = roi_source(roi_mode)
    if key == "roas":
        name = "ROI" if roi_mode == "revenue" else "ROAS"
        return name + (("（收入÷消耗）" if zh else " (revenue ÷ spend)") if long else "")
    if key == "profit_roi":
        name = "ROI" if roi_mode == "profit" else ("利润率" if zh else "Profit ratio")
        return name + (("（利润÷消耗）" if zh else " ((revenue − spend) ÷ spend)") if long else "")
    return _SHORT[loc].get(key, key)


# Names in fields, forms and spreadsheets (the ROI family comes from kpi_name).
KPI_LABELS = {
    "spend": {"zh-CN": "消耗", "en": "Spend"}, "impressions": {"zh-CN": "展现", "en": "Impressions"},
    "clicks": {"zh-CN": "点击", "en": "Clicks"}, "conversions": {"zh-CN": "转化", "en": "Conversions"},
    "revenue": {"zh-CN": "收入", "en": "Revenue"},
    "ctr": {"zh-CN": "点击率 CTR", "en": "CTR"}, "cpc": {"zh-CN": "点击单价 CPC", "en": "CPC"},
    "cpm": {"zh-CN": "千次展现费用 CPM", "en": "CPM"}, "cvr": {"zh-CN": "转化率 CVR", "en": "CVR"},
    "cpa": {"zh-CN": "转化成本 CPA", "en": "CPA"},
}


def kpi_label(key: str, locale: str, roi_mode: str = "revenue") -> str:
    """A KPI's name as a heading: "点击率 CTR", "ROI（收入÷消耗）" per the `roi` setting."""
    if key in ("roi", "roas", "profit_roi"):
        return kpi_name(key, locale, roi_mode, long=True)
    names = KPI_LABELS.get(key, {"en": key})
    return names.get(_loc(locale)) or names["en"]


def coverage_text(cov: Coverage | None, locale: str) -> str:
    """ "仅腾讯广告，占消耗 17%" / "腾讯广告 only, 17% of spend"; "" when the KPI covers every row."""
    if cov is None:
        return ""
    loc = _loc(locale)
    share = _share(cov.share)
    basis = _SHORT[loc].get(cov.basis or "", "")
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
    parts = [f"{_SHORT[loc][k]} {fmt_kpi(k, cov.sums.get(k), loc)}" for k in NEEDS[cov.key]]
    text = " ÷ ".join(parts)
    return text[:1].upper() + text[1:] if loc == "en" else text


def _share(share: float | None) -> str:
    if share is None:
        return ""
    pct = share * 100
    if pct < 1:
        return "<1%"
    # a partial coverage never reads as 100%
    return f"{min(99, round(pct))}%" if pct < 99.5 else ">99%"


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
            return t(loc, "pacing.final.over", spent=spent, budget=budget, over=over_budget(p))
        return t(loc, "pacing.final.within", spent=spent, budget=budget, used=f"{p.share_spent * 100:.0f}%")
    return t(loc, "pacing.running", budget=budget, spent=spent, used=f"{p.share_spent * 100:.0f}%",
             elapsed=f"{p.share_elapsed * 100:.0f}%", projected=fmt_kpi("spend", p.projected, loc),
             status=t(loc, f"pacing.status.{p.status}"))


def over_budget(p: Pacing) -> str:
    """How far spend went over budget: "6.6%"."""
    return f"{(p.spent / p.budget - 1) * 100:.1f}%"


__all__ = ["KPI_LABELS", "change_scope_text", "coverage_sums", "coverage_text", "kpi_label", "kpi_name",
           "over_budget", "pacing_text", "roi_source"]
