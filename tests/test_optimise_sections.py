"""The template's optimise and feedback sections, and which periods get them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.admin import history
from bot.core.service import Feedsum, Refused
from bot.model.config import parse_reports
from bot.model.templates import TEMPLATES
from storage import Store, migrations
from storage.db import connect, transaction

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SH)
OLD_KEYS = ["results", "data", "lessons", "solutions", "plan", "team", "market"]
NEW_KEYS = ["results", "data", "lessons", "solutions", "plan", "optimise", "team", "market", "feedback"]


def test_the_template_follows_the_guides_order_in_both_languages():
    assert list(TEMPLATES["feed-ads"]) == NEW_KEYS
    for key in ("optimise", "feedback"):
        for part in ("title", "prompt"):
            texts = TEMPLATES["feed-ads"][key][part]
            assert set(texts) == {"zh-CN", "en"} and all(v.strip() for v in texts.values())
    assert "A/B" in TEMPLATES["feed-ads"]["optimise"]["title"]["en"]


def _reports():
    default, listed = parse_reports({"reports": [
        {"id": "dflt", "name": "D", "channel": "C0AAAAAAA", "admins": ["U0ADMIN01"]},
        {"id": "lst", "name": "L", "channel": "C0BBBBBBB", "admins": ["U0ADMIN01"],
         "sections": [{"key": "results"}, {"key": "data"}, {"key": "plan"}]},
    ]}, file="t.toml")
    return replace(default, team_id="T1"), replace(listed, team_id="T1")


def _store(store, report):
    store.reports.upsert("T1", report.to_dict(), actor="config", now=NOW)


@pytest.fixture
def upgraded(tmp_path, monkeypatch):
    """A database that ran feedsum before the template had optimise/feedback, then upgraded."""
    default, listed = _reports()
    before = [m for m in migrations.MIGRATIONS if m.__name__ < "m012"]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    db = connect(tmp_path / "f.db")
    migrations.migrate(db)
    store = Store(db)
    old_default = replace(default, sections=tuple(s for s in default.sections if s.key in OLD_KEYS))
    _store(store, old_default)
    _store(store, listed)
    for report in (old_default, listed):
        store.periods.open("T1", report.id, "2026-10", by="U0ADMIN01", due_at=NOW, now=NOW)
        store.periods.open("T1", report.id, "2026-11", by="U0ADMIN01", due_at=NOW, now=NOW)
    for key in OLD_KEYS:
        store.answers.save("T1", "dflt", "2026-11", key, text="x", author="U0ADMIN01", via="test", now=NOW)
    monkeypatch.undo()
    assert "m012_optimise" in migrations.migrate(db)
    _store(store, default)  # the config file is read again at start-up: now nine sections by default
    return Feedsum(store, outbox=None), default, listed


def test_periods_opened_before_the_upgrade_keep_their_sections(upgraded):
    core, default, listed = upgraded
    old = core.summary(default, "2026-11", NOW, with_metrics=False)
    assert [s.key for s in old.sections] == OLD_KEYS
    assert old.done == 7 and not old.missing  # not "2 sections missing" in a month collected without them
    assert core.period_state(default, "2026-11", NOW).all_submitted
    with pytest.raises(Refused):
        core.section_for_writing(default, "2026-11", "optimise", "U0ADMIN01", NOW)
    with pytest.raises(Refused):
        core.submit(default, "2026-11", "feedback", "U0ADMIN01", "late", NOW, via="test")
    rows = {h.period: (h.done, h.total) for h in history(core, default)}
    assert rows["2026-11"] == (7, 7) and rows["2026-10"] == (0, 7)


def test_reports_on_the_default_set_get_them_from_the_next_period(upgraded):
    core, default, _ = upgraded
    nxt = core.summary(default, "2026-12", NOW, with_metrics=False)
    assert [s.key for s in nxt.sections] == NEW_KEYS
    core.store.periods.open("T1", "dflt", "2026-12", by="U0ADMIN01", due_at=NOW, now=NOW)
    assert [s.key for s in core.summary(default, "2026-12", NOW, with_metrics=False).sections] == NEW_KEYS
    _, state = core.section_for_writing(default, "2026-12", "optimise", "U0ADMIN01", NOW)
    assert state.title == "优化与 A/B 测试"


def test_reports_that_list_their_sections_keep_them(upgraded):
    core, _, listed = upgraded
    for period in ("2026-11", "2026-12"):
        assert [s.key for s in core.summary(listed, period, NOW, with_metrics=False).sections] == [
            "results", "data", "plan"]


def test_an_old_period_loses_a_section_the_report_dropped(upgraded):
    core, default, _ = upgraded
    fewer = replace(default, sections=tuple(s for s in default.sections if s.key != "market"))
    assert "market" not in [s.key for s in core.summary(fewer, "2026-11", NOW, with_metrics=False).sections]


def test_a_new_database_has_no_frozen_periods(tmp_path):
    store = Store.open(tmp_path / "n.db")
    default, _ = _reports()
    _store(store, default)
    store.periods.open("T1", "dflt", "2026-11", by="U0ADMIN01", due_at=NOW, now=NOW)
    core = Feedsum(store, outbox=None)
    assert [s.key for s in core.summary(default, "2026-11", NOW, with_metrics=False).sections] == NEW_KEYS


def test_an_unknown_section_is_refused_with_the_sections_there_are(harness):
    reply = harness.command("write nosuch 2026-11", user="U0OWNERA1")
    text = json.dumps(reply.json(), ensure_ascii=False)
    assert "没有「nosuch」这个部分" in text and "results, data" in text


def test_snapshots_stored_before_creatives_keep_working(tmp_path, monkeypatch):
    """Rows stored before the creative column existed read as rows without a creative; the same
    file imported again with its creatives now read adds them, and saved comparisons still load."""
    import hashlib

    from bot.core.optimise import form
    from bot.data.metrics import Metrics
    from bot.insight.abtest import VariantKey, catalogue

    default, _listed = _reports()
    csv = ("时间,项目名称,单元名称,素材名称,展示数,点击数,消耗,转化数\n"
           "2026-11-02,春季拉新,素材A,视频1,50000,1000,500,20\n2026-11-02,春季拉新,素材A,视频2,50000,1200,500,20\n")
    # The digest the previous version gave this file (read without its creatives).
    old = hashlib.sha256(csv.encode())
    old.update(repr(("auto", [], None, None, None)).encode())
    before = [m for m in migrations.MIGRATIONS if m.__name__ < "m014"]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    db = connect(tmp_path / "f.db")
    migrations.migrate(db)
    store = Store(db)
    _store(store, default)
    with transaction(db) as conn:  # an import as the previous version stored it
        conn.execute("INSERT INTO snapshots (team_id, report_id, period, source, file_hash, pulled_at, rows, dropped) "
                     "VALUES ('T1', 'dflt', '2026-11', 'file:nov.csv', ?, '2026-11-20T00:00:00+00:00', 2, 0)",
                     (old.hexdigest(),))
        conn.executemany("INSERT INTO metric_rows (snapshot_id, date, platform, account, campaign, ad_group, "
                         "campaign_id, impressions, clicks, spend, conversions, revenue) "
                         "VALUES (1, '2026-11-01', '巨量引擎', NULL, '春季拉新', ?, NULL, 50000, ?, 500, 20, NULL)",
                         [("素材A", 1000), ("素材B", 1300)])
    store.periods.open("T1", "dflt", "2026-11", by="U0ADMIN01", due_at=NOW, now=NOW)
    a, b = (VariantKey("ad_group", "巨量引擎", "春季拉新", g) for g in ("素材A", "素材B"))
    store.comparisons.set("T1", "dflt", "2026-11", [[a.to_dict(), b.to_dict()]], by="U0ADMIN01", now=NOW)
    monkeypatch.undo()
    assert migrations.migrate(db) == ["m014_creatives"]
    core = Feedsum(store, outbox=None, data=Metrics(store))
    rows = core.data.rows(default, "2026-11")
    assert rows["creative"].isna().all() and rows["clicks"].sum() == 2_300
    assert {f.key.level for f in catalogue(rows)} == {"campaign", "ad_group"}
    ab = form(core, default, "2026-11")
    assert [c.keys for c in ab.chosen] == [(a, b)] and ab.chosen[0].ctr.outcome == "winner"
    # That file imported again is read with its creatives now: a new snapshot, and the third level.
    assert core.data.import_file(default, csv.encode(), name="nov.csv", origin="test", now=NOW).new == 1
    cat = form(core, default, "2026-11").catalogue
    assert [f.key.name for f in cat if f.key.level == "creative"] == ["视频1", "视频2"]


def test_a_months_comparison_counts_that_months_rows_only(tmp_path):
    """One file spans October and November with opposite winners: each month's comparison
    is computed from its own rows (the file is split into one snapshot per month)."""
    from bot.core.optimise import form, save
    from bot.data.metrics import Metrics
    from bot.insight.abtest import VariantKey

    default, _listed = _reports()
    store = Store.open(tmp_path / "f.db")
    _store(store, default)
    core = Feedsum(store, outbox=None, data=Metrics(store))
    csv = ("时间,项目名称,单元名称,展示数,点击数,消耗,转化数\n"
           "2026-10-31,春季拉新,素材A,100000,2600,5000,100\n2026-10-31,春季拉新,素材B,100000,2000,5000,100\n"
           "2026-11-01,春季拉新,素材A,100000,2000,5000,100\n2026-11-01,春季拉新,素材B,100000,2600,5000,100\n")
    core.data.import_file(default, csv.encode(), name="oct-nov.csv", origin="test", now=NOW)
    a, b = (VariantKey("ad_group", "巨量引擎", "春季拉新", g) for g in ("素材A", "素材B"))
    for period, leader in (("2026-10", 0), ("2026-11", 1)):
        store.periods.open("T1", "dflt", period, by="U0ADMIN01", due_at=NOW, now=NOW)
        save(core, default, period, "U0ADMIN01", [[a.id, b.id]], [], NOW)
        [c] = form(core, default, period).chosen
        assert [v.impressions for v in c.variants] == [100_000, 100_000]
        assert c.ctr.outcome == "winner" and c.ctr.best == leader and c.caveats == ()
