"""The monthly chart renders for zh-CN and en, without missing-glyph boxes."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from bot.insight import chart
from bot.insight.kpi import build_report
from tests import export_fixtures as fx

PNG = b"\x89PNG\r\n\x1a\n"


def _report():
    def month(seed, start, days):
        df = pd.DataFrame(fx.records(["春季拉新", "线索"], days=days, seed=seed, start=pd.Timestamp(start).date()))
        df["date"] = pd.to_datetime(df["date"])
        df["platform"] = "巨量引擎"
        return df

    return build_report("2026-03", month(1, "2026-03-01", 20), month(2, "2026-02-01", 28))


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_png_rendered_without_missing_glyphs(locale):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = chart.render_chart(_report(), title="2026年3月 信息流投放", locale=locale)
    assert png.startswith(PNG) and len(png) > 5_000
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_zh_falls_back_to_english_without_cjk_font(monkeypatch):
    monkeypatch.setattr(chart, "cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = chart.render_chart(_report(), title="三月 消耗", locale="zh-CN")
    assert png.startswith(PNG)
    assert not [w for w in caught if "missing from" in str(w.message)]


def test_cjk_font_is_a_name_or_none():
    name = chart.cjk_font()
    assert name is None or isinstance(name, str)


def test_no_previous_month_and_no_global_state():
    import matplotlib

    before = dict(matplotlib.rcParams)
    rep = _report()
    rep.previous_daily = None
    assert chart.render_chart(rep, title="March", locale="en").startswith(PNG)
    assert dict(matplotlib.rcParams) == before


@pytest.mark.parametrize("locale, spend, ctr", [("en", "Spend (¥)", "CTR (%)"), ("zh-CN", "消耗（元）", "点击率（%）")])
def test_axes_carry_units(locale, spend, ctr):
    assert (chart.LABELS["zh"]["spend_axis"], chart.LABELS["zh"]["ctr_axis"]) == ("消耗（元）", "点击率（%）")
    if locale == "zh-CN" and chart.cjk_font() is None:
        spend, ctr = "Spend (¥)", "CTR (%)"  # the English fallback carries the units too
    fig = chart.chart_figure(_report(), title="March", locale=locale)
    left, right = fig.axes
    assert left.get_ylabel() == spend and right.get_ylabel() == ctr
    assert left.get_xlabel() in ("Day of month", "日期(日)")
    right.figure.canvas.draw()
    assert all(t.get_text().endswith("%") for t in right.get_yticklabels() if t.get_text())
