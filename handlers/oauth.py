"""Multi-workspace mode: the OAuth install flow and one bot token per installed workspace.

Active only when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are both set (`Settings.oauth`); the
single-workspace token mode stays the default. Installations and OAuth states live in SQLite
next to FEEDSUM_DB (`feedsum-oauth.db` beside `feedsum.db`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.sqlite3 import SQLite3InstallationStore
from slack_sdk.oauth.state_store.sqlite3 import SQLite3OAuthStateStore

from bot.config import Settings
from bot.workflow import DeliveryError

log = logging.getLogger(__name__)

# The bot scopes requested at install; tests/test_workspaces.py checks they match manifest.yml.
BOT_SCOPES = ("chat:write", "commands", "im:write", "im:history", "channels:history", "groups:history",
              "users:read", "reactions:write", "files:write", "files:read")
STATE_SECONDS = 600


def oauth_db_path(settings: Settings) -> str:
    """Where installations and OAuth states are kept: a file next to the feedsum database."""
    db = Path(settings.db_path)
    return str(db.with_name(f"{db.stem}-oauth{db.suffix or '.db'}"))


def oauth_settings(settings: Settings) -> OAuthSettings:
    """Bolt's OAuth settings: /slack/install and /slack/oauth_redirect, SQLite stores."""
    path = oauth_db_path(settings)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return OAuthSettings(
        client_id=settings.client_id, client_secret=settings.client_secret, scopes=list(BOT_SCOPES),
        installation_store=SQLite3InstallationStore(database=path, client_id=settings.client_id),
        state_store=SQLite3OAuthStateStore(database=path, expiration_seconds=STATE_SECONDS),
    )


def installation_client_for(settings: Settings, store: InstallationStore,
                            make_client: Callable[[Settings, str], WebClient]) -> Callable[[str], WebClient]:
    """`client_for(team_id)`: a Web API client with that workspace's installed bot token.

    Clients are built on the configured base URL with the 429 retry handler (`make_client`) and
    reused while the token stays the same; a re-install with a new token gets a new client.
    """
    cache: dict[str, tuple[str, WebClient]] = {}
    lock = threading.Lock()

    def client_for(team_id: str) -> WebClient:
        installation = store.find_installation(enterprise_id=None, team_id=team_id)
        token = installation.bot_token if installation else None
        if not token:
            raise DeliveryError("invalid_auth")  # not installed (or uninstalled) in that workspace
        with lock:
            hit = cache.get(team_id)
            if hit and hit[0] == token:
                return hit[1]
            client = make_client(settings, token)
            cache[team_id] = (token, client)
            return client

    return client_for
