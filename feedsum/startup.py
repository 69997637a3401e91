"""What the operator is told when feedsum cannot reach Slack at start: which setting to fix."""

from __future__ import annotations

import contextlib
import logging
import urllib.error

from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.model.config import Settings
from feedsum.errors import CliError

log = logging.getLogger("feedsum")


def slack_error(exc: Exception, settings: Settings) -> CliError | None:
    """Start-up failures talking to Slack, said as which setting to fix."""
    if isinstance(exc, SlackApiError) and "apps.connections.open" in str(exc.response.api_url):
        code = exc.response.get("error")
        return CliError(f"SLACK_APP_TOKEN was refused by Slack ({code}): use an app-level token (xapp-…) with "
                        "connections:write (app settings → Basic Information → App-Level Tokens)")
    if isinstance(exc, (SlackApiError, BoltError)) and ("auth.test" in str(exc) or "invalid_auth" in str(exc)):
        code = next((c for c in ("invalid_auth", "token_revoked", "account_inactive", "not_authed")
                     if c in str(exc)), "refused")
        return CliError(f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the Bot User OAuth Token (xoxb-…) "
                        "from the app's OAuth & Permissions page, or reinstall the app")
    if isinstance(exc, (urllib.error.URLError, ConnectionError, TimeoutError)):
        reason = getattr(exc, "reason", exc)
        return CliError(f"cannot reach Slack at {settings.api_base_url} ({reason}): check the network or proxy "
                        "(HTTPS_PROXY), or SLACK_API_BASE_URL")
    return None


@contextlib.contextmanager
def talking_to_slack(settings: Settings, *, quiet: bool = True):
    """Turn Slack start-up errors into one-line answers; anything else passes through. slack_sdk's
    own log lines about the same failure (its retries) are held back: the answer says it all."""
    sdk = logging.getLogger("slack_sdk.web.base_client")
    level = sdk.level
    if quiet and not log.isEnabledFor(logging.DEBUG):
        sdk.setLevel(logging.CRITICAL)
    try:
        yield
    except Exception as exc:
        err = slack_error(exc, settings)
        if err is None:
            raise
        raise err from exc
    finally:
        sdk.setLevel(level)
