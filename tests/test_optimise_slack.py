"""The optimise section in Slack: pick variants, see the comparison, insert it, save, compile."""

from __future__ import annotations

import io
import json

import pytest

from bot.insight.abtest import VariantKey
from tests.slack_harness import ADMIN, CHANNEL, OWNER_A, OWNER_B, Harness

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

PERIOD = "2026-11"
CONFIG = {"reports": [{
    "id": "feed-ads", "name": "信息流投放组", "channel": CHANNEL, "admins": [ADMIN],
    "timezone": "Asia/Shanghai", "locale": "zh-CN", "calendar": "CN",
    "sections": [{"key": "results", "owners": [OWNER_B]}, {"key": "optimise", "owners": [OWNER_A]}],
}]}
# 巨量引擎, two days: 素材B's CTR is 2.60% against 素材A's 2.00% on 100,000 impressions each.
CSV = ("时间,项目名称,单元名称,展示数,点击数,消耗,转化数\n"
       "2026-11-01,春季拉新,素材A,50000,1000,5000,50\n"
       "2026-11-01,春季拉新,素材B,50000,1300,5000,52\n"
       "2026-11-02,春季拉新,素材A,50000,1000,5000,50\n"
       "2026-11-02,春季拉新,素材B,50000,1300,5000,52\n"
       "2026-11-02,品牌,品牌-通投,80000,800,4000,20\n").encode()
A = VariantKey("ad_group", "巨量引擎", "春季拉新", "素材A")
B = VariantKey("ad_group", "巨量引擎", "春季拉新", "素材B")


@pytest.fixture
def h(tmp_path, clock):
    harness = Harness(tmp_path, clock, config=CONFIG)
    harness.report = harness.core.report(harness.fake.team_id, "feed-ads")
    yield harness
    harness.close()


def _view(call) -> dict:
    v = call.params["view"]
    return json.loads(v) if isinstance(v, str) else v


def in_modal(h, view: dict, action: dict, typed: str | None = None, user: str = OWNER_A) -> dict:
    """A block_actions from inside the modal (its state holding `typed`); the view it was redrawn to."""
    before = len(h.fake.calls_to("views.update"))
    values = {}
    if typed is not None:
        part = next(b["block_id"] for b in view["blocks"] if b.get("block_id", "").startswith("part_"))
        values[part] = {"text": {"type": "plain_text_input", "value": typed}}
    r = h.interactive({"type": "block_actions", "user": {"id": user, "team_id": h.fake.team_id},
                       "team": {"id": h.fake.team_id}, "trigger_id": h.trigger_id(), "api_app_id": "A0FEEDSUM",
                       "container": {"type": "view", "view_id": "V42"},
                       "view": {**view, "id": "V42", "hash": "h1", "state": {"values": values}},
                       "actions": [{"block_id": "b", "action_ts": "1.2", **action}]})
    assert r.status == 200 and r.body == ""  # acked at once, with nothing in the ack
    call = h.wait_for(lambda: h.fake.calls_to("views.update")[before:])[0]
    assert call.params["view_id"] == "V42"
    h.idle()
    return _view(call)


def blocks_text(view_or_blocks) -> str:
    blocks = view_or_blocks["blocks"] if isinstance(view_or_blocks, dict) else view_or_blocks
    return json.dumps(blocks, ensure_ascii=False)


def element(view: dict, action_id: str) -> dict:
    return next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == action_id)


def part_of(view: dict) -> tuple[str, str]:
    b = next(b for b in view["blocks"] if b.get("block_id", "").startswith("part_"))
    return b["block_id"], b["element"].get("initial_value") or ""


