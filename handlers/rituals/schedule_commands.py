"""`/ritual trigger|pause|resume|skip-next RITUAL`, and the "Open it now" button on a missed notice."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.payloads import BlockActions, parse
from handlers.registry import ListenerSpec
from handlers.rituals.command_table import ritual_subcommand
from rituals.runs.notices import RUN_MISSED_NOW_ACTION
from rituals.runs.trigger import trigger_for, trigger_missed
from rituals.schedule.pause_and_skip import pause_ritual, resume_ritual, skip_next_opening
from rituals.services import Services

SUBCOMMANDS = (
    # Opening a run resolves its participants through Slack: answer through response_url.
    ritual_subcommand("trigger", "open a run now", trigger_for, slow=True),
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


def register(app: App) -> list[ListenerSpec]:
    app.action(RUN_MISSED_NOW_ACTION)(open_missed_now)
    return [ListenerSpec("action", RUN_MISSED_NOW_ACTION, frozenset({"chat:write"}))]
