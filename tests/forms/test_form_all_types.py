"""Every field type renders as a valid element, prefilled, and reads back to the same value
through the state Slack's client would send (built by the simulated workspace)."""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.views import View

from rituals.collect.forms.draft import FormDraft
from rituals.collect.forms.ids import AnswerMeta, ItemMeta
from rituals.collect.forms.modal import answer_view, item_view
from rituals.collect.forms.reading import input_value
from rituals.collect.forms.validation import clean, clean_item
from rituals.definition.schema import RitualDefinition
from simulator.records import ViewRecord
from simulator.validation import validate_view
from simulator.view_state import build_state

EVERY_TYPE = [
    {"id": "headline", "type": "text", "label": "Headline", "max_length": 80, "placeholder": "One line"},
    {"id": "story", "type": "long_text", "label": "Story", "optional": True},
    {"id": "score", "type": "number", "label": "Score", "min": 0, "max": 10, "decimal": False},
    {"id": "ratio", "type": "number", "label": "Ratio", "optional": True},
    {"id": "status", "type": "select", "label": "Status", "options": ["Green", "Amber", "Red"]},
    {"id": "areas", "type": "multi_select", "label": "Areas", "options": ["Web", "iOS", "Android"]},
    {"id": "due", "type": "date", "label": "Due"},
    {"id": "doc", "type": "url", "label": "Doc"},
    {"id": "lead", "type": "user", "label": "Lead"},
    {"id": "team", "type": "users", "label": "Team"},
    {"id": "agree", "type": "checkbox", "label": "I agree", "optional": False},
    {
        "id": "things",
        "type": "items",
        "label": "Things",
        "item": [
            {"id": "title", "type": "text", "label": "Title"},
            {"id": "size", "type": "number", "label": "Size", "decimal": True},
            {"id": "kind", "type": "select", "label": "Kind", "options": ["A", "B"]},
            {"id": "tags", "type": "multi_select", "label": "Tags", "options": ["x", "y"], "optional": True},
            {"id": "when", "type": "date", "label": "When", "optional": True},
            {"id": "owner", "type": "user", "label": "Owner", "optional": True},
            {"id": "people", "type": "users", "label": "People", "optional": True},
            {"id": "page", "type": "url", "label": "Page", "optional": True},
            {"id": "notes", "type": "long_text", "label": "Notes", "optional": True},
            {"id": "flag", "type": "checkbox", "label": "Flag"},
        ],
    },
]

ANSWER: dict[str, Any] = {
    "headline": "All good",
    "story": "Line one\nLine two",
    "score": 7,
    "ratio": 0.25,
    "status": "Amber",
    "areas": ["Web", "Android"],
    "due": "2027-04-30",
    "doc": "https://docs.example/x",
    "lead": "U0PM00001",
    "team": ["U0PM00002", "U0PM00003"],
    "agree": True,
}
ITEM: dict[str, Any] = {
    "title": "Thing",
    "size": 2.5,
    "kind": "B",
    "tags": ["y"],
    "when": "2027-05-01",
    "owner": "U0PM00004",
    "people": ["U0PM00005"],
    "page": "https://thing.example",
    "notes": "n",
    "flag": True,
}


def definition() -> RitualDefinition:
    return RitualDefinition.model_validate(
        {
            "id": "every-type",
            "name": "Every type",
            "owners": ["U0PRODOPS"],
            "schedule": {"cron": "0 10 * * mon", "timezone": "UTC"},
            "participants": {"users": ["U0PM00001"]},
            "form": EVERY_TYPE,
        }
    )


def _record(view: dict[str, Any]) -> ViewRecord:
    checked = validate_view(json.loads(json.dumps(view)), expected_type="modal")
    View(**view).to_dict()
    return ViewRecord(id="V1", type="modal", user="U0PM00001", hash="h", definition=checked)


def test_every_type_prefills_and_reads_back() -> None:
    ritual = definition()
    draft = FormDraft.from_answer(ritual, {**ANSWER, "things": [ITEM]})
    record = _record(answer_view(ritual, draft, AnswerMeta(1, "t", 0)))
    state = build_state(record, {})  # what an untouched, prefilled form sends
    for form_field in ritual.form:
        if form_field.type == "items":
            continue
        found, raw = input_value(state, form_field.id)
        assert found, form_field.id
        assert clean(form_field, raw) == ANSWER[form_field.id], form_field.id
    items = ritual.field("things")
    row = next(b for b in record.blocks if b["block_id"].startswith("things."))
    # Choices that fit a row are in it; text, numbers, multi-selects and people lists are not.
    assert [e["action_id"] for e in row["elements"][1:-1]] == ["kind", "when", "owner", "flag"]
    item_record = _record(item_view(items, ITEM, ItemMeta("t", "things", "p0", "V1", "h"), new=False))
    item_state = build_state(item_record, {})
    raw = {sub.id: input_value(item_state, sub.id)[1] for sub in items.item or []}
    result = clean_item(items, raw)
    assert result.errors == {}
    assert result.values == ITEM


def test_an_empty_form_is_valid_and_required_inputs_are_marked() -> None:
    ritual = definition()
    record = _record(answer_view(ritual, FormDraft(), AnswerMeta(1, "t", 0)))
    optional = {b["block_id"]: b["optional"] for b in record.blocks if b["type"] == "input"}
    assert optional == {
        "headline": False,
        "story": True,
        "score": False,
        "ratio": True,
        "status": False,
        "areas": False,
        "due": False,
        "doc": False,
        "lead": False,
        "team": False,
        "agree": False,
    }
    score = record.block("score")
    assert score is not None
    assert score["element"] == {
        "action_id": "value",
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": "0",
        "max_value": "10",
    }
