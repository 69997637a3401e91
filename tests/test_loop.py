"""The month-end loop end to end: signed requests through the real HTTP endpoint, fake Web API."""

from __future__ import annotations

import json
import time

from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, OWNER_B, STRANGER, modal_values

PERIOD = "2026-11"
EXPECTED_PROMPTS = sorted(["results:U0OWNERA1", "data:U0OWNERB1", "lessons:U0OWNERA1", "lessons:U0OWNERB1",
                           "solutions:U0OWNERA1", "plan:U0OWNERB1", "team:U0ADMIN01", "market:U0OWNERA1"])


def prompt_keys(h):
    return sorted(m["metadata"]["event_payload"]["key"].split("|")[4] for m in h.prompts())


def open_period(h):
    r = h.command(f"open {PERIOD}")
    assert r.status == 200
    h.wait_for(lambda: any("2026年11月" in (x.get("text") or "") for x in h.fake.responses))
    return r


def test_open_sends_one_prompt_per_section_and_owner(harness):
    h = harness
    open_period(h)
    assert prompt_keys(h) == EXPECTED_PROMPTS
    first = h.prompts()[0]
    assert first["channel"].startswith("D") and first["blocks"][0]["type"] == "header"
    assert any(b.get("type") == "actions" for b in first["blocks"])


def test_open_twice_sends_no_duplicates(harness):
    h = harness
    open_period(h)
    h.fake.responses.clear()
    open_period(h)
    assert prompt_keys(h) == EXPECTED_PROMPTS
    assert "8" in h.fake.responses[-1]["text"]  # "8 already sent before"


def test_health(harness):
    assert harness.get("/healthz").status == 200


def write(h, section, user, text):
    modal = h.modal_for(section, user, PERIOD)
    r = h.submit_view(modal, modal_values(modal, text), user)
    return modal, r


def test_modal_submit_saves_and_updates_the_prompt(harness):
    h = harness
    open_period(h)
    modal, r = write(h, "results", OWNER_A, "本月上线 12 条计划，消耗 12.3 万元。")
    assert r.status == 200 and r.body == ""  # empty ack closes the modal
    assert modal["callback_id"] == "write_section"
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text == "本月上线 12 条计划，消耗 12.3 万元。"
    updated = h.wait_for(lambda: [c for c in h.fake.calls_to("chat.update")])
    blocks = json.loads(updated[-1].params["blocks"]) if isinstance(updated[-1].params["blocks"], str) else updated[-1].params["blocks"]
    assert "✅" in json.dumps(blocks, ensure_ascii=False)
    # Editing keeps the earlier text as a revision, and the modal opens pre-filled.
    modal, _ = write(h, "results", OWNER_A, "改过的版本")
    assert modal["blocks"][1]["element"]["initial_value"] == "本月上线 12 条计划，消耗 12.3 万元。"
    revs = h.store.answers.revisions(h.report.team_id, "feed-ads", PERIOD, "results")
    assert [r.text for r in revs] == ["本月上线 12 条计划，消耗 12.3 万元。", "改过的版本"]


def test_empty_submission_gets_an_inline_error(harness):
    h = harness
    open_period(h)
    modal = h.modal_for("results", OWNER_A, PERIOD)
    r = h.submit_view(modal, {"part_0": {"text": {"type": "plain_text_input", "value": "   "}}}, OWNER_A)
    assert r.json()["response_action"] == "errors" and r.json()["errors"]["part_0"]
    assert h.core.summary(h.report, PERIOD, h.clock()).done == 0


def dm_prompt(h, section, owner):
    return next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith(f"|{section}:{owner}"))


def test_thread_replies_append_in_order_and_retries_store_once(harness):
    h = harness
    open_period(h)
    p = dm_prompt(h, "data", OWNER_B)
    ev = {"type": "message", "channel_type": "im", "channel": p["channel"], "user": OWNER_B,
          "text": "第一段：点击率 2.1%。", "ts": "1800000000.000100", "thread_ts": p["ts"]}
    assert h.event(ev, event_id="Ev1").status == 200
    # Slack retries the same event: stored once.
    assert h.event(ev, event_id="Ev1", headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}).status == 200
    ev2 = {**ev, "text": "第二段：转化率 3%。", "ts": "1800000000.000200"}
    assert h.event(ev2, event_id="Ev2").status == 200
    h.wait_for(lambda: len(h.fake.calls_to("reactions.add")) == 2)
    h.idle()
    text = h.core.summary(h.report, PERIOD, h.clock()).sections[1].text
    assert text == "第一段：点击率 2.1%。\n第二段：转化率 3%。"
    assert len(h.fake.calls_to("reactions.add")) == 2


