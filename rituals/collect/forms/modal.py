"""The answer modal and the item modal, as Block Kit views.

The answer modal has one input per field. An ``items`` field (roadmap items, key results, ...)
is a heading, **one row per item** and an "Add item" button, which is exactly the
``max_items + 2`` blocks the ritual's definition budgets for it, so any valid ritual fits in
Slack's 100 blocks. A row is an actions block::

    [✎ Payments API v2] [Now ▾] [In progress ▾] [📅 31 Mar] [☑ Customer-shareable] [⋯]

The choices (selects, dates, people, checkboxes) are edited right in the row, so a PM whose
eight items mostly changed status updates them without leaving the modal. The text parts
(title, link, numbers, long text) are edited by clicking the title, which stacks the item modal:
labelled inputs for every part of that one item, with inline errors. The ``⋯`` menu edits,
moves or removes the item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.types import JsonDict
from messaging.layout import cut_to_fit
from messaging.limits import (
    ACTIONS_ELEMENTS,
    BUTTON_TEXT,
    CONTEXT_ELEMENTS,
    CONTEXT_TEXT,
    MODAL_TITLE,
    SECTION_TEXT,
    VIEW_BLOCKS,
)
from messaging.mrkdwn import mrkdwn_escape
from rituals.collect.forms.draft import DraftItem, FormDraft
from rituals.collect.forms.elements import element, format_number, input_block, plain
from rituals.collect.forms.ids import (
    ADD_ITEM_ACTION,
    ANSWER_CALLBACK,
    EDIT_ITEM_ACTION,
    ITEM_CALLBACK,
    ITEM_MENU_ACTION,
    NOTE_BLOCK,
    AnswerMeta,
    ItemMeta,
    add_block,
    heading_block,
    item_ref,
    menu_choice,
    row_block,
)
from rituals.collect.forms.key_result_inputs import KeyResultsAsked, key_result_blocks
from rituals.definition.schema import FormField, RitualDefinition

# Parts of an item that fit in its row; the rest is edited in the item modal.
ROW_TYPES = frozenset({"select", "date", "user", "checkbox"})
# An actions block's elements: the title button and the menu take two.
ROW_PARTS_MAX = ACTIONS_ELEMENTS - 2

# Where an item needs attention: {(items field id, uid): "check Status"}, or
# {(items field id, ""): "add at least one item"} for the field as a whole.
Attention = Mapping[tuple[str, str], str]


def title_field(items_field: FormField) -> FormField | None:
    """The sub-field that names an item: ``title`` if there is one, else the first text field."""
    subs = items_field.item or []
    named = next((sub for sub in subs if sub.id == "title"), None)
    return named or next((sub for sub in subs if sub.type in ("text", "long_text")), None)


def row_fields(items_field: FormField) -> list[FormField]:
    """The sub-fields edited right in an item's row."""
    title = title_field(items_field)
    subs = [sub for sub in items_field.item or [] if sub.type in ROW_TYPES and sub is not title]
    return subs[:ROW_PARTS_MAX]


def item_summary(items_field: FormField, values: Mapping[str, Any]) -> str:
    """The title button's text: the title, plus numbers and a link marker, in 75 characters."""
    title = title_field(items_field)
    name = str(values.get(title.id) or "").strip() if title else ""
    parts = [name or "(untitled)"]
    shown = {sub.id for sub in row_fields(items_field)} | ({title.id} if title else set())
    for sub in items_field.item or []:
        value = values.get(sub.id)
        if sub.id in shown or value in (None, "", []):
            continue
        if sub.type == "number":
            parts.append(format_number(value) or str(value))
        elif sub.type == "url":
            parts.append("🔗")
    text = "✎ " + " · ".join(parts)
    return cut_to_fit(text, BUTTON_TEXT)


def _menu(items_field: FormField, item: DraftItem, index: int, count: int) -> JsonDict:
    ref = item_ref(items_field.id, item.uid)
    choices = [("edit", "Edit…")]
    if index > 0:
        choices.append(("up", "Move up"))
    if index < count - 1:
        choices.append(("down", "Move down"))
    choices.append(("remove", "Remove"))
    return {
        "type": "overflow",
        "action_id": ITEM_MENU_ACTION,
        "options": [{"text": plain(text), "value": menu_choice(verb, ref)} for verb, text in choices],
    }


def item_row(
    items_field: FormField, item: DraftItem, index: int, count: int, attention: str | None
) -> JsonDict:
    button: JsonDict = {
        "type": "button",
        "action_id": EDIT_ITEM_ACTION,
        "text": plain(("⚠ " if attention else "") + item_summary(items_field, item.values), BUTTON_TEXT),
        "value": item_ref(items_field.id, item.uid),
    }
    if attention:
        button["style"] = "danger"
    parts = [
        element(sub, item.values.get(sub.id), action_id=sub.id, placeholder=sub.label)
        for sub in row_fields(items_field)
    ]
    return {
        "type": "actions",
        "block_id": row_block(items_field.id, item.uid, item.rev),
        "elements": [button, *parts, _menu(items_field, item, index, count)],
    }


