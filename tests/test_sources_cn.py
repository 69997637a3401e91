"""巨量引擎 and 腾讯广告 as metric sources, against fake platform servers on loopback: rotating
refresh tokens kept encrypted, each rate-limit code, 元 and 分, Beijing days, backfill, bad answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet

from bot.data.metrics import Metrics
from bot.data.sources.pulling import ApiKit
from bot.model.config import ConfigError
from storage import Store
from tests.fake_ads.base import Reply
from tests.fake_ads.oceanengine import Advertiser, FakeOceanEngine, envelope
from tests.fake_ads.tencent import Account, FakeTencent
from tests.fake_ads.tencent import envelope as tx_envelope
from tests.test_sources import KEY, NOW, TEAM, Sleeps, metrics_for, report_with

HARNESS_TRANSPORT = "app"  # listener logic: requests go straight into the Bolt app

ADV = "1760312345678901"


def stored_tokens(m: Metrics) -> list[dict]:
    with m.store.db.conn:
        rows = m.store.db.conn.execute("SELECT token FROM api_tokens").fetchall()
    return [json.loads(Fernet(KEY.encode()).decrypt(r[0].encode())) for r in rows]


def raw_tokens(m: Metrics) -> str:
    with m.store.db.conn:
        return " ".join(r[0] for r in m.store.db.conn.execute("SELECT token FROM api_tokens").fetchall())


# --- 巨量引擎 -------------------------------------------------------------------------------------

@pytest.fixture
def ocean():
    fake = FakeOceanEngine()
    fake.advertisers[ADV] = Advertiser(name="Acme 巨量", projects={"301": "品牌项目", "302": "拉新项目"}, rows=[
        ("2026-11-01", "301", 10_000, 200, 1234.56, 10),
        ("2026-11-01", "302", 5_000, 50, 300.0, 0),
        ("2026-11-15", "301", 8_000, 160, 1000.0, 8),
        ("2026-11-30", "302", 2_000, 20, 100.5, 1),
        ("2026-12-02", "301", 1_000, 10, 50.0, 1),
    ])
    with fake:
        yield fake


def ocean_source(fake, **kw) -> dict:
    return {"api": "oceanengine", "account": ADV, "credentials": "env:OCEANENGINE", "base_url": fake.url, **kw}


def test_ocean_rows_in_yuan_paged_on_beijing_days_with_the_project_as_campaign(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    report = report_with(ocean_source(ocean))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.source == f"oceanengine:{ADV}"
    rows = m.rows(report, "2026-11").sort_values(["date", "campaign"])
    assert list(rows["spend"]) == [1234.56, 300.0, 1000.0, 100.5]  # 元, as the API gives it
    assert list(rows["campaign"]) == ["品牌项目", "拉新项目", "品牌项目", "拉新项目"]
    assert list(rows["campaign_id"]) == ["301", "302", "301", "302"] and rows["ad_group"].isna().all()
    assert rows["conversions"].sum() == 19 and rows["revenue"].isna().all()
    assert set(rows["platform"]) == {"巨量引擎"} and set(rows["account"]) == {ADV}
    assert m.rows(report, "2026-12")["spend"].sum() == 50.0
    state = m.store.sources.states(TEAM, "feed-ads")[f"oceanengine:{ADV}"]
    assert (state.currency, state.timezone, state.account_name) == ("CNY", "Asia/Shanghai", "Acme 巨量")
    reports = ocean.seen("/report/custom/get/")
    assert len(reports) == 3  # five rows, two a page
    first = reports[0]
    assert first.headers["access-token"] == "at-1" and "access_token" not in first.query
    assert json.loads(first.query["dimensions"]) == ["stat_time_day", "cdp_project_id", "cdp_project_name"]
    assert "stat_cost" in json.loads(first.query["metrics"]) and first.query["data_topic"] == "BASIC_DATA"
    # 2026-12-02 02:00 UTC is 10:00 in Beijing: the window runs to 2 December.
    assert (first.query["start_time"], first.query["end_time"]) == ("2026-11-01", "2026-11-30")
    assert reports[-1].query["end_time"] == "2026-12-02"


def test_ocean_long_windows_are_cut_into_thirty_day_reports_and_adgroups_are_promotions(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    report = report_with(ocean_source(ocean, level="adgroup", backfill_days=60))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None
    spans = {(r.query["start_time"], r.query["end_time"]) for r in ocean.seen("/report/custom/get/")}
    assert spans == {("2026-10-03", "2026-11-01"), ("2026-11-02", "2026-12-01"), ("2026-12-02", "2026-12-02")}
    rows = m.rows(report, "2026-11")
    assert set(rows["ad_group"]) == {"品牌项目 · 广告", "拉新项目 · 广告"} and len(rows) == 4


def test_ocean_rotated_refresh_token_is_kept_encrypted_and_survives_a_restart(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    report = report_with(ocean_source(ocean))
    m.pull(report, "2026-11", NOW)
    [refresh] = ocean.seen("/oauth2/refresh_token/")
    assert refresh.json == {"app_id": 1700000000000001, "secret": "oe-secret", "grant_type": "refresh_token",
                            "refresh_token": "rt-0"}
    assert ocean.refresh_tokens == {"rt-1"}  # rt-0, still in the environment, is retired
    [kept] = stored_tokens(m)
    assert kept["refresh_token"] == "rt-1" and kept["access_token"] == "at-1"
    assert "rt-1" not in raw_tokens(m) and "at-1" not in raw_tokens(m)  # encrypted at rest
    m.pull(report, "2026-11", NOW)
    assert len(ocean.seen("/oauth2/refresh_token/")) == 1  # the day-long access token is reused

    # A restart, and the access token has expired: the stored refresh token signs in.
    ocean.expire_tokens()
    restarted = Metrics(Store.open(tmp_path / "feedsum.db"), api=ApiKit(secret_key=KEY, env=ocean.env(), sleep=Sleeps()))
    [pull] = restarted.pull(report, "2026-11", NOW)
    assert pull.error is None
    refreshes = ocean.seen("/oauth2/refresh_token/")
    assert len(refreshes) == 2 and refreshes[-1].json["refresh_token"] == "rt-1"
    assert stored_tokens(restarted)[0]["refresh_token"] == "rt-2"


def test_ocean_needs_the_secret_key_since_a_rotated_token_in_memory_is_lost(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env(), secret_key=None)
    [pull] = m.pull(report_with(ocean_source(ocean)), "2026-11", NOW)
    assert "FEEDSUM_SECRET_KEY" in pull.error and pull.error.startswith(f"oceanengine {ADV}:")
    assert not ocean.requests  # nothing refreshed, so nothing lost


def test_ocean_refused_refresh_token_is_one_clear_error_without_secrets(tmp_path, ocean):
    m = metrics_for(tmp_path, {**ocean.env(), "OCEANENGINE_REFRESH_TOKEN": "rt-stale"})
    [pull] = m.pull(report_with(ocean_source(ocean)), "2026-11", NOW)
    assert "refused the refresh token" in pull.error and "OCEANENGINE_REFRESH_TOKEN" in pull.error
    assert "40107" in pull.error and "authorize the app again" in pull.error
    assert not any(s in pull.error for s in ("rt-stale", "oe-secret"))
    assert not stored_tokens(m)


def test_ocean_expired_access_token_is_refreshed_once_and_the_call_retried(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    report = report_with(ocean_source(ocean))
    m.pull(report, "2026-11", NOW)
    ocean.expire_tokens()  # the stored access token still looks valid, but the platform refuses it
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and len(ocean.seen("/oauth2/refresh_token/")) == 2
    ocean.fail("/report/custom/get/", Reply(200, envelope(40102, "access_token已过期")), times=2)
    [pull] = m.pull(report, "2026-11", NOW)
    assert "refused the access token" in pull.error and "40102" in pull.error  # refreshed once, refused again


@pytest.mark.parametrize(("reply", "wait"), [
    (Reply(200, envelope(40100, "请求过于频繁")), 5.0),  # frequency control: back off
    (Reply(429, b"Too Many Requests"), 5.0),
    (Reply(200, envelope(50000, "系统错误，请稍后重试")), 5.0),  # a passing system error
])
def test_ocean_rate_limits_and_system_errors_back_off_and_resume(tmp_path, ocean, reply, wait):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, ocean.env(), sleeps=sleeps)
    ocean.fail("/report/custom/get/", reply)
    [pull] = m.pull(report_with(ocean_source(ocean, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 4 and sleeps == [wait]


def test_ocean_rate_limit_beyond_the_budget_keeps_the_last_snapshot(tmp_path, ocean):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, ocean.env(), sleeps=sleeps)
    report = report_with(ocean_source(ocean))
    m.pull(report, "2026-11", NOW)
    before = m.store.snapshots.of(TEAM, "feed-ads", "2026-11")
    ocean.advertisers[ADV].rows[0] = ("2026-11-01", "301", 10_000, 200, 1234.56, 12)
    ocean.fail("/report/custom/get/", Reply(200, envelope(40100, "请求过于频繁")), times=6)
    [pull] = m.pull(report, "2026-11", NOW)
    assert "rate-limited" in pull.error and "40100" in pull.error and "next pull tries again" in pull.error
    assert m.store.snapshots.of(TEAM, "feed-ads", "2026-11") == before
    assert sum(sleeps) <= 120


def test_ocean_malformed_answers_name_the_source_and_field(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    report = report_with(ocean_source(ocean, backfill_days=0))
    bad = {"dimensions": {"stat_time_day": "2026-11-01", "cdp_project_id": "301", "cdp_project_name": "品牌项目"},
           "metrics": {"stat_cost": "12.5元"}}
    ocean.fail("/report/custom/get/", Reply(200, envelope(0, "OK", {"rows": [bad], "page_info": {"total_page": 1}})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error.startswith(f"oceanengine {ADV}: custom report: field `metrics.stat_cost` is '12.5元'")
    ocean.fail("/report/custom/get/", Reply(200, envelope(0, "OK", {"rows": [{"dimensions": {"stat_time_day": "2026-11-01"},
                                                                              "metrics": {}}]})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "field `dimensions.cdp_project_id` is missing" in pull.error
    ocean.fail("/report/custom/get/", Reply(502, b"<html>bad gateway</html>"))  # passing: tried again
    ocean.fail("/report/custom/get/", Reply(200, b"<html>upgrade</html>"))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "not JSON" in pull.error
    ocean.fail("/report/custom/get/", Reply(200, envelope(40001, "参数错误: metrics 中 stat_cost 不存在")))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "the API may have changed" in pull.error and "stat_cost" in pull.error
    assert not m.store.snapshots.of(TEAM, "feed-ads", "2026-11")


def test_ocean_backfill_of_late_conversions_adds_a_snapshot(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    report = report_with(ocean_source(ocean))
    m.pull(report, "2026-11", NOW)
    assert len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 1
    ocean.advertisers[ADV].rows[3] = ("2026-11-30", "302", 2_000, 20, 100.5, 4)  # conversions dated on the cost
    later = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    [pull] = m.pull(report_with(ocean_source(ocean, backfill_days=12)), "2026-12", later)
    assert pull.error is None and len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 2
    assert m.rows(report, "2026-11")["conversions"].sum() == 22


def test_ocean_account_without_access_is_named(tmp_path, ocean):
    m = metrics_for(tmp_path, ocean.env())
    [pull] = m.pull(report_with(ocean_source(ocean, account="1760399999999999")), "2026-11", NOW)
    assert "denied access to advertiser 1760399999999999" in pull.error and "没有权限" in pull.error


# --- 腾讯广告 --------------------------------------------------------------------------------------

TX = "25610"


@pytest.fixture
def tencent():
    fake = FakeTencent()
    fake.accounts[TX] = Account(name="Acme 腾讯", adgroups={"9001": "朋友圈-拉新", "9002": "公众号-品牌"}, rows=[
        ("2026-11-01", "9001", 20_000, 400, 123_456, 12),  # cost 1,234.56 元 in 分
        ("2026-11-01", "9002", 10_000, 100, 50_000, 2),
        ("2026-11-20", "9001", 15_000, 300, 99_999, 9),
        ("2026-12-02", "9002", 1_000, 10, 1_001, 0),
    ])
    with fake:
        yield fake


def tx_source(fake, **kw) -> dict:
    return {"api": "tencent", "account": TX, "credentials": "env:TENCENT_ADS", "base_url": fake.url, **kw}


def test_tencent_cost_in_fen_becomes_yuan_paged_and_signed_in_the_query(tmp_path, tencent):
    m = metrics_for(tmp_path, tencent.env())
    report = report_with(tx_source(tencent))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.source == f"tencent:{TX}"
    rows = m.rows(report, "2026-11").sort_values(["date", "campaign_id"])
    assert list(rows["spend"]) == [1234.56, 500.0, 999.99]  # 分 ÷ 100
    assert list(rows["campaign"]) == ["朋友圈-拉新", "公众号-品牌", "朋友圈-拉新"]
    assert list(rows["campaign_id"]) == ["9001", "9002", "9001"]
    assert list(rows["impressions"]) == [20_000, 10_000, 15_000] and rows["conversions"].sum() == 23
    assert set(rows["platform"]) == {"腾讯广告"} and rows["revenue"].isna().all()
    assert m.rows(report, "2026-12")["spend"].sum() == pytest.approx(10.01)
    state = m.store.sources.states(TEAM, "feed-ads")[f"tencent:{TX}"]
    assert (state.currency, state.timezone, state.account_name) == ("CNY", "Asia/Shanghai", "Acme 腾讯")
    reports = tencent.seen("/v3.0/daily_reports/get")
    assert len(reports) == 3  # four rows, two a page
    q = reports[0].query
    assert q["level"] == "REPORT_LEVEL_ADGROUP" and json.loads(q["group_by"]) == ["date", "adgroup_id"]
    assert json.loads(q["date_range"]) == {"start_date": "2026-11-01", "end_date": "2026-11-30"}
    assert q["access_token"] == "at-1" and q["timestamp"].isdigit() and len(q["nonce"]) == 32
    assert len({r.query["nonce"] for r in tencent.requests if "nonce" in r.query}) == \
        len([r for r in tencent.requests if "nonce" in r.query])  # a new nonce every call
    # 2026-12-02 02:00 UTC is already 2 December in GMT+8.
    assert json.loads(reports[-1].query["date_range"])["end_date"] == "2026-12-02"
    [token] = tencent.seen("/oauth/token")
    assert token.query["grant_type"] == "refresh_token" and token.query["refresh_token"] == "rt-0"


def test_tencent_v13_reads_campaigns(tmp_path, tencent):
    m = metrics_for(tmp_path, tencent.env())
    report = report_with(tx_source(tencent, api_version="v1.3", backfill_days=0))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None
    q = tencent.seen("/v1.3/daily_reports/get")[0].query
    assert q["level"] == "REPORT_LEVEL_CAMPAIGN" and "campaign_name" in json.loads(q["fields"])
    assert m.rows(report, "2026-11")["spend"].sum() == pytest.approx(1234.56 + 500 + 999.99)


def test_tencent_refresh_token_is_renewed_before_it_expires_kept_encrypted_and_survives_a_restart(tmp_path, tencent):
    tencent.refresh_lifetime = 3 * 86400  # three days left on the authorized refresh token
    m = metrics_for(tmp_path, tencent.env())
    report = report_with(tx_source(tencent))
    m.pull(report, "2026-11", NOW)
    # The first token call says under a week is left: the next call replaces the refresh token itself.
    assert len(tencent.seen("/oauth/token")) == 1
    [renewal] = tencent.seen("/oauth/refresh_token")
    assert renewal.query["refresh_token"] == "rt-0" and tencent.refresh_tokens == {"rt-2"}
    [kept] = stored_tokens(m)
    assert kept["refresh_token"] == "rt-2" and kept["refresh_expires_at"].startswith("2027-01-01")
    assert "rt-2" not in raw_tokens(m)
    m.pull(report, "2026-11", NOW)
    assert len(tencent.seen("/oauth/refresh_token")) == 1 and len(tencent.seen("/oauth/token")) == 1

    tencent.expire_tokens()
    restarted = Metrics(Store.open(tmp_path / "feedsum.db"), api=ApiKit(secret_key=KEY, env=tencent.env(), sleep=Sleeps()))
    [pull] = restarted.pull(report, "2026-11", NOW)
    assert pull.error is None and tencent.seen("/oauth/token")[-1].query["refresh_token"] == "rt-2"


def test_tencent_expired_access_token_is_refreshed_once(tmp_path, tencent):
    m = metrics_for(tmp_path, tencent.env())
    report = report_with(tx_source(tencent))
    m.pull(report, "2026-11", NOW)
    tencent.expire_tokens()
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and len(tencent.seen("/oauth/token")) == 2


def test_tencent_expired_refresh_token_is_one_clear_error_and_needs_the_key(tmp_path, tencent):
    m = metrics_for(tmp_path, {**tencent.env(), "TENCENT_ADS_REFRESH_TOKEN": "rt-old"})
    [pull] = m.pull(report_with(tx_source(tencent)), "2026-11", NOW)
    assert "11012" in pull.error and "TENCENT_ADS_REFRESH_TOKEN" in pull.error and "rt-old" not in pull.error
    assert "tx-secret" not in pull.error
    (tmp_path / "nokey").mkdir()
    m = metrics_for(tmp_path / "nokey", tencent.env(), secret_key=None)
    [pull] = m.pull(report_with(tx_source(tencent)), "2026-11", NOW)
    assert "FEEDSUM_SECRET_KEY" in pull.error


@pytest.mark.parametrize(("code", "wait"), [
    (11016, 1.0),  # per second
    (11017, 60.0),  # per minute
    (11019, 5.0),  # too frequent: back off
    (11008, 5.0),  # the app's request limit
    (30104, 60.0),  # "Please retry after one minute"
    (30001, 5.0),  # SysException: a passing system error
    (10000, 5.0),  # system busy
])
def test_tencent_rate_limit_codes_wait_as_told_and_resume(tmp_path, tencent, code, wait):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, tencent.env(), sleeps=sleeps)
    tencent.fail("/daily_reports/get", Reply(200, tx_envelope(code, "Request limit reached.")))
    [pull] = m.pull(report_with(tx_source(tencent, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 3 and sleeps == [wait]


def test_tencent_daily_quota_fails_at_once_and_keeps_the_last_snapshot(tmp_path, tencent):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, tencent.env(), sleeps=sleeps)
    report = report_with(tx_source(tencent))
    m.pull(report, "2026-11", NOW)
    before = m.store.snapshots.of(TEAM, "feed-ads", "2026-11")
    tencent.fail("/daily_reports/get", Reply(200, tx_envelope(11018, "Application has reached the request limit per day.")))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "11018" in pull.error and "about 1440 min" in pull.error and sleeps == []
    assert m.store.snapshots.of(TEAM, "feed-ads", "2026-11") == before


def test_tencent_malformed_answers_and_missing_scope_are_named(tmp_path, tencent):
    m = metrics_for(tmp_path, tencent.env())
    report = report_with(tx_source(tencent, backfill_days=0))
    row = {"date": "2026-11-01", "adgroup_id": 9001, "adgroup_name": "朋友圈-拉新", "cost": "lots"}
    tencent.fail("/daily_reports/get", Reply(200, tx_envelope(0, data={"list": [row]})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error.startswith(f"tencent {TX}: daily report: field `cost` is 'lots', not a number")
    tencent.fail("/daily_reports/get", Reply(200, tx_envelope(0, data={"rows": []})))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "field `data.list` is missing" in pull.error
    tencent.fail("/daily_reports/get", Reply(200, tx_envelope(31002, "Field conversions_count is invalid.")))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "the API may have changed" in pull.error and "conversions_count" in pull.error
    [pull] = m.pull(report_with(tx_source(tencent, account="99999")), "2026-11", NOW)
    assert "11014" in pull.error and "ads_insights" in pull.error
    assert not m.store.snapshots.of(TEAM, "feed-ads", "2026-11")


def test_tencent_backfill_updates_last_month(tmp_path, tencent):
    m = metrics_for(tmp_path, tencent.env())
    report = report_with(tx_source(tencent))
    m.pull(report, "2026-11", NOW)
    tencent.accounts[TX].rows[2] = ("2026-11-20", "9001", 15_000, 300, 99_999, 15)
    [pull] = m.pull(report_with(tx_source(tencent, backfill_days=20)), "2026-12", datetime(2026, 12, 5, 2, tzinfo=UTC))
    assert pull.error is None and m.rows(report, "2026-11")["conversions"].sum() == 29
    assert len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 2


# --- configuration and the command line ----------------------------------------------------------

@pytest.mark.parametrize(("api", "account"), [("oceanengine", "act_1"), ("tencent", "25-610")])
def test_account_ids_must_be_digits(api, account):
    with pytest.raises(ConfigError) as err:
        report_with({"api": api, "account": account, "credentials": "env:X"})
    assert err.value.key == "reports[0].metrics[0].account" and "digits" in err.value.problem


def test_sources_check_keeps_the_rotated_token_for_the_bot(tmp_path, capsys, monkeypatch, ocean):
    from feedsum.cli import main

    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedsum.toml").write_text(f'''[[reports]]
id = "feed-ads"
name = "信息流投放组"
channel = "C0REPORT1"
admins = ["U0ADMIN01"]

[[reports.metrics]]
api = "oceanengine"
account = "{ADV}"
credentials = "env:OCEANENGINE"
base_url = "{ocean.url}"
''', encoding="utf-8")
    for k, v in ocean.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("FEEDSUM_SECRET_KEY", KEY)
    assert main(["sources", "check"]) == 0
    out = capsys.readouterr().out
    assert f'feed-ads  oceanengine:{ADV}  OK  "Acme 巨量" · CNY · Asia/Shanghai' in out
    assert "oe-secret" not in out and "rt-" not in out
    # The refresh token the check was handed is kept for the bot, which can still sign in.
    ocean.expire_tokens()
    m = Metrics(Store.open(tmp_path / "feedsum.db"), api=ApiKit(secret_key=KEY, env=ocean.env(), sleep=Sleeps()))
    [pull] = m.pull(report_with(ocean_source(ocean)), "2026-11", NOW)
    assert pull.error is None


def test_date_spans_cover_the_range_in_bounded_pieces():
    from bot.data.sources.rotating import date_spans

    assert date_spans(date(2026, 11, 1), date(2026, 11, 1), 30) == [(date(2026, 11, 1), date(2026, 11, 1))]
    assert date_spans(date(2026, 10, 1), date(2026, 12, 2), 30) == [
        (date(2026, 10, 1), date(2026, 10, 30)), (date(2026, 10, 31), date(2026, 11, 29)),
        (date(2026, 11, 30), date(2026, 12, 2))]


def test_the_post_carries_tencent_kpis_in_yuan(tmp_path, clock):
    from tests.slack_harness import CHANNEL
    from tests.test_data_pulls import answered, blocks_text
    from tests.test_sources_slack import PERIOD, api_harness

    with FakeTencent() as fake:
        fake.accounts[TX] = Account(name="Acme 腾讯", adgroups={"9001": "朋友圈-拉新", "9002": "公众号-品牌"}, rows=[
            ("2026-11-01", "9001", 100_000, 1_000, 50_000_000, 50),  # 500,000 元 in 分
            ("2026-11-20", "9002", 50_000, 500, 25_000_000, 10)])
        h = api_harness(tmp_path, clock, fake.env(), tx_source(fake))
        try:
            h.command(f"compile {PERIOD}")
            answered(h, "已发布")
            post = blocks_text(h.fake.posted(CHANNEL)[0])
            assert "75.00万元" in post and "1.00%" in post  # spend from 分, CTR from the API's counts
        finally:
            h.close()
