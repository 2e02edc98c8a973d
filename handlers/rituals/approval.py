"""Owners approve, edit or reject a post that waits for approval (buttons on the preview DM)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from handlers.failures import after_ack
from handlers.payloads import BlockActions, ViewSubmission, parse
from handlers.registry import ListenerSpec
from handlers.responses import ack_submission
from rituals.publish.approval_preview import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION, parse_action_value
from rituals.publish.decisions import EditRefused, approve_post, post_editor, reject_post, save_post_edit
from rituals.publish.post_editor import EDIT_VIEW, EditMeta
from rituals.services import Services


def _decide(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: str,
    decide: Callable[[int, int, str], str],
) -> None:
    """Approve or Reject on a preview (its value: the post and the version it shows)."""
    click = parse(BlockActions, body)
    publication_id, version = click.action.decoded(parse_action_value)
    ack()
    after_ack(
        body,
        client,
        respond,
        context,
        lambda: respond(text=decide(publication_id, version, click.user_id), replace_original=False),
    )


def approve(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services) -> None:
    _decide(ack, body, client, respond, "approving a post", partial(approve_post, services))


def reject(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services) -> None:
    _decide(ack, body, client, respond, "rejecting a post", partial(reject_post, services))


def open_editor(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    click = parse(BlockActions, body)
    publication_id, _version = click.action.decoded(parse_action_value)
    trigger = click.trigger()
    ack()
    after_ack(
        body,
        client,
        respond,
        "opening the post editor",
        lambda: client.views_open(
            trigger_id=trigger, view=post_editor(services, publication_id, click.user_id)
        ),
    )


def save_edit(ack: Ack, body: dict[str, Any], services: Services) -> None:
    submission = parse(ViewSubmission, body)
    meta = submission.view.metadata(EditMeta.decode)
    outcome = save_post_edit(services, meta, submission.view.state.values, submission.user_id)
    if isinstance(outcome, EditRefused):
        ack(response_action="update", view=outcome.view)
    else:
        ack_submission(ack, outcome)


def register(app: App) -> list[ListenerSpec]:
    app.action(APPROVE_ACTION)(approve)
    app.action(REJECT_ACTION)(reject)
    app.action(EDIT_ACTION)(open_editor)
    app.view(EDIT_VIEW)(save_edit)
    return [
        ListenerSpec("action", APPROVE_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", REJECT_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", EDIT_ACTION),
        ListenerSpec("view", EDIT_VIEW),
    ]
