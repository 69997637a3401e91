"""Refresh tokens that the platform replaces at each use (巨量引擎, 腾讯广告), kept encrypted.

Both platforms hand out an access token that lasts about a day and a refresh token that lasts
about 30 days; refreshing returns a new refresh token and retires the old one. So the newest
refresh token must outlive the process: it is stored in the token store (encrypted with
FEEDSUM_SECRET_KEY) before the new access token is used, under a name that includes a
fingerprint of the configured secrets, so a refresh token set anew in the environment (after
re-authorizing) starts afresh instead of being shadowed by a stored one. Without the key a
rotated token would be lost on restart and the source could never sign in again, so such a
source is refused with a clear message instead.

Refreshes of one set of secrets are serialized within the process: two pulls refreshing at once
with the same refresh token would leave one of them holding a retired token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import requests

from bot.data.sources import secrets
from bot.data.sources.base import (
    Account,
    ApiError,
    AuthError,
    Client,
    RateLimitError,
    ResponseError,
    Verdict,
    number,
)

EARLY_REFRESH = timedelta(minutes=5)  # an access token this close to its expiry is replaced before use

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


@dataclass
class Minted:
    """What a platform's refresh call answered."""

    access_token: str
    expires_in: float
    refresh_token: str | None = None  # the replacement, when the platform rotated it
    refresh_expires_in: float | None = None


class RotatingTokens(Client):
    """A client whose platform rotates refresh tokens. Subclasses give `app_field` (the secret that
    names the app) and implement `mint(refresh_token)`; `access_token(force)` does the rest."""

    rotates_tokens: ClassVar[bool] = True  # `feedsum sources check` keeps the tokens it mints
    app_field: ClassVar[str]
    token_variable = "refresh_token"

    def __init__(self, source, ctx):
        super().__init__(source, ctx)
        if not ctx.tokens.persistent:
            raise AuthError(f"{self.name}: {self.platform} replaces its refresh token at every refresh, so feedsum must "
                            "keep the newest one encrypted in its database: set FEEDSUM_SECRET_KEY (a Fernet key, see "
                            "README) and restart")

    # --- what a platform implements -------------------------------------------------------------

    def mint(self, refresh_token: str) -> Minted:
        """Ask the platform for a new access token with `refresh_token`; raise AuthError when it
        refuses the refresh token itself."""
        raise NotImplementedError

    def renewal_due(self, fields: dict[str, Any], now: datetime) -> bool:
        """Whether the refresh token itself should be replaced now (a platform whose ordinary
        refresh leaves it as it is); then `renew` is called instead of `mint`."""
        return False

    def renew(self, refresh_token: str) -> Minted:
        return self.mint(refresh_token)

    # --- shared ----------------------------------------------------------------------------------

    @property
    def token_name(self) -> str:
        return f"{self.api}:{secrets.fingerprint(self.secrets[self.app_field], self.secrets['refresh_token'])}"

    @property
    def where(self) -> str:
        """Where the admin sets a new refresh token (the variable or the file), never its value."""
        return self.secret_at("refresh_token")

    def stored(self) -> tuple[dict[str, Any], str | None]:
        got = self.ctx.tokens.get(self.token_name)
        return got if got else ({}, None)

    def access_token(self, force: bool = False) -> str:
        now = self.ctx.now()
        with _lock(self.token_name):
            fields, expires = self.stored()
            due = self.renewal_due(fields, now)
            if not force and not due and fields.get("access_token") and expires \
                    and datetime.fromisoformat(expires) - EARLY_REFRESH > now:
                return fields["access_token"]
            refresh = fields.get("refresh_token") or self.secrets["refresh_token"]
            try:
                minted = self.renew(refresh) if due else self.mint(refresh)
            except AuthError:
                # The refresh token is dead (expired, revoked, or already used): nothing stored can
                # sign in again, only a new authorization can.
                self.ctx.tokens.drop(self.token_name)
                raise
            self.keep(minted, refresh, now)
            return minted.access_token

    def keep(self, minted: Minted, old_refresh: str, now: datetime) -> None:
        """Store the new tokens (the rotated refresh token first of all) before they are used."""
        fields = {"access_token": minted.access_token, "refresh_token": minted.refresh_token or old_refresh}
        if minted.refresh_expires_in is not None:
            fields["refresh_expires_at"] = (now + timedelta(seconds=minted.refresh_expires_in)).isoformat(timespec="seconds")
        else:
            previous, _ = self.stored()
            if previous.get("refresh_token") == fields["refresh_token"] and previous.get("refresh_expires_at"):
                fields["refresh_expires_at"] = previous["refresh_expires_at"]
        self.ctx.tokens.put(self.token_name, fields, now + timedelta(seconds=minted.expires_in), now=now)

    def minted(self, what: str, data: Any, *, access: str, expires: str, refresh: str, refresh_expires: str,
               default_lifetime: float = 86400.0) -> Minted:
        """A refresh answer's fields read with the platform's names; a missing access token is an API change."""
        if not isinstance(data, dict):
            raise self.malformed(what, "data", "is not an object")
        token = data.get(access)
        if not isinstance(token, str) or not token:
            raise self.malformed(what, access)
        new_refresh = data.get(refresh)
        if new_refresh is not None and (not isinstance(new_refresh, str) or not new_refresh):
            raise self.malformed(what, refresh, "is not a token")
        lifetime = number(self, what, expires, data.get(expires), default=default_lifetime)
        refresh_life = number(self, what, refresh_expires, data.get(refresh_expires), default=None)
        return Minted(token, lifetime, new_refresh, refresh_life)

    def refused(self, message: str) -> AuthError:
        """The refresh token was refused: only a new authorization helps, and the message says where
        to put the new token (never a secret)."""
        return AuthError(f"{self.name}: {self.platform} refused the refresh token ({message}); it expired (30 days "
                         f"unused), was revoked, or was already replaced: authorize the app again and set {self.where}")


