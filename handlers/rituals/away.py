"""`/ritual away until DATE` / `away off`, and time off from the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.home import HomeTab
from handlers.payloads import BlockActions, ViewSubmission, parse
from handlers.registry import ListenerSpec
from handlers.responses import ack_submission
from handlers.rituals.command_table import Invocation, Reply, Subcommand
from messaging.replies import HelpEntry
from rituals.away.time_off_views import AWAY_CALLBACK, HOME_AWAY_ACTION, HOME_BACK_ACTION
from rituals.away.use_cases import away_command, come_back, submit_time_off, time_off_form
from rituals.services import Services


def away(invocation: Invocation) -> Reply:
    return Reply(away_command(invocation.services, invocation.user_id, invocation.args))


SUBCOMMANDS = (
    # Reading the person's zone (their dates) asks Slack: answer through response_url.
    Subcommand(
        "away",
        HelpEntry("away until YYYY-MM-DD", "you are away: no prompts or reminders (`away off` when back)"),
        away,
        slow=True,
    ),
)


def open_time_off(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """Home's "Mark me away": the time-off modal."""
    click = parse(BlockActions, body)
    trigger = click.trigger()
    ack()
    after_ack(
        body,
        client,
        None,
        "opening the time-off form",
        lambda: client.views_open(trigger_id=trigger, view=time_off_form(services, click.user_id)),
    )


def save_time_off(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, home: HomeTab
) -> None:
    """The time-off modal submitted: saved and shown on the Home tab, or what to fix inline."""
    submission = parse(ViewSubmission, body)
    saved = submit_time_off(services, submission.user_id, submission.view.state.values)
    ack_submission(ack, saved.errors)
    if saved.errors:
        return
    after_ack(
        body,
        client,
        None,
        "showing your time off",
        lambda: home.publish(client, submission.user_id, notice=saved.notice),
    )


def back_from_time_off(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, home: HomeTab
) -> None:
    """Home's "I'm back": time off ends today; the Home tab says what that changed."""
    user_id = parse(BlockActions, body).user_id
    ack()
    after_ack(
        body,
        client,
        None,
        "ending your time off",
        lambda: home.publish(client, user_id, notice=come_back(services, user_id)),
    )


def register(app: App) -> list[ListenerSpec]:
    app.action(HOME_AWAY_ACTION)(open_time_off)
    app.view(AWAY_CALLBACK)(save_time_off)
    app.action(HOME_BACK_ACTION)(back_from_time_off)
    return [
        ListenerSpec("action", HOME_AWAY_ACTION),
        ListenerSpec("view", AWAY_CALLBACK),
        ListenerSpec("action", HOME_BACK_ACTION, frozenset({"chat:write"})),
    ]
