"""Ad platforms' APIs as metric sources, against fake platform servers on loopback (tests/fake_ads/)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from cryptography.fernet import Fernet

from bot.data.metrics import Metrics
from bot.data.sources.pulling import ApiKit, pull_ranges
from bot.model.config import ConfigError, MetricSource, parse_reports
from storage import Store
from tests.fake_ads.base import Reply
from tests.fake_ads.google import Customer, FakeGoogleAds, status_error
from tests.fake_ads.meta import AdAccount, FakeMeta, graph_error

TEAM = "T0FEEDSUM"
# 2026-12-02 10:00 in Shanghai: the November summary is due; the backfill reaches back into November.
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
KEY = Fernet.generate_key().decode()


def report_with(*sources: dict, **extra):
    config = {"reports": [{"id": "feed-ads", "name": "信息流", "channel": "C0REPORT1", "admins": ["U0ADMIN01"],
                           "metrics": list(sources), **extra}]}
    [r] = parse_reports(config, file="feedsum.toml")
    return replace(r, team_id=TEAM)


@pytest.fixture
def google():
    fake = FakeGoogleAds()
    fake.customers["1234567890"] = Customer(
        name="Acme 搜索", currency="USD", time_zone="America/New_York",
        campaigns={"111": "品牌词", "222": "竞品词"},
        rows=[("2026-11-01", "111", 1000, 100, 12_340_000, 5.0, 250.5),
              ("2026-11-01", "222", 500, 0, 0, 0, 0),  # zero metrics are left out of the JSON
              ("2026-11-30", "111", 2000, 150, 20_000_000, 7.5, 300.0),
              ("2026-12-01", "111", 100, 10, 1_000_000, 1.0, 10.0)])
    with fake:
        yield fake


def google_source(fake, **kw) -> dict:
    return {"api": "google-ads", "account": "123-456-7890", "credentials": "env:GOOGLE_ADS",
            "base_url": fake.url, "token_url": fake.url + "/token", **kw}


class Sleeps(list):
    def __call__(self, seconds):
        self.append(seconds)


def metrics_for(tmp_path, env, *, secret_key=KEY, sleeps=None):
    return Metrics(Store.open(tmp_path / "feedsum.db"),
                   api=ApiKit(secret_key=secret_key, env=env, sleep=sleeps if sleeps is not None else Sleeps()))


# --- configuration ---------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "key", "words"), [
    ({"api": "myspace"}, "metrics[0].api", "unknown platform"),
    ({"account": ""}, "metrics[0].account", "required"),
    ({"account": "12-34"}, "metrics[0].account", "123-456-7890"),
    ({"credentials": "hunter2"}, None, None),  # a file path: checked when pulled
    ({"credentials": "env:google ads"}, "metrics[0].credentials", "env:NAME"),
    ({"level": "ad"}, "metrics[0].level", "adgroup"),
    ({"backfill_days": 400}, "metrics[0].backfill_days", "0 to 90"),
    ({"base_url": "ftp://x"}, "metrics[0].base_url", "http(s) URL"),
    ({"conversion_action": "purchase"}, "metrics[0].conversion_action", "Meta only"),
    ({"path": "x.csv"}, "metrics[0].path", "unknown key for an API source"),
])
def test_api_source_config_names_file_key_and_problem(change, key, words):
    source = {"api": "google-ads", "account": "123-456-7890", "credentials": "env:GOOGLE_ADS", **change}
    if key is None:
        assert report_with(source).metrics[0].credentials == "hunter2"
        return
    with pytest.raises(ConfigError) as err:
        report_with(source)
    assert err.value.key == f"reports[0].{key}" and words in err.value.problem and err.value.file == "feedsum.toml"


def test_platforms_not_built_yet_are_refused_by_name_and_currency_rates_need_a_currency(monkeypatch):
    from bot.model.platforms import PLATFORMS

    monkeypatch.setitem(PLATFORMS, "snapchat", None)  # named, not built yet
    with pytest.raises(ConfigError) as err:
        report_with({"api": "snapchat", "account": "1", "credentials": "env:TT"})
    assert "not supported by this version" in err.value.problem and "google-ads, meta, tiktok" in err.value.problem
    with pytest.raises(ConfigError) as err:
        report_with(currency_rates={"USD": 7.1})
    assert err.value.key == "reports[0].currency"
    assert report_with(currency="CNY", currency_rates={"USD": 7.1}).currency_rates == {"USD": 7.1}


def test_pull_ranges_cover_the_period_and_the_backfill_window():
    assert pull_ranges("2026-11", date(2026, 12, 2), 30) == [(date(2026, 11, 1), date(2026, 12, 2))]
    assert pull_ranges("2026-12", date(2026, 12, 2), 0) == [(date(2026, 12, 1), date(2026, 12, 2))]
    assert pull_ranges("2026-09", date(2026, 12, 2), 7) == [(date(2026, 9, 1), date(2026, 9, 30)),
                                                           (date(2026, 11, 25), date(2026, 12, 2))]


# --- Google Ads --------------------------------------------------------------------------------

def test_google_rows_in_currency_units_on_the_accounts_days_and_its_zone_recorded(tmp_path, google):
    m = metrics_for(tmp_path, google.env())
    report = report_with(google_source(google))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.source == "google-ads:123-456-7890"
    rows = m.rows(report, "2026-11").sort_values(["date", "campaign"])
    assert list(rows["spend"]) == [12.34, 0.0, 20.0]  # micros → currency units
    assert list(rows["clicks"]) == [100, 0, 150] and list(rows["campaign_id"]) == ["111", "222", "111"]
    assert set(rows["platform"]) == {"Google Ads"} and set(rows["account"]) == {"123-456-7890"}
    assert m.rows(report, "2026-12")["spend"].sum() == 1.0  # the backfill window runs up to today
    state = m.store.sources.states(TEAM, "feed-ads")["google-ads:123-456-7890"]
    assert (state.currency, state.timezone, state.account_name) == ("USD", "America/New_York", "Acme 搜索")
    # 2026-12-02 02:00 UTC is still 12-01 in New York: the account's today bounds the range.
    [search] = [r for r in google.seen("searchStream") if "segments.date" in r.json["query"]]
    assert "BETWEEN '2026-11-01' AND '2026-12-01'" in search.json["query"]
    assert search.headers["developer-token"] == "devtoken" and "login-customer-id" not in search.headers


def test_google_manager_account_sends_login_customer_id(tmp_path, google):
    google.customers["1234567890"].manager = "9998887777"
    m = metrics_for(tmp_path, google.env())
    [pull] = m.pull(report_with(google_source(google)), "2026-11", NOW)
    assert "USER_PERMISSION_DENIED" in pull.error and "login_customer_id" in pull.error
    [pull] = m.pull(report_with(google_source(google, login_customer_id="999-888-7777")), "2026-11", NOW)
    assert pull.error is None
    assert google.seen("searchStream")[-1].headers["login-customer-id"] == "9998887777"


def test_google_expired_access_token_is_refreshed_once_and_stored_encrypted(tmp_path, google):
    m = metrics_for(tmp_path, google.env())
    report = report_with(google_source(google))
    m.pull(report, "2026-11", NOW)
    assert len(google.seen("/token")) == 1
    with m.store.db.conn:
        [(stored,)] = m.store.db.conn.execute("SELECT token FROM api_tokens").fetchall()
    assert "ya29" not in stored and "ya29.fake-1" in Fernet(KEY.encode()).decrypt(stored.encode()).decode()
    m.pull(report, "2026-11", NOW)
    assert len(google.seen("/token")) == 1  # the stored token is reused while it lasts
    google.expire_tokens()
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and len(google.seen("/token")) == 2  # refused → one refresh → retried


def test_google_revoked_refresh_token_is_one_clear_error_without_secrets(tmp_path, google):
    env = {**google.env(), "GOOGLE_ADS_REFRESH_TOKEN": "1//revoked"}
    m = metrics_for(tmp_path, env)
    [pull] = m.pull(report_with(google_source(google)), "2026-11", NOW)
    assert "invalid_grant" in pull.error and "GOOGLE_ADS_REFRESH_TOKEN" in pull.error
    assert "1//revoked" not in pull.error and "csecret" not in pull.error
    env.pop("GOOGLE_ADS_DEVELOPER_TOKEN")
    [pull] = metrics_for(tmp_path, env).pull(report_with(google_source(google)), "2026-11", NOW)
    assert pull.error.endswith('GOOGLE_ADS_DEVELOPER_TOKEN is not set (credentials = "env:GOOGLE_ADS")')


def test_google_resource_exhausted_backs_off_for_the_retry_delay_and_resumes(tmp_path, google):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, google.env(), sleeps=sleeps)
    google.fail("searchStream", Reply(429, [status_error(429, "RESOURCE_EXHAUSTED", "Too many requests.",
                                                        {"quotaError": "RESOURCE_TEMPORARILY_EXHAUSTED"}, "7s")]))
    google.fail("searchStream", Reply(429, [status_error(429, "RESOURCE_EXHAUSTED", "Too many requests.")]))
    [pull] = m.pull(report_with(google_source(google)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 4
    assert sleeps == [7.0, 10.0]  # the retryDelay Google asked for, then exponential back-off


def test_google_rate_limit_beyond_the_budget_keeps_the_last_snapshot(tmp_path, google):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, google.env(), sleeps=sleeps)
    report = report_with(google_source(google))
    m.pull(report, "2026-11", NOW)
    before = m.store.snapshots.of(TEAM, "feed-ads", "2026-11")
    google.customers["1234567890"].rows[0] = ("2026-11-01", "111", 1000, 100, 12_340_000, 9.0, 250.5)
    google.fail("searchStream", Reply(429, [status_error(429, "RESOURCE_EXHAUSTED", "Daily quota.",
                                                        {"quotaError": "RESOURCE_EXHAUSTED"}, "86400s")]))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "rate-limited" in pull.error and "next pull tries again" in pull.error and sleeps == []
    assert m.store.snapshots.of(TEAM, "feed-ads", "2026-11") == before  # nothing partial stored


def test_google_malformed_answers_name_the_source_and_field(tmp_path, google):
    m = metrics_for(tmp_path, google.env())
    report = report_with(google_source(google))
    row = {"segments": {"date": "2026-11-01"}, "campaign": {"id": "111", "name": "品牌词"},
           "metrics": {"costMicros": "12.5 dollars"}}
    google.fail("searchStream", Reply(200, [{"results": [{"customer": {"currencyCode": "USD",
                                                                     "timeZone": "America/New_York"}}]}]))
    google.fail("searchStream", Reply(200, [{"results": [row]}]))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error.startswith("google-ads 123-456-7890: daily campaign rows: field `metrics.cost_micros` is")
    google.fail("searchStream", Reply(200, b"<html>upgrade</html>"))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "not JSON" in pull.error and "google-ads 123-456-7890" in pull.error
    google.fail("searchStream", Reply(400, [status_error(400, "INVALID_ARGUMENT", "Unrecognized field in the query: "
                                                        "'metrics.cost_micros'.", {"queryError": "UNRECOGNIZED_FIELD"})]))
    [pull] = m.pull(report, "2026-11", NOW)
    assert "UNRECOGNIZED_FIELD" in pull.error and "metrics.cost_micros" in pull.error
    assert not m.store.snapshots.of(TEAM, "feed-ads", "2026-11")


def test_google_adgroup_level_and_many_stream_batches(tmp_path, google):
    google.batch_size = 1
    m = metrics_for(tmp_path, google.env())
    report = report_with(google_source(google, level="adgroup"))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None
    rows = m.rows(report, "2026-11")
    assert len(rows) == 3 and set(rows["ad_group"]) == {"品牌词 · 广告组", "竞品词 · 广告组"}
    assert "FROM ad_group" in google.seen("searchStream")[-1].json["query"]


def test_an_unchanged_pull_adds_no_snapshot_and_a_backfill_adds_one(tmp_path, google):
    m = metrics_for(tmp_path, google.env())
    report = report_with(google_source(google))
    m.pull(report, "2026-11", NOW)
    assert len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 1
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.outcome.new == 0 and len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 1
    # Late conversions: 30 November gains two. Only the backfill window is asked for (December's
    # period), and November's earlier days stay as they were.
    google.customers["1234567890"].rows[2] = ("2026-11-30", "111", 2000, 150, 20_000_000, 9.5, 340.0)
    later = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
    [pull] = m.pull(report_with(google_source(google, backfill_days=12)), "2026-12", later)
    assert pull.outcome.new == 1  # November changed; December's one day was pulled before, unchanged
    assert len(m.store.snapshots.of(TEAM, "feed-ads", "2026-11")) == 2
    rows = m.rows(report, "2026-11")
    assert rows["conversions"].sum() == 5.0 + 9.5 and rows["revenue"].sum() == 250.5 + 340.0 and len(rows) == 3


# --- Meta ----------------------------------------------------------------------------------------

@pytest.fixture
def meta():
    fake = FakeMeta()
    fake.accounts["act_555"] = AdAccount(name="Acme Shop", currency="USD", timezone_name="America/Los_Angeles", rows=[
        ("2026-11-01", "c1", "Retargeting", 5000, 120, 80.5, {"offsite_conversion.fb_pixel_purchase": 4, "link_click": 120},
         {"offsite_conversion.fb_pixel_purchase": 199.0}),
        ("2026-11-01", "c2", "Prospecting", 9000, 90, 60.0, {"link_click": 90}, {}),
        ("2026-11-02", "c1", "Retargeting", 4000, 100, 70.25, {"offsite_conversion.fb_pixel_purchase": 2}, {"offsite_conversion.fb_pixel_purchase": 99.5}),
        ("2026-11-02", "c2", "Prospecting", 8000, 80, 50.0, {}, {}),
        ("2026-11-03", "c1", "Retargeting", 3000, 60, 40.0, {}, {}),
    ])
    with fake:
        yield fake


def meta_source(fake, **kw) -> dict:
    return {"api": "meta", "account": "act_555", "credentials": "env:META", "base_url": fake.url,
            "conversion_action": "offsite_conversion.fb_pixel_purchase", **kw}


META_ENV = {"META_ACCESS_TOKEN": "EAAB-system-user"}


def test_meta_pages_filters_the_conversion_action_and_keeps_the_token_out_of_urls(tmp_path, meta):
    m = metrics_for(tmp_path, META_ENV)
    report = report_with(meta_source(meta, backfill_days=0))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 5
    rows = m.rows(report, "2026-11")
    assert rows["spend"].sum() == pytest.approx(300.75) and rows["clicks"].sum() == 450
    assert rows["conversions"].sum() == 6 and rows["revenue"].sum() == pytest.approx(298.5)
    pages = meta.seen("/insights")
    assert len(pages) == 3  # five rows, two a page
    assert all("access_token" not in r.query for r in pages)  # stripped from paging.next; sent as a header
    first = pages[0].query
    assert first["time_increment"] == "1" and first["level"] == "campaign"
    assert '"since": "2026-11-01"' in first["time_range"] and '"until": "2026-11-30"' in first["time_range"]
    assert m.store.sources.states(TEAM, "feed-ads")["meta:act_555"].timezone == "America/Los_Angeles"
    # 2026-12-02 10:00 in Shanghai is still 1 December in Los Angeles: the backfill ends there.
    m.pull(report_with(meta_source(meta, backfill_days=3)), "2026-12", NOW)
    assert '"until": "2026-12-01"' in meta.seen("/insights")[-1].query["time_range"]


def test_meta_creative_level_asks_for_ads_and_keeps_their_ad_set_and_campaign(tmp_path, meta):
    m = metrics_for(tmp_path, META_ENV)
    report = report_with(meta_source(meta, backfill_days=0, level="creative"))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 5
    rows = m.rows(report, "2026-11")
    assert all(r["creative"] == f"{r['campaign']} · 素材" and r["ad_group"] == f"{r['campaign']} · 组"
               for r in rows.to_dict("records"))
    first = meta.seen("/insights")[0].query
    assert first["level"] == "ad" and {"adset_name", "ad_id", "ad_name"} <= set(first["fields"].split(","))


@pytest.mark.parametrize("api", ["google-ads", "oceanengine", "tencent"])
def test_the_creative_level_is_refused_where_feedsum_cannot_pull_it_yet(api):
    source = {"api": api, "account": "123-456-7890" if api == "google-ads" else "1234567", "credentials": "env:X",
              "level": "creative"}
    with pytest.raises(ConfigError) as got:
        report_with(source)
    assert "metrics[0].level" in str(got.value) and "meta" in str(got.value) and "export" in str(got.value)


def test_meta_without_a_conversion_action_leaves_conversions_empty(tmp_path, meta):
    source = meta_source(meta, backfill_days=0)
    source.pop("conversion_action")
    m = metrics_for(tmp_path, META_ENV)
    report = report_with(source)
    m.pull(report, "2026-11", NOW)
    rows = m.rows(report, "2026-11")
    assert rows["conversions"].isna().all() and rows["spend"].sum() == pytest.approx(300.75)
    assert "actions" not in meta.seen("/insights")[0].query["fields"]


def test_meta_long_ranges_run_as_an_async_report_job(tmp_path, meta):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, META_ENV, sleeps=sleeps)
    report = report_with(meta_source(meta, backfill_days=60))
    [pull] = m.pull(report, "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 5
    [post] = [r for r in meta.requests if r.method == "POST"]
    assert post.path.endswith("/act_555/insights") and post.form["time_increment"] == "1"
    polls = [r for r in meta.requests if r.path.endswith("/6001")]
    assert len(polls) == 3 and sleeps == [2.0, 4.0]  # polled until "Job Completed", backing off
    assert len(meta.seen("/6001/insights")) == 3


def test_meta_too_much_data_falls_back_to_the_async_job(tmp_path, meta):
    m = metrics_for(tmp_path, META_ENV)
    meta.fail("/insights", Reply(400, graph_error(100, "Please reduce the amount of data you're asking for, then "
                                                       "retry your request", 1487534)), method="GET")
    [pull] = m.pull(report_with(meta_source(meta, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 5 and any(r.method == "POST" for r in meta.requests)


@pytest.mark.parametrize(("code", "sub", "headers", "wait"), [
    (17, 2446079, {}, 15.0),  # user request limit: exponential back-off
    (4, 1504022, {}, 15.0),  # application request limit
    (613, 1487742, {}, 15.0),  # ad-account calls
    (80000, 2446079, {"x-business-use-case-usage": '{"555": [{"type": "ads_insights", "call_count": 100, '
                                                   '"total_cputime": 20, "total_time": 30, '
                                                   '"estimated_time_to_regain_access": 1}]}'}, 60.0),
    (80004, None, {"x-ad-account-usage": '{"acc_id_util_pct": 100, "reset_time_duration": 42}'}, 42.0),
])
def test_meta_rate_limit_signals_back_off_and_resume(tmp_path, meta, code, sub, headers, wait):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, META_ENV, sleeps=sleeps)
    meta.fail("/insights", Reply(400, graph_error(code, "User request limit reached", sub), headers))
    [pull] = m.pull(report_with(meta_source(meta, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and pull.outcome.rows == 5 and sleeps == [wait]


def test_meta_insights_throttle_header_slows_down_before_refusals(tmp_path, meta):
    sleeps = Sleeps()
    m = metrics_for(tmp_path, META_ENV, sleeps=sleeps)
    busy = {"x-fb-ads-insights-throttle": '{"app_id_util_pct": 95.5, "acc_id_util_pct": 12.0}'}
    original = meta.route
    meta.route = lambda req: (lambda r: Reply(r.status, r.body, {**r.headers, **busy}))(original(req))
    [pull] = m.pull(report_with(meta_source(meta, backfill_days=0)), "2026-11", NOW)
    assert pull.error is None and sleeps == [30.0] * 4  # a pause after each busy answer, within the budget
    tight = Metrics(Store.open(tmp_path / "b.db"), api=ApiKit(env=META_ENV, sleep=Sleeps(), max_wait=60))
    [pull] = tight.pull(report_with(meta_source(meta, backfill_days=0)), "2026-11", NOW)
    assert "insights quota 96% used" in pull.error and "next pull tries again" in pull.error
    assert not tight.store.snapshots.of(TEAM, "feed-ads", "2026-11")  # never a partial snapshot


def test_meta_expired_token_is_read_again_once_then_one_clear_error(tmp_path, meta):
    env = {"META_ACCESS_TOKEN": "EAAB-old"}
    m = metrics_for(tmp_path, env)
    [pull] = m.pull(report_with(meta_source(meta)), "2026-11", NOW)
    assert "error 190/463" in pull.error and "META_ACCESS_TOKEN" in pull.error and "EAAB" not in pull.error
    # A token replaced in its file is picked up by the retry, without a restart.
    secret = tmp_path / "meta.json"
    secret.write_text('{"access_token": "EAAB-old"}')
    report = report_with(meta_source(meta, credentials=str(secret)))
    from bot.data.sources.base import Context
    from bot.data.sources.meta import Meta
    from bot.data.sources.secrets import TokenStore

    client = Meta(report.metrics[0], Context(env={}, tokens=TokenStore()))
    secret.write_text('{"access_token": "EAAB-system-user"}')
    assert client.account().currency == "USD"


def test_meta_malformed_rows_name_the_field(tmp_path, meta):
    m = metrics_for(tmp_path, META_ENV)
    meta.fail("/insights", Reply(200, {"data": [{"date_start": "2026-11-01", "date_stop": "2026-11-01",
                                                 "campaign_id": "c1", "campaign_name": "R", "spend": "lots"}]}))
    [pull] = m.pull(report_with(meta_source(meta, backfill_days=0)), "2026-11", NOW)
    assert pull.error.startswith("meta act_555: insights: field `spend` is 'lots', not a number")
    meta.fail("/insights", Reply(200, {"data": [], "paging": {"next": "https://evil.example/steal"}}))
    [pull] = m.pull(report_with(meta_source(meta, backfill_days=0)), "2026-11", NOW)
    assert "`paging.next` points outside the API" in pull.error
    assert not [r for r in meta.requests if "evil" in r.path]


def test_stored_tokens_need_the_key_and_survive_a_wrong_one(tmp_path, google):
    m = metrics_for(tmp_path, google.env(), secret_key=None)
    m.pull(report_with(google_source(google)), "2026-11", NOW)
    with m.store.db.conn:
        assert m.store.db.conn.execute("SELECT COUNT(*) FROM api_tokens").fetchone() == (0,)  # memory only
    m2 = Metrics(m.store, api=ApiKit(secret_key=KEY, env=google.env(), sleep=Sleeps()))
    m2.pull(report_with(google_source(google)), "2026-11", NOW)
    other = Metrics(m.store, api=ApiKit(secret_key=Fernet.generate_key().decode(), env=google.env(), sleep=Sleeps()))
    [pull] = other.pull(report_with(google_source(google)), "2026-11", NOW)
    assert pull.error is None and len(google.seen("/token")) == 3


def test_secret_key_is_checked_at_start():
    from bot.model.config import Settings

    with pytest.raises(ConfigError) as err:
        Settings.from_env({"FEEDSUM_SECRET_KEY": "not-a-key"})
    assert err.value.key == "FEEDSUM_SECRET_KEY" and "Fernet" in err.value.problem
    assert Settings.from_env({"FEEDSUM_SECRET_KEY": KEY}).secret_key == KEY


def test_source_labels_and_metric_source_defaults():
    assert MetricSource(api="meta", account="act_1").label == "meta:act_1"
    assert MetricSource(path="x/*.csv").label == "x/*.csv"


def test_two_accounts_with_a_same_named_campaign_both_count_and_the_api_replaces_older_exports(tmp_path, google):
    google.customers["2223334444"] = Customer(name="Acme HK", currency="USD", time_zone="America/New_York",
                                              campaigns={"333": "品牌词"},
                                              rows=[("2026-11-01", "333", 700, 70, 7_000_000, 1.0, 20.0)])
    m = metrics_for(tmp_path, google.env())
    # An export imported by hand before the API was set up: same day and campaign, no ids.
    csv = "Day,Campaign,Impr.,Clicks,Cost\n2026-11-01,品牌词,999,99,99.00\n".encode()
    report = report_with(google_source(google), google_source(google, account="222-333-4444"))
    m.import_file(report, csv, name="old.csv", origin="slack", now=NOW, preset="google-ads")
    m.pull(report, "2026-11", NOW)
    rows = m.rows(report, "2026-11")
    brand = rows[(rows["campaign"] == "品牌词") & (rows["date"] == "2026-11-01")]
    assert sorted(brand["clicks"]) == [70, 100]  # both accounts' rows; the older export gave way



def test_reports_with_an_api_source_are_pulled_every_business_day_of_the_month():
    from bot.planning.schedule import ReportPlan, timeline

    window = timeline(ReportPlan("r", "Asia/Shanghai", "CN", pull=True), "2026-12").pulls
    daily = timeline(ReportPlan("r", "Asia/Shanghai", "CN", pull=True, pull_daily=True), "2026-12").pulls
    assert window[0].date() == date(2026, 12, 29) and daily[0].date() == date(2026, 12, 1)
    assert daily[-len(window):] == window


def test_meta_check_sees_the_account_campaigns_and_the_action_types_to_choose_from(meta):
    source = meta_source(meta)
    source.pop("conversion_action")
    report = report_with(source)
    meta.accounts["act_555"].rows.append(("2026-12-01", "c1", "Retargeting", 10, 1, 1.0,
                                          {"lead": 1, "link_click": 1}, {}))
    account = ApiKit(env=META_ENV, sleep=Sleeps()).client(None, report, report.metrics[0], NOW).check()
    assert (account.name, account.currency, account.timezone, account.campaigns) == (
        "Acme Shop", "USD", "America/Los_Angeles", 2)
    [note] = account.notes
    assert note.endswith("action types of the last 7 days: lead, link_click")
