"""What every ad-platform client shares: HTTP with bounded back-off, one token refresh, errors that
name the source and never a secret, and canonical rows.

A platform module subclasses `Client` and fills in four things: `authorize` (the headers of a
call, refreshing the token when asked), `judge` (an HTTP answer → data, or expired / throttled /
failed in that platform's own codes), `account` (name, currency, time zone) and `fetch` (daily
rows for a date range). Everything else — retries, the wait budget, the order of refresh and
retry — is here, so each platform behaves the same way under faults.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import requests

from bot.data.sources import secrets
from bot.model.config import MetricSource

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6  # calls of one request, refresh and back-offs included
MAX_WAIT_SECONDS = 120.0  # total back-off per pull: a pull runs inside the scheduler's pass


class ApiError(Exception):
    """A source that could not be pulled, said for the admins: which source and why (no secrets)."""


class AuthError(ApiError):
    """The platform refused the credentials (after one refresh, where the platform has one)."""


class RateLimitError(ApiError):
    """Still throttled once the back-off budget is spent; the next pull tries again."""


class ResponseError(ApiError):
    """The platform answered something feedsum does not understand: an API change, an unknown or
    missing field, a malformed body. The message names the field."""


@dataclass
class Verdict:
    """What a platform's answer means: "ok" (with `data`), "expired" (refresh the token once and
    retry), "throttled" (wait `wait` seconds, or back off exponentially when None, and retry),
    "retry" (a passing server error) or "failed" (`message` says why)."""

    kind: str
    data: Any = None
    wait: float | None = None
    message: str = ""


@dataclass
class Account:
    """What a source can see: shown by `feedsum sources check` and `/feedsum sources`, and the
    currency and time zone recorded with its rows."""

    id: str
    name: str | None = None
    currency: str | None = None
    timezone: str | None = None  # IANA name: the zone the platform's dates are in
    campaigns: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What feedsum gives a client: secrets, the token store, and time (tests pass their own)."""

    env: Mapping[str, str]
    tokens: secrets.TokenStore
    base_dir: str = "."
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    max_wait: float = MAX_WAIT_SECONDS
    timeout: float = 60.0


