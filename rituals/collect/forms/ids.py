"""The names the form's views use for their blocks, actions and metadata, in one place.

Block ids double as the keys of ``view.state.values``, so they are chosen to be read back:

* a top-level field's input block is the field id (``risks``);
* an item row is ``<field>.<uid>.<rev>``: ``uid`` names the item for as long as the modal is
  open, and ``rev`` changes when the item was edited in its own modal, because Slack keeps what
  the user picked in a block whose id survives an update and would show the old choice;
* a key result's inputs in a ``key_results`` field are ``<field>:<key result id>:<part>``
  (``value``, ``confidence``, ``comment``); a colon never appears in a field or row id;
* other blocks start with ``_`` (field ids cannot), so they never collide with a field.

Action ids of the buttons start with ``@`` for the same reason; the elements inside an item row
are named by their sub-field id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from messaging.limits import PRIVATE_METADATA

ANSWER_CALLBACK = "ritual_answer"
ITEM_CALLBACK = "ritual_item"
VALUE_ACTION = "value"
ADD_ITEM_ACTION = "@add_item"
EDIT_ITEM_ACTION = "@edit_item"
ITEM_MENU_ACTION = "@item_menu"
NOTE_BLOCK = "_note"

ROW_BLOCK = re.compile(r"^(?P<field>[a-z][a-z0-9_]*)\.(?P<uid>[A-Za-z0-9]+)\.(?P<rev>\d+)$")


def row_block(field_id: str, uid: str, rev: int) -> str:
    return f"{field_id}.{uid}.{rev}"


def heading_block(field_id: str) -> str:
    return f"_head.{field_id}"


def add_block(field_id: str) -> str:
    return f"_add.{field_id}"


def key_result_block(field_id: str, key_result_id: str, part: str) -> str:
    return f"{field_id}:{key_result_id}:{part}"


def key_result_heading_block(field_id: str, key_result_id: str) -> str:
    return f"_kr.{field_id}:{key_result_id}"


def more_block(field_id: str) -> str:
    return f"_more.{field_id}"


def item_ref(field_id: str, uid: str) -> str:
    """What the item's buttons carry: which item of which field."""
    return f"{field_id}.{uid}"


def parse_item_ref(value: str) -> tuple[str, str]:
    field_id, _, uid = value.partition(".")
    if not field_id or not uid:
        raise ValueError(f"not an item reference: {value!r}")
    return field_id, uid


MENU_VERBS = ("edit", "up", "down", "remove")


def menu_choice(verb: str, ref: str) -> str:
    """What an option of an item's ⋯ menu carries: what to do, to which item."""
    return f"{verb}|{ref}"


def parse_menu_choice(value: str) -> tuple[str, str]:
    verb, _, ref = value.partition("|")
    if verb not in MENU_VERBS:
        raise ValueError(f"not an item menu choice: {value!r}")
    parse_item_ref(ref)
    return verb, ref


@dataclass(frozen=True)
class AnswerMeta:
    """The answer modal's private_metadata: which run, which draft, and which revision it shows."""

    run_id: int
    token: str
    revision: int

    def encode(self) -> str:
        return _encode({"r": self.run_id, "t": self.token, "v": self.revision})

    @classmethod
    def decode(cls, text: str) -> AnswerMeta:
        data = json.loads(text)
        return cls(run_id=int(data["r"]), token=str(data["t"]), revision=int(data["v"]))


@dataclass(frozen=True)
class ItemMeta:
    """The item modal's private_metadata: the draft, the item (None: a new one) and the answer
    modal underneath, with the hash it had, so saving the item can update it safely."""

    token: str
    field_id: str
    uid: str | None
    parent_view_id: str
    parent_hash: str | None

    def encode(self) -> str:
        return _encode(
            {
                "t": self.token,
                "f": self.field_id,
                "u": self.uid,
                "p": self.parent_view_id,
                "h": self.parent_hash,
            }
        )

    @classmethod
    def decode(cls, text: str) -> ItemMeta:
        data = json.loads(text)
        return cls(
            token=str(data["t"]),
            field_id=str(data["f"]),
            uid=None if data.get("u") is None else str(data["u"]),
            parent_view_id=str(data["p"]),
            parent_hash=None if data.get("h") is None else str(data["h"]),
        )


def _encode(data: dict[str, Any]) -> str:
    text = json.dumps(data, separators=(",", ":"))
    if len(text) > PRIVATE_METADATA:  # ids only, so this would be a bug, not user input
        raise ValueError("private_metadata is longer than Slack's 3,000 characters")
    return text
