"""`/ritual list|status|close|history|nudge`, and the owners' Nudge / Close now on the Home tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from core.errors import UserFacingError
from handlers.after_ack import after_ack
from handlers.home import HomeTab
from handlers.registry import ListenerSpec
from handlers.rituals.commands import CommandTable, Invocation, Reply, Subcommand
from handlers.rituals.help import SubcommandHelp
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.home import HOME_CLOSE_ACTION, HOME_NUDGE_ACTION
from rituals.runs import admin as run_admin
from rituals.services import Services

SECTION_MAX = 3000
REPLY_BLOCKS_MAX = 45

# close_now / nudge_now: (services, ritual, who, run id) -> what happened, for the person.
RunAction = Callable[[Services, RitualDefinition, str, int | None], str]


def lines_reply(lines: list[str]) -> Reply:
    """mrkdwn paragraphs packed into sections that fit one ephemeral message."""
    sections: list[str] = []
    for line in lines:
        line = line[:SECTION_MAX]
        if sections and len(sections[-1]) + 1 + len(line) <= SECTION_MAX:
            sections[-1] += "\n" + line
        else:
            sections.append(line)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}} for text in sections[:REPLY_BLOCKS_MAX]
    ]
    if len(sections) > REPLY_BLOCKS_MAX:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": "_…and more._"}]})
    return Reply(text=lines[0].replace("*", "") if lines else "", blocks=blocks)


def _ritual(invocation: Invocation, usage: str) -> RitualDefinition:
    library = invocation.services.library
    if not invocation.args:
        known = ", ".join(f"`{ritual_id}`" for ritual_id in library.ids())
        raise UserFacingError(f"Usage: `/ritual {usage}`. Rituals: {known}.")
    try:
        return library.get(invocation.args[0])
    except UnknownRitual as error:
        raise UserFacingError(mrkdwn_escape(str(error))) from error


def _list(invocation: Invocation) -> Reply:
    return lines_reply(run_admin.list_text(invocation.services, invocation.user_id))


def _status(invocation: Invocation) -> Reply:
    definition = _ritual(invocation, "status RITUAL")
    return lines_reply(run_admin.status_text(invocation.services, definition, invocation.user_id))


def _history(invocation: Invocation) -> Reply:
    definition = _ritual(invocation, "history RITUAL")
    return lines_reply(run_admin.history_text(invocation.services, definition, invocation.user_id))


def _close(invocation: Invocation) -> Reply:
    definition = _ritual(invocation, "close RITUAL")
    return Reply(run_admin.close_now(invocation.services, definition, invocation.user_id))


def _nudge(invocation: Invocation) -> Reply:
    definition = _ritual(invocation, "nudge RITUAL")
    return Reply(run_admin.nudge_now(invocation.services, definition, invocation.user_id))


def register(app: App, services: Services, table: CommandTable, home: HomeTab) -> list[ListenerSpec]:
    table.add(
        Subcommand("list", SubcommandHelp("list", "every ritual, what is open and your part in it"), _list)
    )
    table.add(
        Subcommand(
            "status", SubcommandHelp("status RITUAL", "who answered, skipped or is missing", True), _status
        )
    )
    table.add(
        Subcommand("history", SubcommandHelp("history RITUAL", "past runs and participation", True), _history)
    )
    # Closing compiles the answers (on_close hooks): answer through response_url.
    table.add(
        Subcommand("close", SubcommandHelp("close RITUAL", "close the open run now", True), _close, slow=True)
    )
    table.add(
        Subcommand(
            "nudge", SubcommandHelp("nudge RITUAL", "remind everyone who has not answered", True), _nudge
        )
    )

    def home_action(body: dict[str, Any], client: WebClient, act: RunAction, context: str) -> None:
        user = body["user"]["id"]

        def work() -> None:
            run_id = int(body["actions"][0]["value"])
            definition = run_admin.ritual_of_run(services, run_id)
            try:
                notice = act(services, definition, user, run_id)
            except UserFacingError as error:
                notice = error.message
            home.publish(client, user, notice=notice)

        after_ack(body, client, None, context, work)

    @app.action(HOME_NUDGE_ACTION)
    def nudge_from_home(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        home_action(body, client, run_admin.nudge_now, "nudging from Home")

    @app.action(HOME_CLOSE_ACTION)
    def close_from_home(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        home_action(body, client, run_admin.close_now, "closing from Home")

    return [
        ListenerSpec("action", HOME_NUDGE_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", HOME_CLOSE_ACTION, frozenset({"chat:write"})),
    ]