def test_status_lists_every_section_with_state(harness):
    h = harness
    open_period(h)
    write(h, "results", OWNER_A, "done")
    r = h.command(f"status {PERIOD}", user=STRANGER)
    body = r.json()
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"], ensure_ascii=False)
    assert "1/7" in text and "本月工作成果" in text and "待提交" in text and "已提交" in text
    assert text.index("本月工作成果") < text.index("数据表现分析") < text.index("市场与竞品观察")


def test_compile_posts_summary_in_template_order_with_missing_named(harness):
    h = harness
    open_period(h)
    write(h, "market", OWNER_A, "竞品在加大短视频投放。")
    write(h, "results", OWNER_A, "上线 12 条计划。")
    h.command(f"compile {PERIOD}")
    h.wait_for(lambda: any("已发布" in (x.get("text") or "") for x in h.fake.responses))
    posts = h.fake.posted(CHANNEL)
    main, thread = posts[0], posts[1:]
    assert main["blocks"][0]["text"]["text"] == "信息流投放组 · 2026年11月工作总结"
    assert main["text"]  # fallback text
    main_text = json.dumps(main["blocks"], ensure_ascii=False)
    assert "2/7" in main_text and "未提交" in main_text and "数据表现分析" in main_text
    assert all(m["thread_ts"] == main["ts"] for m in thread)
    titles = [m["blocks"][0]["text"]["text"] for m in thread]
    assert titles == ["*本月工作成果*", "*数据表现分析*", "*经验与问题*", "*改进措施*", "*下月计划与 KPI 目标*",
                      "*团队目标与分工*", "*市场与竞品观察*"]
    assert "上线 12 条计划。" in json.dumps(thread[0]["blocks"], ensure_ascii=False)
    # Compiling again posts nothing new.
    h.command(f"compile {PERIOD}")
    h.idle()
    assert len(h.fake.posted(CHANNEL)) == len(posts)


def test_a_10000_character_answer_is_posted_in_full_within_limits(harness):
    h = harness
    open_period(h)
    para = "本月我们重点优化了素材与定向 & 出价策略 <测试>。" * 10
    text = "\n\n".join(f"{i:03d} {para}" for i in range(40))[:10_000]
    assert len(text) == 10_000
    write(h, "data", OWNER_B, text)
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[1].text == text
    h.command(f"compile {PERIOD}")
    h.wait_for(lambda: len(h.fake.posted(CHANNEL)) >= 8)
    posts = h.fake.posted(CHANNEL)
    for m in posts:
        assert len(m["blocks"]) <= 50
        for b in m["blocks"]:
            if b["type"] == "section":
                assert len(b["text"]["text"]) <= 3000
            if b["type"] == "header":
                assert len(b["text"]["text"]) <= 150
    data_msgs = [m for m in posts[1:] if m["blocks"][0]["text"]["text"] == "*数据表现分析*"]
    body = "".join(b["text"]["text"] for m in data_msgs for b in m["blocks"][2:])
    unescaped = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == text


def test_mentions_typed_by_users_never_notify(harness):
    h = harness
    open_period(h)
    write(h, "results", OWNER_A, "大家看 <!channel> <!here> <!everyone> <@U0ADMIN01> <#C0REPORT1> & done")
    h.command(f"compile {PERIOD}")
    h.wait_for(lambda: len(h.fake.posted(CHANNEL)) >= 8)
    everything = json.dumps([m["blocks"] for m in h.fake.posted(CHANNEL)], ensure_ascii=False)
    everything += json.dumps([m["text"] for m in h.fake.posted(CHANNEL)], ensure_ascii=False)
    for live in ("<!channel>", "<!here>", "<!everyone>", "<@U0ADMIN01>", "<#C0REPORT1>"):
        assert live not in everything
    assert "&lt;!channel&gt;" in everything


def test_non_admins_cannot_open_or_compile(harness):
    h = harness
    for cmd in (f"open {PERIOD}", f"compile {PERIOD}", "remind"):
        # Not a report admin: whether they are a workspace admin is asked of Slack after the ack.
        assert "管理员" in h.answer(cmd, user=OWNER_A)["text"]
    h.idle()
    assert h.prompts() == [] and h.fake.posted(CHANNEL) == []


