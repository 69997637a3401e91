"""The setup modal's submission and the App Home tab."""

from __future__ import annotations

import json
import logging

from slack_sdk.errors import SlackApiError

from bot.core import admin
from bot.core.home import home_state
from bot.core.service import Refused
from bot.text.i18n import t, t_plain
from handlers import admin_render
from handlers.admin_commands import config_file, open_setup
from handlers.deps import Deps, team_of, tell_user

log = logging.getLogger(__name__)



def register(app, deps: Deps) -> None:
    @app.view("setup")
    def on_save_setup(ack, body, view, client):
        # Rights that need Slack are checked after the ack (the modal closes); problems then by DM.
        tell = tell_user(deps, body, None)

        def not_saved(errors: dict) -> None:
            tell(t(deps.locale_of(body), "setup.not_saved", error="; ".join(errors.values())), None)

        deps.answer(ack, lambda ack: save_setup(ack, body, view, client), tell=tell, body=body, on_errors=not_saved)

    def save_setup(ack, body, view, client):
        team, user = team_of(body), body["user"]["id"]
        meta = json.loads(view.get("private_metadata") or "{}")
        form = admin_render.setup_form(view["state"]["values"])
        locale = form.locale or deps.default_locale
        try:
            report = admin.save_setup(deps.core, team, meta.get("ch") or "", user, form, deps.clock(),
                                      report_id=meta.get("r"), config_file=config_file(deps))
        except admin.SetupInvalid as exc:
            ack(response_action="errors", errors={k: v[:150] for k, v in exc.texts(locale).items()})
            return
        except Refused as exc:
            ack(response_action="errors", errors={"name": t_plain(locale, exc.key, **exc.values)[:150]})
            return
        ack()

        def confirm():
            try:
                client.chat_postEphemeral(channel=report.channel, user=user,
                                          text=t(report.locale, "setup.saved", id=report.id, name=report.name))
            except SlackApiError as exc:  # the bot may not be in the channel yet: the save stands
                log.info("could not confirm setup of %s in %s: %s", report.id, report.channel,
                         exc.response.get("error"))

        deps.later(confirm, tell=tell_user(deps, body, None), report=report, sorry="error.sorry_saved")

    @app.action("setup")
    def open_setup_again(ack, body, client, respond):
        """The "try again" button after Slack was too slow to open the setup form."""
        ack()
        value = json.loads(body["actions"][0]["value"])
        team, user = team_of(body), body["user"]["id"]
        tell = tell_user(deps, body, respond)

        def again():  # rights again, now (they may need users.info: this runs after the ack)
            target = admin.setup_target(deps.core, team, value.get("ch"), user, value.get("r"))
            open_setup(deps, client, team, user, target, body["trigger_id"], tell=tell)

        deps.later(again, tell=tell, locale=deps.locale_of(body), urgent=True)

    @app.event("app_home_opened")
    def home_opened(event, body, client, context):
        if event.get("tab", "home") != "home":
            return
        team = body.get("team_id") or context.get("team_id")
        deps.later(lambda: publish_home(deps, client, team, event["user"]), locale=deps.locale_of(body),
                   tell=lambda text, blocks=None: deps.outbox.send_dm(team, event["user"], text, blocks=blocks))


def publish_home(deps: Deps, client, team: str, user: str) -> None:
    """Draw a person's Home tab: when they open it, and after they save a section."""
    state = home_state(deps.core, team, user, deps.clock())
    client.views_publish(user_id=user, view=admin_render.home_view(state, locale=deps.default_locale,
                                                                   permalink=deps.outbox.permalink))
