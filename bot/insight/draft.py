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
from bot.insight.kpi_text import kpi_name, over_budget
from bot.text.i18n import join_list

MAX_CHARS = 2900  # pre-filled into a Slack plain_text_input limited to 3000

_LABELS_ZH = {
    "spend": "消耗", "impressions": "展现", "clicks": "点击", "conversions": "转化", "revenue": "收入",
    "ctr": "点击率", "cpc": "点击单价", "cpm": "千次展现费用", "cvr": "转化率", "cpa": "转化成本",
}
_LABELS_EN = {
    "spend": "Spend", "impressions": "Impressions", "clicks": "Clicks", "conversions": "Conversions",
    "revenue": "Revenue", "ctr": "CTR", "cpc": "CPC", "cpm": "CPM", "cvr": "CVR", "cpa": "CPA",
}
_TOTAL_KEYS = ("spend", "impressions", "clicks", "conversions", "revenue")
_RATIO_ORDER = ("ctr", "cpc", "cpm", "cvr", "cpa")


def _zh(locale: str | None) -> bool:
    return (locale or "").lower().startswith("zh")


def _roi_key(report: KPIReport) -> str:
    return "roas" if report.roi_mode == "revenue" else "profit_roi"


def _label(key: str, locale: str, report: KPIReport | None = None) -> str:
    if key in ("roi", "roas", "profit_roi"):
        return kpi_name(key, locale, report.roi_mode if report is not None else
                        ("profit" if key == "profit_roi" else "revenue"))
    return (_LABELS_ZH if _zh(locale) else _LABELS_EN).get(key, key)


def _sep(locale: str) -> str:
    return "；" if _zh(locale) else "; "


def _coverage_sentence(cov: Coverage | None, locale: str) -> str:
    """What a KPI covers, naming the platforms (so the claim check reads it as a slice, not the
    month's total), with the base counts of those rows: "仅统计腾讯广告平台，占消耗 17%：收入 … ÷ 消耗 …"."""
    if cov is None:
        return ""
    zh = _zh(locale)
    names = join_list([_clean(p, 20) for p in cov.platforms], "zh-CN" if zh else "en")
    word = "platform" if len(cov.platforms) == 1 else "platforms"
    basis = _label(cov.basis, locale) if cov.basis else ""
    share = ""
    if cov.share is not None and basis:
        pct = cov.share * 100
        share = "<1%" if pct < 1 else (f"{min(99, round(pct))}%" if pct < 99.5 else ">99%")
        share = f"占{basis} {share}" if zh else f"{share} of {basis.lower()}"
    if zh:
        head = f"仅统计{names}平台" if cov.only else f"仅统计部分数据（{names}平台）"
        text = head + (f"，{share}" if share else "")
    else:
        head = f"{names} {word} only" if cov.only else f"part of the data only ({names} {word})"
        text = head + (f", {share}" if share else "")
    keys = NEEDS[cov.key]
    if len(keys) > 1:
        sums = " ÷ ".join(f"{_label(k, locale) if zh else _label(k, locale).lower()} {fmt_kpi(k, cov.sums.get(k), locale)}"
                          for k in keys)
        text += f"：{sums}" if zh else f": {sums}"
    return text


def _scope_sentence(ch: Change, key: str, locale: str) -> str:
    """A change against last month taken like for like over fewer platforms, or why there is none."""
    zh = _zh(locale)
    if not ch.comparable:
        return "上月数据范围不同，不作环比" if zh else "not compared with last month, whose data covers other rows"
    names = join_list([_clean(p, 20) for p in ch.scope or ()], "zh-CN" if zh else "en")
    word = "platform" if len(ch.scope or ()) == 1 else "platforms"
    change = _change_text(key, ch.current, ch.previous, locale) or ("无法比较" if zh else "not comparable")
    prev = fmt_kpi(key, ch.previous, locale)
    if zh:
        return f"同口径（仅{names}平台）{change}（上月 {prev}）"
    return f"like for like ({names} {word} only) {change} (last month {prev})"


