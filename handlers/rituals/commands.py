"""The `/ritual` slash command: parse the subcommand, run it, answer ephemerally."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.insights import okrs
from handlers.payloads import SlashCommand, parse
from handlers.registry import ListenerSpec
from handlers.rituals import away, run_commands, schedule_commands, upkeep
from handlers.rituals.command_table import (
    COMMAND,
    CommandTable,
    Invocation,
    Reply,
    Subcommand,
    parse_arguments,
)
from insights.services import Insights
from messaging.replies import HelpEntry
from rituals.services import Services

HELP = "help"


def show_help(_invocation: Invocation) -> Reply:
    return TABLE.help_reply()


TABLE: CommandTable = CommandTable(
    [
        Subcommand(HELP, HelpEntry(HELP, "show this message"), show_help),
        *schedule_commands.SUBCOMMANDS,
        *run_commands.SUBCOMMANDS,
        *upkeep.SUBCOMMANDS,
        *away.SUBCOMMANDS,
        *okrs.SUBCOMMANDS,
    ]
)


def ritual_command(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    services: Services,
    insights: Insights,
) -> None:
    command = parse(SlashCommand, body)
    args = parse_arguments(command.text)
    name = args[0].lower() if args else HELP
    subcommand = TABLE.get(name)
    if subcommand is None:
        ack(TABLE.unknown_reply(args[0]).as_response())
        return
    invocation = Invocation(command.user_id, command.channel_id or "", args[1:], services, insights)
    if not subcommand.slow:
        ack(subcommand.run(invocation).as_response())
        return
    ack()
    after_ack(
        body,
        client,
        respond,
        f"{COMMAND} {name}",
        lambda: respond(**subcommand.run(invocation).as_response()),
    )


def register(app: App) -> list[ListenerSpec]:
    app.command(COMMAND)(ritual_command)
    return [ListenerSpec("command", COMMAND, frozenset({"commands"}))]
