""""Draft from data": a factual, editable data section built from a KPIReport (rules only).

Every figure the draft writes is formatted with `bot.insight.claims.fmt_kpi` and phrased so that
`bot.insight.claims.check_claims` reads it back and agrees with the same report; lines about
targets, budget, campaigns and platforms use words the checker deliberately skips
(目标/target, 预算/budget, 计划/campaign, 平台/platform) since they are not month totals.
So does what a KPI covers when only some rows carry its counts ("仅统计腾讯广告平台，占消耗 17%：
收入 … ÷ 消耗 …") and a change taken like for like over fewer platforms: each is a sentence of
its own, after the month's figure.
"""

from __future__ import annotations

import re

from bot.insight.claims import fmt_kpi
from bot.insight.kpi import (
    COST_KEYS,
    NEEDS,
    SHARE_KEYS,
    Attainment,
    Change,
    Coverage,
    KPIReport,
    clean_number,
)
from bot.insight.kpi_text import kpi_name, kpi_title, over_budget, share_text, short_name
from bot.text import formats
from bot.text.i18n import join_list, resolve, t_plain

MAX_CHARS = 2900  # pre-filled into a Slack plain_text_input limited to 3000

_TOTAL_KEYS = ("spend", "impressions", "clicks", "conversions", "revenue")
_RATIO_ORDER = ("ctr", "cpc", "cpm", "cvr", "cpa")


def _roi_key(report: KPIReport) -> str:
    return "roas" if report.roi_mode == "revenue" else "profit_roi"


def _label(key: str, locale: str, report: KPIReport | None = None) -> str:
    if key in ("roi", "roas", "profit_roi"):
        return kpi_name(key, locale, report.roi_mode if report is not None else
                        ("profit" if key == "profit_roi" else "revenue"))
    return kpi_title(key, locale)


def _sep(locale: str) -> str:
    return t_plain(locale, "draft.sep")


def _coverage_sentence(cov: Coverage | None, locale: str) -> str:
    """What a KPI covers, naming the platforms (so the claim check reads it as a slice, not the
    month's total), with the base counts of those rows: "仅统计腾讯广告平台，占消耗 17%：收入 … ÷ 消耗 …"."""
    if cov is None:
        return ""
    loc = resolve(locale)
    names = join_list([_clean(p, 20) for p in cov.platforms], loc)
    text = t_plain(loc, "draft.coverage.only" if cov.only else "draft.coverage.part", platforms=names,
                   count=len(cov.platforms))
    if cov.share is not None and cov.basis:
        share = t_plain(loc, "draft.coverage.share", basis=short_name(cov.basis, loc), share=share_text(cov.share, loc))
        text = t_plain(loc, "draft.coverage.with_share", coverage=text, share=share)
    keys = NEEDS[cov.key]
    if len(keys) > 1:
        sums = t_plain(loc, "kpi.sums.sep").join(
            t_plain(loc, "kpi.figure", name=short_name(k, loc), value=fmt_kpi(k, cov.sums.get(k), loc)) for k in keys)
        text = t_plain(loc, "draft.coverage.sums", coverage=text, sums=sums)
    return text


def _scope_sentence(ch: Change, key: str, locale: str) -> str:
    """A change against last month taken like for like over fewer platforms, or why there is none."""
    loc = resolve(locale)
    if not ch.comparable:
        return t_plain(loc, "draft.scope.not_comparable")
    names = join_list([_clean(p, 20) for p in ch.scope or ()], loc)
    change = _change_text(key, ch.current, ch.previous, loc) or t_plain(loc, "draft.scope.no_change")
    return t_plain(loc, "draft.scope", platforms=names, count=len(ch.scope or ()), change=change,
                   previous=fmt_kpi(key, ch.previous, loc))


def _clean(name: str, limit: int = 30) -> str:
    """A campaign/platform name safe to embed: no sentence breaks (each line must stay
    one sentence for the claim checker) and bounded length."""
    s = re.sub(r"[。！？!?；;\r\n]+|\.(?=\s|$)", " ", str(name)).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _points(value: float, locale: str) -> str:
    """Percentage points: "0.17 个百分点" / "0.17 pp"."""
    return t_plain(locale, "draft.points", value=formats.decimal(value, locale, 2))


def _change_text(key: str, cur: float | None, prev: float | None, locale: str) -> str:
    """'环比上升 7.39%' / 'up 0.17 pp MoM' / '' when it cannot be computed."""
    if cur is None or prev is None:
        return ""
    if key in SHARE_KEYS:
        amount = (cur - prev) * 100
        shown = _points(abs(amount), locale)
    else:
        if prev == 0:
            return ""
        amount = (cur - prev) / abs(prev) * 100
        shown = formats.percent(abs(amount), locale, 2, points=True)
    if float(f"{abs(amount):.2f}") == 0:
        return t_plain(locale, "draft.change.flat")
    return t_plain(locale, "draft.change.up" if amount > 0 else "draft.change.down", amount=shown)


