"""The answer modal: submit (inline errors, or saved), and the item rows' buttons and menus.

Item buttons stack the item modal on the answer modal (`views.push`, within the click's three
seconds); saving it updates the answer modal underneath with `views.update` guarded by the hash
the answer modal had, so a repeated delivery, or a modal that changed meanwhile, updates
nothing. Choices made right in a row (selects, dates, checkboxes) only need an acknowledgement:
Slack keeps them in the view's state until the answer is submitted.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from core.request_record import REQUEST_RECORD
from handlers.failures import after_ack
from handlers.payloads import BlockActions, ViewSubmission, parse, parse_checked
from handlers.registry import ListenerSpec
from handlers.responses import ack_submission, update_view
from rituals.collect import answer_modal as answering
from rituals.collect import answer_submission as submitting
from rituals.collect.forms.ids import (
    ADD_ITEM_ACTION,
    ANSWER_CALLBACK,
    EDIT_ITEM_ACTION,
    ITEM_CALLBACK,
    ITEM_MENU_ACTION,
    ROW_BLOCK,
    AnswerMeta,
    ItemMeta,
    parse_item_ref,
    parse_menu_choice,
)
from rituals.services import Services


def _answer_modal(click: BlockActions) -> dict[str, Any]:
    """The answer modal a row's button was clicked in, as the domain reads it."""
    modal = click.modal()
    modal.metadata(AnswerMeta.decode)  # refuse metadata this app did not write
    return modal.model_dump()


def _push_item_form(
    ack: Ack,
    body: dict[str, Any],
    click: BlockActions,
    client: WebClient,
    services: Services,
    ref: str | None,
    field_id: str,
) -> None:
    """Stack the item modal on the answer modal: the item `ref`, or a new one of `field_id`."""
    parent, trigger = _answer_modal(click), click.trigger()
    ack()
    after_ack(
        body,
        client,
        None,
        "adding an item" if ref is None else "editing an item",
        lambda: client.views_push(
            trigger_id=trigger, view=answering.item_form(services, click.user_id, parent, ref, field_id)
        ),
    )


def add_item(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """The "Add item" button under an items field (its value: the field)."""
    click = parse(BlockActions, body)
    _push_item_form(ack, body, click, client, services, None, click.action.choice)


def edit_item(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """An item's title button in its row (its value: the item)."""
    click = parse(BlockActions, body)
    field_id, _uid = click.action.decoded(parse_item_ref)
    _push_item_form(ack, body, click, client, services, click.action.choice, field_id)


def item_menu(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """The row's ⋯ menu: edit stacks the item modal; move and remove redraw the answer modal."""
    click = parse(BlockActions, body)
    verb, ref = click.action.decoded(parse_menu_choice)
    if verb == "edit":
        field_id, _uid = parse_item_ref(ref)
        _push_item_form(ack, body, click, client, services, ref, field_id)
        return
    parent = _answer_modal(click)
    ack()

    def redraw() -> None:
        update = answering.change_items(services, click.user_id, parent, verb, ref)
        if update is not None:
            update_view(client, update.view_id, update.hash, update.view)

    after_ack(body, client, None, "changing the items", redraw)


def row_choice(ack: Ack) -> None:
    """Selects, dates and checkboxes inside an item row: Slack reports each change; the value
    stays in the view's state and is read when the answer is submitted."""
    ack()


def save_item(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    submission = parse(ViewSubmission, body)
    submission.view.metadata(ItemMeta.decode)  # refuse metadata this app did not write
    outcome = answering.save_item(services, submission.user_id, submission.view.model_dump())
    ack_submission(ack, outcome.errors)  # closes the item modal; the answer modal is underneath
    if not outcome.errors and (parent := outcome.parent) is not None:
        after_ack(
            body,
            client,
            None,
            "showing the saved item",
            lambda: update_view(client, parent.view_id, parent.hash, parent.view),
        )


def submit(ack: Ack, body: dict[str, Any], context: BoltContext, services: Services) -> None:
    # Every PM at once at a deadline: the body is validated once, by the envelope check.
    submission = parse_checked(ViewSubmission, body, context)
    submission.view.metadata(AnswerMeta.decode)  # refuse metadata this app did not write
    # The view as Slack sent it (validated above), not a copy dumped from the model. Over HTTP,
    # the edge hands over the request's replay record, written with the answer.
    record = context.get(REQUEST_RECORD)
    outcome = submitting.submit_answer(services, submission.user_id, body["view"], record=record)
    if outcome.view is not None and not outcome.errors:
        ack(response_action="update", view=outcome.view)
    else:
        ack_submission(ack, outcome.errors)


def register(app: App) -> list[ListenerSpec]:
    app.view(ANSWER_CALLBACK)(submit)  # first: every PM submits, at a deadline all at once
    app.action(ADD_ITEM_ACTION)(add_item)
    app.action(EDIT_ITEM_ACTION)(edit_item)
    app.action(ITEM_MENU_ACTION)(item_menu)
    app.action({"block_id": ROW_BLOCK})(row_choice)
    app.view(ITEM_CALLBACK)(save_item)
    return [
        ListenerSpec("action", ADD_ITEM_ACTION),
        ListenerSpec("action", EDIT_ITEM_ACTION),
        ListenerSpec("action", ITEM_MENU_ACTION),
        ListenerSpec("action", ROW_BLOCK.pattern),
        ListenerSpec("view", ITEM_CALLBACK),
        ListenerSpec("view", ANSWER_CALLBACK),
    ]
