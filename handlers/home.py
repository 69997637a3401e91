"""The App Home tab: drawn when a person opens it (handlers/events.py) and after they save a section."""

from __future__ import annotations

from bot.core.home import home_state
from handlers import admin_render
from handlers.deps import Deps


def publish_home(deps: Deps, client, team: str, user: str) -> None:
    """Draw a person's Home tab: when they open it, and after they save a section."""
    state = home_state(deps.core, team, user, deps.clock())
    client.views_publish(user_id=user, view=admin_render.home_view(state, locale=deps.default_locale,
                                                                   permalink=deps.outbox.permalink))
