"""Ad data in Slack: shared exports, KPI highlights and chart, prompts with numbers, targets, claims."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.runner import tick
from tests import hostile_xlsx as hx
from tests.slack_harness import ADMIN, CHANNEL, CONFIG, OWNER_A, OWNER_B, Harness, modal_values

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

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


def share(h, name: str, data: bytes, user: str = ADMIN, channel: str = CHANNEL, file_id: str = "F1",
          text: str | None = None):
    h.fake.add_file(file_id, name, data, user, channel=channel, text=text)
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
    assert "第 3 行" in text and "“总花费(元)”列" in text and "abc" in text  # in the report's locale
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None


def test_files_from_non_admins_are_not_imported(harness):
    h = harness
    share(h, "nov.csv", NOV, user=OWNER_A)
    h.idle()
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
    from bot.model.config import parse_reports

    h = Harness(tmp_path, clock, config=config)
    try:
        # Relative paths resolve against the config file's folder.
        from feedsum.root import sync_reports

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


# --- honest KPIs: coverage, pacing, provisional notes -----------------------------------------

# Tencent reports revenue, Ocean Engine does not: ROI covers Tencent's 2,500 of 12,500 spent (20%).
TENCENT_NOV = ("日期\t广告名称\t花费\t曝光次数\t点击次数\t点击率\t下单金额\t下单次数\n"
               "2026/11/1\t朋友圈-年货节\t1000.00\t20000\t400\t2.00%\t4000.00\t20\n"
               "2026/11/2\t朋友圈-年货节\t1500.00\t30000\t600\t2.00%\t6000.00\t30\n").encode("utf-8-sig")


def _harness(tmp_path, clock, **report):
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0].update(report)
    h = Harness(tmp_path, clock, config=config)
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    h.core.data.import_file(h.report, NOV, name="nov.csv", origin="test", now=h.clock())
    h.core.data.import_file(h.report, TENCENT_NOV, name="tencent.tsv", origin="test", now=h.clock())
    return h


def _main_post(h) -> str:
    h.command(f"compile {PERIOD}")
    main = h.wait_for(lambda: h.fake.posted(CHANNEL))[0]
    return json.dumps(main["blocks"], ensure_ascii=False)


def _roi_field(h) -> str:
    main = h.fake.posted(CHANNEL)[0]
    fields = next(b for b in main["blocks"] if b.get("fields"))["fields"]
    return next(f["text"] for f in fields if f["text"].startswith("*RO"))


def test_posted_roi_says_which_rows_it_covers(tmp_path, clock):
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=SH)
    h = _harness(tmp_path, clock)
    try:
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
        _main_post(h)
        roi = _roi_field(h)
        assert roi.startswith("*ROI（收入÷消耗）*\n4.00 · 仅腾讯广告，占消耗 20%")
        assert "收入 1.00万元 ÷ 消耗 2,500.00 元" in roi  # the same rows as the ratio, not 1.25万 spent
    finally:
        h.close()


def test_en_report_with_profit_roi_names_revenue_over_spend_roas(tmp_path, clock):
    h = _harness(tmp_path, clock, locale="en", roi="profit")
    try:
        kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
        from handlers.render import kpi_fields

        roi = next(f for f in kpi_fields(kpi, "en") if f.startswith("*RO"))
        assert roi.startswith("*ROI ((revenue − spend) ÷ spend)*\n3.00 · 腾讯广告 only, 20% of spend")
        assert "Revenue ¥10,000.00 ÷ spend ¥2,500.00" in roi
        modal = h.core.summary(h.report, PERIOD, h.clock())
        from handlers.render import _target_inputs

        labels = [b.to_dict()["label"]["text"] for b in _target_inputs(modal, {}) if hasattr(b, "label")]
        assert "ROAS (revenue ÷ spend)" in labels
    finally:
        h.close()


def test_provisional_note_in_prompt_and_preview_never_in_the_post(tmp_path, clock):
    h = _harness(tmp_path, clock, budget=20_000)
    note = "转化数据可能仍在回传"
    try:
        h.command(f"open {PERIOD}")
        prompt = h.wait_for(lambda: [m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|data:U0OWNERB1")])[0]
        text = json.dumps(prompt["blocks"], ensure_ascii=False)
        assert note in text and "预计月底消耗" in text  # Nov 26: the month still runs
        h.command(f"compile {PERIOD} --preview")
        preview = h.wait_for(lambda: [c for c in h.fake.calls_to("chat.postEphemeral") if "blocks" in c.params
                                      and "预计月底消耗" in json.dumps(c.params["blocks"], ensure_ascii=False)])
        assert note in json.dumps(preview[0].params["blocks"], ensure_ascii=False)
        clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=SH)  # due: the month is over
        posted = _main_post(h)
        assert note not in posted and "预计" not in posted
        assert "本月消耗 1.25万元，使用预算 62%（预算 2.00万元）" in posted
        assert note not in json.dumps(h.fake.posted(CHANNEL), ensure_ascii=False)
    finally:
        h.close()


def test_posted_pacing_after_the_month_says_how_far_over_budget(tmp_path, clock):
    clock.now = datetime(2026, 12, 2, 12, 0, tzinfo=SH)
    h = _harness(tmp_path, clock, budget=10_000, locale="en")
    try:
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
        posted = _main_post(h)
        assert "Spend ¥12,500.00: 25.0% over budget (¥10,000.00)" in posted
        assert "projected" not in posted and "heading" not in posted
    finally:
        h.close()


def test_exports_show_local_times_and_what_each_kpi_covers(tmp_path):
    import csv
    import io
    from datetime import UTC

    import openpyxl

    from tests.slack_harness import Clock, modal_values

    clock = Clock(datetime(2026, 12, 2, 4, 0, tzinfo=UTC))  # the bot's clock runs in UTC: 12:00 in Shanghai
    h = _harness(tmp_path, clock, budget=10_000)
    try:
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
        modal = h.modal_for("results", OWNER_A, PERIOD)
        h.submit_view(modal, modal_values(modal, "上线 3 条计划"), OWNER_A)
        _main_post(h)
        # The post (and its chart upload) is done before any export is asked for.
        h.wait_for(lambda: h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).state == "posted")

        def export(fmt, _):
            before = len(h.fake.calls_to("files.completeUploadExternal"))
            h.command(f"export {PERIOD} {fmt}", user=OWNER_A)
            h.wait_for(lambda: len(h.fake.calls_to("files.completeUploadExternal")) > before)
            files = h.fake.calls_to("files.completeUploadExternal")[-1].params["files"]
            files = json.loads(files) if isinstance(files, str) else files
            return h.fake.uploads[files[0]["id"]]

        rows = list(csv.reader(io.StringIO(export("csv", 0).decode("utf-8-sig"))))
        assert rows[1][0] == "results" and rows[1][3] == "2026-12-02 12:00 UTC+08:00"
        md = export("md", 1).decode("utf-8")
        assert "更新于 2026-12-02 12:00 UTC+08:00" in md and "04:00" not in md
        assert "- **ROI（收入÷消耗）** — 4.00 · 仅腾讯广告，占消耗 20% — 收入 1.00万元 ÷ 消耗 2,500.00 元" in md
        assert "本月消耗 1.25万元，超出预算 25.0%" in md and "转化数据可能仍在回传" not in md
        wb = openpyxl.load_workbook(io.BytesIO(export("xlsx", 2)))
        kpis = {r[0]: r for r in wb["KPIs"].iter_rows(values_only=True)}
        assert kpis["roas"][1:] == (4.0, "ROI（收入÷消耗）", "仅腾讯广告，占消耗 20%（收入 1.00万元 ÷ 消耗 2,500.00 元）")
        assert kpis["spend"][3] is None  # every row
        assert next(wb["Sections"].iter_rows(min_row=2, values_only=True))[3] == "2026-12-02 12:00 UTC+08:00"
    finally:
        h.close()


def test_already_posted_refusal_shows_local_time_and_a_link(tmp_path):
    from datetime import UTC

    from tests.slack_harness import Clock

    h = _harness(tmp_path, Clock(datetime(2026, 12, 2, 4, 0, tzinfo=UTC)))
    try:
        h.core.open(h.report, PERIOD, ADMIN, h.clock())
        _main_post(h)
        h.wait_for(lambda: h.core.summary(h.report, PERIOD, h.clock(), with_metrics=False).state == "posted")
        h.command(f"compile {PERIOD}")
        text = h.wait_for(lambda: [x["text"] for x in h.fake.responses if "已于" in (x.get("text") or "")])[0]
        assert "已于 2026-12-02 12:00 发布" in text and f"{h.fake.url}/archives/{h.report.channel}/p" in text
    finally:
        h.close()


def test_a_period_report_is_filed_under_the_month_named_in_the_sharing_message(harness):
    from tests.export_fixtures import chinese_period_report

    h = harness
    data = chinese_period_report("2026-10-20至2026-11-19").data
    share(h, "month.csv", data, file_id="F21")
    text = h.wait_for(lambda: [t for t in replies(h) if "month.csv" in t])[0]
    # Refused in the report's language, quoting the period and saying how to fix it from Slack.
    assert "2026-10-20至2026-11-19" in text and "跨了不止一个自然月" in text and "在消息里写明月份" in text
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None
    share(h, "month.csv", data, file_id="F22", text="<@U0BOTUSER> 11月的巨量数据")
    text = h.wait_for(lambda: [t for t in replies(h) if "month.csv" in t and "已导入" in t])[0]
    assert "2026-11" in text and "记入 2026-11" in text
    kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
    assert kpi is not None and kpi.totals["clicks"] > 0


def test_the_import_answer_names_unused_columns_and_missing_measures(harness):
    h = harness
    data = "日期,推广计划,展现,消费,出站点击\n2026-11-03,A,1000,20.5,7\n".encode()
    share(h, "noclicks.csv", data, file_id="F23")
    text = h.wait_for(lambda: [t for t in replies(h) if "noclicks.csv" in t])[0]
    assert "已导入" in text and "请注意" in text
    assert "“出站点击”列像是点击，但没有被读取" in text
    assert "没有点击列：点击率、点击单价、转化率 无值（—）" in text


def test_a_configured_source_names_the_month_and_the_platform(tmp_path, clock):
    from bot.model.config import parse_reports
    from tests.export_fixtures import google_campaign_report, pinterest_mapped

    exports = tmp_path / "exports"
    exports.mkdir()
    google_campaign_report("27 October 2026 - 23 November 2026", first=date(2026, 10, 27)).write(exports)
    (tmp_path / "pins").mkdir()
    pinterest_mapped().write(tmp_path / "pins")
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["metrics"] = [
        {"path": "exports/*.csv", "month": "2026-11"},
        {"path": "pins/*.csv", "platform": "Pinterest",
         "columns": {"clicks": "Pin clicks", "spend": "Spend in account currency"}}]
    h = Harness(tmp_path, clock, config=config)
    try:
        [report] = parse_reports(config, file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
        report = dataclasses.replace(report, team_id=h.fake.team_id)
        pulls = h.core.data.pull(report, PERIOD, h.clock())
        assert [p.error for p in pulls] == [None, None]
        outcomes = [p.outcome for p in pulls]
        assert [sorted(o.periods) for o in outcomes] == [["2026-11"], ["2026-11"]]
        assert any("2026-11" in w for w in outcomes[0].warnings)
        rows = h.core.data.rows(report, PERIOD)
        assert set(rows["platform"]) == {"Google Ads", "Pinterest"}
        no_month = {"path": "exports/*.csv"}  # the same report, the month not named
        [report] = parse_reports({**config, "reports": [{**config["reports"][0], "metrics": [no_month]}]},
                                 file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
        [pull] = h.core.data.pull(report, PERIOD, h.clock())
        assert "月" in pull.error and 'month = "YYYY-MM"' in pull.error  # in the report's locale
        assert "27 October 2026 - 23 November 2026" in pull.error
    finally:
        h.close()
# --- files within bounds, imports in chunks ------------------------------------------------------

def big_csv(n: int) -> bytes:
    """`n` rows of November: 100 impressions, 2 clicks, 1.00 spend each."""
    lines = ["时间,广告组,展示数,点击数,总花费(元)"]
    lines += [f"2026-11-{i % 30 + 1:02d},计划{i % 40},100,2,1.00" for i in range(n)]
    return ("\n".join(lines) + "\n").encode()


def test_hostile_workbooks_are_answered_in_the_reports_language(harness):
    h = harness
    share(h, "wide.xlsx", hx.padded(300), file_id="FW")  # 16,384 columns claimed in a few KB
    text = h.wait_for(lambda: [t for t in replies(h) if "wide.xlsx" in t])[0]
    assert "无法导入" in text and "16,384 列" in text and "1,000 列" in text
    share(h, "lol.xlsx", hx.laughs_in_sheet(), file_id="FL")  # billion laughs
    text = h.wait_for(lambda: [t for t in replies(h) if "lol.xlsx" in t])[0]
    assert "无法导入" in text and "XML 实体" in text
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None


def test_an_import_that_fails_half_way_keeps_nothing_and_says_so(harness, monkeypatch):
    from bot.data import metrics
    h = harness
    monkeypatch.setattr(metrics, "IMPORT_CHUNK_ROWS", 200, raising=False)
    pages = h.db.conn.execute("PRAGMA page_count").fetchone()[0]
    h.db.conn.execute(f"PRAGMA max_page_count = {pages + 8}")  # the disk fills up after a few chunks
    try:
        share(h, "big.csv", big_csv(3000))
        text = h.wait_for(lambda: [t for t in replies(h) if "big.csv" in t])[0]
    finally:
        h.db.conn.execute("PRAGMA max_page_count = 1073741823")
    assert "无法导入" in text and "没有导入任何数据" in text
    counts = h.db.conn.execute("SELECT (SELECT COUNT(*) FROM snapshots), (SELECT COUNT(*) FROM metric_rows)").fetchone()
    assert counts == (0, 0)  # the chunks that went in were deleted again
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None
    share(h, "big.csv", big_csv(3000), file_id="F2")  # with room again the same file goes in whole
    h.wait_for(lambda: [t for t in replies(h) if "big.csv" in t and "3000" in t])
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi.totals["clicks"] == 6000


def test_people_keep_writing_while_a_big_import_is_half_way(harness, monkeypatch):
    """The database is not held for the whole import, and a half-inserted file never counts."""
    from bot.data import metrics
    from storage.snapshots import Snapshots

    h = harness
    monkeypatch.setattr(metrics, "IMPORT_CHUNK_ROWS", 100)
    h.core.open(h.report, PERIOD, ADMIN, h.clock())
    insert, half_way, go_on = Snapshots.add_rows, threading.Event(), threading.Event()

    def insert_then_hold(self, sid, rows):
        insert(self, sid, rows)
        if not half_way.is_set():  # hold the import after its first chunk
            half_way.set()
            assert go_on.wait(10)

    monkeypatch.setattr(Snapshots, "add_rows", insert_then_hold)
    share(h, "big.csv", big_csv(1000))
    assert half_way.wait(10)
    try:
        modal = h.modal_for("results", OWNER_A, PERIOD)  # Write opens the form
        assert h.submit_view(modal, modal_values(modal, "写到一半也能保存"), OWNER_A).body == ""
        summary = h.core.summary(h.report, PERIOD, h.clock())
        assert summary.sections[0].text == "写到一半也能保存" and summary.kpi is None  # 100 of 1,000 rows: not counted
    finally:
        go_on.set()
    h.wait_for(lambda: [t for t in replies(h) if "big.csv" in t])
    assert h.core.summary(h.report, PERIOD, h.clock()).kpi.totals["clicks"] == 2000
