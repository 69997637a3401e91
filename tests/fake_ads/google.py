"""A fake Google Ads API (REST) and OAuth token endpoint, from the documented requests and answers.

searchStream answers a JSON array of batches {"results", "fieldMask", "requestId"} with fields in
lowerCamelCase, int64 as strings and zero metrics left out; errors are google.rpc.Status bodies
({"error": {"code", "message", "status", "details": [GoogleAdsFailure]}}).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from tests.fake_ads.base import FakeApi, Reply, Request

VERSION = "v24"
FAILURE_TYPE = f"type.googleapis.com/google.ads.googleads.{VERSION}.errors.GoogleAdsFailure"


@dataclass
class Customer:
    name: str
    currency: str = "CNY"
    time_zone: str = "Asia/Shanghai"
    manager: str | None = None  # reached only with this login-customer-id
    campaigns: dict[str, str] = field(default_factory=dict)  # id -> name
    # (date, campaign id, impressions, clicks, cost_micros, conversions, conversions_value)
    rows: list[tuple] = field(default_factory=list)


def status_error(code: int, status: str, message: str, error_code: dict | None = None,
                 retry_delay: str | None = None) -> dict:
    detail = {"@type": FAILURE_TYPE, "errors": [], "requestId": "req-1"}
    if error_code:
        err = {"errorCode": error_code, "message": message}
        if retry_delay:
            err["details"] = {"quotaErrorDetails": {"rateScope": "ACCOUNT", "rateName": "Requests per day",
                                                    "retryDelay": retry_delay}}
        detail["errors"].append(err)
    return {"error": {"code": code, "message": message, "status": status, "details": [detail]}}


class FakeGoogleAds(FakeApi):
    def __init__(self, *, client_id="cid.apps", client_secret="csecret", refresh_token="1//refresh",
                 developer_token="devtoken"):
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_tokens = {refresh_token}
        self.developer_token = developer_token
        self.customers: dict[str, Customer] = {}
        self.access: set[str] = set()
        self._issued = itertools.count(1)
        self.batch_size = 2  # rows per stream batch: several batches even for small tests

    def env(self, name: str = "GOOGLE_ADS") -> dict[str, str]:
        return {f"{name}_CLIENT_ID": self.client_id, f"{name}_CLIENT_SECRET": self.client_secret,
                f"{name}_REFRESH_TOKEN": next(iter(self.refresh_tokens)), f"{name}_DEVELOPER_TOKEN": self.developer_token}

    def expire_tokens(self) -> None:
        self.access.clear()

    # --- routes ------------------------------------------------------------------------------

    def route(self, req: Request) -> Reply:
        if req.path == "/token":
            return self._token(req)
        m = re.fullmatch(rf"/{VERSION}/customers/(\d+)/googleAds:searchStream", req.path)
        if m and req.method == "POST":
            return self._search(m.group(1), req)
        return Reply(404, status_error(404, "NOT_FOUND", f"no such method {req.path}"))

    def _token(self, req: Request) -> Reply:
        f = req.form
        if f.get("grant_type") != "refresh_token" or f.get("client_id") != self.client_id \
                or f.get("client_secret") != self.client_secret:
            return Reply(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        if f.get("refresh_token") not in self.refresh_tokens:
            return Reply(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        token = f"ya29.fake-{next(self._issued)}"
        self.access.add(token)
        return Reply(200, {"access_token": token, "expires_in": 3599, "scope": "https://www.googleapis.com/auth/adwords",
                           "token_type": "Bearer"})

    def _search(self, cid: str, req: Request) -> Reply:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.access:
            return Reply(401, [status_error(401, "UNAUTHENTICATED", "Request is missing required authentication "
                                            "credential. Expected OAuth 2 access token.",
                                            {"authenticationError": "OAUTH_TOKEN_INVALID"})])
        if req.headers.get("developer-token") != self.developer_token:
            return Reply(401, [status_error(401, "UNAUTHENTICATED", "The developer token is not valid.",
                                            {"authenticationError": "DEVELOPER_TOKEN_INVALID"})])
        customer = self.customers.get(cid)
        if customer is None or (customer.manager and req.headers.get("login-customer-id") != customer.manager):
            return Reply(403, [status_error(403, "PERMISSION_DENIED", "The caller does not have permission",
                                            {"authorizationError": "USER_PERMISSION_DENIED"})])
        query = (req.json or {}).get("query", "")
        source = re.search(r"\bFROM\s+(\w+)", query)
        if not source:
            return Reply(400, [status_error(400, "INVALID_ARGUMENT", "Error in query: missing FROM.",
                                            {"queryError": "EXPECTED_FROM"})])
        resource = source.group(1)
        if resource == "customer":
            results = [{"customer": {"resourceName": f"customers/{cid}", "id": cid, "descriptiveName": customer.name,
                                     "currencyCode": customer.currency, "timeZone": customer.time_zone}}]
        elif resource == "campaign" and "segments.date" not in query:
            results = [{"campaign": {"resourceName": f"customers/{cid}/campaigns/{k}", "id": k}}
                       for k in customer.campaigns]
        elif resource in ("campaign", "ad_group"):
            span = re.search(r"segments\.date BETWEEN '(\d{4}-\d\d-\d\d)' AND '(\d{4}-\d\d-\d\d)'", query)
            if not span:
                return Reply(400, [status_error(400, "INVALID_ARGUMENT", "Date range required.",
                                                {"queryError": "PROHIBITED_SEGMENT_IN_SELECT_OR_WHERE_CLAUSE"})])
            results = [self._row(cid, customer, r, resource) for r in customer.rows if span[1] <= r[0] <= span[2]]
        else:
            return Reply(400, [status_error(400, "INVALID_ARGUMENT", f"Unrecognized resource {resource}.",
                                            {"queryError": "INVALID_RESOURCE_NAME"})])
        batches = [{"results": results[i:i + self.batch_size], "fieldMask": "…", "requestId": f"req-{i}"}
                   for i in range(0, len(results), self.batch_size)] or [{"fieldMask": "…", "requestId": "req-0"}]
        return Reply(200, batches)

    def _row(self, cid: str, customer: Customer, r: tuple, resource: str) -> dict:
        day, camp, impressions, clicks, cost_micros, conversions, value = r
        metrics = {"impressions": str(impressions), "clicks": str(clicks), "costMicros": str(cost_micros),
                   "conversions": conversions, "conversionsValue": value}
        row = {
            "customer": {"resourceName": f"customers/{cid}", "currencyCode": customer.currency,
                         "timeZone": customer.time_zone},
            "campaign": {"resourceName": f"customers/{cid}/campaigns/{camp}", "id": camp,
                         "name": customer.campaigns[camp]},
            # proto3 JSON leaves zero values out
            "metrics": {k: v for k, v in metrics.items() if v not in (0, 0.0, "0")},
            "segments": {"date": day},
        }
        if resource == "ad_group":
            row["adGroup"] = {"resourceName": f"customers/{cid}/adGroups/9{camp}", "id": f"9{camp}",
                              "name": f"{customer.campaigns[camp]} · 广告组"}
        return row