def _clean(name: str, limit: int = 30) -> str:
    """A campaign/platform name safe to embed: no sentence breaks (each line must stay
    one sentence for the claim checker) and bounded length."""
    s = re.sub(r"[。！？!?；;\r\n]+|\.(?=\s|$)", " ", str(name)).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _change_text(key: str, cur: float | None, prev: float | None, locale: str) -> str:
    """'环比上升 7.39%' / 'up 0.17 pp MoM' / '' when it cannot be computed."""
    zh = _zh(locale)
    if cur is None or prev is None:
        return ""
    if key in SHARE_KEYS:
        amount, unit = (cur - prev) * 100, (" 个百分点" if zh else " pp")
    else:
        if prev == 0:
            return ""
        amount, unit = (cur - prev) / abs(prev) * 100, "%"
    shown = f"{abs(amount):.2f}"
    if float(shown) == 0:
        return "环比持平" if zh else "flat MoM"
    word = ("上升" if amount > 0 else "下降") if zh else ("up" if amount > 0 else "down")
    return f"环比{word} {shown}{unit}" if zh else f"{word} {shown}{unit} MoM"


def _kpi_line(report: KPIReport, key: str, locale: str) -> str:
    zh = _zh(locale)
    cur = clean_number(report.totals.get(key))
    prev = clean_number(report.previous.get(key)) if report.previous else None
    label = _label(key, locale, report)
    if cur is None:
        return f"• {label} 无数据" if zh else f"• {label} — (no data)"
    value = fmt_kpi(key, cur, locale)
    if zh and key == "roas" and report.roi_mode == "revenue":
        value += f"（1:{cur:.2f}）"
    parts = [f"{label} {value}"]
    ch = report.changes.get(key)
    cov = report.coverage.get(key)
    if ch is not None and (ch.scope or not ch.comparable):
        # The two months cover different rows: the plain change would compare unlike things.
        extra = [x for x in (_coverage_sentence(cov, locale), _scope_sentence(ch, key, locale)) if x]
        return "• " + f"{label} {value}" + "".join(_sep(locale) + x for x in extra)
    change = _change_text(key, cur, prev, locale)
    if change:
        parts.append(change)
    if report.previous is not None:
        if prev is None:
            tail = "（上月无数据）" if zh else " (no data last month)"
        else:
            tail = f"（上月 {fmt_kpi(key, prev, locale)}）" if zh else f" (last month {fmt_kpi(key, prev, locale)})"
    else:
        tail = ""
    line = "• " + ("，" if zh else ", ").join(parts) + tail
    covered = _coverage_sentence(cov, locale)
    return line + (_sep(locale) + covered if covered else "")


def _gap_text(a: Attainment, locale: str) -> str:
    """The gap to target in the KPI's units, worded by whether the target was met."""
    zh = _zh(locale)
    gap = clean_number(a.gap)
    if gap is None:
        actual, target = clean_number(a.actual), clean_number(a.target)
        if actual is None or target is None:
            return ""
        gap = actual - target
    if a.key in SHARE_KEYS:
        amount = f"{abs(gap) * 100:.2f}" + (" 个百分点" if zh else " pp")
    else:
        amount = fmt_kpi(a.key, abs(gap), locale)
    above = gap > 0
    if zh:
        return ("高于目标 " if above else "低于目标 ") + amount
    return f"{amount} {'above' if above else 'below'} target"


def _target_line(a: Attainment, report: KPIReport, locale: str) -> str:
    zh = _zh(locale)
    label = _label(a.key, locale, report)
    actual = fmt_kpi(a.key, clean_number(a.actual), locale)
    target = fmt_kpi(a.key, clean_number(a.target), locale)
    gap = _gap_text(a, locale)
    covered = _coverage_sentence(a.coverage, locale)
    covered = _sep(locale) + covered if covered else ""
    if zh:
        status = {True: "达成目标", False: "未达目标"}.get(a.met, "目标无法判断")
        extra = f"，{gap}" if gap else ""
        return f"• {status}：{label} {actual}（目标 {target}{extra}）{covered}"
    status = {True: "Target met", False: "Target missed"}.get(a.met, "Target not measurable")
    extra = f", {gap}" if gap else ""
    return f"• {status}: {label} {actual} (target {target}{extra}){covered}"


