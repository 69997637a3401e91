"""TikTok (API for Business) as a metric source, against a fake TikTok server on loopback
(tests/fake_ads/tiktok.py): the client on its own, then end to end through Slack and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.data.metrics import Metrics
from bot.data.sources.base import Context
from bot.data.sources.pulling import ApiKit
from bot.data.sources.secrets import TokenStore
from bot.data.sources.tiktok import TikTok
from bot.model.config import ConfigError
from storage import Store
from tests.fake_ads.base import Reply
from tests.fake_ads.tiktok import Advertiser, FakeTikTok, envelope
from tests.test_sources import NOW, TEAM, Sleeps, metrics_for, report_with

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

ADV = "7012345678901234567"
NAME = f"tiktok {ADV}"


@pytest.fixture
def tiktok():
    fake = FakeTikTok()
    # (date, campaign id, name, impressions, clicks, spend, conversions, web purchase value, app purchase value)
    fake.advertisers[ADV] = Advertiser(name="Acme TikTok", currency="USD", timezone="America/Los_Angeles", rows=[
        ("2026-11-01", "1801", "短视频-拉新", 20_000, 300, 150.5, 12, 480.0, 20.0),
        ("2026-11-01", "1802", "直播-转化", 8_000, 40, 60.25, 3, 0.0, 0.0),
        ("2026-11-02", "1801", "短视频-拉新", 18_000, 250, 120.0, 10, 300.0, 0.0),
        ("2026-11-30", "1802", "直播-转化", 9_000, 50, 70.0, 4, 100.0, 0.0),
        ("2026-12-01", "1801", "短视频-拉新", 1_000, 10, 5.0, 1, 10.0, 0.0),
    ])
    with fake:
        yield fake


def source(fake, **kw) -> dict:
    return {"api": "tiktok", "account": ADV, "credentials": "env:TIKTOK", "base_url": fake.url, **kw}


def reports(fake) -> list:
    return fake.seen("/report/integrated/get/")


# --- the client ----------------------------------------------------------------------------------

def test_tiktok_rows_page_by_page_in_currency_units_with_the_token_in_its_header(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    report = report_with(source(tiktok, backfill_days=0))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.source == f"tiktok:{ADV}" and pull.outcome.rows == 4
    rows = m.rows(report, "2026-11").sort_values(["date", "campaign_id"])
    assert list(rows["spend"]) == [150.5, 60.25, 120.0, 70.0]  # the advertiser's currency, as TikTok gives it
    assert list(rows["campaign_id"]) == ["1801", "1802", "1801", "1802"]
    assert rows["clicks"].sum() == 640 and rows["conversions"].sum() == 29
    assert rows["revenue"].sum() == pytest.approx(900.0)  # website complete payments + in-app purchases
    assert set(rows["platform"]) == {"TikTok"} and set(rows["account"]) == {ADV}
    state = m.store.sources.states(TEAM, "feed-ads")[f"tiktok:{ADV}"]
    assert (state.currency, state.timezone, state.account_name) == ("USD", "America/Los_Angeles", "Acme TikTok")
    asked = reports(tiktok)
    assert [r.query["page"] for r in asked] == ["1", "2"]  # four rows, two a page
    first = asked[0]
    assert first.headers["access-token"] == "tt-long-term-token"
    assert not any("tt-long-term-token" in v for r in tiktok.requests for v in r.query.values())
    assert (first.query["report_type"], first.query["data_level"], first.query["service_type"]) == (
        "BASIC", "AUCTION_CAMPAIGN", "AUCTION")
    assert json.loads(first.query["dimensions"]) == ["campaign_id", "stat_time_day"]
    assert {"spend", "conversion", "total_complete_payment_rate", "total_purchase_value"} <= set(
        json.loads(first.query["metrics"]))
    assert (first.query["start_date"], first.query["end_date"]) == ("2026-11-01", "2026-11-30")
    [status] = json.loads(first.query["filtering"])  # deleted campaigns' spend counts too
    assert status["field_name"] == "campaign_status" and json.loads(status["filter_value"]) == ["STATUS_ALL"]


def test_tiktok_days_are_the_advertisers_and_today_is_today_in_its_zone(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    # 2026-12-02 10:00 in Shanghai is still 1 December in Los Angeles: the window ends there.
    [pull] = m.pull(report_with(source(tiktok, backfill_days=3)), "2026-12", NOW)
    assert pull.error is None
    assert {(r.query["start_date"], r.query["end_date"]) for r in reports(tiktok)} == {("2026-11-28", "2026-12-01")}
    assert m.rows(report_with(source(tiktok)), "2026-11")["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-30"]
    # An advertiser in Shanghai has already reached 2 December.
    tiktok.advertisers[ADV].timezone = "Asia/Shanghai"
    m.pull(report_with(source(tiktok, backfill_days=3)), "2026-12", NOW)
    assert reports(tiktok)[-1].query["end_date"] == "2026-12-02"


def test_tiktok_time_zone_falls_back_to_display_timezone_and_an_unknown_one_names_the_field(tmp_path, tiktok):
    adv = tiktok.advertisers[ADV]
    adv.timezone, adv.display_timezone = "GMT-08:00", "America/Los_Angeles"
    m = metrics_for(tmp_path, tiktok.env())
    [pull] = m.pull(report_with(source(tiktok, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None
    assert m.store.sources.states(TEAM, "feed-ads")[f"tiktok:{ADV}"].timezone == "America/Los_Angeles"
    adv.display_timezone = "Pacific Time"
    [pull] = m.pull(report_with(source(tiktok, backfill_days=0)), "2026-11", NOW)
    assert pull.error.startswith(f"{NAME}: advertiser info: field `timezone` is 'GMT-08:00', not a time zone")


def test_tiktok_ranges_over_30_days_are_asked_for_30_days_at_a_time(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    [pull] = m.pull(report_with(source(tiktok, backfill_days=60)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 5
    spans = sorted({(r.query["start_date"], r.query["end_date"]) for r in reports(tiktok)})
    assert spans == [("2026-10-02", "2026-10-31"), ("2026-11-01", "2026-11-30"), ("2026-12-01", "2026-12-01")]


def test_tiktok_adgroup_level_asks_for_ad_groups_and_keeps_their_campaign(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    report = report_with(source(tiktok, level="adgroup", backfill_days=0))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None
    rows = m.rows(report, "2026-11")
    assert set(rows["ad_group"]) == {"短视频-拉新 · 组", "直播-转化 · 组"} and set(rows["campaign_id"]) == {"1801", "1802"}
    asked = reports(tiktok)[0].query
    assert asked["data_level"] == "AUCTION_ADGROUP" and json.loads(asked["dimensions"]) == ["adgroup_id", "stat_time_day"]
    assert json.loads(asked["filtering"])[0]["field_name"] == "adgroup_status"


def test_tiktok_creative_level_asks_for_ads_and_keeps_their_ad_group_and_campaign(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    report = report_with(source(tiktok, level="creative", backfill_days=0))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None
    rows = m.rows(report, "2026-11")
    assert set(rows["creative"]) == {"短视频-拉新 · 素材", "直播-转化 · 素材"}
    assert set(rows["ad_group"]) == {"短视频-拉新 · 组", "直播-转化 · 组"} and set(rows["campaign_id"]) == {"1801", "1802"}
    asked = reports(tiktok)[0].query
    assert asked["data_level"] == "AUCTION_AD" and json.loads(asked["dimensions"]) == ["ad_id", "stat_time_day"]
    assert {"ad_name", "adgroup_name", "campaign_name", "campaign_id"} <= set(json.loads(asked["metrics"]))
    assert json.loads(asked["filtering"])[0]["field_name"] == "ad_status"


def test_tiktok_metrics_without_a_value_count_as_zero(tmp_path, tiktok):
    tiktok.blank = "-"
    tiktok.advertisers[ADV].rows = [("2026-11-05", "1801", "短视频-拉新", 500, 5, 3.0, None, None, None)]
    m = metrics_for(tmp_path, tiktok.env())
    report = report_with(source(tiktok, backfill_days=0))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None
    [row] = m.rows(report, "2026-11").to_dict("records")
    assert (row["spend"], row["conversions"], row["revenue"]) == (3.0, 0.0, 0.0)


def test_tiktok_refused_token_is_read_again_once_then_one_clear_error(tmp_path, tiktok):
    m = metrics_for(tmp_path, {"TIKTOK_ACCESS_TOKEN": "tt-revoked"})
    [pull] = m.pull(report_with(source(tiktok)), "2026-11", NOW)
    assert pull.error.startswith(f"{NAME}: TikTok refused the access token (code 40105: Access token is incorrect")
    assert "TIKTOK_ACCESS_TOKEN" in pull.error and "tt-revoked" not in pull.error
    assert "202612" not in pull.error  # TikTok's request id changes every time: kept out of the message
    assert len(tiktok.seen("/advertiser/info/")) == 1  # the same token again is not sent again
    # A token replaced in its file is picked up by the retry, without a restart.
    secret = tmp_path / "tiktok.json"
    secret.write_text('{"access_token": "tt-revoked"}')
    report = report_with(source(tiktok, credentials=str(secret)))
    client = TikTok(report.metrics[0], Context(env={}, tokens=TokenStore()))
    secret.write_text('{"access_token": "tt-long-term-token"}')
    assert client.account().currency == "USD"
    assert [r.headers["access-token"] for r in tiktok.seen("/advertiser/info/")[-2:]] == ["tt-revoked",
                                                                                        "tt-long-term-token"]


@pytest.mark.parametrize(("code", "message"), [(40102, "Access token has expired."), (40104, "Access token is empty.")])
def test_tiktok_every_token_refusal_is_one_clear_error(tmp_path, tiktok, code, message):
    tiktok.fail("/advertiser/info/", Reply(200, envelope(code, message)))
    [pull] = metrics_for(tmp_path, tiktok.env()).pull(report_with(source(tiktok)), "2026-11", NOW)
    assert pull.error.startswith(f"{NAME}: TikTok refused the access token (code {code}: {message})")
    assert "set TIKTOK_ACCESS_TOKEN" in pull.error


def test_tiktok_page_count_is_worked_out_when_total_page_is_left_out(tmp_path, tiktok):
    original = tiktok.route

    def without_total_page(req):
        reply = original(req)
        if "report/integrated" in req.path:
            reply.body["data"]["page_info"].pop("total_page")
        return reply

    tiktok.route = without_total_page
    m = metrics_for(tmp_path, tiktok.env())
    [pull] = m.pull(report_with(source(tiktok, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 4 and len(reports(tiktok)) == 2


@pytest.mark.parametrize(("reply", "wait"), [
    (Reply(200, envelope(40100, "Too many requests. Please retry in some time.")), 5.0),  # QPS/QPM: back off
    (Reply(429, b"", {"Retry-After": "7"}), 7.0),  # an HTTP 429 says how long
    (Reply(200, envelope(50000, "System error.")), 5.0),  # TikTok's own failure passes
    (Reply(503, b"<html>Service Unavailable</html>"), 5.0),
])
def test_tiktok_rate_limits_and_passing_failures_back_off_and_resume(tmp_path, tiktok, reply, wait):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, tiktok.env(), sleeps=sleeps)
    tiktok.fail("/report/integrated/get/", reply)
    [pull] = m.pull(report_with(source(tiktok, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 4 and sleeps == [wait]


def test_tiktok_rate_limit_beyond_the_budget_keeps_the_last_snapshot(tmp_path, tiktok):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, tiktok.env(), sleeps=sleeps)
    report = report_with(source(tiktok, backfill_days=0))
    m.pull(report, "2026-11", NOW)
    before = m.store.snapshots.of(TEAM, "feed-ads", "2026-11")
    tiktok.advertisers[ADV].rows[0] = ("2026-11-01", "1801", "短视频-拉新", 20_000, 300, 150.5, 20, 800.0, 20.0)
    # The first page comes, then the second is refused for longer than a pull may wait.
    tiktok.fail("/report/integrated/get/", Reply(200, envelope(40100, "Too many requests.")), times=10)
    original = tiktok.faults[-1].match
    tiktok.faults[-1].match = lambda r: original(r) and r.query.get("page") == "2"
    [pull] = m.pull(report, "2026-11", NOW)
    assert "rate-limited (code 40100: Too many requests.)" in pull.error and "next pull tries again" in pull.error
    assert sleeps == [5.0, 10.0, 20.0, 40.0]  # 75 s; the next wait would pass the 120 s budget
    assert m.store.snapshots.of(TEAM, "feed-ads", "2026-11") == before  # nothing partial stored
    assert m.rows(report, "2026-11")["conversions"].sum() == 29


def test_tiktok_malformed_answers_name_the_source_and_field(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    report = report_with(source(tiktok, backfill_days=0))
    row = {"dimensions": {"campaign_id": "1801", "stat_time_day": "2026-11-01 00:00:00"},
           "metrics": {"campaign_name": "R", "spend": "lots", "impressions": "1", "clicks": "1", "conversion": "0",
                       "total_complete_payment_rate": "0", "total_purchase_value": "0"}}
    tiktok.fail("/report/integrated/", Reply(200, envelope(0, "OK", {"list": [row], "page_info": {"total_page": 1}})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error.startswith(f"{NAME}: daily campaign rows: field `metrics.spend` is 'lots', not a number")
    tiktok.fail("/report/integrated/", Reply(200, envelope(0, "OK", {"list": []})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "field `page_info.total_page` is missing" in pull.error
    row["metrics"].pop("total_purchase_value")
    row["metrics"]["spend"] = "1.00"
    tiktok.fail("/report/integrated/", Reply(200, envelope(0, "OK", {"list": [row], "page_info": {"total_page": 1}})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "field `metrics.total_purchase_value` is missing" in pull.error
    tiktok.fail("/report/integrated/", Reply(200, envelope(40002, "metrics: total_complete_payment_rate is invalid")))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "TikTok refused the request (code 40002: metrics: total_complete_payment_rate is invalid)" in pull.error
    assert "the API may have changed (api_version is v1.3)" in pull.error
    tiktok.fail("/report/integrated/", Reply(200, b"<html>maintenance</html>"))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "not JSON" in pull.error and NAME in pull.error
    tiktok.fail("/advertiser/info/", Reply(200, {"message": "OK", "data": {}}))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error.startswith(f"{NAME}: advertiser info: field `code` is missing")
    assert not m.store.snapshots.of(TEAM, "feed-ads", "2026-11")


def test_tiktok_advertiser_the_token_cannot_see_is_named(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    [pull] = m.pull(report_with(source(tiktok, account="7000000000000000001")), "2026-11", NOW)
    assert "TikTok denied access to advertiser 7000000000000000001 (code 40001" in pull.error
    assert "authorize the app" in pull.error


def test_tiktok_backfill_adds_a_snapshot_of_last_months_late_conversions(tmp_path, tiktok):
    m = metrics_for(tmp_path, tiktok.env())
    report = report_with(source(tiktok))
    m.pull(report, "2026-11", NOW)
    assert len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 1
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.outcome.new == 0  # unchanged: nothing new
    tiktok.advertisers[ADV].rows[3] = ("2026-11-30", "1802", "直播-转化", 9_000, 50, 70.0, 7, 250.0, 0.0)
    later = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    [pull] = m.pull(report_with(source(tiktok, backfill_days=12)), "2026-12", later)
    assert pull.error is None and pull.outcome.new == 1
    assert len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 2
    rows = m.rows(report, "2026-11")
    assert rows["conversions"].sum() == 32 and rows["revenue"].sum() == pytest.approx(1050.0) and len(rows) == 4


def test_tiktok_check_sees_the_advertiser_and_its_campaigns(tiktok):
    report = report_with(source(tiktok))
    account = ApiKit(env=tiktok.env(), sleep=Sleeps()).client(None, report, report.metrics[0], NOW).check()
    assert (account.name, account.currency, account.timezone, account.campaigns) == (
        "Acme TikTok", "USD", "America/Los_Angeles", 2)


def test_tiktok_config_takes_a_numeric_advertiser_id():
    assert report_with({"api": "tiktok", "account": 7012345678901234567, "credentials": "env:TIKTOK"}
                       ).metrics[0].account == ADV
    with pytest.raises(ConfigError) as err:
        report_with({"api": "tiktok", "account": "act_123", "credentials": "env:TIKTOK"})
    assert err.value.key == "reports[0].metrics[0].account" and "advertiser id" in err.value.problem
    with pytest.raises(ConfigError) as err:
        report_with({"api": "tiktok", "account": ADV, "credentials": "env:TIKTOK", "conversion_action": "purchase"})
    assert "Meta only" in err.value.problem


def test_tiktok_without_the_secret_names_the_variable(tmp_path, tiktok):
    [pull] = Metrics(Store.open(tmp_path / "x.db"), api=ApiKit(env={}, sleep=Sleeps())).pull(
        report_with(source(tiktok)), "2026-11", NOW)
    assert pull.error == f'{NAME}: TIKTOK_ACCESS_TOKEN is not set (credentials = "env:TIKTOK")'


# --- end to end: Slack and the command line ------------------------------------------------------

@pytest.fixture
def tiktok_cn():
    """An advertiser billed in CNY in Shanghai, as the Slack tests' report is."""
    fake = FakeTikTok()
    fake.advertisers[ADV] = Advertiser(name="Acme 抖音海外", currency="CNY", timezone="Asia/Shanghai", rows=[
        ("2026-11-03", "1801", "短视频-拉新", 400_000, 4_000, 30_000.0, 80, 90_000.0, 0.0),
        ("2026-11-20", "1802", "直播-转化", 100_000, 1_000, 20_000.0, 20, 40_000.0, 5_000.0)])
    with fake:
        yield fake


