from __future__ import annotations

import io
import json

import pytest

from bot.demo import run_demo


@pytest.mark.parametrize("locale, title", [("zh-CN", "信息流投放组 · 2026年10月工作总结"),
                                           ("en", "In-feed Ads Team · October 2026 work summary")])
def test_demo_runs_a_month_offline(tmp_path, locale, title):
    out = io.StringIO()
    assert run_demo(tmp_path, locale=locale, stream=out) == 0
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert md.startswith(f"# {title}")
    messages = json.loads((tmp_path / "blocks.json").read_text(encoding="utf-8"))
    assert messages[0]["blocks"][0]["text"]["text"] == title
    assert len(messages) >= 8 and all(m["text"] for m in messages)
    printed = out.getvalue()
    assert title in printed and "block-kit-builder" in printed


@pytest.mark.parametrize("locale, words, roi, budget, foreign", [
    ("zh-CN", ("已导入", "已开始 2026-10", "已汇总发布", "已写出", "在 Block Kit Builder 中预览"),
     "**ROI（收入÷消耗）** — 2.24 · 仅腾讯广告，占消耗 17% — 收入 16.20万元 ÷ 消耗 7.24万元", "超出预算 6.6%",
     ("imported", "opened", "Wrote", "Preview the")),
    ("en", ("imported", "opened 2026-10", "compiled and posted", "Wrote", "Block Kit Builder"),
     "**ROI (revenue ÷ spend)** — 2.24 · 腾讯广告 only, 17% of spend — Revenue ¥161,989.67 ÷ spend ¥72,427.97",
     "6.6% over budget", ("已导入", "已开始", "已写出")),
])
def test_demo_kpis_agree_with_the_figures_beside_them(tmp_path, locale, words, roi, budget, foreign):
    out = io.StringIO()
    run_demo(tmp_path, locale=locale, stream=out)
    printed = out.getvalue()
    progress = printed.split("\n# ")[0] + printed.rsplit("\n\n", 1)[-1]  # the steps and the closing lines
    assert all(w in progress for w in words), progress
    assert not any(w in progress for w in foreign), progress
    md = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert roi in md and budget in md
    post = json.dumps(json.loads((tmp_path / "blocks.json").read_text(encoding="utf-8")), ensure_ascii=False)
    for stale in ("预计月底", "可能超预算", "发布前会重新拉取", "projected", "heading over", "pulled again"):
        assert stale not in post and stale not in md, stale  # the month is over when it posts