def _heading(items_field: FormField, count: int, attention: Attention) -> JsonDict:
    lines = [f"*{mrkdwn_escape(items_field.label)}*" + ("" if not items_field.optional else " _(optional)_")]
    if items_field.hint:
        lines.append(mrkdwn_escape(items_field.hint))
    if count == 0:
        lines.append("_No items yet._")
    elif count >= items_field.max_items:
        lines.append(f"_That is the most this form takes ({items_field.max_items})._")
    else:
        lines.append("_Change choices right in a row; click an item's name to edit its text._")
    if (whole := attention.get((items_field.id, ""))) is not None:
        lines.append(f"⚠ {mrkdwn_escape(whole)}")
    if any(key[0] == items_field.id and key[1] for key in attention):
        lines.append("⚠ Fix the items marked ⚠ (click them to see what is missing), or remove them.")
    text = cut_to_fit("\n".join(lines), SECTION_TEXT)
    return {
        "type": "section",
        "block_id": heading_block(items_field.id),
        "text": {"type": "mrkdwn", "text": text},
    }


def _add_button(items_field: FormField) -> JsonDict:
    return {
        "type": "actions",
        "block_id": add_block(items_field.id),
        "elements": [
            {
                "type": "button",
                "action_id": ADD_ITEM_ACTION,
                "text": plain("+ Add item"),
                "value": items_field.id,
            }
        ],
    }


def items_blocks(
    items_field: FormField, entries: Sequence[DraftItem], attention: Attention
) -> list[JsonDict]:
    blocks = [_heading(items_field, len(entries), attention)]
    for index, item in enumerate(entries):
        blocks.append(
            item_row(items_field, item, index, len(entries), attention.get((items_field.id, item.uid)))
        )
    if len(entries) < items_field.max_items:
        blocks.append(_add_button(items_field))
    return blocks


def _title(text: str) -> JsonDict:
    return plain(text, MODAL_TITLE)


def answer_view(
    definition: RitualDefinition,
    draft: FormDraft,
    meta: AnswerMeta,
    *,
    notes: Sequence[str] = (),
    attention: Attention | None = None,
    submit: str = "Submit",
    key_results: KeyResultsAsked | None = None,
) -> JsonDict:
    """The answer modal for ``draft``. ``notes`` are mrkdwn lines shown on top (the deadline, a
    late warning); callers escape what they interpolate. ``key_results`` says what each
    ``key_results`` field asks this person."""
    attention = attention or {}
    asked = key_results or KeyResultsAsked()
    blocks: list[JsonDict] = []
    for form_field in definition.form:
        if form_field.type == "items":
            blocks += items_blocks(form_field, draft.entries(form_field.id), attention)
        elif form_field.type == "key_results":
            blocks += key_result_blocks(form_field, asked.prompts.get(form_field.id, ()), asked.levels)
        else:
            blocks.append(input_block(form_field, draft.fields.get(form_field.id), form_field.id))
    # The definition guarantees the fields fit; the note is the one block that may give way.
    if notes and len(blocks) < VIEW_BLOCKS:
        note = {
            "type": "context",
            "block_id": NOTE_BLOCK,
            "elements": [
                {"type": "mrkdwn", "text": cut_to_fit(line, CONTEXT_TEXT)}
                for line in notes[:CONTEXT_ELEMENTS]
            ],
        }
        blocks.insert(0, note)
    return {
        "type": "modal",
        "callback_id": ANSWER_CALLBACK,
        "title": _title(definition.title),
        "submit": plain(submit, MODAL_TITLE),
        "close": plain("Cancel"),
        "private_metadata": meta.encode(),
        "blocks": blocks,
    }


def item_view(items_field: FormField, values: Mapping[str, Any], meta: ItemMeta, *, new: bool) -> JsonDict:
    """The stacked modal for one item: a labelled input per part, block ids = sub-field ids."""
    label = cut_to_fit(mrkdwn_escape(items_field.label), CONTEXT_TEXT)
    blocks: list[JsonDict] = [
        {"type": "context", "block_id": NOTE_BLOCK, "elements": [{"type": "mrkdwn", "text": label}]}
    ]
    blocks += [input_block(sub, values.get(sub.id), sub.id) for sub in items_field.item or []]
    return {
        "type": "modal",
        "callback_id": ITEM_CALLBACK,
        "title": _title("New item" if new else "Edit item"),
        "submit": plain("Save item"),
        "close": plain("Back"),
        "private_metadata": meta.encode(),
        "blocks": blocks,
    }


__all__ = [
    "ROW_TYPES",
    "answer_view",
    "item_row",
    "item_summary",
    "item_view",
    "items_blocks",
    "row_fields",
    "title_field",
]
