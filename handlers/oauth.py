"""Which bot token speaks for which workspace, and the OAuth install flow.

Token mode (the default): SLACK_BOT_TOKEN serves its own workspace. Multi-workspace mode
(SLACK_CLIENT_ID and SLACK_CLIENT_SECRET both set, `Settings.oauth`): every workspace that
installed the app through /slack/install is served with its installed bot token, and
SLACK_BOT_TOKEN, when set, keeps serving its own workspace alongside (an installation of that
workspace wins). Installations and OAuth states live in SQLite next to FEEDSUM_DB
(`feedsum-oauth.db` beside `feedsum.db`).

A workspace that removes the app (`app_uninstalled`, or its bot token revoked) loses its
installation and is served no more: the scheduler skips its reports, nothing is sent there, and
its data stays until `feedsum forget-workspace`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from bot.core.ledger import DeliveryError
from bot.model.config import Settings
from storage import Store
from storage.rows import Removal

log = logging.getLogger(__name__)

# The bot scopes requested at install; tests/test_workspaces.py checks they match manifest.yml.
BOT_SCOPES = ("chat:write", "commands", "im:write", "im:history", "channels:history", "groups:history",
              "users:read", "reactions:write", "files:write", "files:read")
STATE_SECONDS = 600
# With token rotation, a bot token is refreshed when it has less than this left (Bolt's default).
ROTATE_MINUTES_BEFORE_EXPIRY = 120


def oauth_db_path(settings: Settings) -> str:
    """Where installations and OAuth states are kept: a file next to the feedsum database."""
    db = Path(settings.db_path)
    return str(db.with_name(f"{db.stem}-oauth{db.suffix or '.db'}"))


def authorize_url(api_base_url: str) -> str:
    """Slack's authorize page on the same host as the Web API (GovSlack: slack-gov.com)."""
    parts = urlsplit(api_base_url)
    path = parts.path.rstrip("/")
    path = path[: -len("/api")] if path.endswith("/api") else path
    return urlunsplit((parts.scheme, parts.netloc, f"{path}/oauth/v2/authorize", "", ""))


