"""The owner's preview of a post that needs approval, and what it becomes once decided.

The preview shows the whole post, laid out like the post itself: when it does not fit one
message, the parent carries the buttons and the rest of the text follows in its thread, so an
owner never approves text they could not read.
"""

from __future__ import annotations

from typing import Any

from messaging.gateway import Message
from messaging.layout import SplitPost, compose
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.schema import Audience, RitualDefinition
from storage.models import Publication

APPROVE_ACTION = "publication_approve"
EDIT_ACTION = "publication_edit"
REJECT_ACTION = "publication_reject"


def action_value(publication: Publication) -> str:
    """Buttons carry the version they approve, so a stale preview cannot approve newer text."""
    return f"{publication.id}:{publication.version}"


def parse_action_value(value: str) -> tuple[int, int]:
    publication_id, version = value.split(":", 1)
    return int(publication_id), int(version)


def preview_message(definition: RitualDefinition, audience: Audience, publication: Publication) -> SplitPost:
    channels = ", ".join(f"#{mrkdwn_escape(channel)}" for channel in audience.to) or "its webhook"
    why = f" ({mrkdwn_escape(publication.change_note)})" if publication.change_note else ""
    intro = (
        f"*{mrkdwn_escape(definition.name)}*: the *{audience.name}* post for {channels} is waiting for "
        f"your approval{why}. Nothing is posted until an owner approves it."
    )
    decision = {
        "type": "actions",
        "block_id": "publication_decision",
        "elements": [
            _button("Approve and post", APPROVE_ACTION, action_value(publication), "primary"),
            _button("Edit", EDIT_ACTION, action_value(publication)),
            _button("Reject", REJECT_ACTION, action_value(publication), "danger"),
        ],
    }
    return compose(publication.title, publication.body, intro=intro, actions=[decision])


def decided_preview(definition: RitualDefinition, publication: Publication, outcome: str) -> Message:
    name = mrkdwn_escape(definition.name)
    text = f"*{name}*, {publication.audience} post (version {publication.version}): {outcome}."
    return Message(text=f"{definition.name}: {publication.audience} post decided", blocks=[_section(text)])


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button
