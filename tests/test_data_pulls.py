"""Configured data while people write: pulled at open, each business day, before every post and on
`/feedsum refresh`; every view says how fresh it is; a failing source is told to the admins once."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.runner import tick
from bot.model.config import parse_reports
from bot.planning.schedule import (
    PeriodState,
    ReportPlan,
    Schedule,
    due_actions,
    next_actions,
    shift_period,
    timeline,
)
from feedsum.root import sync_reports
from tests.slack_harness import ADMIN, CHANNEL, CONFIG, OWNER_A, OWNER_B, Harness, modal_values

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

SH = ZoneInfo("Asia/Shanghai")
POSTED = PeriodState(opened=True, posted=True)
PERIOD = "2026-11"
NOV = ("时间,广告组,展示数,点击数,点击率(%),总花费(元),转化数\n"
       "2026-11-01,计划A,10000,1000,10.00,\"1,000.00\",50\n"
       "2026-11-02,计划A,100000,100,0.10,\"9,000.00\",50\n").encode()
QUERY = ("SELECT day AS date, platform, campaign, SUM(impressions) AS impressions, SUM(clicks) AS clicks, "
         "SUM(spend) AS spend FROM ads WHERE day BETWEEN :start AND :end GROUP BY day, platform, campaign")


def sourced(tmp_path, clock, *, sql: bool = False, locale: str | None = None, config_extra=None) -> Harness:
    """A harness whose report pulls `exports/*.csv` (and a SQLite warehouse) next to its config file."""
    exports = tmp_path / "exports"
    exports.mkdir(exist_ok=True)
    (exports / "nov.csv").write_bytes(NOV)
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["metrics"] = [{"path": "exports/*.csv"}]
    if sql:
        config["reports"][0]["metrics"].append({"url": "warehouse.db", "query": QUERY})
    if locale:
        config["reports"][0]["locale"] = locale
    config["reports"][0].update(config_extra or {})
    h = Harness(tmp_path, clock, config=config)
    [r] = parse_reports(config, file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
    sync_reports(h.core, [r], h.fake.team_id, clock())
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    return h


def warehouse(path, rows=(("2026-11-03", "百度", "品牌词", 1000, 100, 500.0),)):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE ads (day TEXT, platform TEXT, campaign TEXT, impressions REAL, clicks REAL, "
                     "spend REAL)")
        conn.executemany("INSERT INTO ads VALUES (?,?,?,?,?,?)", rows)


def answered(h, word: str, before: int = 0) -> str:
    """The text of the first response_url answer after `before` containing `word`."""
    def found():
        return [x.get("text") or "" for x in h.fake.responses[before:] if word in (x.get("text") or "")]
    return h.wait_for(found)[0]


def dm_texts(h, user: str) -> list[str]:
    return [m["text"] or "" for m in h.fake.posted("D" + user[1:])]


def blocks_text(message) -> str:
    blocks = message["blocks"] if isinstance(message, dict) else message
    return json.dumps(json.loads(blocks) if isinstance(blocks, str) else blocks, ensure_ascii=False)


# --- end to end ------------------------------------------------------------------------------

def test_open_pulls_configured_sources_into_the_data_prompt(tmp_path, clock):
    h = sourced(tmp_path, clock)
    try:
        h.command(f"open {PERIOD}")
        answered(h, "2026年11月")
        prompt = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|data:U0OWNERB1"))
        text = blocks_text(prompt)
        assert "1.00%" in text and '"action_id": "draft"' in text  # CTR 1,100 / 110,000, and Draft from data
        assert "数据更新于 11-26 10:00" in text
        # Draft from data says how fresh its numbers are, too.
        h.click("draft", json.dumps({"r": "feed-ads", "p": PERIOD, "s": "data"}), OWNER_B)
        view = h.wait_for(lambda: h.fake.calls_to("views.open"))[-1].params["view"]
        assert "点击率 1.00%" in blocks_text(view) and "数据更新于 11-26 10:00" in blocks_text(view)
    finally:
        h.close()


def test_refresh_answers_per_source_and_refuses_non_admins(tmp_path, clock):
    warehouse(tmp_path / "warehouse.db")
    h = sourced(tmp_path, clock, sql=True)
    try:
        refusal = h.answer(f"refresh {PERIOD}", user=OWNER_A)["text"]  # after Slack said who they are
        assert "管理员" in refusal and "refresh" in refusal and f"<@{ADMIN}>" in refusal
        assert h.core.summary(h.report, PERIOD, h.clock()).kpi is None

        r = h.command(f"refresh {PERIOD}")
        assert r.status == 200 and "处理中" in r.json()["text"]  # the pull itself runs after the ack
        text = answered(h, "exports/nov.csv")
        assert "warehouse.db" in text and "2 行" in text and "1 行" in text
        assert "2026-11" in text and "1.00万元" in text and "500.00 元" in text  # per-month totals per source
        assert "数据更新于 11-26 10:00" in text
        snapshots = len(h.store.snapshots.of(h.report.team_id, h.report.id, PERIOD))
        kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
        assert kpi.totals["clicks"] == 1100 + 100

        # Unchanged sources add nothing, and the answer says so.
        h.clock.now += timedelta(hours=2)
        before = len(h.fake.responses)
        h.command(f"refresh {PERIOD}")
        text = answered(h, "exports/nov.csv", before)
        assert text.count("未变化") == 2 and "数据更新于 11-26 12:00" in text
        assert len(h.store.snapshots.of(h.report.team_id, h.report.id, PERIOD)) == snapshots
    finally:
        h.close()


def test_refresh_without_sources_says_how_to_add_one(harness):
    r = harness.command(f"refresh {PERIOD}")
    assert "[[reports.metrics]]" in r.json()["text"]


def test_hand_compile_carries_the_kpi_highlights(tmp_path, clock):
    h = sourced(tmp_path, clock)
    try:
        h.command(f"compile {PERIOD}")
        answered(h, "已发布")
        main = h.fake.posted(CHANNEL)[0]
        fields = next(b for b in main["blocks"] if b.get("fields"))["fields"]
        assert any("CTR" in f["text"] and "1.00%" in f["text"] for f in fields)
    finally:
        h.close()


def test_failing_source_is_told_to_admins_once_per_distinct_error(tmp_path, clock):
    h = sourced(tmp_path, clock, sql=True)  # warehouse.db does not exist yet
    try:
        h.command(f"refresh {PERIOD}")
        text = answered(h, "warehouse.db")
        assert "⚠️" in text and "1.00万元" in text  # the file still imported beside the failing source
        told = [t for t in dm_texts(h, ADMIN) if "warehouse.db" in t]
        assert len(told) == 1 and "没有这个 SQLite 数据库" in told[0]  # in the report's language
        assert not [t for t in dm_texts(h, OWNER_A) if "warehouse.db" in t]
        assert h.core.summary(h.report, PERIOD, h.clock()).kpi.totals["clicks"] == 1100

        # The scheduled open and daily pulls hit the same error: nobody is told again.
        tick(h.core, datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH))
        tick(h.core, datetime(2026, 11, 27, 10, 0, 30, tzinfo=SH))
        before = len(h.fake.responses)
        h.command(f"refresh {PERIOD}")
        answered(h, "warehouse.db", before)
        assert len([t for t in dm_texts(h, ADMIN) if "warehouse.db" in t]) == 1

        # A different error is news.
        with sqlite3.connect(tmp_path / "warehouse.db") as conn:
            conn.execute("CREATE TABLE other (x)")
        before = len(h.fake.responses)
        h.command(f"refresh {PERIOD}")
        answered(h, "warehouse.db", before)
        told = [t for t in dm_texts(h, ADMIN) if "warehouse.db" in t]
        assert len(told) == 2 and "no such table" in told[1]
    finally:
        h.close()


def test_scheduled_pull_updates_the_prompts_status_and_home(tmp_path, clock):
    h = sourced(tmp_path, clock)
    try:
        tick(h.core, datetime(2026, 11, 26, 10, 0, 30, tzinfo=SH))  # the scheduled open pulls first
        prompt = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|data:U0OWNERB1"))
        assert "1.00%" in blocks_text(prompt)
        # Next business day: a new export arrived; the pull imports it and redraws the data prompt.
        (tmp_path / "exports" / "nov2.csv").write_bytes(
            NOV.replace(b"2026-11-01", b"2026-11-05").replace(b"2026-11-02", b"2026-11-06"))
        updates = len(h.fake.calls_to("chat.update"))
        now = datetime(2026, 11, 27, 10, 0, 30, tzinfo=SH)
        lines = tick(h.core, now)
        assert any(" pull " in line for line in lines)
        redrawn = [c for c in h.fake.calls_to("chat.update")[updates:] if c.params["ts"] == prompt["ts"]]
        assert redrawn and "数据更新于 11-27 10:00" in blocks_text(redrawn[-1].params["blocks"])
        assert "2.00万元" in blocks_text(redrawn[-1].params["blocks"])  # both exports' spend now
        assert tick(h.core, now + timedelta(minutes=5)) == []  # once a day

        h.clock.now = now
        status = blocks_text(h.command(f"status {PERIOD}", user=OWNER_A).json()["blocks"])
        assert "数据更新于 11-27 10:00" in status
        before = len(h.fake.calls_to("views.publish"))
        h.event({"type": "app_home_opened", "user": OWNER_B, "channel": "D0HOME", "tab": "home", "event_ts": "1.1"},
                event_id="EvHome1")
        h.wait_for(lambda: len(h.fake.calls_to("views.publish")) > before)
        assert "数据更新于 11-27 10:00" in blocks_text(h.fake.calls_to("views.publish")[-1].params["view"]["blocks"])
    finally:
        h.close()


def test_claim_check_says_how_fresh_its_data_is(tmp_path, clock):
    h = sourced(tmp_path, clock)
    try:
        h.command(f"open {PERIOD}")
        answered(h, "2026年11月")
        modal = h.modal_for("lessons", OWNER_A, PERIOD)
        h.submit_view(modal, modal_values(modal, "本月点击率 3.50%。"), OWNER_A)
        warning = h.wait_for(lambda: [t for t in dm_texts(h, OWNER_A) if t.startswith("🔎")])
        assert "数据更新于 11-26 10:00" in warning[0]
    finally:
        h.close()


def test_english_report_says_data_as_of_in_its_time_zone(tmp_path, clock):
    h = sourced(tmp_path, clock, locale="en", config_extra={"timezone": "America/New_York"})
    try:
        h.clock.now = datetime(2026, 12, 1, 15, 5, tzinfo=UTC)
        h.command(f"refresh {PERIOD}")
        assert "Data as of Dec 1, 10:05" in answered(h, "exports/nov.csv")
    finally:
        h.close()


# --- the planner (pure) ----------------------------------------------------------------------

@pytest.mark.parametrize(("period", "window"), [
    ("2026-11", ["11-26", "11-27", "11-30", "12-01", "12-02"]),  # the weekend skipped
    ("2026-09", ["09-28", "09-29", "09-30", "10-08", "10-09"]),  # National Day week skipped
])
def test_planner_emits_one_pull_per_business_day_of_the_window(period, window):
    plan = ReportPlan("r1", "Asia/Shanghai", "CN", Schedule(), pull=True)
    tl = timeline(plan, period)
    previous = shift_period(period, -1)
    done: set[str] = set()
    pulls = []
    now = tl.open_at - timedelta(days=3)
    while now < tl.due_at:  # every ten minutes through the window, doing what is due
        state = {("r1", period): PeriodState(done_keys=frozenset(done)), ("r1", previous): POSTED}
        for a in due_actions([plan], state, now):
            if a.period == period:
                pulls += [a.at] if a.kind == "pull" else []
                done.add(a.key)
        now += timedelta(minutes=10)
    assert [f"{p:%m-%d}" for p in pulls] == window
    assert {f"{p:%H:%M}" for p in pulls} == {"10:00"}  # at the open time, the due day's before due
    # A report without sources pulls nothing; status lists no pulls.
    bare = ReportPlan("r1", "Asia/Shanghai", "CN", Schedule())
    assert not [a for a in due_actions([bare], {}, datetime(2026, 11, 27, 11, tzinfo=SH)) if a.kind == "pull"]
    assert all(a.kind != "pull" for a in next_actions(plan, None, datetime(2026, 11, 26, 9, tzinfo=SH), limit=10))


def test_planner_catches_up_a_missed_pull_once_and_never_once_due():
    plan = ReportPlan("r1", "Asia/Shanghai", "CN", Schedule(), pull=True)
    st = PeriodState(opened=True, done_keys=frozenset({"open", "pull:2026-11-26"}))
    # Down over the weekend: Friday's pull runs late, once.
    late = [a for a in due_actions([plan], {("r1", PERIOD): st, ("r1", "2026-10"): POSTED},
                                   datetime(2026, 11, 29, 9, tzinfo=SH))]
    assert [a.key for a in late] == ["pull:2026-11-27"]
    # At due the post pulls by itself: no separate pull.
    due = due_actions([plan], {("r1", PERIOD): st}, datetime(2026, 12, 2, 12, 0, 30, tzinfo=SH))
    assert [a.kind for a in due if a.period == PERIOD] == ["due"]  # and December's window has not begun
    # Posted: nothing.
    assert due_actions([plan], {("r1", PERIOD): POSTED, ("r1", "2026-10"): POSTED},
                       datetime(2026, 11, 30, 11, tzinfo=SH)) == []


def test_refresh_answer_gives_warnings_and_refusals_in_the_reports_language(tmp_path, clock):
    from tests.export_fixtures import chinese_period_report

    h = sourced(tmp_path, clock)
    try:
        (tmp_path / "exports" / "oct-nov.csv").write_bytes(chinese_period_report("2026-10-20至2026-11-19").data)
        h.command(f"refresh {PERIOD}")
        text = answered(h, "exports/oct-nov.csv")
        assert "没有收入列：ROI 无值（—）" in text  # nov.csv imported, with what it lacks
        assert "2026-10-20至2026-11-19" in text and "跨了不止一个自然月" in text and 'month = "YYYY-MM"' in text
    finally:
        h.close()
