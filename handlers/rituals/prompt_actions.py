"""The prompt's buttons: fill in (the answer modal), skip this time, hand off; and their modals.

The same buttons appear on reminders and on the Home tab. Every one acknowledges first and
then opens its modal with the click's trigger, which Slack honours for about three seconds:
nothing slow happens before `views.open`.
"""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.errors import UserFacingError
from handlers.after_ack import after_ack
from handlers.registry import ListenerSpec
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect import answer_modal as answering
from rituals.collect import skip_and_handoff as participation
from rituals.collect.prompts import FILL_ACTION, HANDOFF_ACTION, SKIP_ACTION
from rituals.services import Services

SKIP_VIEW = "prompt_skip_view"
HANDOFF_VIEW = "prompt_handoff_view"
REASON_BLOCK = "reason"
DETAIL_BLOCK = "detail"
PERSON_BLOCK = "person"
VALUE = "value"


def _run_id(body: dict[str, Any]) -> int:
    try:
        return int(body["actions"][0]["value"])
    except (KeyError, IndexError, ValueError):
        raise UserFacingError("That button is out of date; open the check-in from your Home tab.") from None


def _meta_run(view: dict[str, Any]) -> int:
    return int(json.loads(view["private_metadata"])["run"])


def skip_view(run_id: int, ritual_name: str) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for value, label in participation.SKIP_REASONS.items()
    ]
    return {
        "type": "modal",
        "callback_id": SKIP_VIEW,
        "private_metadata": json.dumps({"run": run_id}),
        "title": {"type": "plain_text", "text": "Skip this time"},
        "submit": {"type": "plain_text", "text": "Skip"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"*{mrkdwn_escape(ritual_name)}*: the owners see your reason. "
                        "You can still answer later while it is open.",
                    }
                ],
            },
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Why are you skipping?"},
                "element": {"type": "radio_buttons", "action_id": VALUE, "options": options},
            },
            {
                "type": "input",
                "block_id": DETAIL_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Anything to add?"},
                "hint": {"type": "plain_text", "text": "Needed when you pick Other."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": VALUE,
                    "max_length": participation.REASON_MAX,
                },
            },
        ],
    }


def handoff_view(run_id: int, ritual_name: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": HANDOFF_VIEW,
        "private_metadata": json.dumps({"run": run_id}),
        "title": {"type": "plain_text", "text": "Hand off"},
        "submit": {"type": "plain_text", "text": "Hand off"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"*{mrkdwn_escape(ritual_name)}*: they get their own prompt and reminders, "
                        "and you are done with this one.",
                    }
                ],
            },
            {
                "type": "input",
                "block_id": PERSON_BLOCK,
                "label": {"type": "plain_text", "text": "Who should answer instead?"},
                "element": {"type": "users_select", "action_id": VALUE},
            },
        ],
    }


def register(app: App, services: Services) -> list[ListenerSpec]:
    @app.action(FILL_ACTION)
    def fill_in(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()

        def work() -> None:
            view = answering.open_answer_form(services, _run_id(body), body["user"]["id"])
            client.views_open(trigger_id=body["trigger_id"], view=view)

        after_ack(body, client, respond, "opening the answer form", work)

    @app.action(SKIP_ACTION)
    def open_skip(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()

        def work() -> None:
            run_id = _run_id(body)
            definition = participation.check_can_respond(services, run_id, body["user"]["id"])
            client.views_open(trigger_id=body["trigger_id"], view=skip_view(run_id, definition.name))

        after_ack(body, client, respond, "opening the skip form", work)

    @app.action(HANDOFF_ACTION)
    def open_handoff(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()

        def work() -> None:
            run_id = _run_id(body)
            definition = participation.check_can_respond(services, run_id, body["user"]["id"])
            client.views_open(trigger_id=body["trigger_id"], view=handoff_view(run_id, definition.name))

        after_ack(body, client, respond, "opening the hand-off form", work)

    @app.view(SKIP_VIEW)
    def submit_skip(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        choice = ((values.get(REASON_BLOCK, {}).get(VALUE) or {}).get("selected_option") or {}).get("value")
        detail = (values.get(DETAIL_BLOCK, {}).get(VALUE) or {}).get("value")
        if choice is None:
            ack(response_action="errors", errors={REASON_BLOCK: "Pick a reason."})
            return
        if choice == participation.OTHER and not (detail or "").strip():
            ack(response_action="errors", errors={DETAIL_BLOCK: "Say a few words about why."})
            return
        reason = participation.skip_reason_text(choice, detail)
        try:
            participation.skip_run(services, _meta_run(view), body["user"]["id"], reason)
        except UserFacingError as error:
            ack(response_action="errors", errors={REASON_BLOCK: error.message.replace("*", "")})
            return
        ack()

    @app.view(HANDOFF_VIEW)
    def submit_handoff(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        chosen = (view["state"]["values"].get(PERSON_BLOCK, {}).get(VALUE) or {}).get("selected_user")
        if not chosen:
            ack(response_action="errors", errors={PERSON_BLOCK: "Pick a person."})
            return
        try:
            participation.hand_off_run(services, _meta_run(view), body["user"]["id"], chosen)
        except UserFacingError as error:
            ack(response_action="errors", errors={PERSON_BLOCK: error.message.replace("*", "")})
            return
        ack()

    return [
        ListenerSpec("action", FILL_ACTION),
        ListenerSpec("action", SKIP_ACTION),
        ListenerSpec("action", HANDOFF_ACTION),
        ListenerSpec("view", SKIP_VIEW),
        ListenerSpec("view", HANDOFF_VIEW, frozenset({"users:read"})),
    ]
