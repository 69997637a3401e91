"""The Markdown summary is real CommonMark that reads like the Slack post: rendered with a
CommonMark parser (markdown-it-py) and checked on the HTML it gives."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from bot.model.config import parse_reports
from bot.model.summary import SectionState, Summary
from bot.report.markdown import md_block, summary_markdown

render = MarkdownIt("commonmark").render
TZ = ZoneInfo("Asia/Shanghai")


def summary_of(texts: dict[str, str | None], *, comparisons=(), claims_line=None, locale="zh-CN") -> Summary:
    report = parse_reports({"reports": [{
        "id": "feed-ads", "name": "信息流投放组", "channel": "C0MD00001", "admins": ["U0ADMIN01"],
        "timezone": "Asia/Shanghai", "locale": locale,
        "sections": [{"key": k, "owners": ["U0OWNER01"]} for k in texts]}]}, file="t.toml")[0]
    sections = [SectionState(s.key, s.title, ("U0OWNER01",), texts[s.key], ("U0OWNER01",) if texts[s.key] else (),
                             1, "2026-11-28T02:00:00+00:00", "2026-11-28T02:00:00+00:00") for s in report.sections]
    return Summary(report=report, period="2026-11", due_at=datetime(2026, 11, 30, tzinfo=TZ), state="posted",
                   sections=sections, claims_line=claims_line, comparisons=list(comparisons))


def section_html(html: str, title: str) -> str:
    """The HTML between a section's heading and the next one."""
    return html.split(f"<h2>{title}</h2>", 1)[1].split("<h2>", 1)[0]


def test_bullet_lines_are_a_list_and_other_lines_keep_their_breaks():
    text = ("本月合计：\n• 消耗 39.42 万元\n·展现 1639 万\n・ 点击 16.39 万\n"
            "补充说明：预热计划贡献最多\n腾讯广告转化率高于平均\n\n1. 日预算上限\n2. 二阶段出价\n> 引用一\n> 引用二\n之后一行")
    html = render(md_block(text))
    assert "•" not in html and "·" not in html and "・" not in html
    assert html.count("<ul>") == 1 and re.findall(r"<li>(.*?)</li>", html)[:3] == [
        "消耗 39.42 万元", "展现 1639 万", "点击 16.39 万"]
    assert "<p>本月合计：</p>" in html  # the line before the list stays its own paragraph
    # the line after a list is not folded into its last item; lines of a paragraph stay lines
    assert "<p>补充说明：预热计划贡献最多<br />\n腾讯广告转化率高于平均</p>" in html
    assert "<ol>\n<li>日预算上限</li>\n<li>二阶段出价</li>\n</ol>" in html
    assert "<blockquote>\n<p>引用一<br />\n引用二</p>\n</blockquote>" in html
    assert html.rstrip().endswith("<p>之后一行</p>")


def test_what_people_wrote_keeps_its_meaning():
    text = "- 已是列表\n* 星号列表\n*重点* 和 _强调_\n-5% 的转化成本\n中间的 · 分隔号 • 不动"
    md = md_block(text)
    assert "- 已是列表" in md and "*重点* 和 \\_强调\\_" not in md  # emphasis is theirs to keep
    html = render(md)
    assert "<li>已是列表</li>" in html and "<li>星号列表</li>" in html
    assert "<em>重点</em>" in html and "-5% 的转化成本" in html and "中间的 · 分隔号 • 不动" in html