class _InstallationStore(SQLite3InstallationStore):
    """slack_sdk's SQLite store with one connection per thread instead of a new one per lookup:
    opening one (and reading the schema again) cost about 8x the lookup itself, and the
    scheduler asks about every workspace on every pass, and every request asks once more.

    Only the connection is kept, never a row or a transaction: slack_sdk's look-ups run to their
    end (LIMIT 1) and its writes commit, so between look-ups the file is unlocked and the next
    look-up reads what any other connection wrote last, a refreshed token included
    (tests/test_scale.py)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._local = threading.local()

    def connect(self):
        conn = getattr(self._local, "connection", None)
        if conn is None:
            conn = self._local.connection = super().connect()
        return conn


def installation_store(settings: Settings) -> SQLite3InstallationStore:
    path = oauth_db_path(settings)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return _InstallationStore(database=path, client_id=settings.client_id)


def oauth_settings(settings: Settings) -> OAuthSettings:
    """Bolt's OAuth settings: /slack/install and /slack/oauth_redirect, SQLite stores. The code
    exchange goes through the app's client, so it follows SLACK_API_BASE_URL like the authorize URL."""
    store = installation_store(settings)
    return OAuthSettings(
        client_id=settings.client_id, client_secret=settings.client_secret, scopes=list(BOT_SCOPES),
        authorization_url=authorize_url(settings.api_base_url),
        installation_store=store,
        state_store=SQLite3OAuthStateStore(database=store.database, expiration_seconds=STATE_SECONDS),
        token_rotation_expiration_minutes=ROTATE_MINUTES_BEFORE_EXPIRY,
    )


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Workspaces:
    """The bot token for each workspace: its installation (refreshed when it rotates), else
    SLACK_BOT_TOKEN for SLACK_BOT_TOKEN's own workspace, unless that workspace removed the app.

    Shared by incoming requests (`WorkspaceAuthorize`), the outbox (`client_for`) and the
    scheduler (`serves`), so all three agree on who is served.
    """

    def __init__(self, settings: Settings, records: Store, *, default_client: WebClient | None,
                 store: InstallationStore | None, make_client: Callable[[Settings, str | None], WebClient],
                 clock: Callable[[], datetime]):
        self.settings = settings
        self.records = records  # feedsum's store: which workspaces removed the app
        self.clock = clock
        self.store = store
        self.default_client = default_client if settings.bot_token else None
        self.make_client = make_client
        self._default_team: str | None = None
        self._clients: dict[str, tuple[str, WebClient]] = {}
        self._lock = threading.Lock()
        self._rotating = threading.Lock()  # one refresh at a time, so an expiring token is refreshed once
        self._rotator = (TokenRotator(client_id=settings.client_id, client_secret=settings.client_secret,
                                      client=make_client(settings, None))
                         if store is not None else None)

    # --- the default workspace (SLACK_BOT_TOKEN) -------------------------------------------

    def _default_removal(self) -> Removal | None:
        """The record of SLACK_BOT_TOKEN's workspace removing the app while this very token was in
        use. Read from the database each time: the event may have reached another process."""
        token = self.settings.bot_token
        return self.records.workspaces.removal_of_token(_sha256(token)) if token else None

    def default_team(self) -> str | None:
        """SLACK_BOT_TOKEN's workspace: one auth.test, then remembered; a token known to be
        revoked is not tried again (the removal names its workspace)."""
        if self.default_client is None:
            return None
        if self._default_team is None:
            removal = self._default_removal()
            self._default_team = removal.team_id if removal else self.default_client.auth_test()["team_id"]
        return self._default_team

    def _serves_by_default(self, team_id: str) -> bool:
        if self.default_client is None or self._default_removal() is not None:
            return False
        if self.store is None:
            return True  # token mode: the one token serves whatever its app is asked to do
        return team_id == self.default_team()

    # --- installations ---------------------------------------------------------------------

    def _installation(self, team_id: str):
        if self.store is None or not team_id:
            return None
        found = self.store.find_installation(enterprise_id=None, team_id=team_id)
        return found if found is not None and found.bot_token else None

    def _installed_token(self, team_id: str) -> str | None:
        installation = self._installation(team_id)
        if installation is None:
            return None
        if not installation.bot_refresh_token:
            return installation.bot_token
        with self._rotating:
            installation = self._installation(team_id)  # another thread may just have refreshed it
            if installation is None:
                return None
            try:
                # Expiry is Slack's wall-clock time, so the rotator compares it with time.time().
                refreshed = self._rotator.perform_token_rotation(
                    installation=installation, minutes_before_expiration=ROTATE_MINUTES_BEFORE_EXPIRY)
            except SlackTokenRotationError as exc:
                log.error("workspace %s: its bot token could not be refreshed (%s)", team_id,
                          exc.api_error.response.get("error") if exc.api_error else exc)
                return None
            if refreshed is None:
                return installation.bot_token
            self.store.save(refreshed)
            log.info("workspace %s: bot token refreshed", team_id)
            return refreshed.bot_token

    # --- what the rest of the app asks -----------------------------------------------------

    def serves(self, team_id: str) -> bool:
        """Whether anything may be sent to this workspace (cheap: no Slack call once started)."""
        return self._installation(team_id) is not None or self._serves_by_default(team_id)

    def installed(self, team_id: str) -> str | None:
        """How the app is still installed in this workspace ("installation", "SLACK_BOT_TOKEN"), or None."""
        if self._installation(team_id) is not None:
            return "installation"
        live_default = self.default_client is not None and self._default_removal() is None
        return "SLACK_BOT_TOKEN" if live_default and team_id == self.default_team() else None

    def token_for(self, team_id: str) -> str | None:
        """The bot token to use for this workspace now, refreshing a rotating one that expires soon."""
        token = self._installed_token(team_id)
        if token is None and self._serves_by_default(team_id):
            token = self.settings.bot_token
        return token

    def client_for(self, team_id: str) -> WebClient:
        """A Web API client with that workspace's bot token (the outbox's `client_for`).

        Clients are built on the configured base URL with the 429 retry handler and reused while
        the token stays the same; a refreshed or re-installed token gets a new client.
        """
        token = self.token_for(team_id)
        if not token:
            raise DeliveryError("not_installed")  # the workspace never installed the app, or removed it
        if token == self.settings.bot_token and self.default_client is not None:
            return self.default_client
        with self._lock:
            hit = self._clients.get(team_id)
            if hit and hit[0] == token:
                return hit[1]
            client = self.make_client(self.settings, token)
            self._clients[team_id] = (token, client)
            return client

    def token_revoked(self, team_id: str, token: str | None) -> None:
        """Slack answered token_revoked: the workspace removed the app (its event may have been
        missed while we were down). Only if that token is still the one in use: a re-install may
        have replaced it meanwhile."""
        if token and token in (self._installed_token_now(team_id), self.settings.bot_token):
            self.removed(team_id, "token_revoked")

    def _installed_token_now(self, team_id: str) -> str | None:
        installation = self._installation(team_id)
        return installation.bot_token if installation else None

    def removed(self, team_id: str, reason: str) -> None:
        """The workspace removed the app, or its bot token was revoked: forget the installation
        and stop serving it. Its reports, answers and history stay."""
        now = self.clock()
        if self.store is not None:
            self.store.delete_all(enterprise_id=None, team_id=team_id)
        token_sha = None
        if self.default_client is not None and (self.store is None or team_id == self._default_team):
            token_sha = _sha256(self.settings.bot_token)
        self.records.workspaces.record_removal(team_id, reason, token_sha256=token_sha, now=now)
        with self._lock:
            self._clients.pop(team_id, None)
        log.info("workspace %s removed the app (%s): nothing more is sent there; its data is kept until "
                 "`feedsum forget-workspace %s`", team_id, reason, team_id)


class WorkspaceAuthorize(Authorize):
    """Bolt's authorize for multi-workspace mode: the token `Workspaces` picks for the request's
    team, so SLACK_BOT_TOKEN's own workspace is answered too. auth.test runs once per token (the
    bot's ids do not change), not before every ack."""

    def __init__(self, workspaces: Workspaces):
        self.workspaces = workspaces
        self._auth: dict[str, tuple[str, dict]] = {}
        self._lock = threading.Lock()

    def __call__(self, *, context, enterprise_id, team_id, user_id, **_actor) -> AuthorizeResult | None:
        token = self.workspaces.token_for(team_id)
        if token is None:
            return None  # not installed there: Bolt logs it and tells the user
        with self._lock:
            hit = self._auth.get(team_id)
        if hit is None or hit[0] != token:
            try:
                data = context.client.auth_test(token=token).data
            except SlackApiError as exc:
                log.warning("workspace %s: its bot token was refused (%s)", team_id, exc.response.get("error"))
                return None
            hit = (token, data)
            with self._lock:
                self._auth[team_id] = hit
        return AuthorizeResult.from_auth_test_response(auth_test_response=hit[1], bot_token=token)
