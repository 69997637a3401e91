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
