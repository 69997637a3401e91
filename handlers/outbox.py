"""Sending to Slack: the core's Outbox, implemented with slack_sdk's WebClient.

Every message that the ledger guards carries its ledger key in Slack message metadata, so
after a crash the sender can look in Slack for what was already delivered instead of guessing.

Every call is paced by the rate limiter (handlers/ratelimit.py): it waits for room in its
method's bucket in the workspace (and the channel's, for chat.postMessage), and a 429 pauses
exactly that bucket for `Retry-After`. DM channel ids are opened once per person and kept.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.core.access import NeedsLookup
from bot.core.ledger import DeliveryError
from bot.insight.chart import render_chart
from bot.model.config import DEFAULT_API_BASE
from bot.model.summary import SectionState, Summary
from bot.text.mrkdwn import as_mrkdwn, md, plain
from handlers import render
from handlers.pacer import RATE_LIMITED
from handlers.ratelimit import Limiter
from storage import Store, keys

log = logging.getLogger(__name__)
METADATA_TYPE = "feedsum_delivery"
CACHE_SECONDS = 600
RATE_LIMIT_TRIES = 10  # 429s one call waits out (outside a paced fan-out) before giving up for now
# The Web API methods behind a slack_sdk method whose name is not simply the API's.
API_METHODS = {"files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal")}
# Slack's errors that no retry changes (the recipient can't be reached, the message can never be
# sent as it is): permanent delivery failures, recorded by the core's ledger and not tried again.
PERMANENT = frozenset({"user_not_found", "account_inactive", "cannot_dm_bot", "channel_not_found",
                       "not_in_channel", "is_archived", "user_disabled", "missing_scope", "invalid_auth",
                       "restricted_action", "msg_too_long", "invalid_blocks"})


def permalink_url(api_base_url: str, channel: str | None, ts: str | None) -> str | None:
    """A message's permalink on the Slack host the Web API is on (slack.com, GovSlack's
    slack-gov.com, a test double), in the form chat.getPermalink gives and Slack redirects to
    the workspace: /archives/<channel>/p<ts without its dot>."""
    if not channel or not ts:
        return None
    parts = urlsplit(api_base_url)
    path = parts.path.rstrip("/").removesuffix("/api")
    return urlunsplit((parts.scheme, parts.netloc, f"{path}/archives/{channel}/p{ts.replace('.', '')}", "", ""))


def _metadata(key: str) -> dict[str, Any]:
    return {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def _key_of(message: dict[str, Any]) -> str | None:
    meta = message.get("metadata") or {}
    return (meta.get("event_payload") or {}).get("key") if meta.get("event_type") == METADATA_TYPE else None


def _retry_after(exc: SlackApiError) -> float:
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(float(value), 0.0)
    except (TypeError, ValueError):
        return 1.0


class SlackOutbox:
    def __init__(self, client_for: Callable[[str], WebClient],
                 on_token_revoked: Callable[[str, str], None] | None = None, *,
                 limiter: Limiter | None = None, store: Store | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC), api_base_url: str = DEFAULT_API_BASE):
        self.client_for = client_for
        self.api_base_url = api_base_url  # SLACK_API_BASE_URL: where links to messages point
        # Told (team, token) when Slack says a workspace's token is revoked: the app was removed
        # there, even if the app_uninstalled event never reached us.
        self.on_token_revoked = on_token_revoked
        self.limiter = limiter or Limiter()
        self.store = store  # keeps DM channel ids across restarts (None: in memory only)
        self.clock = clock
        self._cache: dict[tuple[str, str, str], tuple[float, Any]] = {}
        self._dms: dict[str, dict[str, str]] = {}  # team -> user -> DM channel
        self._clients: dict[str, tuple[WebClient, WebClient]] = {}  # team -> (given, without 429 retries)
        self._lock = threading.Lock()
        self._local = threading.local()  # .only: this thread is answering an ack (local_only)

    def permalink(self, team_id: str, channel: str | None, ts: str | None) -> str | None:
        """A link to a posted message, built as chat.getPermalink would (no call: acks use it)."""
        return permalink_url(self.api_base_url, channel, ts)

    @contextlib.contextmanager
    def local_only(self) -> Iterator[None]:
        """While a listener works out its ack: a lookup that is not cached raises NeedsLookup
        instead of asking Slack, so the listener acks first and decides after."""
        before = getattr(self._local, "only", False)
        self._local.only = True
        try:
            yield
        finally:
            self._local.only = before

    # --- helpers ---------------------------------------------------------------------------

    def _client(self, team_id: str) -> WebClient:
        """The workspace's client minus slack_sdk's 429 handler: 429s are handled here, per bucket,
        instead of sleeping inside the call."""
        given = self.client_for(team_id)
        with self._lock:
            hit = self._clients.get(team_id)
        if hit and hit[0] is given:
            return hit[1]
        own = WebClient(token=given.token, base_url=given.base_url, timeout=given.timeout, ssl=given.ssl,
                        proxy=given.proxy, headers=given.headers, logger=given.logger,
                        retry_handlers=[h for h in given.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)])
        with self._lock:
            self._clients[team_id] = (given, own)
        return own

    def _call(self, team_id: str, method: str, **kwargs) -> dict[str, Any]:
        if getattr(self._local, "only", False):  # a listener would make Slack wait for its ack
            log.warning("Slack call %s before the ack", method)
        # Message text is mrkdwn (and what notifications show): anybody's plain str is escaped here.
        for field in ("text", "initial_comment"):
            if field in kwargs:
                kwargs[field] = as_mrkdwn(kwargs[field])
        client = self._client(team_id)
        api = API_METHODS.get(method) or (method.replace("_", ".", 1),)
        channel = kwargs.get("channel")
        for _ in range(RATE_LIMIT_TRIES):
            taken = self.limiter.acquire(team_id, api, channel)
            try:
                data = getattr(client, method)(**kwargs).data
            except SlackApiError as exc:
                if exc.response.status_code == 429:
                    # Slack did not count the call; only the method (in this workspace) that got
                    # the 429 waits.
                    self.limiter.give_back(taken)
                    limited = (exc.response.api_url or "").rsplit("/", 1)[-1] or api[0]
                    self.limiter.pause(team_id, limited, _retry_after(exc))
                    if self.limiter.deferring:  # a paced fan-out job: the pacer runs it again later
                        raise DeliveryError(RATE_LIMITED) from exc
                    continue
                self.limiter.settle(taken)
                code = exc.response.get("error") or "unknown_error"
                if code == "token_revoked" and self.on_token_revoked is not None:
                    self.on_token_revoked(team_id, client.token)
                raise DeliveryError(code, permanent=code in PERMANENT) from exc
            except BaseException:
                self.limiter.settle(taken)  # no answer: it may have arrived, count it
                raise
            self.limiter.settle(taken)
            return data
        raise DeliveryError(RATE_LIMITED)

    def _cached(self, team_id: str, kind: str, key: str, load: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._cache.get((team_id, kind, key))
        if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
            return hit[1]
        if getattr(self._local, "only", False):
            raise NeedsLookup(f"{kind} {key}")
        value = load()
        with self._lock:
            self._cache[(team_id, kind, key)] = (time.monotonic(), value)
        return value

    def known_dm(self, team_id: str, user: str) -> str | None:
        """The DM channel with `user` if it was ever opened (no Slack call)."""
        with self._lock:
            team = self._dms.get(team_id)
        if team is None:
            loaded = self.store.dm_channels.of_team(team_id) if self.store is not None else {}
            with self._lock:
                team = self._dms.setdefault(team_id, loaded)
        return team.get(user)

    def dm_channel(self, team_id: str, user: str) -> str:
        """The DM channel with `user`: opened once (conversations.open), then reused, also by
        other processes and after restarts."""
        channel = self.known_dm(team_id, user)
        if channel:
            return channel
        if getattr(self._local, "only", False):
            raise NeedsLookup(f"dm {user}")
        channel = self._call(team_id, "conversations_open", users=user)["channel"]["id"]
        if self.store is not None:
            self.store.dm_channels.remember(team_id, user, channel, now=self.clock())
        with self._lock:
            self._dms.setdefault(team_id, {})[user] = channel
        return channel

    def _user(self, team_id: str, user: str) -> dict[str, Any]:
        def load():
            try:
                return self._call(team_id, "users_info", user=user)["user"]
            except DeliveryError:
                return {}
        return self._cached(team_id, "user", user, load)

    def user_name(self, team_id: str, user: str) -> str:
        info = self._user(team_id, user)
        profile = info.get("profile") or {}
        return profile.get("display_name") or profile.get("real_name") or info.get("real_name") or info.get("name") or user

    def is_workspace_admin(self, team_id: str, user: str) -> bool:
        info = self._user(team_id, user)
        return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))

    def user_tz(self, team_id: str, user: str, *, cached_only: bool = False) -> str | None:
        """A person's time zone from their profile (None if unknown, or not cached when asked so)."""
        if cached_only:
            with self._lock:
                hit = self._cache.get((team_id, "user", user))
            return (hit[1] or {}).get("tz") if hit and time.monotonic() - hit[0] < CACHE_SECONDS else None
        return self._user(team_id, user).get("tz")

    def _names(self, team_id: str) -> Callable[[str], str]:
        return lambda uid: self.user_name(team_id, uid)

    def _find(self, team_id: str, channel: str, key: str, *, thread_ts: str | None = None) -> str | None:
        """The ts of a message of ours in `channel` (or a thread) carrying `key`, if any."""
        method = "conversations_replies" if thread_ts else "conversations_history"
        args = {"ts": thread_ts} if thread_ts else {}
        cursor = None
        for _ in range(10):  # recent history is enough: we only look for what a crash interrupted
            data = self._call(team_id, method, channel=channel, limit=200, include_all_metadata=True,
                              cursor=cursor, **args)
            for message in data.get("messages", []):
                if _key_of(message) == key:
                    return message["ts"]
            cursor = (data.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        return None

    # --- the Outbox protocol ---------------------------------------------------------------

    def send_prompt(self, summary: Summary, section: SectionState, owner: str, key: str) -> tuple[str, str]:
        team = summary.report.team_id
        channel = self.dm_channel(team, owner)
        text, blocks = render.prompt_message(summary, section, owner, self._names(team))
        data = self._call(team, "chat_postMessage", channel=channel, text=text, blocks=blocks,
                          metadata=_metadata(key), unfurl_links=False)
        return data["channel"], data["ts"]

    def refresh_prompt(self, summary: Summary, section: SectionState, owner: str, channel: str, ts: str) -> None:
        team = summary.report.team_id
        text, blocks = render.prompt_message(summary, section, owner, self._names(team))
        self._call(team, "chat_update", channel=channel, ts=ts, text=text, blocks=blocks)

    def find_dm(self, team_id: str, user: str, key: str) -> tuple[str, str] | None:
        channel = self.dm_channel(team_id, user)
        ts = self._find(team_id, channel, key)
        return (channel, ts) if ts else None

    def send_dm(self, team_id: str, user: str, text: str, key: str | None = None,
                blocks: list | None = None) -> tuple[str, str]:
        channel = self.dm_channel(team_id, user)
        kwargs: dict[str, Any] = {"metadata": _metadata(key)} if key else {}
        data = self._call(team_id, "chat_postMessage", channel=channel, text=text, blocks=blocks, **kwargs)
        return data["channel"], data["ts"]

    def summary_messages(self, summary: Summary) -> list[render.Message]:
        """The channel message (with KPI highlights when there is data) and its thread."""
        return render.summary_messages(summary, self._names(summary.report.team_id),
                                       kpi_blocks=render.kpi_blocks(summary))

    def post_summary(self, summary: Summary, key: str, *, find: bool) -> tuple[str, str]:
        """Post the main message and its thread; on recovery, only the parts not yet in Slack."""
        team, channel = summary.report.team_id, summary.report.channel
        messages = self.summary_messages(summary)
        main_ts = self._find(team, channel, key) if find else None
        if main_ts is None:
            text, blocks = messages[0]
            data = self._call(team, "chat_postMessage", channel=channel, text=text, blocks=blocks,
                              metadata=_metadata(key), unfurl_links=False)
            channel, main_ts = data["channel"], data["ts"]
        for i, (text, blocks) in enumerate(messages[1:], start=1):
            part_key = keys.part_key(key, i)
            if find and self._find(team, channel, part_key, thread_ts=main_ts):
                continue
            self._call(team, "chat_postMessage", channel=channel, thread_ts=main_ts, text=text, blocks=blocks,
                       metadata=_metadata(part_key), unfurl_links=False)
        # The chart is drawn only here, where it is posted. An upload carries no metadata, so a
        # post recovered after a crash may show the chart twice; the text never repeats.
        if summary.kpi is not None:
            title = plain(render.title_of(summary))
            chart = render_chart(summary.kpi, title=title, locale=summary.report.locale)
            self._call(team, "files_upload_v2", channel=channel, thread_ts=main_ts, content=chart,
                       filename=f"feedsum-{summary.period}.png", title=title)
        return channel, main_ts

    def warn_claims(self, summary: Summary, section: SectionState, user: str, wrong: list) -> None:
        text, blocks = render.claim_warning(summary, section, wrong)
        self.send_dm(summary.report.team_id, user, text, blocks=blocks)

    def post_update(self, summary: Summary, note: str, section_key: str | None = None) -> None:
        """A late answer: refresh the main message in place and post the new text in the thread."""
        team = summary.report.team_id
        if not summary.post_ts:
            return
        text, blocks = self.summary_messages(summary)[0]
        self._call(team, "chat_update", channel=summary.post_channel, ts=summary.post_ts, text=text, blocks=blocks)
        changed = next((s for s in summary.sections if s.key == section_key), None)
        if changed is None:
            self._call(team, "chat_postMessage", channel=summary.post_channel, thread_ts=summary.post_ts, text=note)
            return
        for text, blocks in render.section_messages(summary, changed, self._names(team), note=note):
            self._call(team, "chat_postMessage", channel=summary.post_channel, thread_ts=summary.post_ts,
                       text=md("{} {}", note, text), blocks=blocks)
