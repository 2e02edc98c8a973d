"""The owner's preview of a post that needs approval, and what it becomes once decided."""

from __future__ import annotations

from typing import Any

from messaging.gateway import Message
from messaging.layout import compose
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.schema import Audience, RitualDefinition
from storage.models import Publication

APPROVE_ACTION = "publication_approve"
EDIT_ACTION = "publication_edit"
REJECT_ACTION = "publication_reject"
# The preview carries the post's own blocks; the rest of the DM needs room for the frame.
PREVIEW_BLOCKS_MAX = 40
PREVIEW_TEXT_MAX = 9000


def action_value(publication: Publication) -> str:
    """Buttons carry the version they approve, so a stale preview cannot approve newer text."""
    return f"{publication.id}:{publication.version}"


def parse_action_value(value: str) -> tuple[int, int]:
    publication_id, version = value.split(":", 1)
    return int(publication_id), int(version)


def preview_message(definition: RitualDefinition, audience: Audience, publication: Publication) -> Message:
    channels = ", ".join(f"#{mrkdwn_escape(channel)}" for channel in audience.to) or "its webhook"
    why = f" ({mrkdwn_escape(publication.change_note)})" if publication.change_note else ""
    intro = (
        f"*{mrkdwn_escape(definition.name)}*: the *{audience.name}* post for {channels} is waiting for "
        f"your approval{why}. Nothing is posted until an owner approves it."
    )
    split = compose(publication.title, publication.body)
    post_blocks = [
        block for message in split.messages for block in message.blocks if block["type"] == "section"
    ]
    shown: list[dict[str, Any]] = []
    budget = PREVIEW_TEXT_MAX
    for block in post_blocks[:PREVIEW_BLOCKS_MAX]:
        budget -= len(block["text"]["text"])
        if budget < 0:
            break
        shown.append(block)
    blocks: list[dict[str, Any]] = [_section(intro), {"type": "divider"}, *shown]
    if len(post_blocks) > len(shown):
        blocks.append(
            _context(f"The preview shows {len(shown)} of {len(post_blocks)} sections; Edit shows all.")
        )
    blocks += [
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "publication_decision",
            "elements": [
                _button("Approve and post", APPROVE_ACTION, action_value(publication), "primary"),
                _button("Edit", EDIT_ACTION, action_value(publication)),
                _button("Reject", REJECT_ACTION, action_value(publication), "danger"),
            ],
        },
    ]
    return Message(text=f"{definition.name}: the {audience.name} post needs your approval", blocks=blocks)


def decided_preview(definition: RitualDefinition, publication: Publication, outcome: str) -> Message:
    name = mrkdwn_escape(definition.name)
    text = f"*{name}*, {publication.audience} post (version {publication.version}): {outcome}."
    return Message(text=f"{definition.name}: {publication.audience} post decided", blocks=[_section(text)])


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


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
