"""Google Ads: GAQL over GoogleAdsService.SearchStream, on the REST interface.

POST {base}/{version}/customers/{id}/googleAds:searchStream with {"query": …} answers a JSON array
of batches, each {"results": [GoogleAdsRow…], "fieldMask", "requestId"}; fields come in lowerCamelCase
and int64 values as strings, and zero metrics may be left out. Auth: an OAuth access token minted
from a refresh token (POST https://oauth2.googleapis.com/token), the developer token, and the
`login-customer-id` header when the account is reached through a manager account. Dates
(`segments.date`) are already days in the account's time zone (`customer.time_zone`); cost is in
micros of the account's currency (`customer.currency_code`). docs/sources.md cites the references.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import requests

from bot.data.sources import secrets
from bot.data.sources.base import Account, AuthError, Client, ResponseError, Verdict, day, number

TOKEN_URL = "https://oauth2.googleapis.com/token"
EARLY_REFRESH = timedelta(minutes=5)  # a token this close to its expiry is replaced before use
# gRPC status names (google.rpc.Code) in the REST error body, and what each means here.
RETRY_STATUSES = {"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"}


class GoogleAds(Client):
    api = "google-ads"
    platform = "Google Ads"
    default_base = "https://googleads.googleapis.com"
    default_version = "v24"
    fields = ("client_id", "client_secret", "refresh_token", "developer_token")
    backoff = 5.0

    @property
    def customer(self) -> str:
        return (self.source.account or "").replace("-", "")

    # --- auth ----------------------------------------------------------------------------------

    @property
    def _token_name(self) -> str:
        return f"google-ads:{secrets.fingerprint(self.secrets['client_id'], self.secrets['refresh_token'])}"

    def authorize(self, *, force: bool = False) -> dict[str, str]:
        headers = {"developer-token": self.secrets["developer_token"], "Authorization": f"Bearer {self._access(force)}"}
        if self.source.login_customer_id:
            headers["login-customer-id"] = self.source.login_customer_id.replace("-", "")
        return headers

    def _access(self, force: bool) -> str:
        now = self.ctx.now()
        stored = None if force else self.ctx.tokens.get(self._token_name)
        if stored:
            fields, expires = stored
            if fields.get("access_token") and (not expires or datetime.fromisoformat(expires) - EARLY_REFRESH > now):
                return fields["access_token"]
        data = self.request("POST", self.source.token_url or TOKEN_URL, what="token refresh", auth=False,
                            data={"grant_type": "refresh_token", "client_id": self.secrets["client_id"],
                                  "client_secret": self.secrets["client_secret"],
                                  "refresh_token": self.secrets["refresh_token"]},
                            judge=self._judge_token)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise self.malformed("token refresh", "access_token")
        lifetime = number(self, "token refresh", "expires_in", data.get("expires_in"), default=3600.0)
        self.ctx.tokens.put(self._token_name, {"access_token": token}, now + timedelta(seconds=lifetime), now=now)
        return token

    def _judge_token(self, resp: requests.Response, what: str) -> Verdict:
        if resp.status_code >= 500:
            return Verdict("retry", message=f"HTTP {resp.status_code}")
        body = self.json_of(resp, what)
        if resp.status_code == 200:
            return Verdict("ok", data=body)
        code = body.get("error", "?") if isinstance(body, dict) else "?"
        desc = body.get("error_description", "") if isinstance(body, dict) else ""
        where = self.secret_at("refresh_token")
        raise AuthError(f"{self.name}: Google refused the refresh token ({code}{': ' + desc if desc else ''}); "
                        f"it was revoked or expired, or the client id/secret do not match it: make a new one and set "
                        f"{where}")

    # --- answers -------------------------------------------------------------------------------

    def judge(self, resp: requests.Response, what: str) -> Verdict:
        if resp.status_code >= 500 and not resp.content.strip().startswith((b"{", b"[")):
            return Verdict("retry", message=f"HTTP {resp.status_code}")
        body = self.json_of(resp, what)
        error = _error_of(body)
        if resp.status_code == 200 and error is None:
            if not isinstance(body, list):
                raise ResponseError(f"{self.name}: {what}: expected a JSON array of result batches, got "
                                    f"{type(body).__name__}; the API may have changed")
            return Verdict("ok", data=body)
        if error is None:
            raise ResponseError(f"{self.name}: {what}: HTTP {resp.status_code} without an error body")
        status = str(error.get("status") or "")
        message = str(error.get("message") or "")[:300]
        codes = _error_codes(error)
        shown = f"{status}{' ' + ', '.join(codes) if codes else ''}: {message}".strip(": ")
        if resp.status_code == 401 or status == "UNAUTHENTICATED":
            return Verdict("expired", message=f"Google refused the credentials ({shown})")
        if resp.status_code == 429 or status == "RESOURCE_EXHAUSTED":
            return Verdict("throttled", wait=_retry_delay(error), message=f"rate-limited ({shown})")
        if resp.status_code >= 500 or status in RETRY_STATUSES:
            return Verdict("retry", message=shown)
        if resp.status_code == 403 or status == "PERMISSION_DENIED":
            hint = ""
            if any(c.endswith("USER_PERMISSION_DENIED") for c in codes) and not self.source.login_customer_id:
                hint = "; if the account is reached through a manager account, set login_customer_id"
            elif any("DEVELOPER_TOKEN" in c for c in codes):
                hint = "; a developer token that is not approved reaches test accounts only"
            return Verdict("failed", message=f"Google denied access to the account ({shown}){hint}")
        if any(c.startswith("queryError") or c.startswith("requestError") for c in codes) or status == "INVALID_ARGUMENT":
            raise ResponseError(f"{self.name}: {what}: Google refused the query ({shown}); the API may have changed "
                                f"(api_version is {self.version})")
        if resp.status_code == 404:
            return Verdict("failed", message=f"HTTP 404 for API version {self.version} ({shown}); it may be retired: "
                                             "set api_version to a current one")
        return Verdict("failed", message=f"HTTP {resp.status_code} ({shown})")

    def search(self, query: str, what: str) -> list[dict[str, Any]]:
        """Every row of a GAQL query, across all the batches of the stream."""
        url = f"{self.base}/{self.version}/customers/{self.customer}/googleAds:searchStream"
        batches = self.request("POST", url, what=what, json={"query": query})
        rows: list[dict[str, Any]] = []
        for batch in batches:
            if not isinstance(batch, dict):
                raise self.malformed(what, "results", "is not a list of batches")
            results = batch.get("results", [])
            if not isinstance(results, list):
                raise self.malformed(what, "results", "is not a list")
            rows.extend(results)
        return rows

    # --- what the account is, and its rows ----------------------------------------------------

    def account(self) -> Account:
        what = "customer"
        rows = self.search("SELECT customer.id, customer.descriptive_name, customer.currency_code, "
                           "customer.time_zone FROM customer", what)
        if not rows or not isinstance(rows[0].get("customer"), dict):
            raise self.malformed(what, "customer")
        c = rows[0]["customer"]
        for key in ("currencyCode", "timeZone"):
            if not isinstance(c.get(key), str) or not c[key]:
                raise self.malformed(what, f"customer.{_snake(key)}")
        return Account(id=self.source.account or "", name=c.get("descriptiveName"), currency=c["currencyCode"],
                       timezone=c["timeZone"])

    def check(self) -> Account:
        account = self.account()
        account.campaigns = len(self.search("SELECT campaign.id FROM campaign WHERE campaign.status != 'REMOVED'",
                                            "campaigns"))
        return account

    def fetch(self, since: date, until: date, account: Account) -> list[dict[str, Any]]:
        adgroup = self.source.level == "adgroup"
        what = "daily ad group rows" if adgroup else "daily campaign rows"
        query = ("SELECT segments.date, campaign.id, campaign.name, "
                 + ("ad_group.id, ad_group.name, " if adgroup else "")
                 + "metrics.impressions, metrics.clicks, metrics.cost_micros, metrics.conversions, "
                 "metrics.conversions_value, customer.currency_code, customer.time_zone "
                 f"FROM {'ad_group' if adgroup else 'campaign'} "
                 f"WHERE segments.date BETWEEN '{since.isoformat()}' AND '{until.isoformat()}'")
        out = []
        for row in self.search(query, what):
            seg, camp, met = row.get("segments") or {}, row.get("campaign") or {}, row.get("metrics") or {}
            if not isinstance(camp.get("id"), str | int):
                raise self.malformed(what, "campaign.id")
            if not isinstance(camp.get("name"), str):
                raise self.malformed(what, "campaign.name")
            ad_group = None
            if adgroup:
                ad_group = (row.get("adGroup") or {}).get("name")
                if not isinstance(ad_group, str):
                    raise self.malformed(what, "ad_group.name")
            cost = number(self, what, "metrics.cost_micros", met.get("costMicros"))
            out.append({
                "date": day(self, what, "segments.date", seg.get("date")),
                "platform": self.row_platform, "account": self.source.account, "campaign": camp["name"],
                "campaign_id": str(camp["id"]), "ad_group": ad_group,
                "impressions": number(self, what, "metrics.impressions", met.get("impressions")),
                "clicks": number(self, what, "metrics.clicks", met.get("clicks")),
                "spend": cost / 1_000_000,  # micros of the account's currency
                "conversions": number(self, what, "metrics.conversions", met.get("conversions")),
                "revenue": number(self, what, "metrics.conversions_value", met.get("conversionsValue")),
            })
        return out


def _error_of(body: Any) -> dict | None:
    """The google.rpc.Status of an error answer: {"error": …}, or inside the stream's array."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    if isinstance(body, list):
        for item in body:
            if isinstance(item, dict) and isinstance(item.get("error"), dict):
                return item["error"]
    return None


def _error_codes(error: dict) -> list[str]:
    """GoogleAdsFailure error codes, as "quotaError RESOURCE_EXHAUSTED"-style strings."""
    out = []
    for detail in error.get("details") or []:
        for err in (detail.get("errors") or []) if isinstance(detail, dict) else []:
            code = err.get("errorCode") if isinstance(err, dict) else None
            if isinstance(code, dict):
                out += [f"{k} {v}" for k, v in code.items()]
    return out


def _retry_delay(error: dict) -> float | None:
    """The wait Google asks for: QuotaErrorDetails.retryDelay (a Duration such as "30s")."""
    for detail in error.get("details") or []:
        for err in (detail.get("errors") or []) if isinstance(detail, dict) else []:
            quota = ((err.get("details") or {}).get("quotaErrorDetails") or {}) if isinstance(err, dict) else {}
            delay = quota.get("retryDelay")
            if isinstance(delay, str) and delay.endswith("s"):
                try:
                    return float(delay[:-1])
                except ValueError:
                    return None
    return None


def _snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)
