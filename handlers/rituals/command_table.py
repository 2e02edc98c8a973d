"""The `/ritual` subcommands as a table: each one small function, its help line beside it.

`/ritual help` and the answer to an unknown subcommand are generated from the table, so they
never drift from what the command does.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from core.errors import UserFacingError
from core.types import JsonDict
from insights.services import Insights
from messaging.layout import cut_to_fit, one_message
from messaging.limits import SECTION_TEXT
from messaging.mrkdwn import mrkdwn_escape
from messaging.replies import HelpEntry, help_blocks, help_text
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.services import Services

COMMAND = "/ritual"
PRODUCT = "ritualbot"
INTRO = (
    "*ritualbot* runs your product rituals: it asks every PM the same questions on a cadence, "
    "chases only those who have not answered, and compiles the answers for leaders, sales and marketing."
)


@dataclass(frozen=True)
class Invocation:
    user_id: str
    channel_id: str
    args: list[str]
    services: Services
    # Key results and metrics, for `/ritual okrs`.
    insights: Insights


@dataclass(frozen=True)
class Reply:
    text: str
    blocks: list[JsonDict] = field(default_factory=list)

    def as_response(self) -> JsonDict:
        body: JsonDict = {"response_type": "ephemeral", "text": self.text}
        if self.blocks:
            body["blocks"] = self.blocks
        return body


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: HelpEntry
    run: Callable[[Invocation], Reply]
    # Slow subcommands (they call Slack or open runs) are acknowledged at once and answer
    # through `response_url`, because Slack gives up on an acknowledgement after 3 seconds.
    slow: bool = False


class CommandTable:
    def __init__(self, subcommands: Iterable[Subcommand] = ()) -> None:
        self._subcommands: dict[str, Subcommand] = {}
        for subcommand in subcommands:
            self.add(subcommand)

    def add(self, subcommand: Subcommand) -> None:
        if subcommand.name in self._subcommands:
            raise ValueError(f"subcommand {subcommand.name!r} registered twice")
        self._subcommands[subcommand.name] = subcommand

    def get(self, name: str) -> Subcommand | None:
        return self._subcommands.get(name)

    def helps(self) -> list[HelpEntry]:
        return [sub.help for sub in self._subcommands.values()]

    def help_reply(self, note: str | None = None) -> Reply:
        return Reply(
            text=help_text(COMMAND, PRODUCT, self.helps()),
            blocks=help_blocks(COMMAND, INTRO, self.helps(), note=note),
        )

    def unknown_reply(self, typed: str) -> Reply:
        """The help, under a line saying what was not understood."""
        what = cut_to_fit(mrkdwn_escape(typed), SECTION_TEXT // 2)
        return self.help_reply(note=f"I don't know `{COMMAND} {what}`. Here is what I can do:")


def parse_arguments(text: str) -> list[str]:
    """Split like a shell, so quoted reasons stay one argument; fall back to spaces on bad quoting."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def lines_reply(lines: list[str]) -> Reply:
    """mrkdwn paragraphs as one ephemeral message (an answer to a command cannot continue)."""
    return Reply(text=lines[0].replace("*", "") if lines else "", blocks=one_message(lines))


# A use case for a named ritual: (services, the ritual, who asks) → what to say, or its lines.
RitualUseCase = Callable[[Services, RitualDefinition, str], str | list[str]]


def ritual_subcommand(name: str, summary: str, use_case: RitualUseCase, *, slow: bool = False) -> Subcommand:
    """`/ritual NAME RITUAL`, for owners and admins: the use case's answer, ephemerally."""
    usage = f"{name} RITUAL"

    def run(invocation: Invocation) -> Reply:
        said = use_case(invocation.services, ritual_argument(invocation, usage), invocation.user_id)
        return Reply(said) if isinstance(said, str) else lines_reply(said)

    return Subcommand(name, HelpEntry(usage, summary, restricted=True), run, slow=slow)


def ritual_argument(invocation: Invocation, usage: str) -> RitualDefinition:
    """The ritual named by the first argument; a usage line listing the rituals when there is none."""
    library = invocation.services.library
    if not invocation.args:
        known = ", ".join(f"`{ritual_id}`" for ritual_id in library.ids())
        raise UserFacingError(f"Usage: `{COMMAND} {usage}`. Rituals: {known}.")
    try:
        return library.get(invocation.args[0])
    except UnknownRitual as error:
        raise UserFacingError(mrkdwn_escape(str(error))) from error
