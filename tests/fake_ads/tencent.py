"""A fake 腾讯广告 Marketing API (v3.0, and v1.3's campaign level), from the documented requests
and answers.

Every call but the token endpoints carries access_token, timestamp and nonce as query parameters;
answers are {"code", "message", "message_cn", "data"} with code 0 for success. GET /oauth/token
(grant_type=refresh_token) mints an access token and keeps the refresh token; GET
/oauth/refresh_token replaces both and retires the old ones. Report rows have `cost` in 分.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

from tests.fake_ads.base import FakeApi, Reply, Request


def envelope(code: int, message: str = "", data=None, message_cn: str = "") -> dict:
    body = {"code": code, "message": message, "message_cn": message_cn}
    if data is not None:
        body["data"] = data
    return body


@dataclass
class Account:
    name: str
    adgroups: dict[str, str] = field(default_factory=dict)  # id -> name (v3.0's 广告; v1.3's 推广计划)
    # (date, adgroup id, view_count, valid_click_count, cost 分, conversions_count)
    rows: list[tuple] = field(default_factory=list)


class FakeTencent(FakeApi):
    def __init__(self, *, client_id: str = "1110000001", client_secret: str = "tx-secret", refresh_token: str = "rt-0"):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_tokens = {refresh_token}
        self.first_refresh = refresh_token
        self.refresh_lifetime = 2592000  # seconds the current refresh token has left, as Tencent reports it
        self.access: set[str] = set()
        self.accounts: dict[str, Account] = {}
        self.page_size_cap = 2
        self._issued = itertools.count(1)

    def env(self, name: str = "TENCENT_ADS") -> dict[str, str]:
        return {f"{name}_CLIENT_ID": self.client_id, f"{name}_CLIENT_SECRET": self.client_secret,
                f"{name}_REFRESH_TOKEN": self.first_refresh}

    def expire_tokens(self) -> None:
        self.access.clear()

    # --- routes ------------------------------------------------------------------------------

    def route(self, req: Request) -> Reply:
        q = req.query
        if req.path in ("/oauth/token", "/oauth/refresh_token"):
            return self._token(req.path, q)
        if not q.get("timestamp", "").isdigit() or not 1 <= len(q.get("nonce", "")) <= 32:
            return Reply(200, envelope(12000, "Your request is missing a required parameter which is one of "
                                              "access_token, timestamp and nonce."))
        if q.get("access_token") not in self.access:
            return Reply(200, envelope(11000, "Access token is expired.", message_cn="您的 access_token 已过期"))
        version, _, path = req.path.lstrip("/").partition("/")
        if version not in ("v3.0", "v1.3"):
            return Reply(404, b"not found")
        acc = self.accounts.get(q.get("account_id", ""))
        if acc is None:
            return Reply(200, envelope(11014, "The API you requested is out of the scope of authority.",
                                       message_cn="您请求的接口超出了授权范围"))
        if path == "advertiser/get":
            return Reply(200, envelope(0, data={"list": [{"account_id": int(q["account_id"]), "corporation_name": acc.name}],
                                                "page_info": {"page": 1, "page_size": 10, "total_number": 1,
                                                              "total_page": 1}}))
        if path == "daily_reports/get":
            return self._report(version, acc, q)
        return Reply(404, b"not found")

    def _token(self, path: str, q: dict) -> Reply:
        if q.get("client_id") != self.client_id or q.get("client_secret") != self.client_secret:
            return Reply(200, envelope(11007, "The client_id is invalid."))
        if path == "/oauth/token" and q.get("grant_type") != "refresh_token":
            return Reply(200, envelope(11004, "Grant type is invalid."))
        if q.get("refresh_token") not in self.refresh_tokens:
            return Reply(200, envelope(11012, "Refresh token is expired.", message_cn="refresh_token 过期,请重新发起授权流程"))
        n = next(self._issued)
        self.access.add(f"at-{n}")
        data = {"access_token": f"at-{n}", "access_token_expires_in": 86400,
                "refresh_token_expires_in": self.refresh_lifetime,
                "authorizer_info": {"account_id": 25610, "scope_list": ["ads_insights"]}}
        if path == "/oauth/refresh_token":
            self.refresh_tokens = {f"rt-{n}"}  # the old refresh (and access) tokens are retired
            self.access = {f"at-{n}"}
            self.refresh_lifetime = 2592000
            data.update(refresh_token=f"rt-{n}", refresh_token_expires_in=self.refresh_lifetime)
        return Reply(200, envelope(0, data=data))

    def _report(self, version: str, acc: Account, q: dict) -> Reply:
        try:
            span = json.loads(q["date_range"])
            group_by, fields = json.loads(q["group_by"]), json.loads(q["fields"])
            level = q["level"]
        except (KeyError, ValueError):
            return Reply(200, envelope(31001, "Param is invalid: date_range, group_by, fields, level"))
        id_key, name_key = ("campaign_id", "campaign_name") if version == "v1.3" else ("adgroup_id", "adgroup_name")
        expected = "REPORT_LEVEL_CAMPAIGN" if version == "v1.3" else "REPORT_LEVEL_ADGROUP"
        if level != expected or group_by != ["date", id_key]:
            return Reply(200, envelope(31001, f"Param is invalid: level {level} / group_by {group_by}"))
        rows = []
        for day, gid, views, clicks, cost, conversions in acc.rows:
            if not span["start_date"] <= day <= span["end_date"]:
                continue
            full = {"date": day, id_key: int(gid), name_key: acc.adgroups[gid], "view_count": views,
                    "valid_click_count": clicks, "cost": cost, "conversions_count": conversions,
                    "account_id": int(q["account_id"])}
            unknown = [f for f in fields if f not in full]
            if unknown:
                return Reply(200, envelope(31002, f"Field {unknown[0]} is invalid."))
            rows.append({f: full[f] for f in fields})
        size = min(int(q.get("page_size", 10)), self.page_size_cap)
        page = int(q.get("page", 1))
        return Reply(200, envelope(0, data={"list": rows[(page - 1) * size: page * size], "page_info": {
            "page": page, "page_size": size, "total_number": len(rows), "total_page": max(1, -(-len(rows) // size))}}))