def test_non_owners_cannot_write(harness):
    h = harness
    open_period(h)
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "data"})
    before = len(h.fake.calls_to("views.open"))
    h.click("write", value, STRANGER)
    h.wait_for(lambda: any("数据表现分析" in (x.get("text") or "") for x in h.fake.responses))
    assert len(h.fake.calls_to("views.open")) == before
    # A forged submission for someone else's section changes nothing. Whether the sender is a
    # workspace admin is Slack's to say, after the ack: the modal closes and the refusal comes by
    # DM, with the text so nothing typed is lost.
    modal = h.modal_for("results", OWNER_A, PERIOD)
    meta = json.loads(modal["private_metadata"])
    modal["private_metadata"] = json.dumps({**meta, "s": "data"})
    r = h.submit_view(modal, modal_values(modal, "not mine"), OWNER_A)
    assert r.status == 200 and r.body == ""
    dm = h.wait_for(lambda: [m for m in h.fake.posted("D" + OWNER_A[1:]) if "not mine" in (m["text"] or "")])[0]
    assert "数据表现分析" in dm["text"] and ">>> not mine" in dm["text"]  # quoted, to copy
    assert h.core.summary(h.report, PERIOD, h.clock()).done == 0


def test_bad_month_gets_an_example(harness):
    r = harness.command("status 2026-13")
    assert "YYYY-MM" in r.json()["text"] and "2026-11" in r.json()["text"]


def test_unknown_command_suggests_the_nearest(harness):
    r = harness.command("stauts")
    assert "/feedsum status" in json.dumps(r.json(), ensure_ascii=False)


def test_forged_signature_and_replay_are_rejected_without_side_effects(harness):
    h = harness
    r = h.command(f"open {PERIOD}", signature="v0=" + "0" * 64)
    assert r.status == 401
    r = h.command(f"open {PERIOD}", timestamp=int(time.time()) - 600)
    assert r.status == 401
    h.idle()
    assert h.prompts() == []
    assert h.core.summary(h.report, PERIOD, h.clock()).state == "none"


def test_malformed_payload_gets_a_4xx(harness):
    r = harness.post("payload=%7Bnot-json", content_type="application/x-www-form-urlencoded")
    assert 400 <= r.status < 500


def test_preview_goes_only_to_the_requester(harness):
    h = harness
    open_period(h)
    write(h, "results", OWNER_A, "预览内容")
    r = h.command(f"compile {PERIOD} --preview")
    assert r.status == 200
    ephemeral = h.wait_for(lambda: len(h.fake.calls_to("chat.postEphemeral")) >= 8 and h.fake.calls_to("chat.postEphemeral"))
    assert all(c.params["user"] == ADMIN for c in ephemeral)
    assert "预览内容" in json.dumps([c.params.get("blocks") for c in ephemeral], ensure_ascii=False)
    assert h.fake.posted(CHANNEL) == [] and h.core.summary(h.report, PERIOD, h.clock()).state == "open"


def test_an_answer_too_long_for_a_form_is_never_cut_by_editing(harness):
    h = harness
    open_period(h)
    huge = ("长" * 2999 + "\n") * 21
    h.core.submit(h.report, PERIOD, "results", OWNER_A, huge, h.clock(), via="thread")
    modal = h.modal_for("results", OWNER_A, PERIOD)
    assert modal["callback_id"] == "write_too_long" and "submit" not in modal
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[0].text == huge


def test_status_holds_block_kit_limits_for_big_reports(tmp_path, clock):
    from slack_sdk.models.blocks import Block

    from tests.slack_harness import Harness

    owners = [f"U0OWNER{i:03d}" for i in range(12)]
    config = {"reports": [{
        "id": "big", "name": "很长的团队名称" * 40, "channel": CHANNEL, "admins": [ADMIN],
        "sections": [{"key": f"s{i}", "owners": owners, "title": f"部分 {i} <!channel>" * 5, "prompt": "写点什么"}
                     for i in range(30)]}]}
    h = Harness(tmp_path, clock, config=config)
    try:
        body = h.command(f"status {PERIOD}").json()
        assert len(body["blocks"]) <= 50 and "<!channel>" not in json.dumps(body)
        for block in body["blocks"]:
            Block.parse(block).to_dict()  # slack_sdk's validation of every limit
            for text in [block.get("text", {}).get("text", "")] + [e["text"] for e in block.get("elements", [])]:
                assert len(text) <= 3000
    finally:
        h.close()


def test_write_command_opens_the_same_form(harness):
    h = harness
    open_period(h)
    before = len(h.fake.calls_to("views.open"))
    r = h.command(f"write results {PERIOD}", user=OWNER_A)
    assert r.status == 200
    view = h.wait_for(lambda: h.fake.calls_to("views.open")[before:])[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == "write_section" and json.loads(view["private_metadata"])["s"] == "results"
    told = h.answer(f"write data {PERIOD}", user=OWNER_A)  # not theirs
    assert "数据表现分析" in told["text"] and len(h.fake.calls_to("views.open")) == before + 1
