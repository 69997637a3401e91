"""API sources seen from Slack: KPIs from the platform in the post, a backfill updating the posted
summary, a revoked token told to the admins once, `/feedsum sources`, and currencies never mixed."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.core.runner import tick
from bot.data.sources.pulling import ApiKit
from bot.model.config import parse_reports
from feedsum.root import sync_reports
from tests.fake_ads.google import Customer, FakeGoogleAds
from tests.fake_ads.meta import AdAccount, FakeMeta
from tests.slack_harness import ADMIN, CHANNEL, CONFIG, OWNER_A, Harness
from tests.test_data_pulls import SH, answered, blocks_text, dm_texts
from tests.test_sources import KEY, Sleeps

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

PERIOD = "2026-11"


@pytest.fixture
def google():
    fake = FakeGoogleAds()
    fake.customers["1234567890"] = Customer(
        name="Acme 搜索", currency="CNY", time_zone="Asia/Shanghai", campaigns={"111": "品牌词", "222": "竞品词"},
        rows=[("2026-11-01", "111", 100_000, 1_000, 500_000_000_000, 50.0, 20_000.0),
              ("2026-11-20", "222", 50_000, 500, 250_000_000_000, 10.0, 5_000.0)])
    with fake:
        yield fake


def api_harness(tmp_path, clock, env: dict, *sources: dict, **extra) -> Harness:
    config = json.loads(json.dumps(CONFIG))
    config["reports"][0]["metrics"] = list(sources)
    config["reports"][0].update(extra)
    h = Harness(tmp_path, clock, config=config)
    [r] = parse_reports(config, file=str(tmp_path / "feedsum.toml"), base_dir=str(tmp_path))
    sync_reports(h.core, [r], h.fake.team_id, clock())
    h.report = h.core.report(h.fake.team_id, "feed-ads")
    h.core.data.api = ApiKit(secret_key=KEY, env=env, sleep=Sleeps())
    return h


def google_source(fake, **kw) -> dict:
    return {"api": "google-ads", "account": "123-456-7890", "credentials": "env:GOOGLE_ADS", "base_url": fake.url,
            "token_url": fake.url + "/token", **kw}


def test_the_post_carries_the_platforms_kpis_and_a_backfill_updates_it(tmp_path, clock, google):
    h = api_harness(tmp_path, clock, google.env(), google_source(google))
    try:
        h.command(f"compile {PERIOD}")
        answered(h, "已发布")
        main = h.fake.posted(CHANNEL)[0]
        assert "75.00万元" in blocks_text(main) and "1.00%" in blocks_text(main)  # spend from micros, CTR
        # Late conversions for November arrive in December; the daily pull of December's period
        # reaches back into November through the backfill window.
        google.customers["1234567890"].rows[1] = ("2026-11-20", "222", 50_000, 500, 250_000_000_000, 16.0, 8_000.0)
        h.clock.now = datetime(2026, 12, 8, 10, 0, 30, tzinfo=SH)
        updates = len(h.fake.calls_to("chat.update"))
        lines = tick(h.core, h.clock.now)  # December's daily pull
        assert any("2026-12 pull" in line for line in lines), lines
        redrawn = [c for c in h.fake.calls_to("chat.update")[updates:] if c.params["ts"] == main["ts"]]
        assert redrawn and "66" in blocks_text(redrawn[-1].params["blocks"])  # 60 conversions became 66
        notes = [m["text"] for m in h.fake.posted(CHANNEL) if m.get("thread_ts") == main["ts"] and "📊" in (m["text"] or "")]
        assert len(notes) == 1 and "转化" in notes[0] and "60" in notes[0] and "66" in notes[0]
        # The same data pulled again changes nothing and posts nothing.
        h.command("refresh 2026-12")
        answered(h, "未变化")
        h.idle()
        assert len([m for m in h.fake.posted(CHANNEL) if "📊" in (m["text"] or "")]) == 1
    finally:
        h.close()


def test_a_revoked_token_is_told_once_and_loses_nothing(tmp_path, clock, google):
    h = api_harness(tmp_path, clock, google.env(), google_source(google))
    try:
        h.command(f"refresh {PERIOD}")
        answered(h, "google-ads:123-456-7890")
        spend = h.core.summary(h.report, PERIOD, h.clock()).kpi.totals["spend"]
        google.refresh_tokens.clear()
        google.expire_tokens()
        for _ in range(2):
            before = len(h.fake.responses)
            h.command(f"refresh {PERIOD}")
            answered(h, "invalid_grant", before)
        told = [t for t in dm_texts(h, ADMIN) if "google-ads:123-456-7890" in t]
        assert len(told) == 1 and "invalid_grant" in told[0] and "GOOGLE_ADS_REFRESH_TOKEN" in told[0]
        assert "1//refresh" not in told[0]
        assert h.core.summary(h.report, PERIOD, h.clock()).kpi.totals["spend"] == spend  # the last good data

        listing = blocks_text(h.command("sources").json()["blocks"])
        assert "Acme 搜索" in listing and "CNY" in listing and "Asia/Shanghai" in listing
        assert "失败" in listing and "invalid_grant" in listing and "2 行" in listing
        assert "管理员" in h.answer("sources", user=OWNER_A)["text"]  # in the ack, or after a Slack lookup
    finally:
        h.close()


def test_accounts_in_two_currencies_are_not_added_up_without_rates(tmp_path, clock, google):
    with FakeMeta() as meta:
        meta.accounts["act_555"] = AdAccount(name="Acme US", currency="USD", timezone_name="America/Los_Angeles",
                                             rows=[("2026-11-03", "c1", "Retargeting", 10_000, 100, 1_000.0, {}, {})])
        env = {**google.env(), "META_ACCESS_TOKEN": "EAAB-system-user"}
        meta_source = {"api": "meta", "account": "act_555", "credentials": "env:META", "base_url": meta.url}
        h = api_harness(tmp_path, clock, env, google_source(google), meta_source)
        try:
            h.command(f"refresh {PERIOD}")
            text = answered(h, "currency_rates")
            assert "CNY, USD" in text
            kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
            assert kpi.totals["spend"] is None and kpi.totals["clicks"] == 1_600
            assert kpi.mixed_currencies == ("CNY", "USD")
            assert len([t for t in dm_texts(h, ADMIN) if "currency_rates" in t]) == 1
            h.command(f"open {PERIOD}")
            h.idle()
            prompt = next(m for m in h.prompts() if m["metadata"]["event_payload"]["key"].endswith("|data:U0OWNERB1"))
            assert "账户币种不同（CNY、USD）" in blocks_text(prompt)
            listing = blocks_text(h.command("sources").json()["blocks"])
            assert "USD" in listing and "currency_rates" in listing

            h2_config = {"currency": "CNY", "currency_rates": {"USD": 7.0}}
            h.close()
            h = api_harness(tmp_path / "rates", clock, env, google_source(google), meta_source, **h2_config)
            h.command(f"refresh {PERIOD}")
            answered(h, "google-ads")
            kpi = h.core.summary(h.report, PERIOD, h.clock()).kpi
            assert kpi.totals["spend"] == pytest.approx(750_000 + 7_000) and not kpi.mixed_currencies
        finally:
            h.close()


# --- the command line --------------------------------------------------------------------------

def _toml(fake, extra: str = "") -> str:
    return f'''[[reports]]
id = "feed-ads"
name = "信息流投放组"
channel = "C0REPORT1"
admins = ["U0ADMIN01"]

[[reports.metrics]]
api = "google-ads"
account = "123-456-7890"
credentials = "env:GOOGLE_ADS"
base_url = "{fake.url}"
token_url = "{fake.url}/token"
{extra}'''


def test_sources_check_prints_what_each_account_sees_and_never_a_secret(tmp_path, capsys, monkeypatch, google):
    from feedsum.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedsum.toml").write_text(_toml(google), encoding="utf-8")
    for k, v in google.env().items():
        monkeypatch.setenv(k, v)
    assert main(["sources", "check"]) == 0
    out = capsys.readouterr().out
    assert 'feed-ads  google-ads:123-456-7890  OK  "Acme 搜索" · CNY · Asia/Shanghai · 2 campaigns' in out
    monkeypatch.setenv("GOOGLE_ADS_REFRESH_TOKEN", "1//not-it")
    assert main(["sources", "check"]) == 2
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "invalid_grant" in captured.out and "1 source(s) failed" in captured.err
    assert not any(secret in captured.out + captured.err for secret in ("1//not-it", "csecret", "devtoken", "ya29"))
    assert not (tmp_path / "feedsum.db").exists()  # a check stores nothing


def test_feedsum_pull_pulls_now_with_a_progress_bar(tmp_path, clock, capsys, google):
    from argparse import Namespace

    from feedsum import sources_cli
    h = api_harness(tmp_path, clock, google.env(), google_source(google))
    try:
        code = sources_cli.pull(h.settings, Namespace(report="feed-ads", month="2026-11"),
                                core=h.core, clock=h.clock)
        captured = capsys.readouterr()
        assert code == 0 and "google-ads:123-456-7890: 2 rows, new data" in captured.out
        assert "feed-ads 2026-11" in captured.err  # tqdm's bar on stderr
        assert h.core.summary(h.report, PERIOD, h.clock()).kpi.totals["clicks"] == 1_500
        assert sources_cli.listing(h.settings, Namespace(report=None)) == 0
        listed = capsys.readouterr().out
        assert "google-ads:123-456-7890  Acme 搜索 · CNY · Asia/Shanghai  last pull 2026-11-26" in listed
        assert "2 rows  ok" in listed
        with pytest.raises(Exception, match="--month"):
            sources_cli.pull(h.settings, Namespace(report=None, month="November"),
                             core=h.core, clock=h.clock)
    finally:
        h.close()