def test_tiktok_kpis_reach_the_post_and_a_revoked_token_is_told_to_the_admins_once(tmp_path, clock, tiktok_cn):
    from tests.slack_harness import ADMIN, CHANNEL
    from tests.test_data_pulls import answered, blocks_text, dm_texts
    from tests.test_sources_slack import api_harness

    h = api_harness(tmp_path, clock, tiktok_cn.env(), source(tiktok_cn))
    try:
        h.command("compile 2026-11")
        answered(h, "已发布")
        post = blocks_text(h.fake.posted(CHANNEL)[0])
        assert "5.00万元" in post and "1.00%" in post  # spend from TikTok; CTR 5,000 / 500,000
        kpi = h.core.summary(h.report, "2026-11", h.clock()).kpi
        assert kpi.totals["conversions"] == 100 and kpi.totals["revenue"] == pytest.approx(135_000.0)

        tiktok_cn.tokens = {"tt-new-token"}  # the advertiser took the authorization back
        for _ in range(2):
            before = len(h.fake.responses)
            h.command("refresh 2026-11")
            answered(h, "40105", before)
        told = [t for t in dm_texts(h, ADMIN) if f"tiktok:{ADV}" in t]
        assert len(told) == 1 and "TIKTOK_ACCESS_TOKEN" in told[0] and "tt-long-term-token" not in told[0]
        assert h.core.summary(h.report, "2026-11", h.clock()).kpi.totals["spend"] == 50_000.0  # the last good data

        listing = blocks_text(h.command("sources").json()["blocks"])
        assert "Acme 抖音海外" in listing and "CNY" in listing and "Asia/Shanghai" in listing and "40105" in listing
    finally:
        h.close()


def test_tiktok_sources_check_prints_what_the_advertiser_sees_and_never_the_token(tmp_path, capsys, monkeypatch,
                                                                                   tiktok_cn):
    from feedsum.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedsum.toml").write_text(f'''[[reports]]
id = "feed-ads"
name = "信息流投放组"
channel = "C0REPORT1"
admins = ["U0ADMIN01"]

[[reports.metrics]]
api = "tiktok"
account = "{ADV}"
credentials = "env:TIKTOK"
base_url = "{tiktok_cn.url}"
''', encoding="utf-8")
    monkeypatch.setenv("TIKTOK_ACCESS_TOKEN", "tt-long-term-token")
    assert main(["sources", "check"]) == 0
    out = capsys.readouterr().out
    assert f'feed-ads  tiktok:{ADV}  OK  "Acme 抖音海外" · CNY · Asia/Shanghai · 2 campaigns' in out
    monkeypatch.setenv("TIKTOK_ACCESS_TOKEN", "tt-stale")
    assert main(["sources", "check"]) == 2
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "40105" in captured.out and "TIKTOK_ACCESS_TOKEN" in captured.out
    assert "tt-stale" not in captured.out + captured.err
