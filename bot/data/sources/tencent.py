"""腾讯广告 (Tencent Ads): the Marketing API's daily reports (daily_reports/get).

GET {base}/v3.0/daily_reports/get with account_id, level, date_range {"start_date","end_date"},
group_by ["date", "adgroup_id"], fields, page/page_size — list and struct parameters as JSON — and,
on every call, access_token, timestamp (seconds, within 300 s of Tencent's clock) and nonce as
query parameters, answers {"code": 0, "message": "", "data": {"list": [rows], "page_info":
{"page", "page_size", "total_number", "total_page"}}}. `cost` is in 分 (÷ 100 = 元); dates are
GMT+8 days. In v3.0 the 广告 (adgroup) is the top level under the account (3.0 folded 推广计划 into
it), so it is the campaign here and the 创意 (dynamic creative) the level below; api_version = "v1.3"
reads the older campaign → adgroup structure. Tokens: GET {base}/oauth/token with
grant_type=refresh_token mints an access token (a day); GET {base}/oauth/refresh_token replaces the
refresh token itself (30 days, the old one retired), done when it has under a week left. Codes:
11000/11002/11004/11005 access token, 11010/11012 refresh token, 11008/11016–11019 and 30104 rate
limits, 10000/10001 and 30000–30099 passing system errors. docs/sources.md cites the references.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from bot.data.sources.base import Account, Verdict, day, number
from bot.data.sources.rotating import MarketingApi, Minted, page_count

TOKEN_CODES = {11000, 11002, 11004, 11005}  # access token expired / invalid / malformed / empty
REFRESH_CODES = {11007, 11009, 11010, 11011, 11012, 11013}  # the app id, or the refresh token, is refused
SCOPE_CODE = 11014  # the API is outside what the account authorized
# Rate limits, and how long Tencent says to wait (None: back off).
THROTTLE_WAITS: dict[int, float | None] = {11008: None, 11016: 1.0, 11017: 60.0, 11018: 86400.0, 11019: None,
                                           30104: 60.0}
TRANSIENT = {10000, 10001, *range(30000, 30100)}  # system busy, maintenance, SysException
RENEW_BEFORE = timedelta(days=7)  # replace the refresh token when it has less than this left
PAGE_SIZE = 100
METRICS = ["view_count", "valid_click_count", "cost", "conversions_count"]


class Tencent(MarketingApi):
    api = "tencent"
    platform = "腾讯广告"
    default_base = "https://api.e.qq.com"
    default_version = "v3.0"
    fields = ("client_id", "client_secret", "refresh_token")
    app_field = "client_id"
    backoff = 5.0
    throttle = THROTTLE_WAITS
    token_codes = TOKEN_CODES
    request_words = ("参数", "字段", "param", "field")
    transient = TRANSIENT
    messages = ("message", "message_cn")
    # cost in 分 of RMB; "MarketingAPI 所使用的时区为 GMT+8"

    _token = ""

    @property
    def v1(self) -> bool:
        return self.version.startswith("v1")

    @property
    def layout(self) -> tuple[str, list[str], list[str], str, str, str | None]:
        """(level, group_by, fields, campaign id, campaign name, ad-group name or None) for this
        version and the source's level."""
        if self.v1:
            if self.source.level == "adgroup":
                return ("REPORT_LEVEL_ADGROUP", ["date", "adgroup_id"],
                        ["campaign_id", "campaign_name", "adgroup_id", "adgroup_name"],
                        "campaign_id", "campaign_name", "adgroup_name")
            return "REPORT_LEVEL_CAMPAIGN", ["date", "campaign_id"], ["campaign_id", "campaign_name"], \
                "campaign_id", "campaign_name", None
        if self.source.level == "adgroup":
            return ("REPORT_LEVEL_DYNAMIC_CREATIVE", ["date", "dynamic_creative_id"],
                    ["adgroup_id", "adgroup_name", "dynamic_creative_id", "dynamic_creative_name"],
                    "adgroup_id", "adgroup_name", "dynamic_creative_name")
        return "REPORT_LEVEL_ADGROUP", ["date", "adgroup_id"], ["adgroup_id", "adgroup_name"], \
            "adgroup_id", "adgroup_name", None

    # --- auth ----------------------------------------------------------------------------------

    def authorize(self, *, force: bool = False) -> dict[str, str]:
        self._token = self.access_token(force)
        return {}

    def auth_params(self) -> dict[str, str]:
        # Tencent compares timestamp with its own clock (±300 s): the wall clock, not the pull's
        # start, since back-off can make a pull outlast that window.
        return {"access_token": self._token, "timestamp": str(int(time.time())), "nonce": uuid.uuid4().hex}

    @property
    def _token_url(self) -> str:
        return self.source.token_url or f"{self.base}/oauth/token"

    def mint(self, refresh_token: str) -> Minted:
        data = self.request("GET", self._token_url, what="token refresh", auth=False, judge=self._judge_token,
                            params={"client_id": self.secrets["client_id"], "client_secret": self.secrets["client_secret"],
                                    "grant_type": "refresh_token", "refresh_token": refresh_token})
        return self._minted("token refresh", data)

    def renewal_due(self, fields: dict[str, Any], now: datetime) -> bool:
        at = fields.get("refresh_expires_at")
        return bool(at) and datetime.fromisoformat(at) - now < RENEW_BEFORE

    def renew(self, refresh_token: str) -> Minted:
        url = self._token_url.rsplit("/", 1)[0] + "/refresh_token"
        data = self.request("GET", url, what="refresh token renewal", auth=False, judge=self._judge_token,
                            params={"client_id": self.secrets["client_id"], "client_secret": self.secrets["client_secret"],
                                    "refresh_token": refresh_token})
        minted = self._minted("refresh token renewal", data)
        if not minted.refresh_token:
            raise self.malformed("refresh token renewal", "refresh_token")
        return minted

    def _minted(self, what: str, data: Any) -> Minted:
        return self.minted(what, data, access="access_token", expires="access_token_expires_in",
                           refresh="refresh_token", refresh_expires="refresh_token_expires_in")

    # --- answers -------------------------------------------------------------------------------

    def denied(self, code: int | None, shown: str) -> Verdict | None:
        if code in REFRESH_CODES:
            raise self.refused(shown)
        if code == SCOPE_CODE or "permission" in shown.lower() or "权限" in shown:
            return Verdict("failed", message=f"腾讯广告 denied access to account {self.source.account} ({shown}); "
                                             "authorize the app with the ads_insights scope on this account")
        return None

    # --- what the account is, and its rows ----------------------------------------------------

    def account(self) -> Account:
        params = {"account_id": self.source.account, "fields": json.dumps(["account_id", "corporation_name"])}
        if not self.v1:
            params.update(pagination_mode="PAGINATION_MODE_NORMAL", page=1, page_size=10)
        return self._named_account(
            "advertiser", f"{self.base}/{self.version}/advertiser/get", params,
            items=lambda data: data.get("list") if isinstance(data, dict) else None,
            at="data.list", shape="is not a list of accounts", id_field="account_id", name_field="corporation_name")

    @property
    def campaign_note(self) -> str:
        return "推广计划" if self.v1 else "广告 (3.0 adgroups)"

    def _report(self, since: date, until: date) -> list[dict[str, Any]]:
        level, group_by, names, id_key, name_key, group_key = self.layout
        what = "daily report"
        params = {"account_id": self.source.account, "level": level,
                  "date_range": json.dumps({"start_date": since.isoformat(), "end_date": until.isoformat()}),
                  "group_by": json.dumps(group_by), "fields": json.dumps(["date", *names, *METRICS]),
                  "page_size": PAGE_SIZE}
        url = f"{self.base}/{self.version}/daily_reports/get"
        out, page = [], 1
        while True:
            data = self.request("GET", url, what=what, params={**params, "page": page})
            rows = data.get("list") if isinstance(data, dict) else None
            if not isinstance(rows, list):
                raise self.malformed(what, "data.list", "is missing" if rows is None else "is not a list")
            out += [self._row(r, id_key, name_key, group_key, what) for r in rows]
            if page >= page_count(self, data.get("page_info"), what) or not rows:
                return out
            page += 1

    def _row(self, r: Any, id_key: str, name_key: str, group_key: str | None, what: str) -> dict[str, Any]:
        if not isinstance(r, dict):
            raise self.malformed(what, "data.list", "holds something that is not a row")
        campaign_id, campaign, ad_group = self._names(r, id_key, name_key, group_key, what)
        return {
            "date": day(self, what, "date", r.get("date")),
            "platform": self.row_platform, "account": self.source.account,
            "campaign": campaign, "campaign_id": campaign_id, "ad_group": ad_group,
            "impressions": number(self, what, "view_count", r.get("view_count")),
            "clicks": number(self, what, "valid_click_count", r.get("valid_click_count")),
            "spend": number(self, what, "cost", r.get("cost")) / 100,  # 分 → 元
            "conversions": number(self, what, "conversions_count", r.get("conversions_count")),  # 目标转化量
            "revenue": None,  # no one revenue measure fits every industry's account
        }
