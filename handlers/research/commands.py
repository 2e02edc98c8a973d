"""`/research`: help, check, plan, search (with its pages) and log.

Each subcommand parses its text, calls one use case of the research registry and answers
ephemerally; `log` acknowledges first and opens the modal with the command's trigger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.errors import UserFacingError
from core.types import JsonDict
from handlers.failures import after_ack
from handlers.payloads import BlockActions, SlashCommand, parse
from handlers.registry import ListenerSpec
from handlers.research.log import open_log
from messaging.mrkdwn import mrkdwn_escape
from research import outreach
from research.results import SEARCH_PAGE_ACTIONS, parse_pager_value, search_reply
from research.search import find, parse_query
from research.services import ResearchServices
from research.views import COMMAND, check_reply, help_reply, plan_reply

Answer = tuple[str, list[JsonDict]]


def _target(text: str, usage: str) -> str:
    if not text.strip():
        raise UserFacingError(f"Usage: `{COMMAND} {usage}`")
    return text


def _check(research: ResearchServices, text: str) -> Answer:
    return check_reply(outreach.check(research, _target(text, "check ACCOUNT|EMAIL")))


def _plan(research: ResearchServices, text: str) -> Answer:
    return plan_reply(outreach.check(research, _target(text, "plan ACCOUNT|EMAIL")))


def search_answer(research: ResearchServices, text: str, offset: int = 0) -> Answer:
    if parse_query(text).empty:
        return help_reply(f"Say what to search for: `{COMMAND} search onboarding tag:pricing`")
    return search_reply(text, find(research, text, offset))


SUBCOMMANDS: dict[str, Callable[[ResearchServices, str], Answer]] = {
    "check": _check,
    "plan": _plan,
    "search": search_answer,
}


def _ephemeral(answer: Answer) -> JsonDict:
    text, blocks = answer
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def research_command(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, research: ResearchServices
) -> None:
    command = parse(SlashCommand, body)
    name, _, rest = command.text.strip().partition(" ")
    name = name.lower() or "help"
    if name == "log":
        ack()
        after_ack(
            body,
            client,
            respond,
            "opening the research log",
            lambda: open_log(research, client, command.trigger_id, rest),
        )
        return
    run = SUBCOMMANDS.get(name)
    if name == "help":
        ack(**_ephemeral(help_reply()))
    elif run is None:
        note = f"I don't know `{COMMAND} {mrkdwn_escape(name)}`. Here is what I can do:"
        ack(**_ephemeral(help_reply(note)))
    else:
        ack(**_ephemeral(run(research, rest)))


def search_page(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, research: ResearchServices
) -> None:
    """Previous / Next under search results: the same query, another page, in place."""
    query, offset = parse(BlockActions, body).action.decoded(parse_pager_value)
    ack()

    def work() -> None:
        text, blocks = search_answer(research, query, offset)
        respond(text=text, blocks=blocks, replace_original=True)

    after_ack(body, client, respond, "turning a page of research results", work)


def register(app: App) -> list[ListenerSpec]:
    app.command(COMMAND)(research_command)
    app.action(SEARCH_PAGE_ACTIONS)(search_page)
    return [
        ListenerSpec("command", COMMAND, frozenset({"commands"})),
        ListenerSpec("action", SEARCH_PAGE_ACTIONS.pattern),
    ]