@pytest.mark.parametrize("evil", [
    "<script>alert(1)</script> & <img src=x onerror=alert(1)>",
    "• [点我](http://evil.example) ![图](http://evil.example/x.png)",
    "• # 伪造的标题\n> # 伪造的标题\n- ## 伪造的标题\n1. # 伪造的标题",
    "## 伪造的标题\n伪造的标题\n===",
    "```\n没有闭合的代码块",
    "~~~~\n没有闭合的代码块",
    "<http://evil.example> [ref]: http://evil.example\n[ref]",
])
def test_escaping_survives_the_layout(evil):
    summary = summary_of({"results": evil, "data": "• 正常的一行", "lessons": None})
    html = render(summary_markdown(summary, lambda u: "安娜"))
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert html.count("<h1>") == 1 and html.count("<h2>") == 3  # no section faked, none swallowed
    assert "<h3>" not in html and "<h4>" not in html
    assert "<li>正常的一行</li>" in section_html(html, summary.sections[1].title)


def test_ab_comparisons_are_lists_with_names_escaped():
    from bot.insight.abtest import VariantKey, compare

    rows = pd.DataFrame([{"date": pd.Timestamp(2026, 11, 3), "platform": "巨量引擎", "campaign": "春季",
                          "ad_group": name, "impressions": 100_000, "clicks": clicks, "conversions": clicks // 20,
                          "spend": clicks * 2.0} for name, clicks in (("<b>素材A</b>", 1_000), ("[素材B](http://x)", 1_400))])
    keys = [VariantKey("ad_group", "巨量引擎", "春季", n) for n in rows["ad_group"]]
    summary = summary_of({"optimise": "测了两版素材", "feedback": "• 用户说价格不清楚"},
                         comparisons=[compare(rows, keys)])
    html = render(summary_markdown(summary, lambda u: "王博"))
    part = section_html(html, summary.sections[0].title)
    assert "<table" not in part and "<b>" not in part and "<a " not in part
    assert "<p><strong>A/B 对比：&lt;b&gt;素材A&lt;/b&gt; 对 [素材B](http://x)</strong></p>" in part
    items = re.findall(r"<li>(.*?)</li>", part)
    assert items[0].startswith("&lt;b&gt;素材A&lt;/b&gt;：展现 10.0万 · 点击 1,000") and items[1].startswith("[素材B](http://x)：")
    assert any(i.startswith("点击率：") and "显著" in i for i in items) and any(i.startswith("转化率：") for i in items)
    assert "<li>用户说价格不清楚</li>" in section_html(html, summary.sections[1].title)


def test_kpi_highlights_and_notes_are_escaped_for_markdown():
    """The KPI lines of the post, with an export's platform name that looks like Markdown."""
    from bot.insight.kpi import build_report
    from handlers.render import kpi_markdown

    evil = "[官方](http://evil.example)<b>平台</b>"
    rows = pd.DataFrame([
        {"date": pd.Timestamp(2026, 11, 3), "platform": evil, "account": None, "campaign": "c1", "ad_group": None,
         "impressions": 10_000, "clicks": 100, "conversions": 5, "spend": 500.0, "revenue": 1_500.0},
        {"date": pd.Timestamp(2026, 11, 3), "platform": "巨量引擎", "account": None, "campaign": "c2", "ad_group": None,
         "impressions": 10_000, "clicks": 120, "conversions": 6, "spend": 600.0, "revenue": None}])
    kpi = build_report("2026-11", rows, None, budget=1_000.0, as_of=pd.Timestamp(2026, 12, 1))
    summary = summary_of({"results": "上线"}, claims_line="已核对 2 个数字，均与数据一致")
    summary.kpi = kpi
    lines = kpi_markdown(summary)
    html = render(summary_markdown(summary, lambda u: "安娜", kpi_lines=lines))
    assert "<a " not in html and "<b>" not in html and "\\[官方\\]" in "\n".join(lines)
    highlights = html.split("<ul>", 1)[1].split("</ul>", 1)[0]
    assert highlights.count("<li>") == 10 and highlights.count("<strong>") == 10
    assert "<p>💰" in html and "<p>🔎 已核对 2 个数字，均与数据一致</p>" in html
    plain = kpi_markdown(summary, escaped=False)  # for plain text: as typed
    assert evil in "\n".join(plain) and not any("**" in line for line in plain)
