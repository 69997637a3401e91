"""Where an API source's secrets come from, and the tokens a platform hands out, kept encrypted.

Secrets never sit in feedsum.toml: a source names them with `credentials = "env:NAME"` (the
variables NAME_CLIENT_ID, NAME_REFRESH_TOKEN, … — each platform says which it needs) or with the
path of a JSON file holding the same keys in lower case ({"client_id": …}). Tokens that a platform
issues and rotates (OAuth access tokens, rotating refresh tokens) are stored in the database
encrypted with FEEDSUM_SECRET_KEY (Fernet: AES-128-CBC with an HMAC, from `cryptography`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from storage import Store

log = logging.getLogger(__name__)


class CredentialsError(Exception):
    """A secret is missing or unreadable; names the variable or file, never a value."""


def load(credentials: str, fields: tuple[str, ...], optional: tuple[str, ...] = (), *,
         env: Mapping[str, str], base_dir: str = ".") -> dict[str, str]:
    """The secrets named by `credentials`: `fields` must be present, `optional` may be.

    "env:NAME" reads NAME_<FIELD> (fields in capitals); anything else is a JSON file (relative to
    the config file) with the fields as keys."""
    out: dict[str, str] = {}
    if credentials.startswith("env:"):
        prefix = credentials[4:]
        for name in fields + optional:
            value = (env.get(f"{prefix}_{name.upper()}") or "").strip()
            if value:
                out[name] = value
        missing = [f"{prefix}_{name.upper()}" for name in fields if name not in out]
        if missing:
            raise CredentialsError(f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set "
                                   f'(credentials = "{credentials}")')
        return out
    path = Path(credentials) if Path(credentials).is_absolute() else Path(base_dir) / credentials
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialsError(f"credentials file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialsError(f"credentials file {path} cannot be read ({type(exc).__name__})") from None
    except json.JSONDecodeError:
        raise CredentialsError(f"credentials file {path} is not JSON") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"credentials file {path}: expected a JSON object with {', '.join(fields)}")
    for name in fields + optional:
        value = data.get(name)
        if value is not None and str(value).strip():
            out[name] = str(value).strip()
    missing = [name for name in fields if name not in out]
    if missing:
        raise CredentialsError(f"credentials file {path} has no {', '.join(missing)}")
    return out


def fingerprint(*secrets: str) -> str:
    """A short one-way name for a set of secrets: a stored token belongs to the secrets it came from,
    so changing them in the environment never reuses a token minted for the old ones."""
    return hashlib.sha256("\0".join(secrets).encode()).hexdigest()[:16]


class TokenStore:
    """Tokens by name, encrypted in the database with FEEDSUM_SECRET_KEY.

    Without a key, tokens live in this process only (fine for access tokens that a refresh token
    can mint again; a platform whose refresh token rotates needs the key, see `persistent`)."""

    def __init__(self, store: Store | None = None, secret_key: str | None = None):
        self.store = store
        self._fernet = None
        if secret_key and store is not None:
            self._fernet = Fernet(secret_key.encode())
        self._memory: dict[str, tuple[dict[str, Any], str | None]] = {}
        self._lock = threading.Lock()

    @property
    def persistent(self) -> bool:
        return self._fernet is not None

    def get(self, name: str) -> tuple[dict[str, Any], str | None] | None:
        """(token fields, expires_at ISO or None), or None when nothing usable is stored."""
        if self._fernet is None:
            with self._lock:
                return self._memory.get(name)

        row = self.store.sources.token(name)
        if row is None:
            return None
        try:
            fields = json.loads(self._fernet.decrypt(row.token.encode()))
        except (InvalidToken, ValueError):
            # FEEDSUM_SECRET_KEY changed: the token is unreadable, so it is minted again.
            log.warning("stored token %s cannot be decrypted with FEEDSUM_SECRET_KEY; getting a new one", name)
            return None
        return fields, row.expires_at

    def put(self, name: str, fields: dict[str, Any], expires_at: datetime | None, *, now: datetime) -> None:
        at = expires_at.isoformat(timespec="seconds") if expires_at else None
        if self._fernet is None:
            with self._lock:
                self._memory[name] = (dict(fields), at)
            return
        self.store.sources.put_token(name, self._fernet.encrypt(json.dumps(fields).encode()).decode(), at, now=now)

    def drop(self, name: str) -> None:
        if self._fernet is None:
            with self._lock:
                self._memory.pop(name, None)
            return
        self.store.sources.drop_token(name)
