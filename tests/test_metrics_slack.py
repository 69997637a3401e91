"""Ad data in Slack: shared exports, KPI highlights and chart, prompts with numbers, targets, claims."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.runner import tick
from tests.slack_harness import ADMIN, CHANNEL, CONFIG, OWNER_A, OWNER_B, Harness, modal_values

SH = ZoneInfo("Asia/Shanghai")
PERIOD = "2026-11"

# Known truth: day 1 has a high CTR on few impressions, day 2 a low CTR on many. The month's CTR is
# the ratio of sums, 1,100 / 110,000 = 1.00%; the mean of the daily CTRs would be 5.5%.
NOV = ("时间,广告组,展示数,点击数,点击率(%),总花费(元),转化数\n"
       "2026-11-01,计划A,10000,1000,10.00,\"1,000.00\",50\n"
       "2026-11-02,计划A,100000,100,0.10,\"9,000.00\",50\n"
       "合计,,110000,1100,1.00,\"10,000.00\",100\n").encode("gb18030")
OCT = ("时间,广告组,展示数,点击数,点击率(%),总花费(元),转化数\n"
       "2026-10-01,计划A,50000,1000,2.00,\"8,000.00\",100\n").encode("utf-8-sig")


def share(h, name: str, data: bytes, user: str = ADMIN, channel: str = CHANNEL, file_id: str = "F1"):
    h.fake.add_file(file_id, name, data, user)
    before = len(h.fake.calls_to("chat.postEphemeral")) + len(h.fake.calls_to("chat.postMessage"))
    r = h.event({"type": "file_shared", "file_id": file_id, "user_id": user, "channel_id": channel,
                 "file": {"id": file_id}, "event_ts": "1.1"}, event_id=f"Ev-{file_id}-{time.monotonic()}")
    assert r.status == 200
    return before


def replies(h):
    return [c.params.get("text", "") for c in h.fake.calls_to("chat.postEphemeral") + h.fake.calls_to("chat.postMessage")]


def test_shared_export_is_imported_and_answered_with_totals(harness):
    h = harness
    share(h, "nov.csv", NOV)
    text = h.wait_for(lambda: [t for t in replies(h) if "nov.csv" in t])[0]
    assert "2 行" in text and "1 行" in text and "1.00%" in text and "1.00万元" in text
    assert h.fake.downloads[-1]["Authorization"] == "Bearer xoxb-test"
    share(h, "nov.csv", NOV, file_id="F2")  # the same file again adds nothing
    h.wait_for(lambda: [t for t in replies(h) if "之前已导入" in t])
    kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
    assert kpi.totals["clicks"] == 1100 and kpi.totals["ctr"] == pytest.approx(0.01)


def test_bad_export_names_row_and_column_and_imports_nothing(harness):
    h = harness
    bad = NOV.decode("gb18030").replace('"9,000.00"', "abc").encode("utf-8")
    share(h, "broken.csv", bad)
    text = h.wait_for(lambda: [t for t in replies(h) if "broken.csv" in t])[0]
    assert "row 3" in text and "总花费" in text and "abc" in text
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None


def test_files_from_non_admins_are_not_imported(harness):
    h = harness
    share(h, "nov.csv", NOV, user=OWNER_A)
    time.sleep(0.5)
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None


def test_summary_opens_with_correct_kpi_highlights_and_a_chart(harness):
    h = harness
    h.core.data.import_file(h.report, OCT, name="oct.csv", origin="test", now=h.clock())
    h.core.data.import_file(h.report, NOV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    h.core.compile(h.report, PERIOD, ADMIN, h.clock())
    main = h.fake.posted(CHANNEL)[0]
    fields = next(b for b in main["blocks"] if b.get("fields"))["fields"]
    ctr = next(f["text"] for f in fields if "CTR" in f["text"])
    # 1.00% (ratio of sums), down 1.00 pp from October's 2.00%.
    assert "1.00%" in ctr and "-1.00pp" in ctr and "↓" in ctr
    cpa = next(f["text"] for f in fields if "CPA" in f["text"])
    assert "100.00 元" in cpa and "+25.0%" in cpa  # 10,000 / 100 vs 8,000 / 100
    done = h.fake.calls_to("files.completeUploadExternal")
    assert done and done[0].params.get("thread_ts") == main["ts"] and done[0].params.get("channel_id") == CHANNEL
    png = [v for v in h.fake.uploads.values() if v.startswith(b"\x89PNG")]
    assert png


def test_data_prompt_shows_the_numbers_and_drafts_from_them(harness):
    h = harness
    h.core.data.import_file(h.report, OCT, name="oct.csv", origin="test", now=h.clock())
    h.core.data.import_file(h.report, NOV, name="nov.csv", origin="test", now=h.clock())
    h.command(f"open {PERIOD}")
    prompt = h.wait_for(lambda: [m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|data:U0OWNERB1")])[0]
    text = json.dumps(prompt["blocks"], ensure_ascii=False)
    assert "1.00%" in text and '"action_id": "draft"' in text
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "data"})
    h.click("draft", value, OWNER_B)
    view = h.wait_for(lambda: h.fake.calls_to("views.open"))[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    draft = view["blocks"][1]["element"]["initial_value"]
    assert "点击率 1.00%" in draft and "0.1万" not in draft
    # Nothing is saved until the owner submits.
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[1].text is None


def test_plan_targets_become_next_months_and_bad_ones_are_refused_inline(harness):
    h = harness
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("plan", OWNER_B, PERIOD)
    assert any(b.get("block_id") == "target_ctr" for b in modal["blocks"])
    values = modal_values(modal, "下月计划")
    values["target_ctr"] = {"value": {"type": "plain_text_input", "value": "abc"}}
    r = h.submit_view(modal, values, OWNER_B)
    assert r.json()["errors"].get("target_ctr")
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[4].text is None  # nothing half-saved
    values["target_ctr"] = {"value": {"type": "plain_text_input", "value": "1.5%"}}
    values["target_cpa"] = {"value": {"type": "plain_text_input", "value": "45"}}
    assert h.submit_view(modal, values, OWNER_B).body == ""
    assert h.core.targets(h.report, "2026-12") == {"ctr": 0.015, "cpa": 45.0}
    r = h.command("targets 2026-12", user=OWNER_A)
    text = json.dumps(r.json(), ensure_ascii=False)
    assert "1.50%" in text and "45" in text


def test_wrong_figures_are_flagged_privately_and_counted_in_the_summary(harness):
    h = harness
    h.core.data.import_file(h.report, OCT, name="oct.csv", origin="test", now=h.clock())
    h.core.data.import_file(h.report, NOV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("results", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "本月点击率 1.00%，转化成本 100 元。"), OWNER_A)
    modal = h.modal_for("lessons", OWNER_A, PERIOD)
    h.submit_view(modal, modal_values(modal, "点击率环比提升 12%，CPA 降到 45 元。"), OWNER_A)
    warning = h.wait_for(lambda: [m for m in h.fake.posted("D" + OWNER_A[1:]) if (m["text"] or "").startswith("🔎")])
    assert len(warning) == 1 and "经验与问题" in warning[0]["text"]  # only the wrong section
    assert "write" in json.dumps(warning[0]["blocks"])  # a link to edit
    assert h.core.summary(h.report, PERIOD, h.clock()).sections[2].text  # saved anyway
    h.core.compile(h.report, PERIOD, ADMIN, h.clock())
    main = json.dumps(h.fake.posted(CHANNEL)[0]["blocks"], ensure_ascii=False)
    assert "已核对 4 个数字，2 个与数据不符" in main


def test_lessons_prompt_lists_missed_targets(tmp_path, clock):
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["targets"] = {"ctr": 0.02, "cpa": 50}
    h = Harness(tmp_path, clock, config=config)
    try:
        report = h.core.report(h.fake.team_id, "feed-ads")
        h.core.data.import_file(report, NOV, name="nov.csv", origin="test", now=h.clock())
        h.core.open(report, PERIOD, ADMIN, h.clock())
        prompt = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|lessons:U0OWNERA1"))
        text = json.dumps(prompt["blocks"], ensure_ascii=False)
        assert "未达成的目标" in text and "点击率" in text and "转化成本" in text
    finally:
        h.close()


def test_configured_sources_are_pulled_again_at_due(tmp_path, clock):
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "nov.csv").write_bytes(NOV)
    db = tmp_path / "warehouse.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE ads (day TEXT, platform TEXT, campaign TEXT, impressions REAL, clicks REAL, spend REAL)")
        conn.executemany("INSERT INTO ads VALUES (?,?,?,?,?,?)", [
            ("2026-11-03", "百度", "品牌词", 1000, 100, 500.0), ("2026-11-04", "百度", "品牌词", 1000, 100, 500.0),
            ("2026-10-30", "百度", "品牌词", 9999, 999, 999.0)])
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["metrics"] = [
        {"path": "exports/*.csv", "preset": "auto"},
        {"url": str(db), "query": "SELECT day AS date, platform, campaign, SUM(impressions) AS impressions, "
                                  "SUM(clicks) AS clicks, SUM(spend) AS spend FROM ads "
                                  "WHERE day BETWEEN :start AND :end GROUP BY day, platform, campaign"}]
    from bot.config import parse_reports

    h = Harness(tmp_path, clock, config=config)
    try:
        # Relative paths resolve against the config file's folder.
        from bot.cli import sync_reports

        [r] = parse_reports(config, file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
        sync_reports(h.core, [r], h.fake.team_id, h.clock())
        tick(h.core, datetime(2026, 11, 26, 10, 1, tzinfo=SH))  # the open pulls both sources
        kpi = h.core.summary(h.core.report(h.fake.team_id, "feed-ads"), PERIOD, h.clock()).kpi
        assert kpi.totals["clicks"] == 1100 + 200
        with sqlite3.connect(db) as conn:  # a late row arrives in the warehouse before the post
            conn.execute("INSERT INTO ads VALUES ('2026-11-30', '百度', '品牌词', 1000, 100, 500.0)")
        tick(h.core, datetime(2026, 12, 2, 12, 0, 30, tzinfo=SH))
        kpi = h.core.summary(h.core.report(h.fake.team_id, "feed-ads"), PERIOD, h.clock()).kpi
        assert kpi.totals["clicks"] == 1100 + 300 and kpi.totals["spend"] == 10_000 + 1_500
        assert sorted(kpi.by_platform.index) == ["巨量引擎", "百度"]
        assert h.fake.calls_to("files.completeUploadExternal")
    finally:
        h.close()


def test_draft_button_inside_the_modal_replaces_its_text(harness):
    h = harness
    h.core.data.import_file(h.report, NOV, name="nov.csv", origin="test", now=h.clock())
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    modal = h.modal_for("data", OWNER_B, PERIOD)
    assert any(b.get("block_id") == "draft_actions" for b in modal["blocks"])
    value = json.dumps({"r": "feed-ads", "p": PERIOD, "s": "data"})
    h.interactive({"type": "block_actions", "user": {"id": OWNER_B, "team_id": h.fake.team_id},
                   "team": {"id": h.fake.team_id}, "trigger_id": "t", "api_app_id": "A",
                   "view": {"id": "V42", "hash": "h1", **modal},
                   "actions": [{"action_id": "draft", "block_id": "draft_actions", "value": value, "type": "button"}]})
    call = h.wait_for(lambda: h.fake.calls_to("views.update"))[-1]
    assert call.params["view_id"] == "V42"
    view = call.params["view"] if isinstance(call.params["view"], dict) else json.loads(call.params["view"])
    part = view["blocks"][1]
    assert part["block_id"] == "part_0_d" and "点击率 1.00%" in part["element"]["initial_value"]
    # Submitting the drafted modal saves exactly what the owner left in it.
    r = h.submit_view(view, {"part_0_d": {"text": {"type": "plain_text_input", "value": "edited draft"}}}, OWNER_B)
    assert r.body == "" and h.core.summary(h.report, PERIOD, h.clock()).sections[1].text == "edited draft"


def test_non_tabular_and_oversized_files_are_refused_clearly(harness):
    h = harness
    share(h, "photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, file_id="F9")
    text = h.wait_for(lambda: [t for t in replies(h) if "photo.png" in t])[0]
    assert ".csv" in text and h.core.summary(h.report, PERIOD, h.clock()).kpi is None
    h.fake.add_file("F10", "huge.csv", b"x", ADMIN)
    h.fake.files["F10"]["size"] = 60 * 1024 * 1024  # Slack says 60 MB: refused before downloading
    downloads = len(h.fake.downloads)
    h.event({"type": "file_shared", "file_id": "F10", "user_id": ADMIN, "channel_id": CHANNEL}, event_id="EvBig")
    text = h.wait_for(lambda: [t for t in replies(h) if "huge.csv" in t])[0]
    assert "50" in text and len(h.fake.downloads) == downloads
