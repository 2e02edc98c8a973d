"""`/ritual trigger|pause|resume|skip-next RITUAL`, and the "Open it now" button on a missed notice."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.payloads import BlockActions, parse
from handlers.registry import ListenerSpec
from handlers.rituals.command_table import Invocation, Reply, Subcommand, ritual_argument
from messaging.replies import HelpEntry
from rituals.runs.notices import RUN_MISSED_NOW_ACTION
from rituals.runs.trigger import trigger_for, trigger_missed
from rituals.schedule.pause_and_skip import pause_ritual, resume_ritual, skip_next_opening
from rituals.services import Services


def trigger(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "trigger RITUAL")
    return Reply(trigger_for(invocation.services, definition, invocation.user_id))


def pause(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "pause RITUAL")
    return Reply(pause_ritual(invocation.services, definition, invocation.user_id))


def resume(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "resume RITUAL")
    return Reply(resume_ritual(invocation.services, definition, invocation.user_id))


def skip_next(invocation: Invocation) -> Reply:
    definition = ritual_argument(invocation, "skip-next RITUAL")
    return Reply(skip_next_opening(invocation.services, definition, invocation.user_id))


SUBCOMMANDS = (
    # Opening a run resolves its participants through Slack: answer through response_url.
    Subcommand("trigger", HelpEntry("trigger RITUAL", "open a run now", True), trigger, slow=True),
    Subcommand("pause", HelpEntry("pause RITUAL", "stop opening runs until resumed", True), pause),
    Subcommand("resume", HelpEntry("resume RITUAL", "start opening runs again", True), resume),
    Subcommand("skip-next", HelpEntry("skip-next RITUAL", "skip only the next occurrence", True), skip_next),
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


def register(app: App) -> list[ListenerSpec]:
    app.action(RUN_MISSED_NOW_ACTION)(open_missed_now)
    return [ListenerSpec("action", RUN_MISSED_NOW_ACTION, frozenset({"chat:write"}))]