def _driver_line(d, locale: str) -> str:
    zh = _zh(locale)
    name = _clean(d.name)
    label = _label(d.key, locale)
    sign = "+" if d.delta >= 0 else "-"
    delta = sign + fmt_kpi(d.key, abs(d.delta), locale)
    span = f"{fmt_kpi(d.key, d.previous, locale)} → {fmt_kpi(d.key, d.current, locale)}"
    if d.level == "campaign":
        where = f"（{_clean(d.platform, 12)}）" if d.platform and zh else (
            f" ({_clean(d.platform, 12)})" if d.platform else "")
        head = f"计划「{name}」{where}" if zh else f"Campaign “{name}”{where}"
    else:
        head = f"平台「{name}」" if zh else f"Platform “{name}”"
    return f"• {head}：{label} {delta}（{span}）" if zh else f"• {head}: {label.lower()} {delta} ({span})"


def _pacing_line(report: KPIReport, locale: str) -> str:
    p = report.pacing
    if p is None:
        return ""
    zh = _zh(locale)
    spent = fmt_kpi("spend", p.spent, locale)
    budget = fmt_kpi("spend", p.budget, locale)
    projected = fmt_kpi("spend", p.projected, locale)
    if p.final:  # the month is over: what was spent, not a projection
        if p.spent > p.budget:
            return (f"• 预算 {budget}，本月最终消耗 {spent}，超出预算 {over_budget(p)}" if zh
                    else f"• Budget {budget}: final spend {spent}, {over_budget(p)} over budget")
        used = f"{p.share_spent * 100:.0f}%"
        return (f"• 预算 {budget}，本月最终消耗 {spent}，使用预算 {used}" if zh
                else f"• Budget {budget}: final spend {spent}, {used} of budget used")
    # A projection is dated: the draft may be posted after the month it was made in has ended.
    if zh:
        status = {"on_track": "节奏正常", "over": "节奏偏快", "under": "节奏偏慢"}.get(p.status, p.status)
        when = f"截至 {p.as_of.month}月{p.as_of.day}日，" if p.as_of else ""
        return (f"• 预算 {budget}，{when}已消耗 {spent}（占预算 {p.share_spent * 100:.2f}%），"
                f"时间进度 {p.share_elapsed * 100:.2f}%，按当前节奏预计月底消耗 {projected}，{status}")
    status = {"on_track": "on track", "over": "running ahead", "under": "running behind"}.get(p.status, p.status)
    when = f"as of {p.as_of:%b} {p.as_of.day}, " if p.as_of else ""
    return (f"• Budget {budget}: {when}{spent} spent ({p.share_spent * 100:.2f}% of budget) with "
            f"{p.share_elapsed * 100:.2f}% of the month elapsed, projected month-end spend "
            f"{projected}, {status}")


