"""The monthly chart: daily spend (bars) and CTR (lines, second axis), this month vs last.

Rendered with the Agg canvas on a private ``Figure``: no pyplot, no global rcParams changes,
so concurrent renders in the bot do not interfere.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

import pandas as pd

from bot.insight.kpi import KPIReport
from bot.text.i18n import locales, resolve, t_plain

if TYPE_CHECKING:
    from matplotlib.figure import Figure
# matplotlib is imported when a chart is drawn (a heavy import; see tests/test_architecture.py).

# Families known to cover Simplified Chinese, most preferred first.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "Heiti SC",
    "STHeiti",
    "AR PL UMing CN",
    "Droid Sans Fallback",
)
_CJK_RE = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")

_LABEL_KEYS = ("spend", "ctr", "this", "last", "day", "spend_axis", "ctr_axis", "title")


class _Labels(Mapping):
    """locale → the chart's words from the catalogue ("zh" finds zh-CN)."""

    def __getitem__(self, locale: str) -> dict[str, str]:
        return {k: t_plain(resolve(locale), f"chart.{k}") for k in _LABEL_KEYS}

    def __iter__(self):
        return iter(locales())

    def __len__(self) -> int:
        return len(locales())


LABELS = _Labels()


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Name of an installed font family that renders Chinese, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in installed:
            return fam
    for name in sorted(installed):  # any other family that says it is CJK
        if re.search(r"CJK|Han Sans|Han Serif|Hei|Song|Kai|Ming|WenQuanYi", name, re.IGNORECASE):
            return name
    return None


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text or ""))


def render_chart(report: KPIReport, *, title: str, locale: str) -> bytes:
    """PNG of daily spend (bars) and CTR (lines), this month against last, by day of month.

    The labels are the locale's when they need no CJK font or one is installed; otherwise they
    fall back to English and a title with Chinese characters is replaced, so no glyph renders
    as an empty box. Both value axes carry their unit (currency, %).
    """
    fig = chart_figure(report, title=title, locale=locale)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def chart_figure(report: KPIReport, *, title: str, locale: str) -> Figure:
    """The chart as a matplotlib Figure (see render_chart)."""
    # An explicit canvas: no backend switch.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    font = cjk_font()
    lang = resolve(locale)
    text = LABELS[lang]
    if not font and any(has_cjk(v) for v in text.values()):
        lang, text = "en", LABELS["en"]
    if has_cjk(title) and not font:
        title = LABELS["en"]["title"].format(period=report.period)
    fp = FontProperties(family=[font, "DejaVu Sans"]) if font else FontProperties(family="DejaVu Sans")

    fig = Figure(figsize=(9, 4.5), dpi=110)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax2 = ax.twinx()

    cur = _by_day(report.daily)
    prev = _by_day(report.previous_daily)
    width = 0.4
    if prev is not None and len(prev):
        ax.bar(prev.index - width / 2, prev["spend"].fillna(0), width, color="#c7d3e3",
               label=t_plain(lang, "chart.series", measure=text["spend"], month=text["last"]))
    shift = width / 2 if prev is not None and len(prev) else 0
    if len(cur):
        ax.bar(cur.index + shift, cur["spend"].fillna(0), width, color="#3b6fb6",
               label=t_plain(lang, "chart.series", measure=text["spend"], month=text["this"]))
    if prev is not None and len(prev):
        ax2.plot(prev.index, prev["ctr"], color="#e8a33d", linestyle="--", marker=".",
                 label=t_plain(lang, "chart.series", measure=text["ctr"], month=text["last"]))
    if len(cur):
        ax2.plot(cur.index, cur["ctr"], color="#d1495b", marker="o", markersize=3,
                 label=t_plain(lang, "chart.series", measure=text["ctr"], month=text["this"]))

    ax.set_xlim(0.3, 31.7)
    ax.set_xticks(range(1, 32, 2))
    ax.set_xlabel(text["day"], fontproperties=fp)
    ax.set_ylabel(text["spend_axis"], fontproperties=fp)
    ax2.set_ylabel(text["ctr_axis"], fontproperties=fp)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax2.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=2))
    ax2.set_ylim(bottom=0)
    ax.set_title(title, fontproperties=fp)
    ax.grid(axis="y", alpha=0.3)
    handles = ax.get_legend_handles_labels()
    handles2 = ax2.get_legend_handles_labels()
    if handles[0] or handles2[0]:
        # Below the plot, so the legend never hides the bars.
        ax.legend(handles[0] + handles2[0], handles[1] + handles2[1], loc="upper center", prop=fp,
                  fontsize="small", ncol=4, frameon=False, bbox_to_anchor=(0.5, -0.12))
    fig.tight_layout()
    return fig


def _by_day(daily: pd.DataFrame | None) -> pd.DataFrame | None:
    """Daily KPI frame re-indexed by day of month (1–31) for alignment across months."""
    if daily is None:
        return None
    out = daily.copy()
    out.index = pd.DatetimeIndex(daily.index).day if len(daily) else pd.Index([], dtype="int64")
    # A comparison period longer than a month would repeat days: keep its latest month's value.
    return out[~out.index.duplicated(keep="last")]