def test_pick_compare_insert_save_and_the_table_in_the_thread(h):
    h.core.data.import_file(h.report, CSV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("optimise", OWNER_A, PERIOD)
    assert len(modal["blocks"]) <= 100 and len(modal["private_metadata"]) <= 3000
    select = element(modal, "ab_pick")
    assert select["type"] == "multi_static_select"
    groups = {g["label"]["text"]: [o["text"]["text"] for o in g["options"]] for g in select["option_groups"]}
    assert groups == {"计划": ["春季拉新", "品牌"], "广告组": ["素材A", "素材B", "品牌-通投"]}
    # Picking two ad groups shows the comparison in the form, with its verdict.
    view = in_modal(h, modal, {"action_id": "ab_pick", "type": "multi_static_select",
                               "selected_options": [{"value": A.id}, {"value": B.id}]}, typed="本月测了两版素材。")
    text = blocks_text(view)
    assert "素材B 领先" in text and "在 95% 置信水平下显著" in text and "2.60%" in text and "2.00%" in text
    assert "```" in text and element(view, "ab_insert")["value"] == "p"
    # One click puts the verdict into the text, after what was typed; the form can still be edited.
    view = in_modal(h, view, {"action_id": "ab_insert", "type": "button", "value": "p"}, typed="本月测了两版素材。")
    block_id, inserted = part_of(view)
    assert block_id != "part_0"  # renamed inputs: Slack shows the new text
    assert inserted.startswith("本月测了两版素材。\n\nA/B 对比：素材A 对 素材B\n- 素材A：展现 10.0万")
    assert "点击率：素材B 领先——素材B 2.60%，素材A 2.00%，高 30.0%（+0.60 个百分点），在 95% 置信水平下显著" in inserted
    meta = json.loads(view["private_metadata"])
    assert meta["ab"] == [[A.id, B.id]] and meta["pk"] == [] and meta["v"] == 0
    edited = inserted + "\n结论：素材B 推广到全部计划。"
    r = h.submit_view(view, {block_id: {"text": {"type": "plain_text_input", "value": edited}}}, OWNER_A)
    assert r.status == 200 and r.body == ""
    h.idle()
    assert h.store.comparisons.of(h.fake.team_id, "feed-ads", PERIOD) == [[A.to_dict(), B.to_dict()]]
    summary = h.core.summary(h.report, PERIOD, h.clock())
    assert next(s for s in summary.sections if s.key == "optimise").text == edited
    # The summary's thread shows the comparison as a table with its verdicts.
    h.core.compile(h.report, PERIOD, ADMIN, h.clock())
    thread = [m for m in h.fake.posted(CHANNEL) if "优化与 A/B 测试" in blocks_text(m["blocks"])][-1]
    posted = blocks_text(thread["blocks"])
    assert "```" in posted and "素材A" in posted and "10.0万" in posted and "点击率：素材B 领先" in posted
    assert len(thread["blocks"]) <= 50


def test_a_proposal_on_the_prompt_opens_the_form_with_the_comparison(h):
    h.core.data.import_file(h.report, CSV, name="nov.csv", origin="test", now=h.clock())
    h.command(f"open {PERIOD}")
    prompt = h.wait_for(lambda: [m for m in h.prompts()
                                 if m["metadata"]["event_payload"]["key"].endswith(f"|optimise:{OWNER_A}")])[0]
    button = next(e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["action_id"].startswith("ab_open_"))
    assert button["text"]["text"] == "对比 素材A / 素材B · 春季拉新"
    before = len(h.fake.calls_to("views.open"))
    r = h.interactive({"type": "block_actions", "user": {"id": OWNER_A, "team_id": h.fake.team_id},
                       "team": {"id": h.fake.team_id}, "trigger_id": h.trigger_id(), "api_app_id": "A0FEEDSUM",
                       "channel": {"id": "D0X"}, "message": {"ts": "1.1"}, "container": {"type": "message"},
                       "response_url": f"{h.fake.url}/response/{OWNER_A}",
                       "actions": [{"action_id": button["action_id"], "block_id": "ab_proposals",
                                    "value": button["value"], "type": "button"}]})
    assert r.status == 200
    modal = _view(h.wait_for(lambda: h.fake.calls_to("views.open")[before:])[0])
    assert "素材B 领先" in blocks_text(modal)  # click one: the comparison; click two: Insert into text
    view = in_modal(h, modal, {"action_id": "ab_insert", "type": "button", "value": "p"}, typed="")
    assert part_of(view)[1].startswith("A/B 对比：素材A 对 素材B")
    # Picking the same pair again and inserting it inserts that comparison, kept once.
    brand = VariantKey("campaign", "巨量引擎", "品牌")
    spring = VariantKey("campaign", "巨量引擎", "春季拉新")
    view = in_modal(h, view, {"action_id": "ab_pick", "type": "multi_static_select",
                              "selected_options": [{"value": spring.id}, {"value": brand.id}]}, typed="")
    view = in_modal(h, view, {"action_id": "ab_keep", "type": "button", "value": "p"}, typed="")
    view = in_modal(h, view, {"action_id": "ab_pick", "type": "multi_static_select",
                              "selected_options": [{"value": B.id}, {"value": A.id}]}, typed="")
    view = in_modal(h, view, {"action_id": "ab_insert", "type": "button", "value": "p"}, typed="mine")
    assert json.loads(view["private_metadata"])["ab"] == [[A.id, B.id], [spring.id, brand.id]]
    assert part_of(view)[1].startswith("mine\n\nA/B 对比：素材A 对 素材B")


def test_keep_remove_and_the_stored_comparisons_reopen(h):
    h.core.data.import_file(h.report, CSV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("optimise", OWNER_A, PERIOD)
    brand = VariantKey("campaign", "巨量引擎", "品牌")
    spring = VariantKey("campaign", "巨量引擎", "春季拉新")
    view = in_modal(h, modal, {"action_id": "ab_propose_0", "type": "button", "value": f"{A.id},{B.id}"}, typed="x")
    view = in_modal(h, view, {"action_id": "ab_keep", "type": "button", "value": "p"}, typed="x")
    view = in_modal(h, view, {"action_id": "ab_pick", "type": "multi_static_select",
                              "selected_options": [{"value": spring.id}, {"value": brand.id}]}, typed="x")
    view = in_modal(h, view, {"action_id": "ab_keep", "type": "button", "value": "p"}, typed="x")
    assert json.loads(view["private_metadata"])["ab"] == [[A.id, B.id], [spring.id, brand.id]]
    assert part_of(view)[1] == "x"  # keeping a comparison leaves the text alone
    view = in_modal(h, view, {"action_id": "ab_remove", "type": "button", "value": "0"})  # no state sent
    assert json.loads(view["private_metadata"])["ab"] == [[spring.id, brand.id]]
    assert part_of(view)[1] == "x"  # the text the form was drawn with stays
    block_id = part_of(view)[0]
    assert h.submit_view(view, {block_id: {"text": {"type": "plain_text_input", "value": "x"}}}, OWNER_A).body == ""
    h.idle()
    assert h.store.comparisons.of(h.fake.team_id, "feed-ads", PERIOD) == [[spring.to_dict(), brand.to_dict()]]
    again = h.modal_for("optimise", OWNER_A, PERIOD)
    assert json.loads(again["private_metadata"])["ab"] == [[spring.id, brand.id]]
    assert "春季拉新" in blocks_text(again) and element(again, "ab_remove")


def test_a_big_month_searches_variants_as_the_owner_types(h):
    lines = ["时间,项目名称,展示数,点击数,消耗,转化数"]
    lines += [f"2026-11-01,计划{i:03d}{'-素材A' if i == 7 else ''},{1000 + i},{10 + i},100,1" for i in range(140)]
    lines += ["2026-11-01,计划007-素材B,5000,60,100,1"]
    h.core.data.import_file(h.report, "\n".join(lines).encode(), name="big.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("optimise", OWNER_A, PERIOD)
    select = element(modal, "ab_pick")
    assert select["type"] == "multi_external_select" and "option_groups" not in select
    r = h.interactive({"type": "block_suggestion", "user": {"id": OWNER_A, "team_id": h.fake.team_id},
                       "team": {"id": h.fake.team_id}, "api_app_id": "A0FEEDSUM", "action_id": "ab_pick",
                       "block_id": "ab_pick_0", "value": "素材", "view": {**modal, "id": "V42"}})
    assert r.status == 200
    found = [o["text"]["text"] for g in r.json()["option_groups"] for o in g["options"]]
    assert found == ["计划007-素材B", "计划007-素材A"]  # most impressions first
    r = h.interactive({"type": "block_suggestion", "user": {"id": OWNER_A, "team_id": h.fake.team_id},
                       "team": {"id": h.fake.team_id}, "api_app_id": "A0FEEDSUM", "action_id": "ab_pick",
                       "block_id": "ab_pick_0", "value": "", "view": {**modal, "id": "V42"}})
    assert sum(len(g["options"]) for g in r.json()["option_groups"]) == 100
    r = h.interactive({"type": "block_suggestion", "user": {"id": OWNER_B, "team_id": h.fake.team_id},
                       "team": {"id": h.fake.team_id}, "api_app_id": "A0FEEDSUM", "action_id": "ab_pick",
                       "block_id": "ab_pick_0", "value": "", "view": {**modal, "id": "V42"}})
    assert r.json() == {"options": []}  # not theirs to write: no names
    # The proposal found the pair among 141 campaigns.
    assert "对比 计划007-素材A / 计划007-素材B" in blocks_text(modal)


def test_no_data_says_so_and_other_sections_are_untouched(h):
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("optimise", OWNER_A, PERIOD)
    assert "本月还没有投放数据" in blocks_text(modal) and "ab" not in json.loads(modal["private_metadata"])
    r = h.submit_view(modal, {"part_0": {"text": {"type": "plain_text_input", "value": "没有测试"}}}, OWNER_A)
    assert r.body == ""
    h.idle()
    assert h.store.comparisons.of(h.fake.team_id, "feed-ads", PERIOD) == []
    results = h.modal_for("results", OWNER_B, PERIOD)
    assert "ab_pick" not in blocks_text(results) and "ab" not in json.loads(results["private_metadata"])
    # Data arrives: the next form has the month's variants (and a later import its new ones).
    h.core.data.import_file(h.report, CSV, name="nov.csv", origin="test", now=h.clock())
    assert "素材A" in blocks_text(h.modal_for("optimise", OWNER_A, PERIOD))
    more = "时间,项目名称,单元名称,展示数,点击数,消耗,转化数\n2026-11-03,新品首发,新品-视频,1000,10,50,1\n"
    h.core.data.import_file(h.report, more.encode(), name="nov-2.csv", origin="test", now=h.clock())
    assert "新品-视频" in blocks_text(h.modal_for("optimise", OWNER_A, PERIOD))


def test_exports_include_the_comparisons(h):
    from bot.core.optimise import save
    from bot.report.export import export_files

    h.core.data.import_file(h.report, CSV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    h.core.submit(h.report, PERIOD, "optimise", OWNER_A, "测了素材", h.clock(), via="test")
    save(h.core, h.report, PERIOD, OWNER_A, [[A.id, B.id]], [], h.clock())
    summary = h.core.summary(h.report, PERIOD, h.clock())
    md_file, xlsx_file = export_files(summary, lambda u: u, None, title="t")
    text = md_file.content.decode()
    # the figures as a list (CommonMark has no tables), each variant's line as the form inserts it
    assert "\n- 素材A：展现 10.0万 · 点击 2,000 · 转化 100 · 点击率 2.00% · 转化率 5.00% · 转化成本 100.00 元\n" in text
    assert "点击率：素材B 领先" in text
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(xlsx_file.content))
    ws = wb["A-B"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:4] == ["comparison", "variant", "level", "platform"]
    assert rows[0][5:8] == ["ad_group", "creative", "impressions"]
    assert rows[1][1] == "素材A" and rows[1][7] == 100_000 and rows[2][1] == "素材B"
    assert any("素材B 领先" in str(v) for r in rows for v in r)


def test_a_full_form_stays_within_block_kit_limits(h):
    from bot.core.optimise import MAX_COMPARISONS, month_catalogue
    from handlers.actions import write_view

    long = "很长的计划名称" * 30
    lines = ["时间,项目名称,单元名称,展示数,点击数,消耗,转化数"]
    for c in range(MAX_COMPARISONS):
        lines += [f"2026-11-01,{long}{c},素材{v},{10_000 + i},{100 + 7 * i},100,{5 + i}" for i, v in enumerate("ABCDEF")]
    h.core.data.import_file(h.report, "\n".join(lines).encode(), name="wide.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    cat = [f for f in month_catalogue(h.core, h.report, PERIOD) if f.key.level == "ad_group"]
    groups = [[f.key.id for f in cat if f.key.campaign == f"{long}{c}"] for c in range(MAX_COMPARISONS)]
    assert all(len(g) == 6 for g in groups)
    view = write_view(h.deps, h.report, PERIOD, "optimise", OWNER_A, ab={"ab": groups, "pk": groups[0][:2]},
                      text="很" * 58_000)  # 20 inputs of text, too
    assert len(view["blocks"]) <= 100 and len(view["private_metadata"]) <= 3000
    assert len(json.loads(view["private_metadata"])["ab"]) == MAX_COMPARISONS
    for b in view["blocks"]:
        assert len((b.get("text") or {}).get("text", "")) <= 3000
    assert not any(e.get("action_id") == "ab_pick" for b in view["blocks"] if b["type"] == "actions"
                   for e in b["elements"])  # full: no picker, a note instead


# 巨量引擎 (升级版) at the creative level: 素材名称 under 单元名称 under 项目名称. 单元2 has a 素材1 too.
CREATIVE_CSV = ("时间,项目名称,单元名称,素材名称,展示数,点击数,消耗,转化数\n"
                "2026-11-01,春季拉新,单元1,素材1,60000,1200,3000,60\n"
                "2026-11-01,春季拉新,单元1,素材2,60000,1560,3100,78\n"
                "2026-11-01,春季拉新,单元2,素材1,20000,100,800,2\n").encode()
C1 = VariantKey("creative", "巨量引擎", "春季拉新", "单元1", "素材1")
C2 = VariantKey("creative", "巨量引擎", "春季拉新", "单元1", "素材2")
C1_OTHER = VariantKey("creative", "巨量引擎", "春季拉新", "单元2", "素材1")


def test_creatives_are_picked_compared_and_saved_as_a_third_level(h):
    h.core.data.import_file(h.report, CREATIVE_CSV, name="nov-creatives.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("optimise", OWNER_A, PERIOD)
    select = element(modal, "ab_pick")
    groups = {g["label"]["text"]: [(o["text"]["text"], o["description"]["text"]) for o in g["options"]]
              for g in select["option_groups"]}
    assert list(groups) == ["计划", "广告组", "创意"]
    assert [name for name, _ in groups["创意"]] == ["素材1", "素材2", "素材1"]  # namesakes kept apart
    assert groups["创意"][2][1].startswith("巨量引擎 · 春季拉新 · 单元2 · 展现")
    # The pair is proposed from the names, within its ad group only.
    assert "对比 素材1 / 素材2 · 春季拉新 · 单元1" in blocks_text(modal)
    view = in_modal(h, modal, {"action_id": "ab_pick", "type": "multi_static_select",
                               "selected_options": [{"value": C1.id}, {"value": C2.id}]}, typed="")
    text = blocks_text(view)
    assert "素材2 领先" in text and "2.60%" in text and "2.00%" in text and "0.50%" not in text  # 单元2's is not in it
    view = in_modal(h, view, {"action_id": "ab_insert", "type": "button", "value": "p"}, typed="")
    block_id, inserted = part_of(view)
    assert inserted.startswith("A/B 对比：素材1 对 素材2\n- 素材1：展现 6.0万 · 点击 1,200")
    assert h.submit_view(view, {block_id: {"text": {"type": "plain_text_input", "value": inserted}}}, OWNER_A).body == ""
    h.idle()
    assert h.store.comparisons.of(h.fake.team_id, "feed-ads", PERIOD) == [[C1.to_dict(), C2.to_dict()]]
    assert C1.to_dict()["creative"] == "素材1" and C1.to_dict()["ad_group"] == "单元1"
    # Namesakes picked together are labelled by where they are, never merged.
    view = in_modal(h, view, {"action_id": "ab_pick", "type": "multi_static_select",
                              "selected_options": [{"value": C1.id}, {"value": C1_OTHER.id}]}, typed="")
    assert "素材1 (春季拉新 · 单元1)" in blocks_text(view) and "素材1 (春季拉新 · 单元2)" in blocks_text(view)


def test_a_big_month_finds_creatives_by_name_or_by_their_ad_group(h):
    lines = ["时间,项目名称,单元名称,创意名称,展示数,点击数,消耗,转化数"]
    lines += [f"2026-11-01,计划{i // 10:02d},单元{i // 5:03d},视频{i:03d},{1000 + i},{10 + i},100,1" for i in range(120)]
    lines += ["2026-11-01,计划99,单元999,竖版视频A,5000,60,100,1", "2026-11-01,计划99,单元999,竖版视频B,4000,60,100,1"]
    h.core.data.import_file(h.report, "\n".join(lines).encode(), name="big.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("optimise", OWNER_A, PERIOD)
    assert element(modal, "ab_pick")["type"] == "multi_external_select"

    def suggest(value):
        r = h.interactive({"type": "block_suggestion", "user": {"id": OWNER_A, "team_id": h.fake.team_id},
                           "team": {"id": h.fake.team_id}, "api_app_id": "A0FEEDSUM", "action_id": "ab_pick",
                           "block_id": "ab_pick_0", "value": value, "view": {**modal, "id": "V42"}})
        assert r.status == 200
        return {g["label"]["text"]: [o["text"]["text"] for o in g["options"]] for g in r.json()["option_groups"]}

    assert suggest("竖版") == {"创意": ["竖版视频A", "竖版视频B"]}
    assert suggest("单元999") == {"广告组": ["单元999"], "创意": ["竖版视频A", "竖版视频B"]}
    assert "对比 竖版视频A / 竖版视频B · 计划99 · 单元999" in blocks_text(modal)


def test_a_verdict_quoted_in_the_text_is_not_repeated_under_its_table(h):
    """The thread shows the owner's text (with the verdict they inserted and perhaps edited),
    then each comparison as a table of the data. A comparison whose verdict the text already
    quotes gets its table and a note, not the same sentences again; one the text does not quote
    (kept only, or edited, or the data moved since) gets its verdict under the table. The
    Markdown export reads the same."""
    from bot.core.optimise import form, save
    from bot.insight.abtest_text import comparison_text
    from bot.report.export import export_files

    h.core.data.import_file(h.report, CSV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    brand = VariantKey("campaign", "巨量引擎", "品牌")
    spring = VariantKey("campaign", "巨量引擎", "春季拉新")
    save(h.core, h.report, PERIOD, OWNER_A, [[A.id, B.id], [spring.id, brand.id]], [], h.clock())
    inserted = comparison_text(form(h.core, h.report, PERIOD).chosen[0], "zh-CN")
    verdict = "点击率：素材B 领先——素材B 2.60%，素材A 2.00%，高 30.0%（+0.60 个百分点），在 95% 置信水平下显著"
    assert verdict in inserted
    h.core.submit(h.report, PERIOD, "optimise", OWNER_A, f"本月测了两版素材。\n\n{inserted}\n\n结论：推广素材B。",
                  h.clock(), via="test")
    h.core.compile(h.report, PERIOD, ADMIN, h.clock())
    thread = "".join(blocks_text(m["blocks"]) for m in h.fake.posted(CHANNEL) if "优化与 A/B 测试" in blocks_text(m["blocks"]))
    assert thread.count(verdict) == 1  # the owner's text only
    assert thread.count("```") == 4  # both tables, the data
    assert thread.count("结论已写在上面的正文里") == 1  # under the quoted one's table
    assert "点击率：春季拉新 领先" in thread  # the other comparison's verdict, under its table
    summary = h.core.summary(h.report, PERIOD, h.clock())
    md = export_files(summary, lambda u: u, "md", title="t")[0].content.decode()
    assert md.count(verdict) == 1 and "结论已写在上面的正文里" in md and "点击率：春季拉新 领先" in md