def draft_data_section(report: KPIReport, locale: str, *, team_name: str | None = None) -> str:
    """Plain-text draft of the data section (≤ 2,900 chars), in zh-CN or en.

    Totals, efficiency KPIs with month-over-month changes (relative %, pp for CTR/CVR),
    targets met/missed with the gap, the drivers of the change, and budget pacing.
    Missing values are written as 无数据 / —, never 0.
    """
    zh = _zh(locale)
    team = _clean(team_name, 40) if team_name else ""
    if zh:
        title = f"【{team}】{report.period} 数据小结" if team else f"{report.period} 数据小结"
    else:
        title = f"Data summary, {team}, {report.period}" if team else f"Data summary, {report.period}"

    totals = ["本月合计：" if zh else "Month totals:"]
    for key in _TOTAL_KEYS:
        if key == "revenue" and clean_number(report.totals.get("revenue")) is None and (
            report.previous is None or clean_number(report.previous.get("revenue")) is None
        ):
            continue  # no revenue tracked at all: leave it out rather than print 无数据
        totals.append(_kpi_line(report, key, locale))
    if report.previous is None:
        totals.append("（无上月数据，未计算环比）" if zh else "(No data for last month, so no month-over-month changes.)")

    ratios = ["效率指标：" if zh else "Efficiency:"]
    ratios += [_kpi_line(report, k, locale) for k in (*_RATIO_ORDER, _roi_key(report))]

    att = list(report.attainment.values())
    targets: list[str] = []
    if att:
        targets.append("目标达成：" if zh else "Targets:")
        order = {True: 1, False: 0, None: 2}  # misses first: they need the most attention
        targets += [_target_line(a, report, locale) for a in sorted(att, key=lambda a: order[a.met])]

    drivers = [_driver_line(d, locale) for d in report.drivers]
    pacing = _pacing_line(report, locale)

    def assemble(n_drivers: int, n_targets: int) -> str:
        blocks = [[title], totals, ratios]
        if targets:
            blocks.append(targets[: n_targets + 1])
        if drivers and n_drivers:
            blocks.append(["主要变化来源：" if zh else "What drove the change:"] + drivers[:n_drivers])
        if pacing:
            blocks.append(["预算进度：" if zh else "Budget pacing:", pacing])
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
    zh = _zh(locale)
    lines = []
    for a in report.attainment.values():
        if a.met is not False:
            continue
        label = _label(a.key, locale, report)
        actual = fmt_kpi(a.key, clean_number(a.actual), locale)
        target = fmt_kpi(a.key, clean_number(a.target), locale)
        gap = _gap_text(a, locale)
        note = ""
        if a.key in COST_KEYS:
            note = "，越低越好" if zh else "; lower is better"
        covered = _coverage_sentence(a.coverage, locale)
        covered = _sep(locale) + covered if covered else ""
        if zh:
            lines.append(f"• {label}：实际 {actual}，目标 {target}，{gap}{note}{covered}")
        else:
            lines.append(f"• {label}: actual {actual} vs target {target} ({gap}{note}){covered}")
    if not lines:
        return "本月没有未达成的目标。" if zh else "No targets were missed this month."
    return "\n".join(lines)


def actuals_for_plan(report: KPIReport, locale: str) -> str:
    """This month's actuals beside each target name (for the plan prompt); KPIs without a
    target follow so the next month's targets can be set from the actuals."""
    zh = _zh(locale)
    lines = []
    seen = set()
    for a in report.attainment.values():
        seen.add(a.key)
        label = _label(a.key, locale, report)
        actual = fmt_kpi(a.key, clean_number(report.totals.get(a.key, a.actual)), locale)
        target = fmt_kpi(a.key, clean_number(a.target), locale)
        covered = _coverage_sentence(a.coverage, locale)
        covered = _sep(locale) + covered if covered else ""
        lines.append(f"• {label}：本月实际 {actual}（本月目标 {target}）{covered}" if zh
                     else f"• {label}: actual {actual} this month (target {target}){covered}")
    for key in (*_TOTAL_KEYS, *_RATIO_ORDER, _roi_key(report)):
        if key in seen or (key == "revenue" and clean_number(report.totals.get(key)) is None):
            continue
        label = _label(key, locale, report)
        actual = fmt_kpi(key, clean_number(report.totals.get(key)), locale)
        covered = _coverage_sentence(report.coverage.get(key), locale)
        covered = _sep(locale) + covered if covered else ""
        lines.append(f"• {label}：本月实际 {actual}（未设目标）{covered}" if zh
                     else f"• {label}: actual {actual} this month (no target){covered}")
    return "\n".join(lines)


__all__ = ["MAX_CHARS", "draft_data_section", "missed_targets_text", "actuals_for_plan"]