def _kpi_line(report: KPIReport, key: str, locale: str) -> str:
    loc = resolve(locale)
    cur = clean_number(report.totals.get(key))
    prev = clean_number(report.previous.get(key)) if report.previous else None
    label = _label(key, loc, report)
    if cur is None:
        return t_plain(loc, "draft.no_data", label=label)
    value = fmt_kpi(key, cur, loc)
    if key == "roas" and report.roi_mode == "revenue":
        value = t_plain(loc, "draft.roi", value=value)
    parts = [t_plain(loc, "kpi.figure", name=label, value=value)]
    ch = report.changes.get(key)
    cov = report.coverage.get(key)
    if ch is not None and (ch.scope or not ch.comparable):
        # The two months cover different rows: the plain change would compare unlike things.
        extra = [x for x in (_coverage_sentence(cov, loc), _scope_sentence(ch, key, loc)) if x]
        return t_plain(loc, "draft.line", parts=parts[0], tail="".join(_sep(loc) + x for x in extra))
    change = _change_text(key, cur, prev, loc)
    if change:
        parts.append(change)
    if report.previous is not None:
        if prev is None:
            tail = t_plain(loc, "draft.last_month.none")
        else:
            tail = t_plain(loc, "draft.last_month", value=fmt_kpi(key, prev, loc))
    else:
        tail = ""
    line = t_plain(loc, "draft.line", parts=t_plain(loc, "draft.clause_sep").join(parts), tail=tail)
    covered = _coverage_sentence(cov, loc)
    return line + (_sep(loc) + covered if covered else "")


def _gap_text(a: Attainment, locale: str) -> str:
    """The gap to target in the KPI's units, worded by whether the target was met."""
    gap = clean_number(a.gap)
    if gap is None:
        actual, target = clean_number(a.actual), clean_number(a.target)
        if actual is None or target is None:
            return ""
        gap = actual - target
    if a.key in SHARE_KEYS:
        amount = _points(abs(gap) * 100, locale)
    else:
        amount = fmt_kpi(a.key, abs(gap), locale)
    return t_plain(locale, "draft.gap.above" if gap > 0 else "draft.gap.below", amount=amount)


def _target_line(a: Attainment, report: KPIReport, locale: str) -> str:
    loc = resolve(locale)
    gap = _gap_text(a, loc)
    covered = _coverage_sentence(a.coverage, loc)
    status = {True: "draft.target.met", False: "draft.target.missed"}.get(a.met, "draft.target.unknown")
    return t_plain(loc, "draft.target.line", status=t_plain(loc, status), label=_label(a.key, loc, report),
                   actual=fmt_kpi(a.key, clean_number(a.actual), loc),
                   target=fmt_kpi(a.key, clean_number(a.target), loc),
                   gap=t_plain(loc, "draft.target.gap", gap=gap) if gap else "",
                   covered=_sep(loc) + covered if covered else "")


def _driver_line(d, locale: str) -> str:
    loc = resolve(locale)
    name = _clean(d.name)
    sign = "+" if d.delta >= 0 else "-"
    delta = sign + fmt_kpi(d.key, abs(d.delta), loc)
    span = f"{fmt_kpi(d.key, d.previous, loc)} → {fmt_kpi(d.key, d.current, loc)}"
    if d.level == "campaign":
        where = t_plain(loc, "draft.driver.platform_of", platform=_clean(d.platform, 12)) if d.platform else ""
        head = t_plain(loc, "draft.driver.campaign", name=name, platform=where)
    else:
        head = t_plain(loc, "draft.driver.platform", name=name)
    return t_plain(loc, "draft.driver", head=head, label=short_name(d.key, loc), delta=delta, span=span)


def _pacing_line(report: KPIReport, locale: str) -> str:
    p = report.pacing
    if p is None:
        return ""
    loc = resolve(locale)
    spent = fmt_kpi("spend", p.spent, loc)
    budget = fmt_kpi("spend", p.budget, loc)
    projected = fmt_kpi("spend", p.projected, loc)
    if p.final:  # the month is over: what was spent, not a projection
        if p.spent > p.budget:
            return t_plain(loc, "draft.pacing.final.over", budget=budget, spent=spent, over=over_budget(p, loc))
        return t_plain(loc, "draft.pacing.final.within", budget=budget, spent=spent,
                       used=formats.percent(p.share_spent, loc, 0))
    # A projection is dated: the draft may be posted after the month it was made in has ended.
    as_of = t_plain(loc, "draft.pacing.as_of", day=formats.day(p.as_of, loc)) if p.as_of else ""
    status = t_plain(loc, f"draft.pacing.status.{p.status}")
    return t_plain(loc, "draft.pacing.running", budget=budget, as_of=as_of, spent=spent,
                   used=formats.percent(p.share_spent, loc, 2), elapsed=formats.percent(p.share_elapsed, loc, 2),
                   projected=projected, status=status)


