"""The post editor: the modal in which an owner changes a post that waits for approval.

Slack's text input holds 3,000 characters, so the post is shown split into parts that each fit
(at paragraph, line or word breaks, never inside an escape or a link), and joined again on save.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.layout import split_text
from messaging.limits import TEXT_INPUT
from storage.models import Publication

EDIT_VIEW = "publication_edit_view"
PART_BLOCK = "part_{}"
PART_ACTION = "text"
# Our own bound: 24 parts of 3,000 characters stay under Slack's 250 kB per view even when every
# character is escaped in the JSON; a longer post is changed in its answers or template instead.
EDIT_PARTS_MAX = 24


@dataclass(frozen=True)
class EditMeta:
    """The editor's private_metadata: which post, and the version the owner started from."""

    publication_id: int
    version: int

    def encode(self) -> str:
        return json.dumps({"publication": self.publication_id, "version": self.version})

    @classmethod
    def decode(cls, text: str) -> EditMeta:
        data = json.loads(text)
        return cls(publication_id=int(data["publication"]), version=int(data["version"]))


def editor_view(publication: Publication) -> JsonDict:
    parts = split_text(publication.body, TEXT_INPUT) or [""]
    if len(parts) > EDIT_PARTS_MAX:
        raise UserFacingError(
            "This post is too long to edit in Slack. Change the answers or the ritual's template instead."
        )
    inputs = [
        {
            "type": "input",
            "block_id": PART_BLOCK.format(number),
            "label": {"type": "plain_text", "text": f"Text (part {number + 1} of {len(parts)})"},
            "element": {
                "type": "plain_text_input",
                "action_id": PART_ACTION,
                "multiline": True,
                "max_length": TEXT_INPUT,
                "initial_value": part,
            },
            "optional": len(parts) > 1,
        }
        for number, part in enumerate(parts)
    ]
    note = "Slack formatting works here. The edit is posted once approved."
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": EditMeta(publication.id, publication.version).encode(),
        "title": {"type": "plain_text", "text": "Edit post"},
        "submit": {"type": "plain_text", "text": "Save for approval"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}, *inputs],
    }


def _part_number(block_id: str) -> int:
    return int(block_id.rsplit("_", 1)[1])


def edited_text(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> str:
    """The parts as submitted, in order, joined into one text ("" when every part is empty)."""
    parts = [
        str(values[block_id].get(PART_ACTION, {}).get("value") or "").strip()
        for block_id in sorted((b for b in values if b.startswith("part_")), key=_part_number)
    ]
    return "\n\n".join(part for part in parts if part)
