"""The answer modal: submit (inline errors, or saved), and the item rows' buttons and menus.

Item buttons stack the item modal on the answer modal (`views.push`, within the click's three
seconds); saving it updates the answer modal underneath with `views.update` guarded by the hash
the answer modal had, so a repeated delivery, or a modal that changed meanwhile, updates
nothing. Choices made right in a row (selects, dates, checkboxes) only need an acknowledgement:
Slack keeps them in the view's state until the answer is submitted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.after_ack import after_ack, update_view
from handlers.registry import ListenerSpec
from rituals.collect import answer_modal as answering
from rituals.collect.forms.ids import (
    ADD_ITEM_ACTION,
    ANSWER_CALLBACK,
    EDIT_ITEM_ACTION,
    ITEM_CALLBACK,
    ITEM_MENU_ACTION,
    ROW_BLOCK,
    parse_item_ref,
)
from rituals.services import Services


def register(app: App, services: Services) -> list[ListenerSpec]:
    @app.action(ADD_ITEM_ACTION)
    def add_item(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def work() -> None:
            view = answering.item_form(
                services, body["user"]["id"], body["view"], None, body["actions"][0]["value"]
            )
            client.views_push(trigger_id=body["trigger_id"], view=view)

        after_ack(body, client, None, "adding an item", work)

    @app.action(EDIT_ITEM_ACTION)
    def edit_item(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def work() -> None:
            ref = body["actions"][0]["value"]
            field_id, _uid = parse_item_ref(ref)
            view = answering.item_form(services, body["user"]["id"], body["view"], ref, field_id)
            client.views_push(trigger_id=body["trigger_id"], view=view)

        after_ack(body, client, None, "editing an item", work)

    @app.action(ITEM_MENU_ACTION)
    def item_menu(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()

        def work() -> None:
            verb, _, ref = (body["actions"][0].get("selected_option") or {}).get("value", "").partition("|")
            user = body["user"]["id"]
            if verb == "edit":
                field_id, _uid = parse_item_ref(ref)
                view = answering.item_form(services, user, body["view"], ref, field_id)
                client.views_push(trigger_id=body["trigger_id"], view=view)
                return
            update = answering.change_items(services, user, body["view"], verb, ref)
            if update is not None:
                update_view(client, update.view_id, update.hash, update.view)

        after_ack(body, client, None, "changing the items", work)

    # Selects, dates and checkboxes inside an item row: Slack reports each change; the value
    # stays in the view's state and is read when the answer is submitted.
    @app.action({"block_id": ROW_BLOCK})
    def row_choice(ack: Ack) -> None:
        ack()

    @app.view(ITEM_CALLBACK)
    def save_item(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        outcome = answering.save_item(services, body["user"]["id"], view)
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
            return
        ack()  # closes the item modal; the answer modal is underneath
        if outcome.parent is not None:
            parent = outcome.parent
            after_ack(
                body,
                client,
                None,
                "showing the saved item",
                lambda: update_view(client, parent.view_id, parent.hash, parent.view),
            )

    @app.view(ANSWER_CALLBACK)
    def submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        outcome = answering.submit_answer(services, body["user"]["id"], view)
        if outcome.errors:
            ack(response_action="errors", errors=outcome.errors)
        elif outcome.view is not None:
            ack(response_action="update", view=outcome.view)
        else:
            ack()

    return [
        ListenerSpec("action", ADD_ITEM_ACTION),
        ListenerSpec("action", EDIT_ITEM_ACTION),
        ListenerSpec("action", ITEM_MENU_ACTION),
        ListenerSpec("action", ROW_BLOCK.pattern),
        ListenerSpec("view", ITEM_CALLBACK),
        ListenerSpec("view", ANSWER_CALLBACK),
    ]
