"""Where the bot may answer a `response_url`: only its own Slack's hooks host.

A response_url comes from the request body. Slack's are on hooks.<domain of the Web API>; any
other URL (even in a correctly signed body) would let a request make the bot post anywhere.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from slack_bolt.context.respond import Respond

log = logging.getLogger(__name__)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an absolute http(s) URL without user info, else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


@dataclass(frozen=True)
class HooksPolicy:
    origin: tuple[str, str, int]  # the one scheme, host and port response_urls may point at

    @classmethod
    def from_api_base(cls, api_base_url: str) -> HooksPolicy:
        """slack.com/api → https://hooks.slack.com; slack-gov.com/api → hooks.slack-gov.com; a Web
        API on loopback (a test double) → that same host and port."""
        scheme, host, port = _origin(api_base_url) or ("https", "slack.com", 443)
        if _loopback(host):
            return cls((scheme, host, port))
        domain = host.removeprefix("www.").removeprefix("api.")
        return cls(("https", f"hooks.{domain}", 443))

    def allows(self, url: str | None) -> bool:
        return bool(url) and _origin(url) == self.origin

    def host(self, url: str | None) -> str:
        found = _origin(url or "")
        return f"{found[1]}:{found[2]}" if found else repr((url or "")[:80])


class RefusedRespond(Respond):
    """Stands in for Bolt's respond() when the body's response_url is not Slack's: says nothing."""

    def __init__(self, url: str, policy: HooksPolicy):
        super().__init__(response_url=None)
        self.refused, self.policy = url, policy

    def __call__(self, *args, **kwargs):
        log.warning("refused to post to response_url on %s (not the Slack hooks host)", self.policy.host(self.refused))
        return None


def response_url_guard(policy: HooksPolicy):
    """Bolt middleware (first in line): a foreign response_url is dropped before any listener runs."""

    def guard(req, resp, next):
        url = req.context.response_url
        if url is not None and not policy.allows(url):
            log.warning("request carries a response_url on %s; answers to it are refused", policy.host(url))
            req.context["response_url"] = None
            req.context["respond"] = RefusedRespond(url, policy)
        return next()

    return guard
