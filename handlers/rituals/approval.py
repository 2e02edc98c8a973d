"""Owners approve, edit or reject a post that waits for approval (buttons on the preview DM)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.errors import UserFacingError
from handlers.failures import text_or_failure
from handlers.registry import ListenerSpec
from messaging.layout import split_text
from rituals.publish.approval import APPROVE_ACTION, EDIT_ACTION, REJECT_ACTION, parse_action_value
from rituals.publish.publisher import Publisher
from rituals.schedule import controls
from rituals.services import Services
from storage.models import Publication, Run

EDIT_VIEW = "publication_edit_view"
PART_BLOCK = "part_{}"
PART_ACTION = "text"
PART_MAX = 3000
EDIT_PARTS_MAX = 24


def _manager_check(services: Services, publication_id: int, user_id: str) -> Publication:
    with services.session_factory() as session:
        publication = session.get(Publication, publication_id)
        if publication is None:
            raise UserFacingError("That post no longer exists.")
        run = session.get(Run, publication.run_id)
        assert run is not None
        controls.require_manager(services.library.get(run.ritual_id), user_id, services.admins)
        return publication


def edit_view(publication: Publication) -> dict[str, Any]:
    parts = split_text(publication.body, PART_MAX) or [""]
    if len(parts) > EDIT_PARTS_MAX:
        raise UserFacingError(
            "This post is too long to edit in Slack. Change the answers or the ritual's template instead."
        )
    blocks = [
        {
            "type": "input",
            "block_id": PART_BLOCK.format(number),
            "label": {"type": "plain_text", "text": f"Text (part {number + 1} of {len(parts)})"},
            "element": {
                "type": "plain_text_input",
                "action_id": PART_ACTION,
                "multiline": True,
                "max_length": PART_MAX,
                "initial_value": part,
            },
            "optional": len(parts) > 1,
        }
        for number, part in enumerate(parts)
    ]
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": json.dumps({"publication": publication.id, "version": publication.version}),
        "title": {"type": "plain_text", "text": "Edit post"},
        "submit": {"type": "plain_text", "text": "Save for approval"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Slack formatting works here. The edit is posted once approved.",
                    }
                ],
            },
            *blocks,
        ],
    }


def register(app: App, services: Services, publisher: Publisher) -> list[ListenerSpec]:
    def decide(body: dict[str, Any], approve: bool) -> str:
        publication_id, version = parse_action_value(body["actions"][0]["value"])
        user = body["user"]["id"]
        _manager_check(services, publication_id, user)
        now = services.clock.now()
        with services.session_factory.begin() as session:
            if approve:
                publication = publisher.approve(session, publication_id, version, user, now)
                return f"Approved: the {publication.audience} post goes out now."
            publication = publisher.reject(session, publication_id, version, user, now)
            return f"Rejected: the {publication.audience} post will not be posted."

    def decision_listener(approve: bool) -> Callable[[Ack, dict[str, Any], Respond], None]:
        def listener(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
            ack()
            what = "approving a post" if approve else "rejecting a post"
            respond(text=text_or_failure(lambda: decide(body, approve), what), replace_original=False)

        return listener

    app.action(APPROVE_ACTION)(decision_listener(True))
    app.action(REJECT_ACTION)(decision_listener(False))

    @app.action(EDIT_ACTION)
    def open_editor(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()

        def work() -> str:
            publication_id, _ = parse_action_value(body["actions"][0]["value"])
            publication = _manager_check(services, publication_id, body["user"]["id"])
            client.views_open(trigger_id=body["trigger_id"], view=edit_view(publication))
            return ""

        if message := text_or_failure(work, "opening the post editor"):
            respond(text=message, response_type="ephemeral", replace_original=False)

    @app.view(EDIT_VIEW)
    def save_edit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view["private_metadata"])
        values = view["state"]["values"]
        parts = [
            (values[block_id][PART_ACTION].get("value") or "").strip()
            for block_id in sorted(values, key=lambda b: int(b.rsplit("_", 1)[1]))
        ]
        text = "\n\n".join(part for part in parts if part)
        if not text:
            ack(response_action="errors", errors={PART_BLOCK.format(0): "The post cannot be empty."})
            return
        user = body["user"]["id"]
        _manager_check(services, meta["publication"], user)
        with services.session_factory.begin() as session:
            publisher.edit(session, meta["publication"], text, user, services.clock.now())
        ack()

    return [
        ListenerSpec("action", APPROVE_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", REJECT_ACTION, frozenset({"chat:write"})),
        ListenerSpec("action", EDIT_ACTION),
        ListenerSpec("view", EDIT_VIEW),
    ]
