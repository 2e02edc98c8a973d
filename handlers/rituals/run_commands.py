"""`/ritual list|status|close|history|nudge`, and the owners' Nudge / Close now on the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.home import HomeTab
from handlers.payloads import BlockActions, parse
from handlers.registry import ListenerSpec
from handlers.rituals.command_table import Invocation, Reply, Subcommand, ritual_argument
from messaging.layout import one_message
from messaging.replies import HelpEntry
from rituals.home_section import HOME_CLOSE_ACTION, HOME_NUDGE_ACTION
from rituals.runs import owner_actions, reports
from rituals.services import Services


def lines_reply(lines: list[str]) -> Reply:
    """mrkdwn paragraphs as one ephemeral message (an answer to a command cannot continue)."""
    return Reply(text=lines[0].replace("*", "") if lines else "", blocks=one_message(lines))


def list_rituals(invocation: Invocation) -> Reply:
    return lines_reply(reports.list_text(invocation.services, invocation.user_id))


def status(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "status RITUAL")
    return lines_reply(reports.status_text(invocation.services, definition, invocation.user_id))


def history(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "history RITUAL")
    return lines_reply(reports.history_text(invocation.services, definition, invocation.user_id))


def close(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "close RITUAL")
    return Reply(owner_actions.close_now(invocation.services, definition, invocation.user_id))


def nudge(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "nudge RITUAL")
    return Reply(owner_actions.nudge_now(invocation.services, definition, invocation.user_id))


SUBCOMMANDS = (
    Subcommand("list", HelpEntry("list", "every ritual, what is open and your part in it"), list_rituals),
    Subcommand("status", HelpEntry("status RITUAL", "who answered, skipped or is missing", True), status),
    Subcommand("history", HelpEntry("history RITUAL", "past runs and participation", True), history),
    # Closing compiles the answers (on_close hooks): answer through response_url.
    Subcommand("close", HelpEntry("close RITUAL", "close the open run now", True), close, slow=True),
    Subcommand("nudge", HelpEntry("nudge RITUAL", "remind everyone who has not answered", True), nudge),
)


def nudge_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, home: HomeTab
) -> None:
    click = parse(BlockActions, body)
    run_id = click.action.decoded(int)
    ack()
    after_ack(
        body,
        client,
        None,
        "nudging from Home",
        lambda: home.publish(
            client, click.user_id, notice=owner_actions.nudge_run(services, run_id, click.user_id)
        ),
    )


def close_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, home: HomeTab
) -> None:
    click = parse(BlockActions, body)
    run_id = click.action.decoded(int)
    ack()
    after_ack(
        body,
        client,
        None,
        "closing from Home",
        lambda: home.publish(
            client, click.user_id, notice=owner_actions.close_run(services, run_id, click.user_id)
        ),
    )


def register(app: App) -> list[ListenerSpec]:
    app.action(HOME_NUDGE_ACTION)(nudge_from_home)
    app.action(HOME_CLOSE_ACTION)(close_from_home)
    return [
        ListenerSpec("action", HOME_NUDGE_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", HOME_CLOSE_ACTION, frozenset({"chat:write"})),
    ]
