"""A fake Slack Web API: a real HTTP server in a thread that records every call.

Used by `feedsum demo` (no Slack account needed) and by the tests. It keeps messages per
channel (with threads and metadata) so that recovery after a crash can be exercised, and it can
inject faults: rate limiting with Retry-After, per-recipient errors, and failures after N calls.
"""

from __future__ import annotations

import itertools
import json
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


class FakeSlack:
    def __init__(self, team_id: str = TEAM_ID, users: dict[str, dict[str, Any]] | None = None):
        self.team_id = team_id
        self.users = users or {}
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict[str, Any]]] = {}
        self.responses: list[dict[str, Any]] = []  # bodies posted to response_urls
        self.uploads: dict[str, bytes] = {}
        self.oauth_codes: dict[str, str] = {}  # OAuth code -> the team that installs with it
        self.tokens: dict[str, str] = {}  # bot token issued by oauth.v2.access -> its team
        self.files: dict[str, dict[str, Any]] = {}
        self.downloads: list[dict[str, str]] = []  # headers of file downloads (auth is checked)
        self.faults = Faults()
        self.socket_url: str | None = None  # what apps.connections.open hands out (a fake Socket Mode server)
        self._lock = threading.RLock()
        self._ts = itertools.count(1)
        self._counter = itertools.count(1)
        self._posts = 0
        self._arrived = 0
        self.held = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
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
            out = [m for ch in chans for m in self.messages.get(ch, [])]
        return sorted(out, key=lambda m: float(m["ts"]))

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the API ---------------------------------------------------------------------------

    def _next_ts(self) -> str:
        return f"{1_700_000_000 + next(self._ts)}.{next(self._counter):06d}"

    def handle(self, method: str, params: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict, dict]:
        if method == "chat.postMessage" and self.faults.delay:
            time.sleep(self.faults.delay)
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
            if method == "chat.postMessage":
                self._posts += 1
                if f.fail_after is not None and self._posts > f.fail_after:
                    return 500, {}, {"ok": False, "error": "fatal_error"}
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
        """The OAuth code exchange: a bot token for the team the code was issued to."""
        code = p.get("code")
        basic = (getattr(self, "_headers", {}).get("Authorization") or "").startswith("Basic ")
        if not code or not (p.get("client_id") or basic):
            return {"ok": False, "error": "invalid_code"}
        team = self.oauth_codes.get(code, self.team_id)
        token = f"xoxb-{team.lower()}-installed"
        self.tokens[token] = team
        return {"ok": True, "app_id": "A0FEEDSUM", "authed_user": {"id": "U0INSTALL"}, "scope": "chat:write,commands",
                "token_type": "bot", "access_token": token, "bot_user_id": BOT_USER,
                "team": {"id": team, "name": f"team {team}"}, "enterprise": None, "is_enterprise_install": False}

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
        msgs = sorted(msgs, key=lambda m: float(m["ts"]), reverse=not thread)
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

    def add_file(self, file_id: str, name: str, data: bytes, user: str) -> None:
        """Make a file "shared" by a user downloadable (files.info + url_private_download)."""
        with self._lock:
            self.uploads[file_id] = data
            self.files[file_id] = {"id": file_id, "name": name, "size": len(data), "user": user,
                                   "url_private_download": f"{self.url}/files/{file_id}",
                                   "url_private": f"{self.url}/files/{file_id}"}

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
