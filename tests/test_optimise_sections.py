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
from storage import db as dbmod
from storage import repo

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


def _store(db, report):
    repo.upsert_report(db, "T1", report.to_dict(), actor="config", now=NOW)


@pytest.fixture
def upgraded(tmp_path, monkeypatch):
    """A database that ran feedsum before the template had optimise/feedback, then upgraded."""
    default, listed = _reports()
    before = [m for m in dbmod.MIGRATIONS if m.__name__ < "m012"]
    monkeypatch.setattr(dbmod, "MIGRATIONS", before)
    db = dbmod.open_db(tmp_path / "f.db")
    old_default = replace(default, sections=tuple(s for s in default.sections if s.key in OLD_KEYS))
    _store(db, old_default)
    _store(db, listed)
    for report in (old_default, listed):
        repo.open_period(db, "T1", report.id, "2026-10", by="U0ADMIN01", due_at=NOW, now=NOW)
        repo.open_period(db, "T1", report.id, "2026-11", by="U0ADMIN01", due_at=NOW, now=NOW)
    for key in OLD_KEYS:
        repo.save_answer(db, "T1", "dflt", "2026-11", key, text="x", author="U0ADMIN01", via="test", now=NOW)
    monkeypatch.undo()
    assert "m012_optimise" in dbmod.migrate(db)
    _store(db, default)  # the config file is read again at start-up: now nine sections by default
    return Feedsum(db, outbox=None), default, listed


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
    repo.open_period(core.db, "T1", "dflt", "2026-12", by="U0ADMIN01", due_at=NOW, now=NOW)
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
    db = dbmod.open_db(tmp_path / "n.db")
    default, _ = _reports()
    _store(db, default)
    repo.open_period(db, "T1", "dflt", "2026-11", by="U0ADMIN01", due_at=NOW, now=NOW)
    core = Feedsum(db, outbox=None)
    assert [s.key for s in core.summary(default, "2026-11", NOW, with_metrics=False).sections] == NEW_KEYS


def test_an_unknown_section_is_refused_with_the_sections_there_are(harness):
    reply = harness.command("write nosuch 2026-11", user="U0OWNERA1")
    text = json.dumps(reply.json(), ensure_ascii=False)
    assert "没有「nosuch」这个部分" in text and "results, data" in text
