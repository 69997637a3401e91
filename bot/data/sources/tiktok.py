"""TikTok (TikTok API for Business, Marketing API v1.3): the synchronous integrated report.

GET {base}/open_api/v1.3/report/integrated/get/?advertiser_id=…&report_type=BASIC
&data_level=AUCTION_CAMPAIGN&dimensions=["campaign_id","stat_time_day"]&metrics=[…]&start_date&end_date
&page&page_size answers the envelope {"code": 0, "message": "OK", "request_id", "data": {"list":
[{"dimensions", "metrics"}], "page_info": {"page", "total_page", …}}}; every other code is an
error (40100 too many requests, 40105 access token refused, 40001 no permission, 40002 a bad
parameter, 5xxxx TikTok's own failure), usually with HTTP 200. Metrics come as strings, `spend`
in units of the advertiser's currency; `stat_time_day` is a day in the ad account's time zone.
A daily breakdown covers at most 30 days per request, so longer ranges are asked for in parts.
The token is a long-term one in the `Access-Token` header: there is no refresh, so a refused
token is read again once (a replaced one is used without a restart), then one clear error.
docs/sources.md cites the references.
"""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests

from bot.data.sources.base import Account, AuthError, Client, ResponseError, Verdict, day, number

log = logging.getLogger(__name__)

THROTTLE_CODES = {40100}  # too many requests (QPS / QPM / QPD of the app or the endpoint)
TOKEN_CODES = {40102, 40104, 40105}  # access token expired; empty; incorrect or revoked
PERMISSION_CODES = {40001}  # the token's user has no access to the advertiser
PARAM_CODES = {40002}  # a parameter TikTok no longer takes: an API change
MAX_DAYS = 30  # a report with stat_time_day spans at most 30 days
PAGE_SIZE = 1000  # the largest page_size the report takes
MAX_PAGES = 1000
# level -> (data_level, the id dimension, its status filter, the name metrics asked for)
LEVELS = {
    "campaign": ("AUCTION_CAMPAIGN", "campaign_id", "campaign_status", ["campaign_name"]),
    "adgroup": ("AUCTION_ADGROUP", "adgroup_id", "adgroup_status", ["campaign_id", "campaign_name", "adgroup_name"]),
    "creative": ("AUCTION_AD", "ad_id", "ad_status", ["campaign_id", "campaign_name", "adgroup_name", "ad_name"]),
}
# Conversions: the ad groups' optimization events ("Conversions" in Ads Manager and its exports).
# Revenue: the value of website purchases (`total_complete_payment_rate` is, despite its name,
# the total Complete Payment value) plus in-app purchases (`total_purchase_value`).
COUNTS = ["spend", "impressions", "clicks", "conversion", "total_complete_payment_rate", "total_purchase_value"]
BLANK = ("-", "")  # how TikTok writes a metric it has nothing to count for