def draft_data_section(report: KPIReport, locale: str, *, team_name: str | None = None) -> str:
    """Plain-text draft of the data section (≤ 2,900 chars), in the report's language.

    Totals, efficiency KPIs with month-over-month changes (relative %, pp for CTR/CVR),
    targets met/missed with the gap, the drivers of the change, and budget pacing.
    Missing values are written as 无数据 / —, never 0.
    """
    loc = resolve(locale)
    team = _clean(team_name, 40) if team_name else ""
    title = (t_plain(loc, "draft.title.team", team=team, period=report.period) if team
             else t_plain(loc, "draft.title", period=report.period))

    totals = [t_plain(loc, "draft.totals")]
    for key in _TOTAL_KEYS:
        if key == "revenue" and clean_number(report.totals.get("revenue")) is None and (
            report.previous is None or clean_number(report.previous.get("revenue")) is None
        ):
            continue  # no revenue tracked at all: leave it out rather than print 无数据
        totals.append(_kpi_line(report, key, loc))
    if report.previous is None:
        totals.append(t_plain(loc, "draft.totals.no_previous"))

    ratios = [t_plain(loc, "draft.ratios")]
    ratios += [_kpi_line(report, k, loc) for k in (*_RATIO_ORDER, _roi_key(report))]

    att = list(report.attainment.values())
    targets: list[str] = []
    if att:
        targets.append(t_plain(loc, "draft.targets"))
        order = {True: 1, False: 0, None: 2}  # misses first: they need the most attention
        targets += [_target_line(a, report, loc) for a in sorted(att, key=lambda a: order[a.met])]

    drivers = [_driver_line(d, loc) for d in report.drivers]
    pacing = _pacing_line(report, loc)

    def assemble(n_drivers: int, n_targets: int) -> str:
        blocks = [[title], totals, ratios]
        if targets:
            blocks.append(targets[: n_targets + 1])
        if drivers and n_drivers:
            blocks.append([t_plain(loc, "draft.drivers")] + drivers[:n_drivers])
        if pacing:
            blocks.append([t_plain(loc, "draft.pacing"), pacing])
        return "\n\n".join("\n".join(b) for b in blocks)

    # Shrink the least essential parts first: drivers, then target lines.
    n_drv, n_tgt = min(len(drivers), 5), len(targets) - 1
    out = assemble(n_drv, n_tgt)
    while len(out) > MAX_CHARS and n_drv > 0:
        n_drv -= 1
        out = assemble(n_drv, n_tgt)
    while len(out) > MAX_CHARS and n_tgt > 0:
        n_tgt -= 1
        out = assemble(n_drv, n_tgt)
    if len(out) > MAX_CHARS:  # only with absurd names: cut at a line boundary
        out = out[:MAX_CHARS].rsplit("\n", 1)[0]
    return out


def missed_targets_text(report: KPIReport, locale: str) -> str:
    """Each missed target with its gap, one bullet a line (for the lessons prompt)."""
    loc = resolve(locale)
    lines = []
    for a in report.attainment.values():
        if a.met is not False:
            continue
        covered = _coverage_sentence(a.coverage, loc)
        lines.append(t_plain(loc, "draft.missed.line", label=_label(a.key, loc, report),
                             actual=fmt_kpi(a.key, clean_number(a.actual), loc),
                             target=fmt_kpi(a.key, clean_number(a.target), loc), gap=_gap_text(a, loc),
                             note=t_plain(loc, "draft.missed.lower_better") if a.key in COST_KEYS else "",
                             covered=_sep(loc) + covered if covered else ""))
    if not lines:
        return t_plain(loc, "draft.missed.none")
    return "\n".join(lines)


def actuals_for_plan(report: KPIReport, locale: str) -> str:
    """This month's actuals beside each target name (for the plan prompt); KPIs without a
    target follow so the next month's targets can be set from the actuals."""
    loc = resolve(locale)
    lines = []
    seen = set()
    for a in report.attainment.values():
        seen.add(a.key)
        covered = _coverage_sentence(a.coverage, loc)
        lines.append(t_plain(loc, "draft.plan.target", label=_label(a.key, loc, report),
                             actual=fmt_kpi(a.key, clean_number(report.totals.get(a.key, a.actual)), loc),
                             target=fmt_kpi(a.key, clean_number(a.target), loc),
                             covered=_sep(loc) + covered if covered else ""))
    for key in (*_TOTAL_KEYS, *_RATIO_ORDER, _roi_key(report)):
        if key in seen or (key == "revenue" and clean_number(report.totals.get(key)) is None):
            continue
        covered = _coverage_sentence(report.coverage.get(key), loc)
        lines.append(t_plain(loc, "draft.plan.no_target", label=_label(key, loc, report),
                             actual=fmt_kpi(key, clean_number(report.totals.get(key)), loc),
                             covered=_sep(loc) + covered if covered else ""))
    return "\n".join(lines)


__all__ = ["MAX_CHARS", "draft_data_section", "missed_targets_text", "actuals_for_plan"]
