"""A fake TikTok API for Business (Marketing API v1.3), from the documented requests and answers.

Every answer is HTTP 200 with the envelope {"code", "message", "request_id", "data"}: code 0 is
success, anything else an error named by its code (40100 too many requests, 40105 access token
incorrect or revoked, 40001 no permission, 40002 parameter error, 50000 system error). The
synchronous report (GET report/integrated/get/) takes its lists as JSON strings in the query,
answers {"list": [{"dimensions", "metrics"}], "page_info"} with every metric as a string, pages
with page/page_size, and refuses a daily breakdown over more than 30 days like the real API.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import date

from tests.fake_ads.base import FakeApi, Reply, Request

VERSION = "v1.3"
MAX_DAYS_BY_DAY = 30  # a report with stat_time_day covers at most 30 days


def envelope(code: int, message: str, data: dict | None = None, request_id: str = "202612020200000A1B2C") -> dict:
    return {"code": code, "message": message, "request_id": request_id, "data": data if data is not None else {}}


@dataclass
class Advertiser:
    name: str
    currency: str = "USD"
    timezone: str = "America/Los_Angeles"
    display_timezone: str | None = None
    # (date, campaign id, campaign name, impressions, clicks, spend, conversions,
    #  complete payment value (web), purchase value (app))
    rows: list[tuple] = field(default_factory=list)


class FakeTikTok(FakeApi):
    def __init__(self, token: str = "tt-long-term-token"):
        super().__init__()
        self.tokens = {token}
        self.advertisers: dict[str, Advertiser] = {}
        self.page_size = 2  # rows a page whatever was asked: several pages even for small tests
        self.blank = ""  # what a metric without a value is written as ("-" in some answers)
        self._ids = itertools.count(1)

    def env(self, name: str = "TIKTOK") -> dict[str, str]:
        return {f"{name}_ACCESS_TOKEN": next(iter(self.tokens))}

    def route(self, req: Request) -> Reply:
        rid = f"20261202020000{next(self._ids):06d}"
        if req.headers.get("access-token") not in self.tokens:
            return Reply(200, envelope(40105, "Access token is incorrect or has been revoked.", request_id=rid))
        path = req.path.removeprefix(f"/open_api/{VERSION}/")
        if path == "advertiser/info/":
            ids = json.loads(req.query.get("advertiser_ids", "[]"))
            out = []
            for i in ids:
                adv = self.advertisers.get(i)
                if adv is None:
                    return Reply(200, envelope(40001, f"No permission to operate advertiser {i}.", request_id=rid))
                item = {"advertiser_id": i, "name": adv.name, "currency": adv.currency, "timezone": adv.timezone,
                        "display_timezone": adv.display_timezone or adv.timezone, "status": "STATUS_ENABLE"}
                wanted = json.loads(req.query["fields"]) if "fields" in req.query else list(item)
                out.append({k: v for k, v in item.items() if k in wanted})
            return Reply(200, envelope(0, "OK", {"list": out}, rid))
        if path == "campaign/get/":
            adv = self.advertisers.get(req.query.get("advertiser_id", ""))
            if adv is None:
                return Reply(200, envelope(40001, "No permission to operate this advertiser.", request_id=rid))
            ids = sorted({r[1] for r in adv.rows})
            size = int(req.query.get("page_size", 10))
            return Reply(200, envelope(0, "OK", {"list": [{"campaign_id": c} for c in ids[:size]], "page_info": {
                "page": 1, "page_size": size, "total_number": len(ids), "total_page": max(1, -(-len(ids) // size))}},
                rid))
        if path == "report/integrated/get/":
            return self._report(req, rid)
        return Reply(404, b"404 page not found")

    def _report(self, req: Request, rid: str) -> Reply:
        q = req.query
        adv = self.advertisers.get(q.get("advertiser_id", ""))
        if adv is None:
            return Reply(200, envelope(40001, "No permission to operate this advertiser.", request_id=rid))
        try:
            dimensions = json.loads(q["dimensions"])
            metrics = json.loads(q["metrics"])
            since, until = date.fromisoformat(q["start_date"]), date.fromisoformat(q["end_date"])
        except (KeyError, ValueError) as exc:
            return Reply(200, envelope(40002, f"Invalid parameter: {exc}", request_id=rid))
        if q.get("report_type") != "BASIC":
            return Reply(200, envelope(40002, "report_type: invalid value", request_id=rid))
        level = q.get("data_level")
        key = {"AUCTION_CAMPAIGN": "campaign_id", "AUCTION_ADGROUP": "adgroup_id", "AUCTION_AD": "ad_id"}.get(level or "")
        if key is None or dimensions != [key, "stat_time_day"]:
            return Reply(200, envelope(40002, f"dimensions {dimensions} are not supported at {level}", request_id=rid))
        if "stat_time_day" in dimensions and (until - since).days + 1 > MAX_DAYS_BY_DAY:
            return Reply(200, envelope(40002, "The time span of start_date and end_date cannot exceed 30 days when "
                                              "stat_time_day is a dimension.", request_id=rid))
        rows = []
        for day, cid, name, impressions, clicks, spend, conversions, web_value, app_value in adv.rows:
            if not since.isoformat() <= day <= until.isoformat():
                continue
            dims = {key: {"campaign_id": cid, "adgroup_id": f"9{cid}"}.get(key, f"8{cid}"),
                    "stat_time_day": f"{day} 00:00:00"}
            full = {"campaign_name": name, "campaign_id": cid, "adgroup_name": f"{name} · 组",
                    "adgroup_id": f"9{cid}", "ad_name": f"{name} · 素材",
                    "spend": f"{spend:.2f}", "impressions": str(impressions), "clicks": str(clicks),
                    "conversion": str(conversions) if conversions is not None else self.blank,
                    "total_complete_payment_rate": f"{web_value:.2f}" if web_value is not None else self.blank,
                    "total_purchase_value": f"{app_value:.2f}" if app_value is not None else self.blank}
            rows.append({"dimensions": dims, "metrics": {m: full.get(m, "0") for m in metrics}})
        page = int(q.get("page", 1))
        size = min(int(q.get("page_size", 10)), self.page_size)
        total_page = max(1, -(-len(rows) // size))
        return Reply(200, envelope(0, "OK", {"list": rows[(page - 1) * size:page * size], "page_info": {
            "page": page, "page_size": size, "total_number": len(rows), "total_page": total_page}}, rid))