class TikTok(Client):
    api = "tiktok"
    platform = "TikTok"
    default_base = "https://business-api.tiktok.com"
    default_version = "v1.3"
    fields = ("access_token",)
    backoff = 5.0  # the limits are per second and per minute: the first waits can be short

    _last_refusal = ""

    @property
    def root(self) -> str:
        return f"{self.base}/open_api/{self.version}"

    @property
    def advertiser(self) -> str:
        return self.source.account or ""

    # --- auth ----------------------------------------------------------------------------------

    def authorize(self, *, force: bool = False) -> dict[str, str]:
        # A long-term token has no refresh: read the secret again, so a token replaced in its file
        # or variable is used without a restart; the same token again is a clear error.
        if force and not self.reread_token():
            raise AuthError(f"{self.name}: TikTok refused the access token ({self._last_refusal or 'code 40105'}); "
                            f"it was revoked or the advertiser's authorization ended: authorize the app again "
                            f"and set {self.secret_at('access_token')}")
        return {"Access-Token": self.secrets["access_token"]}

    # --- answers -------------------------------------------------------------------------------

    def judge(self, resp: requests.Response, what: str) -> Verdict:
        if resp.status_code == 429:
            return Verdict("throttled", wait=_retry_after(resp), message="HTTP 429 Too Many Requests")
        if resp.status_code >= 500 and not resp.content.strip().startswith(b"{"):
            return Verdict("retry", message=f"HTTP {resp.status_code}")
        body = self.json_of(resp, what)
        if not isinstance(body, dict) or "code" not in body:
            if resp.status_code >= 500:
                return Verdict("retry", message=f"HTTP {resp.status_code}")
            raise self.malformed(what, "code")
        code = _int(body.get("code"))
        if code is None:
            raise self.malformed(what, "code", f"is {str(body.get('code'))[:40]!r}, not a number")
        if code == 0:
            return Verdict("ok", data=body.get("data"))
        # The request id is logged, not put in the message: the admins are told once per
        # distinct error, and every answer has a new one.
        log.info("%s: %s: TikTok code %s (request_id %s)", self.name, what, code, body.get("request_id"))
        shown = f"code {code}: {str(body.get('message') or '').strip()[:300]}"
        if code in TOKEN_CODES:
            self._last_refusal = shown
            return Verdict("expired", message=f"TikTok refused the access token ({shown})")
        if code in THROTTLE_CODES:
            return Verdict("throttled", wait=_retry_after(resp), message=f"rate-limited ({shown})")
        if 50000 <= code < 60000 or resp.status_code >= 500:
            return Verdict("retry", message=shown)
        if code in PERMISSION_CODES:
            return Verdict("failed", message=f"TikTok denied access to advertiser {self.advertiser} ({shown}); the "
                                             "advertiser must authorize the app, with the Reporting permission")
        if code in PARAM_CODES:
            raise ResponseError(f"{self.name}: {what}: TikTok refused the request ({shown}); the API may have "
                                f"changed (api_version is {self.version})")
        return Verdict("failed", message=f"{what}: TikTok answered {shown}")

    # --- what the account is, and its rows ----------------------------------------------------

    def account(self) -> Account:
        what = "advertiser info"
        data = self.request("GET", f"{self.root}/advertiser/info/", what=what, params={
            "advertiser_ids": json.dumps([self.advertiser]),
            "fields": json.dumps(["name", "currency", "timezone", "display_timezone"])})
        items = data.get("list") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise self.malformed(what, "data.list", "is not a list")
        mine = [a for a in items if isinstance(a, dict) and str(a.get("advertiser_id", self.advertiser)) == self.advertiser]
        if not mine:
            raise AuthError(f"{self.name}: TikTok shows no advertiser {self.advertiser} to this token; the advertiser "
                            "must authorize the app")
        info = mine[0]
        if not isinstance(info.get("currency"), str) or not info["currency"]:
            raise self.malformed(what, "currency")
        return Account(id=self.advertiser, name=info.get("name") if isinstance(info.get("name"), str) else None,
                       currency=info["currency"], timezone=self._zone(info, what))

    def _zone(self, info: dict, what: str) -> str:
        """The ad account's time zone: `timezone`, else `display_timezone`, as an IANA name."""
        for key in ("timezone", "display_timezone"):
            value = info.get(key)
            if isinstance(value, str) and _known_zone(value):
                return value
        value = info.get("timezone")
        raise self.malformed(what, "timezone", "is missing" if value is None else f"is {str(value)[:40]!r}, "
                                                                                 "not a time zone feedsum knows")

    def check(self) -> Account:
        account = self.account()
        data = self.request("GET", f"{self.root}/campaign/get/", what="campaigns",
                            params={"advertiser_id": self.advertiser, "page_size": 1})
        info = data.get("page_info") if isinstance(data, dict) else None
        account.campaigns = _int(info.get("total_number")) if isinstance(info, dict) else None
        return account

    def fetch(self, since: date, until: date, account: Account) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        start = since
        while start <= until:
            end = min(start + timedelta(days=MAX_DAYS - 1), until)
            out += self._report(start, end)
            start = end + timedelta(days=1)
        return out

    def _report(self, since: date, until: date) -> list[dict[str, Any]]:
        data_level, key, status, names = LEVELS[self.source.level]
        what = {"adgroup": "daily ad group rows", "creative": "daily ad rows"}.get(self.source.level,
                                                                                    "daily campaign rows")
        params = {
            "advertiser_id": self.advertiser, "service_type": "AUCTION", "report_type": "BASIC",
            "data_level": data_level, "dimensions": json.dumps([key, "stat_time_day"]),
            "metrics": json.dumps(names + COUNTS), "start_date": since.isoformat(), "end_date": until.isoformat(),
            # Deleted campaigns spent too: without this filter their days would be missing.
            "filtering": json.dumps([{"field_name": status, "filter_type": "IN",
                                      "filter_value": json.dumps(["STATUS_ALL"])}]),
            "page_size": PAGE_SIZE,
        }
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            data = self.request("GET", f"{self.root}/report/integrated/get/", what=what, params={**params, "page": page})
            if not isinstance(data, dict):
                raise self.malformed(what, "data", "is not an object")
            items = data.get("list")
            if not isinstance(items, list):
                raise self.malformed(what, "data.list", "is missing" if items is None else "is not a list")
            rows += [self._row(item, key, what) for item in items]
            total = _total_pages(data.get("page_info"))
            if total is None:
                raise self.malformed(what, "page_info.total_page")
            if page >= total or not items:
                return rows
            if page >= MAX_PAGES:
                raise self.malformed(what, "page_info.total_page", f"is {total}, more pages than feedsum reads")
            page += 1

    def _row(self, item: Any, key: str, what: str) -> dict[str, Any]:
        if not isinstance(item, dict) or not isinstance(item.get("dimensions"), dict) \
                or not isinstance(item.get("metrics"), dict):
            raise self.malformed(what, "list", "holds something that is not {dimensions, metrics}")
        dims, met = item["dimensions"], item["metrics"]
        adgroup = key in ("adgroup_id", "ad_id")  # an ad group's row, or an ad's (in its ad group)
        ad = key == "ad_id"
        campaign_id = met.get("campaign_id") if adgroup else dims.get("campaign_id")
        if not isinstance(campaign_id, str | int) or isinstance(campaign_id, bool) or campaign_id == "":
            raise self.malformed(what, ("metrics." if adgroup else "dimensions.") + "campaign_id")
        for name in ("campaign_name",) + (("adgroup_name",) if adgroup else ()) + (("ad_name",) if ad else ()):
            if not isinstance(met.get(name), str):
                raise self.malformed(what, f"metrics.{name}")

        def metric(name: str) -> float:
            if name not in met:
                raise self.malformed(what, f"metrics.{name}")
            value = met[name]
            return 0.0 if value in BLANK else number(self, what, f"metrics.{name}", value)

        return {
            "date": day(self, what, "dimensions.stat_time_day", dims.get("stat_time_day")),
            "platform": self.row_platform, "account": self.advertiser,
            "campaign": met["campaign_name"], "campaign_id": str(campaign_id),
            "ad_group": met["adgroup_name"] if adgroup else None,
            "creative": met["ad_name"] if ad else None,
            "impressions": metric("impressions"), "clicks": metric("clicks"),
            "spend": metric("spend"),  # units of the advertiser's currency
            "conversions": metric("conversion"),
            "revenue": metric("total_complete_payment_rate") + metric("total_purchase_value"),
        }


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _total_pages(info: Any) -> int | None:
    """`page_info.total_page`, else worked out from `total_number` and `page_size`."""
    if not isinstance(info, dict):
        return None
    total, count, size = (_int(info.get(k)) for k in ("total_page", "total_number", "page_size"))
    if total is not None:
        return total
    if count is not None and size:
        return -(-count // size)
    return None


def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _retry_after(resp: requests.Response) -> float | None:
    raw = resp.headers.get("Retry-After", "")
    try:
        seconds = float(raw)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
