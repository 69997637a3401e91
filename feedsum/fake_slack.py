"""A fake Slack Web API: a real HTTP server in a thread that records every call.

Used by `feedsum demo` (no Slack account needed) and by the tests. It keeps messages per
channel (with threads and metadata) so that recovery after a crash can be exercised, and it can
inject faults: rate limiting with Retry-After, per-recipient errors, failures after N calls, a
latency on every Web API call (Slack from far away) and errors from named methods. With
`enforce(Enforcement(...))` it also enforces rate limits as Slack does: per method per
workspace (the bot token's team) and per channel, answering 429 with Retry-After.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEAM_ID = "T0FEEDSUM"
BOT_USER = "U0BOTUSER"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float


@dataclass
class Faults:
    rate_limit_every: int = 0  # every Nth call to a write method answers 429
    retry_after: int = 1
    user_errors: dict[str, str] = field(default_factory=dict)  # user or channel id -> error code
    fail_after: int | None = None  # chat.postMessage calls after this many raise a server error
    delay: float = 0.0  # seconds each chat.postMessage takes (to kill a sender half-way)
    # The Nth chat.postMessage (counting from 1) waits until `FakeSlack.release` is set, with
    # `FakeSlack.held` set meanwhile: a send that outlasts a lease, or one to kill a sender inside.
    # `hold_stored`: Slack has the message while its answer waits (a lost response); else the
    # message arrives only on release (a slow send, such as one waiting out a 429).
    hold: int | None = None
    hold_stored: bool = True
    bad_tokens: set[str] = field(default_factory=set)  # tokens auth.test answers invalid_auth for
    # Every Web API method answers this many seconds after the call arrives (the call is recorded,
    # and takes effect, on arrival): Slack as it behaves from far away.
    latency: float = 0.0
    # While this event is unset, every Web API call is recorded (and takes effect) on arrival but
    # its answer waits: a reply that came back meanwhile cannot have waited on Slack.
    gate: threading.Event | None = None
    method_errors: dict[str, str] = field(default_factory=dict)  # method -> the Slack error it answers
    # While this event is unset, chat.postMessage into a thread waits for it: a summary post is
    # held open after its main message (to act while it is being posted).
    hold_threads: threading.Event | None = None
    # (team, method) -> Retry-After: every such call answers 429 while the entry is here.
    rate_limited: dict[tuple[str, str], int] = field(default_factory=dict)


@dataclass(frozen=True)
class Limit:
    per_minute: float
    burst: float


@dataclass
class Enforcement:
    """Rate limits to enforce, as token buckets (not the app's code: an independent check).

    `workspace`: method -> its limit in each workspace; `channel`: method -> its limit in each
    channel of a workspace. `speed` scales time as the app's `Limits.speed` does: limits `speed`
    times higher, and a `Retry-After: R` lasts R / speed real seconds. `inject_every`: every Nth
    call of a method in a workspace that its limits let through is answered 429 anyway with
    `Retry-After: inject_retry_after`, and that method waits that long in that workspace (calls
    before then are answered 429 too); the bucket fills meanwhile.
    """

    workspace: dict[str, Limit]
    channel: dict[str, Limit] = field(default_factory=dict)
    speed: float = 1.0
    inject_every: int = 0
    inject_retry_after: int = 1


class _Bucket:
    def __init__(self, limit: Limit, speed: float, now: float):
        self.rate = limit.per_minute * speed / 60.0  # tokens per real second
        self.burst = limit.burst
        self.level = limit.burst
        self.at = now
        self.paused_until = -math.inf

    def refill(self, now: float) -> None:
        self.level = min(self.burst, self.level + (now - self.at) * self.rate)
        self.at = now


class _Server(ThreadingHTTPServer):
    # socketserver's backlog of 5 drops connections beyond it when many calls start at once (a
    # paced fan-out over many workspaces), and the client's TCP retries them a second later.
    request_queue_size = 256


class FakeSlack:
    def __init__(self, team_id: str = TEAM_ID, users: dict[str, dict[str, Any]] | None = None):
        self.team_id = team_id
        self.users = users or {}
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_urls
        self.responded: list[tuple[str, dict[str, Any]]] = []  # the same, with the path each went to
        self.uploads: dict[str, bytes] = {}
        self.oauth_codes: dict[str, str] = {}  # OAuth code -> the team that installs with it
        self.tokens: dict[str, str] = {}  # bot token -> its team (issued by oauth.v2.access, or first seen)
        self.revoked: set[str] = set()  # tokens every method answers token_revoked for (the app was removed)
        self.expired: set[str] = set()  # tokens every method answers token_expired for (rotation)
        self.rotation = False  # token rotation enabled: installs hand out expiring tokens and refresh tokens
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> its team
        self._issued = itertools.count(1)
        self.files: dict[str, dict[str, Any]] = {}
        self.downloads: list[dict[str, str]] = []  # headers of file downloads (auth is checked)
        self.faults = Faults()
        self.enforcement: Enforcement | None = None
        self.limited: list[tuple[str, str, str]] = []  # (team, method, why) of every enforced 429
        self._buckets: dict[tuple, _Bucket] = {}
        self._passed: dict[tuple[str, str], int] = {}  # calls the limits let through, per (team, method)
        self.socket_url: str | None = None  # what apps.connections.open hands out (a fake Socket Mode server)
        self._lock = threading.RLock()
        self._ts = itertools.count(1)
        self._counter = itertools.count(1)
        self._posts = 0
        self._arrived = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, once per test.
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    # --- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self.faults.gate is not None:
            self.faults.gate.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- inspection helpers ----------------------------------------------------------------

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Every message posted (optionally to one channel), in order, threads included."""
        with self._lock:
            chans = [channel] if channel else list(self.messages)
            out = [m for ch in chans for m in self.messages.get(ch, []) if m.get("user") == BOT_USER]
        return sorted(out, key=lambda m: float(m["ts"]))

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def enforce(self, enforcement: Enforcement | None) -> None:
        """Enforce these rate limits from now on (None: none), with fresh buckets."""
        with self._lock:
            self.enforcement = enforcement
            self._buckets.clear()
            self._passed.clear()
            self.limited.clear()

    def _over_limit(self, team: str, method: str, channel: str | None) -> int | None:
        """Retry-After (Slack seconds) if this call is over a limit, else None (and it counts)."""
        e = self.enforcement
        now = time.monotonic()
        keyed = []
        if method in e.workspace:
            keyed.append(((team, method), e.workspace[method]))
        if channel and method in e.channel:
            keyed.append(((team, method, channel), e.channel[method]))
        if not keyed:
            return None
        buckets = [self._buckets.setdefault(key, _Bucket(limit, e.speed, now)) for key, limit in keyed]
        for b in buckets:
            b.refill(now)
        paused = max(b.paused_until for b in buckets)
        if paused > now:
            self.limited.append((team, method, "paused"))
            return max(1, math.ceil((paused - now) * e.speed))
        short = [(1 - b.level) / b.rate for b in buckets if b.level < 1]
        if short:
            self.limited.append((team, method, "limit"))
            return max(1, math.ceil(max(short) * e.speed))
        n = self._passed[(team, method)] = self._passed.get((team, method), 0) + 1
        if e.inject_every and n % e.inject_every == 0:
            buckets[0].paused_until = now + e.inject_retry_after / e.speed
            self.limited.append((team, method, "injected"))
            return e.inject_retry_after
        for b in buckets:
            b.level -= 1
        return None

    # --- the API ---------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._counter):06d}"

    def handle(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict]:
        answer = self._handle(method, params, headers)
        if self.faults.latency:
            time.sleep(self.faults.latency)
        gate = self.faults.gate
        if gate is not None:
            gate.wait(30)
        return answer

    def _handle(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict]:
        if method == "chat.postMessage" and self.faults.delay:
            time.sleep(self.faults.delay)
        hold_threads = self.faults.hold_threads
        if method == "chat.postMessage" and hold_threads is not None and params.get("thread_ts"):
            hold_threads.wait(timeout=30)
        f = self.faults
        if method == "chat.postMessage":
            with self._lock:
                self._arrived += 1  # counted on arrival: a held post is not in `_posts` yet
                hold = self._arrived == f.hold
            if hold and not f.hold_stored:
                self._hold()
            answer = self._answer(method, params, headers)
            if hold and f.hold_stored:
                self._hold()
            return answer
        return self._answer(method, params, headers)

    def _hold(self) -> None:
        self.held.set()
        self.release.wait(30)

    def _answer(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict]:
        with self._lock:
            self.calls.append(Call(method, params, headers, time.monotonic()))
            n = len(self.calls)
            f = self.faults
            writes = {"chat.postMessage", "chat.update", "conversations.open", "views.open", "views.publish",
                      "chat.postEphemeral", "reactions.add"}
            if f.rate_limit_every and method in writes and n % f.rate_limit_every == 0:
                return 429, {"Retry-After": str(f.retry_after)}, {"ok": False, "error": "ratelimited"}
            bearer = (headers.get("Authorization") or headers.get("authorization") or "").removeprefix("Bearer ")
            team = self.tokens.get(bearer, self.team_id)
            if (team, method) in f.rate_limited:
                return 429, {"Retry-After": str(f.rate_limited[(team, method)])}, {"ok": False, "error": "ratelimited"}
            if self.enforcement is not None and bearer.startswith("xox"):
                wait = self._over_limit(team, method, params.get("channel") if method == "chat.postMessage" else None)
                if wait is not None:
                    return 429, {"Retry-After": str(wait)}, {"ok": False, "error": "ratelimited"}
            if method in f.method_errors:
                return 200, {}, {"ok": False, "error": f.method_errors[method]}
            if method == "chat.postMessage":
                self._posts += 1
                if f.fail_after is not None and self._posts > f.fail_after:
                    return 500, {}, {"ok": False, "error": "fatal_error"}
            if bearer.startswith("xox"):
                self.tokens.setdefault(bearer, self.team_id)
                if bearer in self.revoked:
                    return 200, {}, {"ok": False, "error": "token_revoked"}
                if bearer in self.expired:
                    return 200, {}, {"ok": False, "error": "token_expired"}
            target = params.get("users") or params.get("channel") or params.get("user")
            if target in f.user_errors and method in ("conversations.open", "chat.postMessage"):
                return 200, {}, {"ok": False, "error": f.user_errors[target]}
            handler = getattr(self, "api_" + method.replace(".", "_"), None)
            if handler is None:
                return 200, {}, {"ok": True}
            self._headers = headers
            return 200, {}, handler(params)

    def api_auth_test(self, p):
        token = (getattr(self, "_headers", {}).get("Authorization") or "").removeprefix("Bearer ")
        token = p.get("token") or token
        if token in self.faults.bad_tokens:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "team_id": self.tokens.get(token, self.team_id), "user_id": BOT_USER, "bot_id": "B0BOT",
                "team": "demo", "url": "https://demo.slack.com/"}

    def api_apps_connections_open(self, p):
        """Socket Mode's WebSocket URL; only an app-level token may ask for one."""
        token = (getattr(self, "_headers", {}).get("Authorization") or "").removeprefix("Bearer ")
        if not token.startswith("xapp-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token in self.faults.bad_tokens:
            return {"ok": False, "error": "invalid_auth"}
        return {"ok": True, "url": self.socket_url or self.url.replace("http", "ws", 1) + "/link"}

    def api_oauth_v2_access(self, p):
        """The OAuth code exchange (a bot token for the team the code was issued to), and with
        token rotation the refresh grant (a new expiring token for a refresh token)."""
        basic = (getattr(self, "_headers", {}).get("Authorization") or "").startswith("Basic ")
        if not (p.get("client_id") or basic):
            return {"ok": False, "error": "invalid_client_id"}
        if p.get("grant_type") == "refresh_token":
            team = self.refresh_tokens.get(p.get("refresh_token") or "")
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
            return {"ok": True, "app_id": "A0FEEDSUM", "token_type": "bot", "scope": "chat:write,commands",
                    "team": {"id": team, "name": f"team {team}"}, "enterprise": None, "bot_user_id": BOT_USER,
                    **self._issue(team)}
        code = p.get("code")
        if not code:
            return {"ok": False, "error": "invalid_code"}
        team = self.oauth_codes.get(code, self.team_id)
        return {"ok": True, "app_id": "A0FEEDSUM", "authed_user": {"id": "U0INSTALL"}, "scope": "chat:write,commands",
                "token_type": "bot", "bot_user_id": BOT_USER, **self._issue(team),
                "team": {"id": team, "name": f"team {team}"}, "enterprise": None, "is_enterprise_install": False}

    def _issue(self, team: str) -> dict[str, Any]:
        if not self.rotation:
            token = f"xoxb-{team.lower()}-installed"
            self.tokens[token] = team
            self.revoked.discard(token)  # a new install: the same token string works again
            return {"access_token": token}
        n = next(self._issued)
        token, refresh = f"xoxe.xoxb-{team.lower()}-{n}", f"xoxe-1-{team.lower()}-{n}"
        self.tokens[token] = team
        self.refresh_tokens[refresh] = team
        return {"access_token": token, "refresh_token": refresh, "expires_in": 43200}

    def revoke(self, team: str) -> None:
        """The workspace removed the app: every token it had stops working."""
        with self._lock:
            self.revoked |= {token for token, t in self.tokens.items() if t == team}
            self.refresh_tokens = {r: t for r, t in self.refresh_tokens.items() if t != team}

    def api_conversations_open(self, p):
        user = str(p.get("users", "")).split(",")[0]
        return {"ok": True, "channel": {"id": "D" + user[1:]}}

    def _store(self, p, ts):
        msg = {"ts": ts, "channel": p["channel"], "text": p.get("text"), "blocks": _json(p.get("blocks")),
               "thread_ts": p.get("thread_ts"), "metadata": _json(p.get("metadata")), "user": BOT_USER}
        self.messages.setdefault(p["channel"], []).append(msg)
        return msg

    def api_chat_postMessage(self, p):
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        msg = self._store(p, self._next_ts())
        return {"ok": True, "channel": p["channel"], "ts": msg["ts"], "message": msg}

    def api_chat_update(self, p):
        for m in self.messages.get(p.get("channel"), []):
            if m["ts"] == p.get("ts"):
                m.update(text=p.get("text"), blocks=_json(p.get("blocks")), edited=True)
                return {"ok": True, "channel": p["channel"], "ts": m["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def api_chat_postEphemeral(self, p):
        return {"ok": True, "message_ts": self._next_ts()}

    def _history(self, p, thread):
        msgs = self.messages.get(p.get("channel"), [])
        if thread:
            msgs = [m for m in msgs if m["ts"] == p.get("ts") or m.get("thread_ts") == p.get("ts")]
        else:
            msgs = [m for m in msgs if not m.get("thread_ts")]
        inclusive = str(p.get("inclusive", "")).lower() in ("1", "true")
        if p.get("latest"):
            msgs = [m for m in msgs if float(m["ts"]) < float(p["latest"]) or (inclusive and m["ts"] == p["latest"])]
        if p.get("oldest"):
            msgs = [m for m in msgs if float(m["ts"]) > float(p["oldest"]) or (inclusive and m["ts"] == p["oldest"])]
        msgs = sorted(msgs, key=lambda m: float(m["ts"]), reverse=not thread)
        if p.get("limit"):
            msgs = msgs[: int(p["limit"])]
        return {"ok": True, "messages": msgs, "has_more": False}

    def api_conversations_history(self, p):
        return self._history(p, False)

    def api_conversations_replies(self, p):
        return self._history(p, True)

    def api_users_info(self, p):
        uid = p.get("user")
        info = self.users.get(uid)
        if info is None:
            info = {"id": uid, "name": uid.lower(), "real_name": uid, "profile": {"display_name": uid}}
        return {"ok": True, "user": info}

    def api_views_open(self, p):
        return {"ok": True, "view": {"id": "V" + str(next(self._counter)), **(_json(p.get("view")) or {})}}

    api_views_publish = api_views_update = api_views_push = api_views_open

    def add_file(self, file_id: str, name: str, data: bytes, user: str, *, channel: str | None = None,
                 text: str | None = None) -> None:
        """Make a file "shared" by a user downloadable (files.info + url_private_download); with a
        channel, the user's message sharing it (and `text`) is in that channel's history and the
        file's `shares` point at it, as Slack's files.info does."""
        with self._lock:
            self.uploads[file_id] = data
            self.files[file_id] = {"id": file_id, "name": name, "size": len(data), "user": user,
                                   "url_private_download": f"{self.url}/files/{file_id}",
                                   "url_private": f"{self.url}/files/{file_id}"}
            if channel:
                ts = self._next_ts()
                self.messages.setdefault(channel, []).append(
                    {"ts": ts, "channel": channel, "text": text or "", "user": user, "subtype": "file_share",
                     "files": [{"id": file_id}], "thread_ts": None, "blocks": None, "metadata": None})
                kind = "private" if channel[0] in "DG" else "public"
                self.files[file_id]["shares"] = {kind: {channel: [{"ts": ts, "channel_name": channel}]}}

    def api_files_info(self, p):
        f = self.files.get(p.get("file"))
        return {"ok": True, "file": f} if f else {"ok": False, "error": "file_not_found"}

    def api_files_getUploadURLExternal(self, p):
        fid = f"F{next(self._counter)}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{fid}", "file_id": fid}

    def api_files_completeUploadExternal(self, p):
        files = _json(p.get("files")) or []
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _reply(self, status, headers, body):
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the caller was killed meanwhile
                    pass

            def _params(self, raw: bytes) -> dict[str, Any]:
                ctype = self.headers.get("Content-Type", "")
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
                if "application/json" in ctype and raw:
                    return {**query, **json.loads(raw)}
                if raw and "multipart" not in ctype:
                    return {**query, **dict(urllib.parse.parse_qsl(raw.decode("utf-8")))}
                return query

            def do_GET(self):
                path = urllib.parse.urlparse(self.path).path
                if path.startswith("/files/"):
                    with fake._lock:
                        fake.downloads.append(dict(self.headers))
                        data = fake.uploads.get(path.rsplit("/", 1)[1])
                    if data is None or not (self.headers.get("Authorization") or "").startswith("Bearer xox"):
                        self._reply(404 if data is None else 403, {}, {"ok": False})
                        return
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif path.startswith("/api/"):
                    self._reply(*fake.handle(path[5:], self._params(b""), dict(self.headers)))
                else:
                    self._reply(404, {}, {"ok": False})

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = urllib.parse.urlparse(self.path).path
                if path.startswith("/api/"):
                    self._reply(*fake.handle(path[5:], self._params(raw), dict(self.headers)))
                elif path.startswith("/upload/"):
                    with fake._lock:
                        fake.uploads[path.rsplit("/", 1)[1]] = raw
                    self._reply(200, {}, {"ok": True})
                elif path.startswith("/response"):
                    with fake._lock:
                        fake.responses.append(json.loads(raw or b"{}"))
                        fake.responded.append((path, fake.responses[-1]))
                    self._reply(200, {}, {"ok": True})
                else:
                    self._reply(404, {}, {"ok": False})

        return Handler


def _json(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
