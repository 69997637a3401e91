from __future__ import annotations

import io
import json
import re
import urllib.parse
from types import SimpleNamespace

import pytest
from markdown_it import MarkdownIt

from feedsum.demo import BUILDER, LINK_MAX, run_demo

# One worker runs this module: its module fixtures are costly to build twice.
pytestmark = pytest.mark.xdist_group("demo")


@pytest.fixture(scope="module", params=["zh-CN", "en"])
def demo(request, tmp_path_factory):
    """The demo run once per language: what it printed, summary.md and blocks.json."""
    out = tmp_path_factory.mktemp(f"demo-{request.param}")
    printed = io.StringIO()
    assert run_demo(out, locale=request.param, stream=printed) == 0
    return SimpleNamespace(locale=request.param, printed=printed.getvalue(),
                           md=(out / "summary.md").read_text(encoding="utf-8"),
                           messages=json.loads((out / "blocks.json").read_text(encoding="utf-8")))


TITLES = {"zh-CN": "信息流投放组 · 2026年10月工作总结", "en": "In-feed Ads Team · October 2026 work summary"}


def test_demo_runs_a_month_offline(demo):
    title = TITLES[demo.locale]
    assert demo.md.startswith(f"# {title}")
    assert demo.messages[0]["blocks"][0]["text"]["text"] == title
    # the channel message and one thread reply per section of the guide (9, one left unanswered)
    assert len(demo.messages) == 10 and all(m["text"] for m in demo.messages)
    assert title in demo.printed and "block-kit-builder" in demo.printed


WORDS = {
    "zh-CN": (("已导入", "已开始 2026-10", "已汇总发布", "已写出", "在 Block Kit Builder 中预览"),
              "**ROI（收入÷消耗）** — 2.24 · 仅腾讯广告，占消耗 17% — 收入 16.20万元 ÷ 消耗 7.24万元", "超出预算 6.6%",
              ("imported", "opened", "Wrote", "Preview the")),
    "en": (("imported", "opened 2026-10", "compiled and posted", "Wrote", "Block Kit Builder"),
           "**ROI (revenue ÷ spend)** — 2.24 · 腾讯广告 only, 17% of spend — Revenue ¥161,989.67 ÷ spend ¥72,427.97",
           "6.6% over budget", ("已导入", "已开始", "已写出")),
}


def test_demo_kpis_agree_with_the_figures_beside_them(demo):
    words, roi, budget, foreign = WORDS[demo.locale]
    progress = demo.printed.split("\n# ")[0] + demo.printed.rsplit("\n\n", 1)[-1]  # the steps and the closing lines
    assert all(w in progress for w in words), progress
    assert not any(w in progress for w in foreign), progress
    assert roi in demo.md and budget in demo.md
    post = json.dumps(demo.messages, ensure_ascii=False)
    for stale in ("预计月底", "可能超预算", "发布前会重新拉取", "projected", "heading over", "pulled again"):
        assert stale not in post and stale not in demo.md, stale  # the month is over when it posts


OPTIMISE = {"zh-CN": ("优化与 A/B 测试", "反馈与调整", "A/B 对比：双十一预热-短视频A 对 双十一预热-短视频B",
                      "点击率：双十一预热-短视频B 领先", "在 95% 置信水平下显著"),
            "en": ("Optimisation and A/B tests", "Feedback and what changes",
                   "A/B comparison: 双十一预热-短视频A vs 双十一预热-短视频B", "CTR: 双十一预热-短视频B is ahead",
                   "significant at 95%")}


def test_demo_optimise_section_inserts_a_verdict_from_the_data(demo):
    """The optimise answer carries the comparison the form would insert for the pair feedsum
    proposes from the campaign names; the thread shows its table; the claim check agrees."""
    optimise, feedback, heading, verdict, significant = OPTIMISE[demo.locale]
    body = demo.md.split(f"## {optimise}", 1)[1].split("\n## ", 1)[0]
    written = body.split("**", 1)[0]  # the answer as saved, before the comparison kept with it
    assert heading in written and verdict in written and significant in written
    assert f"**{heading}**" in body  # and the comparison the section keeps, as the summary shows it
    assert f"## {feedback}" in demo.md
    reply = next(m for m in demo.messages if m["text"] == optimise)
    assert "```" in json.dumps(reply["blocks"], ensure_ascii=False)  # the figures as a table in the thread
    steps = demo.printed.split("\n# ")[0]
    assert optimise not in steps  # no claim-check warning for the optimise section: its figures agree


def test_demo_summary_is_commonmark_that_reads_like_the_post(demo):
    html = MarkdownIt("commonmark").render(demo.md)
    assert html.count("<h1>") == 1 and html.count("<h2>") == 9
    highlights = html.split("<ul>", 1)[1].split("</ul>", 1)[0]
    assert highlights.count("<li><strong>") == 10  # the KPI highlights of the post, as a list
    assert "<p>💰" in html and "<p>🔎" in html  # the budget line and the claim check
    assert "•" not in html  # every "•" line is a list item
    for p in re.findall(r"<p>(.*?)</p>", html, re.S):
        assert "\n- " not in p and not re.search(r"\n\d\. ", p), p  # no list folded into a paragraph
    results = html.split("</h2>", 1)[1].split("<h2>", 1)[0]
    assert results.count("<li>") == 3


def test_demo_builder_links_show_every_message_and_stay_short(demo):
    links = [line.split(": ", 1)[1] for line in demo.printed.splitlines() if ": " + BUILDER in line]
    assert links and max(len(link) for link in links) <= LINK_MAX < 8_000
    shown = [json.loads(urllib.parse.unquote(link[len(BUILDER):]))["blocks"] for link in links]
    # one link per message, or a few for a long one: together every block, once, in order
    assert [b for blocks in shown for b in blocks] == [b for m in demo.messages for b in m["blocks"]]
    labels = [line.split(": ", 1)[0] for line in demo.printed.splitlines() if ": " + BUILDER in line]
    assert {label.split(" ", 1)[0] for label in labels} == {f"#{i}" for i in range(len(demo.messages))}
