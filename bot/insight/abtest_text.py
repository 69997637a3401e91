"""A/B comparisons in words and tables, in the report's language (plain text, no markup).

What is said follows the test (bot/insight/abtest.py): a winner only when the test is significant at
95%; otherwise who leads "so far", that it is not significant, and roughly how much more data
would settle it; "too little data" says why. Escape the result where it enters mrkdwn.
"""

from __future__ import annotations

import math
import unicodedata

from bot.insight.abtest import ALPHA, MIN_TRIALS, Comparison, MetricTest, labels
from bot.text import formats
from bot.text.i18n import join_list, resolve, t_plain

NONE = "—"  # a figure that does not exist (no impressions, no conversions)


def _loc(locale: str | None) -> str:
    return resolve(locale)


def rate(v: float | None, locale: str = "en") -> str:
    return NONE if v is None else formats.percent(v, _loc(locale), 2)


def count(v: float | None, locale: str) -> str:
    """A count as a table shows it: 12.3万 / 123,456; fractional conversions keep a decimal."""
    if v is None:
        return NONE
    loc = _loc(locale)
    big = formats.compact(v, loc, 1 if abs(v) < formats.COMPACT_MAX else 2)
    if big:
        return big
    if v != int(v) and abs(v) < 1000:
        return formats.decimal(v, loc, 1)
    return formats.decimal(v, loc)


def money(v: float | None, locale: str, *, table: bool = False) -> str:
    """An amount: "1,234.50 元" / "¥1,234.50"; in a table whose header names the unit, "1,234.50"."""
    if v is None:
        return NONE
    return formats.money(v, _loc(locale), "money.table" if table else "money")


def about(n: int, locale: str) -> str:
    """A rough count, two significant digits: 3.8万 / 38,000."""
    loc = _loc(locale)
    if n <= 0:
        return formats.decimal(0, loc)
    digits = max(0, int(math.floor(math.log10(n))) - 1)
    rounded = round(n, -digits)
    return formats.compact(rounded, loc, 1, trim=True) or formats.decimal(rounded, loc)


def p_text(p: float | None, locale: str = "en") -> str:
    if p is None:
        return NONE
    return "< " + formats.decimal(0.001, _loc(locale), 3) if p < 0.001 else "= " + formats.decimal(p, _loc(locale), 3)


def _diff(test: MetricTest, loc: str) -> str:
    pp = formats.decimal(abs(test.absolute or 0) * 100, loc, 2)
    if test.relative is None:
        return t_plain(loc, "ab.diff.pp", pp=pp)
    return t_plain(loc, "ab.diff", rel=formats.percent(abs(test.relative), loc, 1), pp=pp)


def _lead(test: MetricTest, comparison: Comparison, names: list[str], loc: str) -> str:
    rates = [getattr(v, test.metric) for v in comparison.variants]
    return t_plain(loc, "ab.lead", best=names[test.best], best_rate=rate(rates[test.best], loc),
                   other=names[test.runner_up], other_rate=rate(rates[test.runner_up], loc), diff=_diff(test, loc))


def _settle(test: MetricTest, names: list[str], loc: str) -> str:
    if test.needed is None:
        return ""
    unit = t_plain(loc, f"ab.trials.{test.metric}")
    if test.impractical:
        return t_plain(loc, "ab.settle.far", needed=about(test.needed, loc), unit=unit)
    if not test.more:
        return ""
    return t_plain(loc, "ab.settle", best=names[test.best], other=names[test.runner_up],
                   more=about(test.more, loc), needed=about(test.needed, loc), unit=unit)


def _join(loc: str, *parts: str) -> str:
    parts = tuple(p for p in parts if p)
    return t_plain(loc, "ab.sentence_sep").join(parts)


def metric_verdict(test: MetricTest, comparison: Comparison, locale: str, names: list[str] | None = None) -> str:
    """One sentence (or two) on one rate: who is ahead, by how much, whether it is significant."""
    loc = _loc(locale)
    names = names or labels(comparison.keys)
    metric = t_plain(loc, f"ab.metric.{test.metric}")
    successes = t_plain(loc, f"ab.successes.{test.metric}")
    if test.outcome == "no_data":
        return t_plain(loc, "ab.no_data", metric=metric, successes=successes)
    if test.outcome == "insufficient":
        unit = t_plain(loc, f"ab.trials.{test.metric}")
        short = join_list([names[i] for i in test.short], loc)
        why = {"no_trials": lambda: t_plain(loc, "ab.why.no_trials", names=short, unit=unit),
               "few_trials": lambda: t_plain(loc, "ab.why.few_trials", names=short, unit=unit, min=MIN_TRIALS),
               "no_successes": lambda: t_plain(loc, "ab.why.no_successes", successes=successes),
               "expected": lambda: t_plain(loc, "ab.why.expected", successes=successes)}[test.reason]()
        if test.best is not None and test.absolute:
            why += t_plain(loc, "ab.clause_sep") + t_plain(loc, "ab.so_far", lead=_lead(test, comparison, names, loc))
        return _join(loc, t_plain(loc, "ab.too_little", metric=metric, why=why), _settle(test, names, loc))
    rates = [getattr(v, test.metric) for v in comparison.variants]
    if len(set(rates)) == 1:
        return t_plain(loc, "ab.same", metric=metric, rate=rate(rates[test.best], loc))
    lead = _lead(test, comparison, names, loc)
    best = names[test.best]
    if test.method == "z":
        if test.outcome == "winner":
            return t_plain(loc, "ab.winner", metric=metric, best=best, lead=lead, p=p_text(test.p_value, loc))
        return _join(loc, t_plain(loc, "ab.not_significant", metric=metric, best=best, lead=lead,
                                  p=p_text(test.p_value, loc)), _settle(test, names, loc))
    if test.outcome == "winner":
        return t_plain(loc, "ab.multi.winner", metric=metric, best=best, lead=lead, p=p_text(test.p_value, loc))
    if test.outcome == "partial":
        beaten = join_list([names[i] for i in test.beaten], loc)
        close = join_list([names[p.other] for p in test.pairwise if not p.significant], loc)
        return _join(loc, t_plain(loc, "ab.multi.partial", metric=metric, best=best, best_rate=rate(rates[test.best], loc),
                                  beaten=beaten, close=close), _settle(test, names, loc))
    overall = test.p_value is not None and test.p_value < ALPHA  # they differ, but no pair holds after Holm
    return _join(loc, t_plain(loc, "ab.multi.overall" if overall else "ab.multi.none", metric=metric, best=best,
                              lead=lead, p=p_text(test.p_value, loc)), _settle(test, names, loc))


