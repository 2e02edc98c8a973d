"""The post editor: the modal in which an owner changes a post that waits for approval.

Slack's text input holds 3,000 characters, so the post is shown split into parts that each fit
(at paragraph, line or word breaks, never inside an escape or a link), and joined again on save.
The editor remembers the version it started from; a save after the post changed (a late
answer) is refused and the editor shows the newer text beside the owner's (`stale_editor_view`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.layout import split_text
from messaging.limits import SECTION_TEXT, TEXT_INPUT
from rituals.publish.publisher import StaleEdit
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
    note = "Slack formatting works here. The edit is posted once approved."
    return _editor(publication.id, publication.version, publication.body, [_context(note)])


def stale_editor_view(publication_id: int, stale: StaleEdit, edit: str) -> JsonDict:
    """The editor again after a refused stale edit: the owner's text still in the boxes, the
    newer version shown above it to merge from, and saving now edits that newer version."""
    why = f" ({stale.change_note})" if stale.change_note else ""
    note = (
        f"*Not saved:* while you were editing, the post changed to version {stale.version}{why}. "
        "Its text is below; bring the change into your edit and save again."
    )
    newer = [
        {"type": "section", "text": {"type": "plain_text", "text": part}}
        for part in split_text(stale.body, SECTION_TEXT)[:EDIT_PARTS_MAX]
    ]
    header = [_context(note), *newer, {"type": "divider"}, _context("*Your edit:*")]
    return _editor(publication_id, stale.version, edit, header)


def _context(text: str) -> JsonDict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _editor(publication_id: int, version: int, body: str, header: list[JsonDict]) -> JsonDict:
    parts = split_text(body, TEXT_INPUT) or [""]
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
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": EditMeta(publication_id, version).encode(),
        "title": {"type": "plain_text", "text": "Edit post"},
        "submit": {"type": "plain_text", "text": "Save for approval"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [*header, *inputs],
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
