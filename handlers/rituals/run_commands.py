"""`/ritual list|status|close|history|nudge`, and the owners' Nudge / Close now on the Home tab."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.home import HomeTab
from handlers.payloads import BlockActions, parse
from handlers.registry import ListenerSpec
from handlers.rituals.command_table import Invocation, Reply, Subcommand, lines_reply, ritual_subcommand
from messaging.replies import HelpEntry
from rituals.home_section import HOME_CLOSE_ACTION, HOME_NUDGE_ACTION
from rituals.runs import owner_actions, reports
from rituals.services import Services


def list_rituals(invocation: Invocation) -> Reply:
    return lines_reply(reports.list_text(invocation.services, invocation.user_id))


SUBCOMMANDS = (
    Subcommand("list", HelpEntry("list", "every ritual, what is open and your part in it"), list_rituals),
    ritual_subcommand("status", "who answered, skipped or is missing", reports.status_text),
    ritual_subcommand("history", "past runs and participation", reports.history_text),
    # Closing compiles the answers (on_close hooks): answer through response_url.
    ritual_subcommand("close", "close the open run now", owner_actions.close_now, slow=True),
    ritual_subcommand("nudge", "remind everyone who has not answered", owner_actions.nudge_now),
)


def _act_from_home(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    home: HomeTab,
    context: str,
    act: Callable[[int, str], str],
) -> None:
    """An owner's button on the Home tab (its value: the run); the Home tab is published again
    with what happened, a refusal too, as its notice line."""
    click = parse(BlockActions, body)
    run_id = click.action.decoded(int)
    ack()
    after_ack(
        body,
        client,
        None,
        context,
        lambda: home.publish(client, click.user_id, notice=act(run_id, click.user_id)),
    )


def nudge_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, home: HomeTab
) -> None:
    _act_from_home(ack, body, client, home, "nudging from Home", partial(owner_actions.nudge_run, services))


def close_from_home(
    ack: Ack, body: dict[str, Any], client: WebClient, services: Services, home: HomeTab
) -> None:
    _act_from_home(ack, body, client, home, "closing from Home", partial(owner_actions.close_run, services))


def register(app: App) -> list[ListenerSpec]:
    app.action(HOME_NUDGE_ACTION)(nudge_from_home)
    app.action(HOME_CLOSE_ACTION)(close_from_home)
    return [
        ListenerSpec("action", HOME_NUDGE_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", HOME_CLOSE_ACTION, frozenset({"chat:write"})),
    ]