def cpa_line(comparison: Comparison, locale: str, names: list[str] | None = None) -> str:
    """Which variant has the lowest CPA (shown, not tested); "" when fewer than two have one."""
    loc = _loc(locale)
    names = names or labels(comparison.keys)
    have = sorted((v.cpa, i) for i, v in enumerate(comparison.variants) if v.cpa is not None)
    if len(have) < 2 or have[0][0] == have[1][0]:
        return ""
    (low, i), (nxt, j) = have[0], have[1]
    return t_plain(loc, "ab.cpa", best=names[i], best_cpa=money(low, loc), other=names[j], other_cpa=money(nxt, loc))


def caveat_lines(comparison: Comparison, locale: str) -> list[str]:
    """What the counts cannot show (bot.insight.abtest.caveats), one sentence each, without figures."""
    loc = _loc(locale)
    platforms = join_list(list(dict.fromkeys(k.platform for k in comparison.keys)), loc)
    return [t_plain(loc, f"ab.caveat.{c}", platforms=platforms) for c in comparison.caveats]


def verdict_lines(comparison: Comparison, locale: str) -> list[str]:
    """The verdicts on CTR and CVR, the CPA line when there is one, and the caveats."""
    names = labels(comparison.keys)
    lines = [metric_verdict(comparison.ctr, comparison, locale, names),
             metric_verdict(comparison.cvr, comparison, locale, names)]
    cpa = cpa_line(comparison, locale, names)
    return lines + ([cpa] if cpa else []) + caveat_lines(comparison, locale)


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def quoted(comparison: Comparison, text: str | None, locale: str) -> bool:
    """Whether `text` (a section's) already says this comparison's verdict, every sentence as
    it reads now: the owner inserted it and left it as it was, and the data has not moved since.
    Then the summary shows the comparison's table without the same sentences again."""
    if not text:
        return False
    body = _squeezed(text)
    return all(_squeezed(line) in body for line in verdict_lines(comparison, locale))


def heading(comparison: Comparison, locale: str) -> str:
    loc = _loc(locale)
    return t_plain(loc, "ab.heading", names=t_plain(loc, "ab.vs").join(labels(comparison.keys)))


def variant_lines(comparison: Comparison, locale: str) -> list[str]:
    loc = _loc(locale)
    return [t_plain(loc, "ab.variant", name=name, impressions=count(v.impressions, loc), clicks=count(v.clicks, loc),
                    conversions=count(v.conversions, loc), ctr=rate(v.ctr, loc), cvr=rate(v.cvr, loc),
                    cpa=money(v.cpa, loc))
            for name, v in zip(labels(comparison.keys), comparison.variants, strict=True)]


def comparison_text(comparison: Comparison, locale: str) -> str:
    """The comparison as it is inserted into the section's text: heading, figures, verdicts."""
    lines = [heading(comparison, locale)]
    lines += [f"- {line}" for line in variant_lines(comparison, locale)]
    lines += [f"- {line}" for line in verdict_lines(comparison, locale)]
    return "\n".join(lines)


def table_rows(comparison: Comparison, locale: str) -> list[list[str]]:
    """Header and one row per variant: name, impressions, clicks, conversions, CTR, CVR, CPA."""
    loc = _loc(locale)
    rows = [t_plain(loc, "ab.table.header").split("|")]
    for name, v in zip(labels(comparison.keys), comparison.variants, strict=True):
        rows.append([name, count(v.impressions, loc), count(v.clicks, loc), count(v.conversions, loc),
                     rate(v.ctr, loc), rate(v.cvr, loc), money(v.cpa, loc, table=True)])
    return rows


def width(text: str) -> int:
    """Columns `text` takes in a monospaced font (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def clip(text: str, columns: int) -> str:
    """`text` cut to at most `columns` display columns, with … when cut."""
    if width(text) <= columns:
        return text
    out = ""
    for c in text:
        if width(out + c) > columns - 1:
            break
        out += c
    return out + "…"


NAME_COLUMNS = 18  # the variant column of a preformatted table: a Slack message is narrow


def text_table(comparison: Comparison, locale: str) -> str:
    """The figures as an aligned monospaced table (names clipped; numbers right-aligned)."""
    rows = table_rows(comparison, locale)
    rows = [[clip(r[0], NAME_COLUMNS), *r[1:]] for r in rows]
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [r[0] + " " * (widths[0] - width(r[0]))]
        cells += [" " * (widths[i] - width(c)) + c for i, c in enumerate(r[1:], start=1)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
