"""Meta (Facebook/Instagram ads): the Marketing API's insights edge.

GET {base}/{version}/act_<id>/insights?level=campaign|adset|ad&time_increment=1&time_range={"since","until"}
&fields=… answers {"data": [one row per campaign and day], "paging": {"next": url}}; numbers come as
strings, `spend` in units of the account's currency, conversions inside `actions` / `action_values`
lists keyed by action_type (the source's `conversion_action`). Long ranges run as an async report
job: POST the same parameters → {"report_run_id"}, poll GET /<id> until async_status is
"Job Completed", then page through GET /<id>/insights. `date_start` is a day in the ad account's
time zone (`timezone_name`). Throttling: error codes 4, 17, 32, 613 and 80000–80014 (Business Use
Case limits) with the `x-business-use-case-usage` header's estimated_time_to_regain_access
(minutes); `x-fb-ads-insights-throttle` reports how much of the insights quota is used.
docs/sources.md cites the references.
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import date, timedelta
from typing import Any

import requests

from bot.data.sources.base import (
    Account,
    ApiError,
    AuthError,
    Client,
    ResponseError,
    Verdict,
    day,
    number,
)

THROTTLE_CODES = {4, 17, 32, 613}  # app, user, page and ad-account request limits
BUC_CODES = range(80000, 80015)  # Business Use Case rate limits (80000: ads_insights, 80004: ads_management…)
TOKEN_CODES = {102, 190}  # the session or access token is invalid or expired
TOO_MUCH_DATA = (100, 1487534)  # "Please reduce the amount of data": run it as an async job instead
ASYNC_AFTER_DAYS = 31  # longer ranges run as an async report job from the start
PAGE_SIZE = 500
BUSY_PCT = 90  # at this share of the insights quota used, slow down before the next call
BUSY_PAUSE = 30.0
POLL_FIRST, POLL_MAX, POLL_BUDGET = 2.0, 15.0, 600.0  # async job polling (seconds)
LEVELS = {"campaign": "campaign", "adgroup": "adset", "creative": "ad"}


class TooMuchData(ApiError):
    """The synchronous call was refused for its size; the same query runs as an async job."""


class Meta(Client):
    api = "meta"
    platform = "Meta"
    default_base = "https://graph.facebook.com"
    default_version = "v23.0"
    fields = ("access_token",)
    backoff = 15.0

    @property
    def account_path(self) -> str:
        account = self.source.account or ""
        return account if account.startswith("act_") else f"act_{account}"

    @property
    def root(self) -> str:
        return f"{self.base}/{self.version}"

    # --- auth ----------------------------------------------------------------------------------

    def authorize(self, *, force: bool = False) -> dict[str, str]:
        # Meta has no refresh token for a system user's or a long-lived token: read the secret
        # again, so a token replaced in the file or environment is used without a restart.
        if force and not self.reread_token():
            raise _auth_error(self.name, self._last_refusal, self.secret_at("access_token"))
        return {"Authorization": f"Bearer {self.secrets['access_token']}"}

    _last_refusal = ""

    # --- answers -------------------------------------------------------------------------------

    def judge(self, resp: requests.Response, what: str) -> Verdict:
        if resp.status_code >= 500 and not resp.content.strip().startswith(b"{"):
            return Verdict("retry", message=f"HTTP {resp.status_code}")
        body = self.json_of(resp, what)
        error = body.get("error") if isinstance(body, dict) else None
        if resp.status_code == 200 and not error:
            self._mind_throttle(resp)
            return Verdict("ok", data=body)
        if not isinstance(error, dict):
            if resp.status_code >= 500:
                return Verdict("retry", message=f"HTTP {resp.status_code}")
            raise ResponseError(f"{self.name}: {what}: HTTP {resp.status_code} without an error body")
        code, sub = error.get("code"), error.get("error_subcode")
        message = str(error.get("message") or "")[:300]
        shown = f"error {code}{'/' + str(sub) if sub else ''}: {message}"
        if code in TOKEN_CODES:
            self._last_refusal = shown
            return Verdict("expired", message=f"Meta refused the access token ({shown})")
        if code in THROTTLE_CODES or code in BUC_CODES:
            return Verdict("throttled", wait=self._regain_seconds(resp), message=f"rate-limited ({shown})")
        if (code, sub) == TOO_MUCH_DATA:
            raise TooMuchData(f"{self.name}: {what}: Meta refused the amount of data ({shown})")
        if error.get("is_transient") or code in (1, 2) or resp.status_code >= 500:
            return Verdict("retry", message=shown)
        if code == 100 and ("field" in message.lower() or "param" in message.lower()):
            raise ResponseError(f"{self.name}: {what}: Meta refused the request ({shown}); the API may have "
                                f"changed (api_version is {self.version})")
        if code in (200, 10, 272, 294) or (code == 100 and sub == 33):
            return Verdict("failed", message=f"Meta denied access to {self.account_path} ({shown}); the token's user "
                                             "needs the ads_read permission on this ad account")
        return Verdict("failed", message=f"HTTP {resp.status_code} ({shown})")

    def _regain_seconds(self, resp: requests.Response) -> float | None:
        """How long Meta says until access is back: the Business Use Case header's
        estimated_time_to_regain_access (minutes) for this account, else the ad account header's
        reset_time_duration (seconds)."""
        waits = []
        buc = _header_json(resp, "x-business-use-case-usage")
        if isinstance(buc, dict):
            for entries in buc.values():
                for entry in entries if isinstance(entries, list) else []:
                    minutes = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
                    if isinstance(minutes, int | float) and minutes > 0:
                        waits.append(float(minutes) * 60)
        acc = _header_json(resp, "x-ad-account-usage")
        if isinstance(acc, dict) and isinstance(acc.get("reset_time_duration"), int | float) and acc["reset_time_duration"] > 0:
            waits.append(float(acc["reset_time_duration"]))
        return max(waits) if waits else None

    def _mind_throttle(self, resp: requests.Response) -> None:
        """Slow down before Meta starts refusing: the insights quota's use, per app and account."""
        usage = _header_json(resp, "x-fb-ads-insights-throttle")
        if not isinstance(usage, dict):
            return
        used = [v for k, v in usage.items() if k.endswith("_util_pct") and isinstance(v, int | float)]
        if used and max(used) >= BUSY_PCT:
            self.pause(BUSY_PAUSE, f"insights quota {max(used):.0f}% used (x-fb-ads-insights-throttle)")

    # --- what the account is, and its rows ----------------------------------------------------

    def account(self) -> Account:
        what = "ad account"
        data = self.request("GET", f"{self.root}/{self.account_path}", what=what,
                            params={"fields": "name,currency,timezone_name,account_status"})
        for key in ("currency", "timezone_name"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise self.malformed(what, key)
        return Account(id=self.source.account or "", name=data.get("name"), currency=data["currency"],
                       timezone=data["timezone_name"])

    def check(self) -> Account:
        account = self.account()
        data = self.request("GET", f"{self.root}/{self.account_path}/campaigns", what="campaigns",
                            params={"fields": "id", "limit": 1, "summary": "true"})
        total = (data.get("summary") or {}).get("total_count") if isinstance(data, dict) else None
        account.campaigns = int(total) if isinstance(total, int) else None
        if not self.source.conversion_action:
            # Which action types there are, so that the admin can choose conversion_action.
            until = self.ctx.now().date()
            rows = self._insights(until - timedelta(days=6), until, level="account", fields="actions")
            seen = sorted({a.get("action_type") for r in rows for a in (r.get("actions") or [])
                           if isinstance(a, dict) and a.get("action_type")})
            account.notes.append("conversion_action is not set, so rows carry no conversions"
                                 + (f"; action types of the last 7 days: {', '.join(seen[:12])}" if seen else ""))
        return account

    def fetch(self, since: date, until: date, account: Account) -> list[dict[str, Any]]:
        level = LEVELS[self.source.level]
        fields = ["campaign_id", "campaign_name", "impressions", "inline_link_clicks", "spend", "account_currency"]
        if level in ("adset", "ad"):
            fields[2:2] = ["adset_id", "adset_name"] + (["ad_id", "ad_name"] if level == "ad" else [])
        if self.source.conversion_action:
            fields += ["actions", "action_values"]
        rows = self._insights(since, until, level=level, fields=",".join(fields))
        return [self._row(r, level) for r in rows]

    def _insights(self, since: date, until: date, *, level: str, fields: str) -> list[dict[str, Any]]:
        params = {"level": level, "time_increment": 1, "fields": fields, "limit": PAGE_SIZE,
                  "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()})}
        url = f"{self.root}/{self.account_path}/insights"
        if (until - since).days + 1 > ASYNC_AFTER_DAYS:
            return self._async(url, params)
        try:
            return self._pages(url, params, "insights")
        except TooMuchData:
            return self._async(url, params)

    def _pages(self, url: str, params: dict | None, what: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        while url:
            page = self.request("GET", url, what=what, params=params)
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise self.malformed(what, "data", "is not a list")
            rows.extend(data)
            url = ((page.get("paging") or {}).get("next") or "") if isinstance(page, dict) else ""
            params = None  # the next page's address carries the query
            if url:
                url = self._own(url, what)
        return rows

    def _own(self, url: str, what: str) -> str:
        """A paging address, checked to be the API's own (the token goes with it) and without an
        access_token in it (it travels in the header)."""
        if not url.startswith(self.base + "/"):
            raise self.malformed(what, "paging.next", "points outside the API")
        parts = urllib.parse.urlsplit(url)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if k != "access_token"]
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))

    def _async(self, url: str, params: dict) -> list[dict[str, Any]]:
        what = "async insights job"
        started = self.request("POST", url, what=what, data={k: str(v) for k, v in params.items()})
        run = started.get("report_run_id") if isinstance(started, dict) else None
        if not isinstance(run, str | int) or not str(run):
            raise self.malformed(what, "report_run_id")
        waited, pause = 0.0, POLL_FIRST
        while True:
            job = self.request("GET", f"{self.root}/{run}", what=what, params={"fields": "async_status,async_percent_completion"})
            status = job.get("async_status") if isinstance(job, dict) else None
            if status == "Job Completed":
                break
            if status in ("Job Failed", "Job Skipped"):
                raise ApiError(f"{self.name}: Meta's report job {run} ended with {status!r}; the next pull tries again")
            if not isinstance(status, str):
                raise self.malformed(what, "async_status")
            if waited + pause > POLL_BUDGET:
                raise ApiError(f"{self.name}: Meta's report job {run} was still {status!r} after {waited:.0f} s; "
                               "the last data is kept and the next pull tries again")
            self.ctx.sleep(pause)
            waited += pause
            pause = min(pause * 2, POLL_MAX)
        return self._pages(f"{self.root}/{run}/insights", {"limit": PAGE_SIZE}, "async insights results")

    def _row(self, r: dict[str, Any], level: str) -> dict[str, Any]:
        what = "insights"
        if not isinstance(r, dict):
            raise self.malformed(what, "data", "holds something that is not a row")
        start = day(self, what, "date_start", r.get("date_start"))
        if r.get("date_stop") is not None and day(self, what, "date_stop", r.get("date_stop")) != start:
            raise self.malformed(what, "date_stop", "differs from date_start (expected one row per day)")
        named = {"adset": ("adset_name",), "ad": ("adset_name", "ad_name")}.get(level, ())
        for key in ("campaign_id", "campaign_name") + named:
            if not isinstance(r.get(key), str):
                raise self.malformed(what, key)
        action = self.source.conversion_action
        conversions = revenue = None
        if action:
            conversions = sum(number(self, what, f"actions[{action}].value", a.get("value"))
                              for a in _list(self, r, "actions") if a.get("action_type") == action)
            revenue = sum(number(self, what, f"action_values[{action}].value", a.get("value"))
                          for a in _list(self, r, "action_values") if a.get("action_type") == action)
        return {
            "date": start, "platform": self.row_platform, "account": self.source.account,
            "campaign": r["campaign_name"], "campaign_id": r["campaign_id"],
            "ad_group": r.get("adset_name") if level in ("adset", "ad") else None,
            "creative": r.get("ad_name") if level == "ad" else None,
            "impressions": number(self, what, "impressions", r.get("impressions")),
            "clicks": number(self, what, "inline_link_clicks", r.get("inline_link_clicks")),
            "spend": number(self, what, "spend", r.get("spend")),  # units of the account's currency
            "conversions": conversions, "revenue": revenue,
        }


def _list(client: Client, row: dict, key: str) -> list[dict]:
    value = row.get(key)
    if value is None:
        return []  # Meta leaves the list out on days without any
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise client.malformed("insights", key, "is not a list of {action_type, value}")
    return value


def _header_json(resp: requests.Response, name: str) -> Any:
    raw = resp.headers.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _auth_error(name: str, refusal: str, where: str):
    return AuthError(f"{name}: Meta refused the access token ({refusal or 'error 190'}); it expired or was revoked: "
                     f"make a new one (a system user's token does not expire) and set {where}")
