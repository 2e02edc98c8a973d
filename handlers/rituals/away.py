"""`/ritual away until DATE` / `away off`, and time off from the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from core.errors import UserFacingError
from handlers.after_ack import after_ack
from handlers.home import HomeTab
from handlers.registry import ListenerSpec
from handlers.rituals.commands import CommandTable, Invocation, Reply, Subcommand
from handlers.rituals.help import SubcommandHelp
from rituals.away.home import (
    AWAY_CALLBACK,
    HOME_AWAY_ACTION,
    HOME_BACK_ACTION,
    LAST_BLOCK,
    away_modal,
    read_away_modal,
)
from rituals.away.use_cases import come_back, go_away, parse_until, today_for
from rituals.services import Services

BACK_WORDS = frozenset({"off", "back", "cancel"})


def _away(invocation: Invocation) -> Reply:
    services, user = invocation.services, invocation.user_id
    if invocation.args and invocation.args[0].lower() in BACK_WORDS:
        return Reply(come_back(services, user))
    last_day, note = parse_until(invocation.args)
    return Reply(go_away(services, user, None, last_day, note))


def register(app: App, services: Services, table: CommandTable, home: HomeTab) -> list[ListenerSpec]:
    table.add(
        Subcommand(
            "away",
            SubcommandHelp(
                "away until YYYY-MM-DD", "you are away: no prompts or reminders (`away off` when back)"
            ),
            _away,
            slow=True,
        )
    )

    @app.action(HOME_AWAY_ACTION)
    def open_away_form(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def work() -> None:
            view = away_modal(today_for(services, body["user"]["id"]))
            client.views_open(trigger_id=body["trigger_id"], view=view)

        after_ack(body, client, None, "opening the time-off form", work)

    @app.view(AWAY_CALLBACK)
    def save_away(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        try:
            first, last, note = read_away_modal((view.get("state") or {}).get("values") or {})
            notice = go_away(services, user, first, last, note)
        except UserFacingError as error:
            ack(response_action="errors", errors={LAST_BLOCK: error.message.replace("*", "")})
            return
        ack()
        after_ack(
            body, client, None, "showing your time off", lambda: home.publish(client, user, notice=notice)
        )

    @app.action(HOME_BACK_ACTION)
    def back_from_home(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        user = body["user"]["id"]
        after_ack(
            body,
            client,
            None,
            "ending your time off",
            lambda: home.publish(client, user, notice=come_back(services, user)),
        )

    return [
        ListenerSpec("action", HOME_AWAY_ACTION),
        ListenerSpec("view", AWAY_CALLBACK),
        ListenerSpec("action", HOME_BACK_ACTION, frozenset({"chat:write"})),
    ]
