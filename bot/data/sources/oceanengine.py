"""巨量引擎 (Ocean Engine): the Marketing API's custom report (自定义报表), by project (项目) and day.

GET {base}/open_api/v3.0/report/custom/get/ with advertiser_id, data_topic=BASIC_DATA,
dimensions=["stat_time_day","cdp_project_id","cdp_project_name"], metrics, start_time/end_time
(YYYY-MM-DD, at most 30 days), filters, order_by, page/page_size — list parameters as JSON — and the
`Access-Token` header answers {"code": 0, "message": "OK", "data": {"rows": [{"dimensions": {…},
"metrics": {…}}], "page_info": {"page", "total_page", …}}} with values as strings. Cost
(`stat_cost`) is in 元; the advertiser's days are Beijing time. Access tokens last a day; POST
/open_api/oauth2/refresh_token/ {app_id, secret, refresh_token} answers a new access token and a new
refresh token and retires the old one (rotating.py keeps it). Errors are a non-zero `code` in the
same envelope (HTTP 200): 40100 too many requests, 40102/40104/40105 a missing, expired or invalid
access token. docs/sources.md cites the references and says which codes could not be verified.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.data.sources.base import Account, Verdict, day, number
from bot.data.sources.rotating import MarketingApi, Minted, page_count

THROTTLE_CODES = {40100}  # 请求过于频繁 (frequency control)
TOKEN_CODES = {40102, 40104, 40105}  # access token expired / empty / invalid: refresh once
TRANSIENT = range(50000, 60000)  # system errors (50000, 51010 …): try again
PAGE_SIZE = 500  # the API allows 1–1000
METRICS = ["stat_cost", "show_cnt", "click_cnt", "attribution_convert_cnt"]
# level -> (dimensions, id of the row's campaign, its name, ad-group name or None)
LEVELS = {
    "campaign": (["stat_time_day", "cdp_project_id", "cdp_project_name"], "cdp_project_id", "cdp_project_name", None),
    "adgroup": (["stat_time_day", "cdp_project_id", "cdp_project_name", "cdp_promotion_id", "cdp_promotion_name"],
                "cdp_project_id", "cdp_project_name", "cdp_promotion_name"),
}


class OceanEngine(MarketingApi):
    api = "oceanengine"
    platform = "巨量引擎"
    default_base = "https://api.oceanengine.com"
    default_version = "v3.0"
    fields = ("app_id", "secret", "refresh_token")
    app_field = "app_id"
    backoff = 5.0  # frequency control is per second/minute: short waits are enough
    throttle = dict.fromkeys(THROTTLE_CODES)
    token_codes = TOKEN_CODES
    transient = TRANSIENT
    campaign_note = "projects (项目)"

    # --- auth ----------------------------------------------------------------------------------

    def authorize(self, *, force: bool = False) -> dict[str, str]:
        return {"Access-Token": self.access_token(force)}

    def mint(self, refresh_token: str) -> Minted:
        what = "token refresh"
        app_id = self.secrets["app_id"]
        body = {"app_id": int(app_id) if app_id.isdigit() else app_id, "secret": self.secrets["secret"],
                "grant_type": "refresh_token", "refresh_token": refresh_token}
        data = self.request("POST", self.source.token_url or f"{self.base}/open_api/oauth2/refresh_token/",
                            what=what, auth=False, json=body, judge=self._judge_token)
        return self.minted(what, data, access="access_token", expires="expires_in", refresh="refresh_token",
                           refresh_expires="refresh_token_expires_in")

    # --- answers -------------------------------------------------------------------------------

    def denied(self, code: int | None, shown: str) -> Verdict | None:
        lowered = shown.lower()
        if "权限" in shown or "permission" in lowered or "auth" in lowered:
            return Verdict("failed", message=f"巨量引擎 denied access to advertiser {self.source.account} ({shown}); "
                                             "the authorizing user needs this advertiser, and the app the report "
                                             "permission")
        return None

    # --- what the account is, and its rows ----------------------------------------------------

    def account(self) -> Account:
        return self._named_account(
            "advertiser info", f"{self.base}/open_api/2/advertiser/info/",
            {"advertiser_ids": json.dumps([int(self.source.account or 0)]), "fields": json.dumps(["id", "name", "company"])},
            items=lambda data: data.get("list") if isinstance(data, dict) else data,
            at="data", shape="is not a list of advertisers", id_field="id", name_field="name")

    def _report(self, since: date, until: date) -> list[dict[str, Any]]:
        dims, id_key, name_key, group_key = LEVELS[self.source.level]
        what = "custom report"
        params = {"advertiser_id": self.source.account, "data_topic": "BASIC_DATA", "dimensions": json.dumps(dims),
                  "metrics": json.dumps(METRICS), "filters": "[]", "order_by": "[]",
                  "start_time": since.isoformat(), "end_time": until.isoformat(), "page_size": PAGE_SIZE}
        url = f"{self.base}/open_api/{self.version}/report/custom/get/"
        out, page = [], 1
        while True:
            data = self.request("GET", url, what=what, params={**params, "page": page})
            if not isinstance(data, dict):
                raise self.malformed(what, "data", "is not an object")
            rows = data.get("rows")
            if rows is None:
                rows = data.get("list", [])  # older report endpoints answer "list"
            if not isinstance(rows, list):
                raise self.malformed(what, "data.rows", "is not a list")
            out += [self._row(r, id_key, name_key, group_key, what) for r in rows]
            if page >= page_count(self, data.get("page_info"), what) or not rows:
                return out
            page += 1

    def _row(self, r: Any, id_key: str, name_key: str, group_key: str | None, what: str) -> dict[str, Any]:
        if not isinstance(r, dict):
            raise self.malformed(what, "data.rows", "holds something that is not a row")
        dims, met = r.get("dimensions"), r.get("metrics")
        if not isinstance(dims, dict) or not isinstance(met, dict):
            # Tolerate a flat row ({"stat_time_day": …, "stat_cost": …}) as well.
            dims = met = r
        campaign_id, campaign, ad_group = self._names(dims, id_key, name_key, group_key, what, "dimensions.")
        return {
            "date": day(self, what, "dimensions.stat_time_day", dims.get("stat_time_day")),
            "platform": self.row_platform, "account": self.source.account,
            "campaign": campaign, "campaign_id": campaign_id, "ad_group": ad_group,
            "impressions": number(self, what, "metrics.show_cnt", met.get("show_cnt")),
            "clicks": number(self, what, "metrics.click_cnt", met.get("click_cnt")),
            "spend": number(self, what, "metrics.stat_cost", met.get("stat_cost")),  # 元
            # 转化数(计费时间): conversions dated on the day of the cost that bought them, so the
            # backfill window brings late ones into the right day (and CPA pairs like with like).
            "conversions": number(self, what, "metrics.attribution_convert_cnt", met.get("attribution_convert_cnt")),
            "revenue": None,  # no one revenue measure fits every industry's account
        }

