"""A fake 巨量引擎 Marketing API, from the documented requests and answers.

Every answer is HTTP 200 with {"code", "message", "request_id", "data"}; code 0 is success. The
refresh endpoint rotates: it answers a new access token and a new refresh token and retires the one
it was given. The custom report answers {"rows": [{"dimensions": {…}, "metrics": {…}}],
"total_metrics", "page_info"} with every value a string (the official SDK's map[string]string).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import date

from tests.fake_ads.base import FakeApi, Reply, Request


def envelope(code: int, message: str, data=None) -> dict:
    body = {"code": code, "message": message, "request_id": "20261202100000FAKE"}
    if data is not None:
        body["data"] = data
    return body


@dataclass
class Advertiser:
    name: str
    projects: dict[str, str] = field(default_factory=dict)  # id -> name
    # (date, project id, show_cnt, click_cnt, stat_cost 元, attribution_convert_cnt)
    rows: list[tuple] = field(default_factory=list)


class FakeOceanEngine(FakeApi):
    def __init__(self, *, app_id: str = "1700000000000001", secret: str = "oe-secret", refresh_token: str = "rt-0"):
        super().__init__()
        self.app_id, self.secret = app_id, secret
        self.refresh_tokens = {refresh_token}  # the ones still valid
        self.first_refresh = refresh_token
        self.access: set[str] = set()
        self.advertisers: dict[str, Advertiser] = {}
        self.page_size_cap = 2  # rows a page at most, whatever page_size asks: several pages in small tests
        self._issued = itertools.count(1)

    def env(self, name: str = "OCEANENGINE") -> dict[str, str]:
        return {f"{name}_APP_ID": self.app_id, f"{name}_SECRET": self.secret,
                f"{name}_REFRESH_TOKEN": self.first_refresh}

    def expire_tokens(self) -> None:
        self.access.clear()

    # --- routes ------------------------------------------------------------------------------

    def route(self, req: Request) -> Reply:
        if req.path == "/open_api/oauth2/refresh_token/" and req.method == "POST":
            return self._refresh(req)
        if req.headers.get("access-token") not in self.access:
            return Reply(200, envelope(40102, "access_token已过期"))
        if req.path == "/open_api/2/advertiser/info/":
            ids = [str(i) for i in json.loads(req.query["advertiser_ids"])]
            found = [{"id": int(i), "name": self.advertisers[i].name, "company": "Acme"} for i in ids
                     if i in self.advertisers]
            if len(found) < len(ids):
                return Reply(200, envelope(40002, "没有权限"))
            return Reply(200, envelope(0, "OK", found))
        if req.path == "/open_api/v3.0/report/custom/get/":
            return self._report(req)
        return Reply(404, b"404 page not found")

    def _refresh(self, req: Request) -> Reply:
        body = req.json or {}
        if str(body.get("app_id")) != self.app_id or body.get("secret") != self.secret:
            return Reply(200, envelope(40001, "app_id或secret错误"))
        if body.get("refresh_token") not in self.refresh_tokens:
            return Reply(200, envelope(40107, "refresh_token无效"))
        n = next(self._issued)
        self.refresh_tokens.discard(body["refresh_token"])  # retired once used
        self.refresh_tokens.add(f"rt-{n}")
        self.access.add(f"at-{n}")
        return Reply(200, envelope(0, "OK", {"access_token": f"at-{n}", "expires_in": 86399,
                                             "refresh_token": f"rt-{n}", "refresh_token_expires_in": 2591999}))

    def _report(self, req: Request) -> Reply:
        q = req.query
        adv = self.advertisers.get(q.get("advertiser_id", ""))
        if adv is None:
            return Reply(200, envelope(40002, "没有权限"))
        try:
            dims, metrics = json.loads(q["dimensions"]), json.loads(q["metrics"])
            json.loads(q["filters"]), json.loads(q["order_by"])
            since, until = date.fromisoformat(q["start_time"]), date.fromisoformat(q["end_time"])
        except (KeyError, ValueError):
            return Reply(200, envelope(40001, "参数错误: dimensions, metrics, filters, order_by, start_time, end_time"))
        if q.get("data_topic") != "BASIC_DATA" or (until - since).days >= 30 or since > until:
            return Reply(200, envelope(40001, "参数错误: 时间跨度不能超过30天"))
        rows = []
        for day, project, shows, clicks, cost, converts in adv.rows:
            if not since.isoformat() <= day <= until.isoformat():
                continue
            full_dims = {"stat_time_day": day, "cdp_project_id": project, "cdp_project_name": adv.projects[project],
                         "cdp_promotion_id": f"7{project}", "cdp_promotion_name": f"{adv.projects[project]} · 广告"}
            full_metrics = {"stat_cost": f"{cost:.2f}", "show_cnt": str(shows), "click_cnt": str(clicks),
                            "attribution_convert_cnt": str(converts), "convert_cnt": str(converts)}
            rows.append({"dimensions": {k: full_dims[k] for k in dims},
                         "metrics": {k: full_metrics[k] for k in metrics}})
        size = min(int(q.get("page_size", 20)), self.page_size_cap)
        page = int(q.get("page", 1))
        total_page = max(1, -(-len(rows) // size))
        return Reply(200, envelope(0, "OK", {
            "rows": rows[(page - 1) * size: page * size], "total_metrics": {},
            "page_info": {"page": page, "page_size": size, "total_number": len(rows), "total_page": total_page}}))
