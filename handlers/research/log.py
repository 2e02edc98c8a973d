"""The "Log research" modal: opening it (command, Home, message shortcut), its menus, saving it.

The menus are external selects: Slack asks for options as the person types and the answer must
come within Slack's three seconds, so each suggestion is one indexed query. Picking "Add …" in
the contacts menu lays the modal out again with the new person's name and role.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.failures import after_ack
from handlers.payloads import BlockActions, BlockSuggestion, MessageShortcut, ViewSubmission, parse
from handlers.registry import ListenerSpec
from handlers.responses import ack_submission, update_view
from research.home import HOME_LOG_ACTION
from research.log import menus, modal, submission
from research.services import ResearchServices

LOG_SHORTCUT = "research_log_message"


def open_log(research: ResearchServices, client: WebClient, trigger_id: str | None, text: str = "") -> None:
    client.views_open(trigger_id=trigger_id, view=modal.opening_view(research, text))


def log_from_home(ack: Ack, body: dict[str, Any], client: WebClient, research: ResearchServices) -> None:
    trigger = parse(BlockActions, body).trigger()
    ack()
    after_ack(body, client, None, "opening the research log", lambda: open_log(research, client, trigger))


def log_from_message(ack: Ack, body: dict[str, Any], client: WebClient, research: ResearchServices) -> None:
    """The message shortcut: the modal with the message's text as the summary and its link."""
    shortcut = parse(MessageShortcut, body)
    ack()

    def work() -> None:
        try:
            found = client.chat_getPermalink(channel=shortcut.channel.id, message_ts=shortcut.message.ts)
            link = found.get("permalink")
        except SlackApiError:
            link = None  # the link is a convenience; the text is what matters
        summary = modal.summary_from_message(shortcut.message.text)
        view = modal.opening_view(research, summary=summary, link=link)
        client.views_open(trigger_id=shortcut.trigger_id, view=view)

    after_ack(body, client, None, "logging a message as research", work)


def suggest_accounts(ack: Ack, body: dict[str, Any], research: ResearchServices) -> None:
    ack(options=menus.account_options(research, parse(BlockSuggestion, body).value))


def suggest_contacts(ack: Ack, body: dict[str, Any], research: ResearchServices) -> None:
    suggestion = parse(BlockSuggestion, body)
    view = suggestion.view
    account = menus.chosen_account(view.state.values, view.blocks) if view else None
    ack(options=menus.contact_options(research, suggestion.value, account))


def contact_picked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    click = parse(BlockActions, body)
    view = click.modal()
    ack()
    relaid = modal.contact_picked(view.blocks, click.action.choice)
    if relaid is not None:
        after_ack(
            body, client, None, "adding a contact", lambda: update_view(client, view.id, view.hash, relaid)
        )


def submit_log(ack: Ack, body: dict[str, Any], research: ResearchServices) -> None:
    submitted = parse(ViewSubmission, body)
    view = submitted.view
    outcome = submission.submit(research, submitted.user_id, view.id, view.state.values)
    if outcome.errors:
        ack_submission(ack, outcome.errors)
    else:
        ack(response_action="update", view=outcome.view)


def register(app: App) -> list[ListenerSpec]:
    app.action(HOME_LOG_ACTION)(log_from_home)
    app.message_shortcut(LOG_SHORTCUT)(log_from_message)
    app.options(menus.ACCOUNT_ACTION)(suggest_accounts)
    app.options(menus.CONTACT_ACTION)(suggest_contacts)
    app.action(menus.CONTACT_ACTION)(contact_picked)
    app.view(modal.LOG_CALLBACK)(submit_log)
    return [
        ListenerSpec("action", HOME_LOG_ACTION),
        ListenerSpec("shortcut", LOG_SHORTCUT, frozenset({"commands"})),
        ListenerSpec("options", menus.ACCOUNT_ACTION),
        ListenerSpec("options", menus.CONTACT_ACTION),
        ListenerSpec("action", menus.CONTACT_ACTION),
        ListenerSpec("view", modal.LOG_CALLBACK),
    ]