class Client:
    api: ClassVar[str]  # the name in feedsum.toml: "google-ads"
    platform: ClassVar[str]  # the name on the rows, as the export presets name it: "Google Ads"
    default_base: ClassVar[str]
    default_version: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]  # secrets that must be there
    optional: ClassVar[tuple[str, ...]] = ()
    backoff: ClassVar[float] = 5.0  # the first wait when a throttled answer says nothing of how long

    def __init__(self, source: MetricSource, ctx: Context):
        self.source, self.ctx = source, ctx
        try:
            self.secrets = secrets.load(source.credentials or "", self.fields, self.optional, env=ctx.env,
                                        base_dir=ctx.base_dir)
        except secrets.CredentialsError as exc:
            raise AuthError(f"{self.name}: {exc}") from None
        self.base = (source.base_url or self.default_base).rstrip("/")
        self.version = source.api_version or self.default_version
        self.session = requests.Session()
        self.waited = 0.0

    @property
    def name(self) -> str:
        return f"{self.api} {self.source.account}"

    @property
    def row_platform(self) -> str:
        return self.source.platform or self.platform

    # --- what a platform implements ----------------------------------------------------------

    def authorize(self, *, force: bool = False) -> dict[str, str]:
        """The auth headers of a call; `force`: the token was refused, get a new one now."""
        raise NotImplementedError

    def auth_params(self) -> dict[str, str]:
        """Query parameters that sign a call, for platforms that take the token in the URL (腾讯广告);
        asked after `authorize` at every attempt."""
        return {}

    def judge(self, resp: requests.Response, what: str) -> Verdict:
        raise NotImplementedError

    def account(self) -> Account:
        raise NotImplementedError

    def fetch(self, since: date, until: date, account: Account) -> list[dict[str, Any]]:
        """Daily rows (canonical field names) for the dates since..until, both included, in the
        account's own time zone."""
        raise NotImplementedError

    def check(self) -> Account:
        """The account as `feedsum sources check` shows it (with a campaign count)."""
        return self.account()

    # --- shared ------------------------------------------------------------------------------

    def request(self, method: str, url: str, *, what: str, params: dict | None = None, json: Any = None,
                data: dict | None = None, auth: bool = True, headers: dict | None = None,
                judge: Callable[[requests.Response, str], Verdict] | None = None) -> Any:
        """One API call, retried through throttling, passing server errors and one token refresh;
        returns the data the platform's `judge` (or the one given) took from the answer."""
        judge = judge or self.judge
        refreshed = False
        for attempt in range(MAX_ATTEMPTS):
            sent = {**(self.authorize() if auth else {}), **(headers or {})}
            query = {**(params or {}), **self.auth_params()} if auth else params
            try:
                resp = self.session.request(method, url, params=query, json=json, data=data, headers=sent,
                                            timeout=self.ctx.timeout, allow_redirects=False)
            except (requests.ConnectionError, requests.Timeout) as exc:
                self.pause(self.backoff * 2 ** attempt, f"{what}: no answer ({type(exc).__name__})")
                continue
            verdict = judge(resp, what)
            if verdict.kind == "ok":
                return verdict.data
            if verdict.kind == "expired" and auth and not refreshed:
                log.info("%s: token refused (%s); refreshing it once", self.name, verdict.message)
                self.authorize(force=True)
                refreshed = True
                continue
            if verdict.kind == "expired":
                raise AuthError(f"{self.name}: {verdict.message}")
            if verdict.kind in ("throttled", "retry"):
                wait = verdict.wait if verdict.wait is not None else self.backoff * 2 ** attempt
                self.pause(wait, f"{what}: {verdict.message}", throttled=verdict.kind == "throttled")
                continue
            raise ApiError(f"{self.name}: {verdict.message}")
        raise RateLimitError(f"{self.name}: {what}: still refused after {MAX_ATTEMPTS} tries; "
                             "the last data is kept and the next pull tries again")

    def pause(self, seconds: float, why: str, *, throttled: bool = True) -> None:
        """Wait before trying again, within the pull's budget; past it the pull fails whole."""
        seconds = max(float(seconds), 0.0)
        if self.waited + seconds > self.ctx.max_wait:
            kind = "rate-limited" if throttled else "not answering"
            minutes = max(math.ceil(seconds / 60), 1)
            raise RateLimitError(f"{self.name}: {kind} ({why}); the platform asks to wait about {minutes} min, "
                                 "so the last data is kept and the next pull tries again")
        log.info("%s: waiting %.0f s (%s)", self.name, seconds, why)
        self.ctx.sleep(seconds)
        self.waited += seconds

    def coded(self, resp: requests.Response, what: str, *, messages: tuple[str, ...] = ("message",),
              ) -> tuple[Verdict | None, int | None, str, dict | None]:
        """Read a `{code, message, data}` answer (巨量引擎, 腾讯广告): a verdict already when HTTP says
        it is a passing fault, else the code, the message as shown ("code 40100: …") and the body."""
        if resp.status_code == 429:
            return Verdict("throttled", message="rate-limited (HTTP 429)"), None, "", None
        if resp.status_code >= 500 and not resp.content.strip().startswith(b"{"):
            return Verdict("retry", message=f"HTTP {resp.status_code}"), None, "", None
        body = self.json_of(resp, what)
        if not isinstance(body, dict) or "code" not in body:
            if resp.status_code >= 500:
                return Verdict("retry", message=f"HTTP {resp.status_code}"), None, "", None
            raise ResponseError(f"{self.name}: {what}: expected {{code, message, data}}, got "
                                f"{type(body).__name__} (HTTP {resp.status_code}); the API may have changed")
        try:
            code = int(body["code"])
        except (TypeError, ValueError):
            raise self.malformed(what, "code", f"is {str(body['code'])[:40]!r}, not a number") from None
        message = " / ".join(m for m in (str(body.get(k) or "") for k in messages) if m)[:300]
        return None, code, (f"code {code}: {message}" if message else f"code {code}"), body

    def secret_at(self, field_name: str) -> str:
        """Where the admin sets a new `field_name` (its variable or its file), never its value."""
        creds = self.source.credentials or ""
        return f"{creds[4:]}_{field_name.upper()}" if creds.startswith("env:") else f"{field_name} in {creds}"

    def reread_token(self) -> bool:
        """Read the secrets again, so a long-lived access token replaced in its file or variable is
        used without a restart; False when it is still the token the platform refused."""
        fresh = secrets.load(self.source.credentials or "", self.fields, env=self.ctx.env, base_dir=self.ctx.base_dir)
        if fresh["access_token"] == self.secrets["access_token"]:
            return False
        self.secrets = fresh
        return True

    def json_of(self, resp: requests.Response, what: str) -> Any:
        try:
            return resp.json()
        except ValueError:
            raise ResponseError(f"{self.name}: {what}: the answer is not JSON (HTTP {resp.status_code}); "
                                "the API may have changed") from None

    def malformed(self, what: str, field_name: str, problem: str = "is missing") -> ResponseError:
        return ResponseError(f"{self.name}: {what}: field `{field_name}` {problem}; the API may have changed "
                             "(feedsum expects the documented fields, see docs/sources.md)")


def number(client: Client, what: str, field_name: str, value: Any, *, default: float | None = 0.0) -> float | None:
    """A metric as the platforms send them (numbers or numeric strings); absent means 0 (JSON
    leaves zero values out), anything else is an API change."""
    if value is None:
        return default
    if isinstance(value, bool):
        raise client.malformed(what, field_name, f"is {value!r}, not a number")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise client.malformed(what, field_name, f"is {str(value)[:40]!r}, not a number") from None
    if not math.isfinite(out):
        raise client.malformed(what, field_name, f"is {value!r}, not a number")
    return out


def day(client: Client, what: str, field_name: str, value: Any) -> date:
    if not isinstance(value, str):
        raise client.malformed(what, field_name, "is missing" if value is None else f"is {value!r}, not a date")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise client.malformed(what, field_name, f"is {value[:40]!r}, not a date (YYYY-MM-DD)") from None
