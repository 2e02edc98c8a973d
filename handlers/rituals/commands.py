"""The `/ritual` slash command: parse the subcommand, run it, answer ephemerally.

Each subcommand is one small function in a table; `/ritual help` and the answer to an unknown
subcommand are generated from that table.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, Respond

from handlers.failures import describe_failure
from handlers.registry import ListenerSpec
from handlers.rituals.help import SubcommandHelp, help_blocks, help_text
from rituals.services import Services

COMMAND = "/ritual"


@dataclass(frozen=True)
class Invocation:
    user_id: str
    channel_id: str
    args: list[str]
    services: Services


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_response(self) -> dict[str, Any]:
        body: dict[str, Any] = {"response_type": "ephemeral", "text": self.text}
        if self.blocks:
            body["blocks"] = self.blocks
        return body


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: SubcommandHelp
    run: Callable[[Invocation], Reply]
    # Slow subcommands (they call Slack or open runs) are acknowledged at once and answer
    # through `response_url`, because Slack gives up on an acknowledgement after 3 seconds.
    slow: bool = False


class CommandTable:
    def __init__(self) -> None:
        self._subcommands: dict[str, Subcommand] = {}

    def add(self, subcommand: Subcommand) -> None:
        if subcommand.name in self._subcommands:
            raise ValueError(f"subcommand {subcommand.name!r} registered twice")
        self._subcommands[subcommand.name] = subcommand

    def get(self, name: str) -> Subcommand | None:
        return self._subcommands.get(name)

    def helps(self) -> list[SubcommandHelp]:
        return [sub.help for sub in self._subcommands.values()]

    def help_reply(self, note: str | None = None) -> Reply:
        return Reply(
            text=help_text(COMMAND, self.helps()), blocks=help_blocks(COMMAND, self.helps(), note=note)
        )


def parse_arguments(text: str) -> list[str]:
    """Split like a shell, so quoted reasons stay one argument; fall back to spaces on bad quoting."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def register(app: App, services: Services, table: CommandTable) -> list[ListenerSpec]:
    table.add(
        Subcommand(
            name="help",
            help=SubcommandHelp("help", "show this message"),
            run=lambda _invocation: table.help_reply(),
        )
    )

    @app.command(COMMAND)
    def ritual_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        args = parse_arguments(command.get("text") or "")
        name = args[0].lower() if args else "help"
        subcommand = table.get(name)
        if subcommand is None:
            ack(
                table.help_reply(
                    note=f"I don't know `{COMMAND} {args[0]}`. Here is what I can do:"
                ).as_response()
            )
            return
        invocation = Invocation(
            user_id=command["user_id"],
            channel_id=command.get("channel_id", ""),
            args=args[1:],
            services=services,
        )
        if subcommand.slow:
            ack()
            try:
                reply = subcommand.run(invocation)
            except Exception as error:  # see handlers/failures.py: after ack, errors are ours to report
                reply = Reply(describe_failure(error, f"{COMMAND} {name}"))
            respond(**reply.as_response())
        else:
            ack(subcommand.run(invocation).as_response())

    return [ListenerSpec("command", COMMAND, frozenset({"commands"}))]