class MarketingApi(RotatingTokens):
    """What 巨量引擎's and 腾讯广告's Marketing APIs share: every answer a `{code, message, data}`
    envelope, a token refresh any refusal of which needs a new authorization, reports of at most
    `span_days` days, and an advertiser look-up that is only for display. A platform gives its
    throttling and transient codes, its report call (`_report`) and its advertiser call."""

    throttle: ClassVar[dict[int, float | None]]  # code -> seconds the platform says to wait (None: back off)
    transient: ClassVar[Container[int]]  # passing system errors: try again
    messages: ClassVar[tuple[str, ...]] = ("message",)  # where an answer's message may be
    span_days: ClassVar[int] = 30
    # Neither API states them: accounts bill in 元 on Beijing days.
    currency: ClassVar[str] = "CNY"
    timezone: ClassVar[str] = "Asia/Shanghai"

    def _envelope(self, resp: requests.Response, what: str) -> tuple[Verdict | None, int | None, str, Any]:
        """The answer's {code, message, data}; a verdict already when it is a passing fault."""
        verdict, code, shown, body = self.coded(resp, what, messages=self.messages)
        if verdict is not None:
            return verdict, None, "", None
        if code in self.throttle:
            return Verdict("throttled", wait=self.throttle[code], message=f"rate-limited ({shown})"), code, shown, None
        if code in self.transient or (code != 0 and resp.status_code >= 500):
            return Verdict("retry", message=shown), code, shown, None
        return None, code, shown, body.get("data")

    token_codes: ClassVar[Container[int]]  # the access token expired or is invalid: refresh once
    # Words of a message that refuses the request itself (a parameter, a field): the API changed.
    request_words: ClassVar[tuple[str, ...]] = ("参数", "param", "field")

    def judge(self, resp: requests.Response, what: str) -> Verdict:
        verdict, code, shown, data = self._envelope(resp, what)
        if verdict is not None:
            return verdict
        if code == 0:
            return Verdict("ok", data=data)
        if code in self.token_codes:
            return Verdict("expired", message=f"{self.platform} refused the access token ({shown})")
        denied = self.denied(code, shown)
        if denied is not None:
            return denied
        if any(w in shown.lower() for w in self.request_words):
            raise ResponseError(f"{self.name}: {what}: {self.platform} refused the request ({shown}); the API may "
                                f"have changed (api_version is {self.version})")
        return Verdict("failed", message=f"{what}: {self.platform} answered {shown}")

    def denied(self, code: int | None, shown: str) -> Verdict | None:
        """The platform's own refusals (permissions, a refused app), said for the admins; None for others."""
        return None

    def _judge_token(self, resp: requests.Response, what: str) -> Verdict:
        verdict, code, shown, data = self._envelope(resp, what)
        if verdict is not None:
            return verdict
        if code == 0:
            return Verdict("ok", data=data)
        # Any other answer refuses the refresh token or the app's id/secret: a new authorization is needed.
        raise self.refused(shown)

    def _named_account(self, what: str, url: str, params: dict[str, Any], *, items: Callable[[Any], Any],
                       at: str, shape: str, id_field: str, name_field: str) -> Account:
        """The configured account, named by the platform's advertiser call when it answers; `items`
        finds the list of advertisers in the answer's data (`at` and `shape` name it in errors)."""
        account = Account(id=self.source.account or "", currency=self.currency, timezone=self.timezone)
        try:
            data = self.request("GET", url, what=what, params=params)
        except (AuthError, RateLimitError, ResponseError):
            raise
        except ApiError as exc:
            # The name is only for display; a permission the reports do not need must not stop the pull.
            account.notes.append(f"{what} not readable ({str(exc).split(': ', 1)[-1]})")
            return account
        found = items(data)
        if not isinstance(found, list):
            raise self.malformed(what, at, shape)
        mine = [a for a in found if isinstance(a, dict) and str(a.get(id_field)) == str(self.source.account)]
        if mine and isinstance(mine[0].get(name_field), str):
            account.name = mine[0][name_field]
        return account

    @property
    def campaign_note(self) -> str:
        """What `check` counts as a campaign on this platform."""
        raise NotImplementedError

    def check(self) -> Account:
        account = self.account()
        until = self.ctx.now().date()
        rows = self.fetch(until - timedelta(days=self.span_days - 1), until, account)
        account.campaigns = len({r["campaign_id"] for r in rows})
        account.notes.append(f"campaigns: {self.campaign_note} with data in the last {self.span_days} days")
        return account

    def fetch(self, since: date, until: date, account: Account) -> list[dict[str, Any]]:
        out = []
        for start, end in date_spans(since, until, self.span_days):
            out += self._report(start, end)
        return out

    def _report(self, since: date, until: date) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _names(self, row: dict, id_key: str, name_key: str, group_key: str | None, what: str,
               at: str = "") -> tuple[str, str, str | None]:
        """(campaign id, campaign name, ad-group name or None) of a report row, each checked."""
        campaign_id = row.get(id_key)
        if not isinstance(campaign_id, str | int) or isinstance(campaign_id, bool) or not str(campaign_id):
            raise self.malformed(what, at + id_key)
        for key in (name_key,) + ((group_key,) if group_key else ()):
            if not isinstance(row.get(key), str):
                raise self.malformed(what, at + key)
        return str(campaign_id), row[name_key], row[group_key] if group_key else None


def date_spans(since: date, until: date, days: int) -> list[tuple[date, date]]:
    """since..until cut into spans of at most `days` days: both platforms bound one report's range."""
    out = []
    while since <= until:
        end = min(until, since + timedelta(days=days - 1))
        out.append((since, end))
        since = end + timedelta(days=1)
    return out


def page_count(client, page_info: Any, what: str) -> int:
    """How many pages a report has, from its page_info (both platforms page alike); an answer
    without page_info is one page."""
    if page_info is None:
        return 1
    if not isinstance(page_info, dict):
        raise client.malformed(what, "page_info", "is not an object")
    total = page_info.get("total_page")
    if total is None:
        count, size = page_info.get("total_number"), page_info.get("page_size")
        if isinstance(count, int) and isinstance(size, int) and size > 0:
            return max(1, -(-count // size))
        return 1
    pages = number(client, what, "page_info.total_page", total)
    return int(pages)
