"""Shared by the fan-out tests and benchmark: the fake Web API enforcing Slack's published limits,
and workspaces installed over OAuth without going through the install pages."""

from __future__ import annotations

from slack_sdk.oauth.installation_store import Installation

from feedsum.fake_slack import BOT_USER, Enforcement, Limit
from handlers import ratelimit


def published(speed: float, *, inject_every: int = 0, retry_after: int = 1) -> Enforcement:
    """The limits handlers/ratelimit.py paces to, for the fake to enforce at `speed`."""
    workspace = {m: Limit(ratelimit.TIER_PER_MINUTE[t], ratelimit.TIER_BURST[t])
                 for m, t in ratelimit.METHOD_TIER.items()}
    workspace[ratelimit.POST] = Limit(*ratelimit.POST_WORKSPACE)
    return Enforcement(workspace=workspace, channel={ratelimit.POST: Limit(*ratelimit.POST_CHANNEL)},
                       speed=speed, inject_every=inject_every, inject_retry_after=retry_after)


def install(h, team: str) -> str:
    """Workspace `team` installed the app (multi-workspace harness): its own bot token."""
    token = f"xoxb-{team.lower()}-installed"
    h.app.installation_store.save(Installation(app_id="A0FEEDSUM", team_id=team, bot_token=token, bot_id="B0BOT",
                                               bot_user_id=BOT_USER, user_id="U0INSTALL"))
    h.fake.tokens[token] = team
    return token
