"""`/ritual trigger|pause|resume|skip-next RITUAL`, the "Open it now" button on a missed notice,
and "Open another run" when `/ritual trigger` found a run open already."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.payloads import BlockActions, parse
from handlers.registry import ListenerSpec
from handlers.rituals.command_table import Invocation, Reply, Subcommand, ritual_argument, ritual_subcommand
from messaging.replies import HelpEntry
from rituals.runs.notices import RUN_MISSED_NOW_ACTION
from rituals.runs.trigger import AlreadyOpen, trigger_missed, trigger_unless_open
from rituals.runs.trigger_confirmation import TRIGGER_CONFIRM_ACTION, already_open_text, confirmation_blocks
from rituals.schedule.pause_and_skip import pause_ritual, resume_ritual, skip_next_opening
from rituals.services import Services

TRIGGER_USAGE = "trigger RITUAL"


def trigger(invocation: Invocation) -> Reply:
    """Open a run now, or, when one is open, ask with a button before opening another."""
    definition = ritual_argument(invocation, TRIGGER_USAGE)
    outcome = trigger_unless_open(invocation.services, definition, invocation.user_id)
    if isinstance(outcome, AlreadyOpen):
        return Reply(
            already_open_text(definition, outcome.run), blocks=confirmation_blocks(definition, outcome.run)
        )
    return Reply(outcome)


SUBCOMMANDS = (
    # Opening a run resolves its participants through Slack: answer through response_url.
    Subcommand("trigger", HelpEntry(TRIGGER_USAGE, "open a run now", restricted=True), trigger, slow=True),
    ritual_subcommand("pause", "stop opening runs until resumed", pause_ritual),
    ritual_subcommand("resume", "start opening runs again", resume_ritual),
    ritual_subcommand("skip-next", "skip only the next occurrence", skip_next_opening),
)


def open_missed_now(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    """The missed-opening notice's "Open it now": the button carries the ritual's id."""
    click = parse(BlockActions, body)
    ack()
    after_ack(
        body,
        client,
        respond,
        "opening a missed run",
        lambda: respond(
            text=trigger_missed(services, click.action.choice, click.user_id), replace_original=False
        ),
    )


def open_another_run(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    """ "Open another run", confirmed: the button carries the ritual's id; the question is replaced
    by what happened, so it cannot be clicked into a third run."""
    click = parse(BlockActions, body)
    ack()
    after_ack(
        body,
        client,
        respond,
        "opening another run",
        lambda: respond(
            text=trigger_missed(services, click.action.choice, click.user_id), replace_original=True
        ),
    )


def register(app: App) -> list[ListenerSpec]:
    app.action(RUN_MISSED_NOW_ACTION)(open_missed_now)
    app.action(TRIGGER_CONFIRM_ACTION)(open_another_run)
    return [
        ListenerSpec("action", RUN_MISSED_NOW_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", TRIGGER_CONFIRM_ACTION, frozenset({"chat:write"})),
    ]
