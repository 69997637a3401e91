"""A fake Meta Marketing API (Graph API insights), from the documented requests and answers.

Insights rows come one per campaign and day ("time_increment=1") with numbers as strings and
conversions inside `actions` / `action_values`; pages link with `paging.next` (which, like the real
API, repeats the access token when one was passed); an async job is POSTed, polled and read.
Errors are {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse
from dataclasses import dataclass, field

from tests.fake_ads.base import FakeApi, Reply, Request

VERSION = "v23.0"


def graph_error(code: int, message: str, subcode: int | None = None, type_: str = "OAuthException") -> dict:
    err = {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEf"}
    if subcode:
        err["error_subcode"] = subcode
    return {"error": err}


@dataclass
class AdAccount:
    name: str
    currency: str = "USD"
    timezone_name: str = "America/Los_Angeles"
    # (date, campaign id, campaign name, impressions, link clicks, spend, {action_type: n}, {action_type: value})
    rows: list[tuple] = field(default_factory=list)


class FakeMeta(FakeApi):
    def __init__(self, token: str = "EAAB-system-user"):
        super().__init__()
        self.tokens = {token}
        self.accounts: dict[str, AdAccount] = {}
        self.page_size = 2
        self.polls_before_done = 2  # GETs of a report run before it says "Job Completed"
        self.runs: dict[str, dict] = {}
        self._runs = itertools.count(1)

    def route(self, req: Request) -> Reply:
        token = req.headers.get("authorization", "")[7:] or req.query.get("access_token", "")
        if token not in self.tokens:
            return Reply(400, graph_error(190, "Error validating access token: Session has expired on Monday, "
                                               "01-Dec-26 01:00:00 PST.", 463))
        path = req.path.removeprefix(f"/{VERSION}/")
        if m := re.fullmatch(r"(act_\d+)", path):
            acc = self.accounts.get(m[1])
            if acc is None:
                return Reply(400, graph_error(100, f"Unsupported get request. Object with ID '{m[1]}' does not exist",
                                              33, "GraphMethodException"))
            return Reply(200, {"id": m[1], "name": acc.name, "currency": acc.currency,
                               "timezone_name": acc.timezone_name, "account_status": 1})
        if m := re.fullmatch(r"(act_\d+)/campaigns", path):
            acc = self.accounts[m[1]]
            ids = sorted({r[1] for r in acc.rows})
            return Reply(200, {"data": [{"id": i} for i in ids[:1]], "summary": {"total_count": len(ids)}})
        if m := re.fullmatch(r"(act_\d+)/insights", path):
            params = req.form if req.method == "POST" else req.query
            rows = self._rows(m[1], params)
            if req.method == "POST":
                run = str(next(self._runs) + 6000)
                self.runs[run] = {"rows": rows, "polls": 0}
                return Reply(200, {"report_run_id": run})
            return self._page(req, rows, f"{VERSION}/{m[1]}/insights", params)
        if m := re.fullmatch(r"(\d+)/insights", path):
            return self._page(req, self.runs[m[1]]["rows"], f"{VERSION}/{m[1]}/insights", req.query)
        if m := re.fullmatch(r"(\d+)", path):
            run = self.runs[m[1]]
            run["polls"] += 1
            done = run["polls"] > self.polls_before_done
            return Reply(200, {"id": m[1], "async_status": "Job Completed" if done else "Job Running",
                               "async_percent_completion": 100 if done else 50})
        return Reply(400, graph_error(100, f"Unknown path components: /{path}", type_="OAuthException"))

    def _rows(self, act: str, params: dict) -> list[dict]:
        acc = self.accounts[act]
        span = json.loads(params["time_range"])
        fields = params.get("fields", "").split(",")
        level = params.get("level", "campaign")
        out = []
        for day, cid, name, impressions, clicks, spend, actions, values in acc.rows:
            if not span["since"] <= day <= span["until"]:
                continue
            row = {"date_start": day, "date_stop": day}
            full = {"campaign_id": cid, "campaign_name": name, "adset_id": f"7{cid}", "adset_name": f"{name} · 组",
                    "ad_id": f"8{cid}", "ad_name": f"{name} · 素材",
                    "impressions": str(impressions), "inline_link_clicks": str(clicks), "spend": f"{spend:.2f}",
                    "account_currency": acc.currency,
                    "actions": [{"action_type": k, "value": str(v)} for k, v in actions.items()],
                    "action_values": [{"action_type": k, "value": f"{v:.2f}"} for k, v in values.items()]}
            for f in fields:
                if f in full and not (f in ("actions", "action_values") and not full[f]):
                    row[f] = full[f]
            if level == "account":
                row.pop("campaign_id", None)
                row.pop("campaign_name", None)
            out.append(row)
        return out

    def _page(self, req: Request, rows: list[dict], path: str, params: dict) -> Reply:
        start = int(params.get("after") or 0)
        page = rows[start:start + self.page_size]
        body: dict = {"data": page, "paging": {"cursors": {"before": str(start), "after": str(start + len(page))}}}
        if start + self.page_size < len(rows):
            query = {k: v for k, v in params.items() if k != "after"}
            query.update(after=str(start + self.page_size), access_token=next(iter(self.tokens)))
            body["paging"]["next"] = f"{self.url}/{path}?{urllib.parse.urlencode(query)}"
        return Reply(200, body)
