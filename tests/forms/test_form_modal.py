"""The answer modal and the item modal are valid Slack views that fit Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk.models.views import View

from rituals.collect.forms.draft import DraftItem, FormDraft
from rituals.collect.forms.ids import ROW_BLOCK, AnswerMeta, ItemMeta
from rituals.collect.forms.key_result_inputs import KeyResultsAsked
from rituals.collect.forms.modal import answer_view, item_summary, item_view, row_fields, title_field
from rituals.definition.loading import load_library
from rituals.definition.schema import FormField, RitualDefinition
from simulator.validation import validate_view

from .conftest import LEVELS, Prompt

META = AnswerMeta(run_id=7, token="t" * 32, revision=3)


def _more_than_fit(definition: RitualDefinition) -> KeyResultsAsked:
    """Every key_results field with more key results than it takes, with long texts."""
    prompts = {
        f.id: [
            Prompt(
                f"kr-{n}",
                f"Key result {n} " + "t" * 150,
                "Objective " + "o" * 150,
                value=120.5,
                confidence="at_risk",
                comment="c" * 600,
                note="Value from its source when this check-in opened.",
            )
            for n in range(f.max_items + 3)
        ]
        for f in definition.form
        if f.type == "key_results"
    }
    return KeyResultsAsked(prompts, LEVELS)


def _full_item(form_field: Any, n: int) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for sub in form_field.item:
        values[sub.id] = {
            "text": f"Item {n} " + "x" * 140,
            "long_text": "y" * 400,
            "number": 50,
            "select": sub.options[-1] if sub.options else None,
            "date": "2027-03-31",
            "url": "https://example.com/" + "z" * 200,
            "checkbox": True,
        }.get(sub.type)
    return values


def _full_draft(definition: RitualDefinition) -> FormDraft:
    draft = FormDraft()
    for form_field in definition.form:
        if form_field.type == "items":
            draft.items[form_field.id] = [
                DraftItem(uid=f"p{n}", rev=0, values=_full_item(form_field, n))
                for n in range(form_field.max_items)
            ]
        elif form_field.type in ("text", "long_text"):
            draft.fields[form_field.id] = "w" * (form_field.max_length or 3000)
    return draft


def _check(view: dict[str, Any]) -> None:
    # Both what slack_sdk checks and what the simulated Slack checks on top.
    View(**view).to_dict()
    validate_view(json.loads(json.dumps(view)), expected_type="modal")
    assert len(view["blocks"]) <= 100
    assert len(view["title"]["text"]) <= 24
    assert len(view["private_metadata"]) <= 3000


@pytest.mark.parametrize("ritual_id", load_library([]).ids())
def test_every_built_in_ritual_fits_a_modal_even_when_full(ritual_id: str) -> None:
    definition = load_library([]).get(ritual_id)
    _check(answer_view(definition, FormDraft(), META, notes=["Due *Thu 4 Feb, 17:00 EST*"]))
    asked = _more_than_fit(definition)
    full = answer_view(definition, _full_draft(definition), META, notes=["Due soon"], key_results=asked)
    _check(full)
    # Heading, one row per item, and no "Add item" once full: max_items + 1 blocks per field;
    # heading, four blocks per key result and a note about the ones left out: 4 x max_items + 2.
    sizes = {"items": lambda f: f.max_items + 1, "key_results": lambda f: 4 * f.max_items + 2}
    expected = sum(sizes.get(f.type, lambda f: 1)(f) for f in definition.form) + 1
    assert len(full["blocks"]) == expected


def test_rows_hold_the_choices_and_the_title_button(roadmap: RitualDefinition) -> None:
    draft = FormDraft.from_answer(
        roadmap,
        {
            "status": "At risk",
            "roadmap": [
                {"title": "Payments API", "horizon": "Now", "status": "In progress", "shareable": True},
                {"title": "Search", "horizon": "Later", "status": "Planned", "link": "https://x.example/s"},
            ],
        },
    )
    view = answer_view(roadmap, draft, META)
    rows = [b for b in view["blocks"] if ROW_BLOCK.match(b.get("block_id", ""))]
    assert [r["block_id"] for r in rows] == ["roadmap.p0.0", "roadmap.p1.0"]
    first = rows[0]["elements"]
    assert first[0]["text"]["text"] == "✎ Payments API"
    assert [e.get("action_id") for e in first[1:-1]] == ["horizon", "status", "target_date", "shareable"]
    assert first[1]["initial_option"]["value"] == "Now"
    assert first[4]["initial_options"][0]["value"] == "yes"
    menu = [o["value"] for o in first[-1]["options"]]
    assert menu == ["edit|roadmap.p0", "down|roadmap.p0", "remove|roadmap.p0"]
    assert rows[1]["elements"][0]["text"]["text"] == "✎ Search · 🔗"
    status = next(b for b in view["blocks"] if b.get("block_id") == "status")
    assert status["element"]["initial_option"]["value"] == "At risk"


def test_stale_prefill_is_dropped_rather_than_breaking_the_view(roadmap: RitualDefinition) -> None:
    draft = FormDraft.from_answer(
        roadmap,
        {
            "status": "Renamed option",
            "roadmap": [{"title": "A", "horizon": "Someday", "gone": 1}],
            "old": "x",
        },
    )
    view = answer_view(roadmap, draft, META)
    _check(view)
    status = next(b for b in view["blocks"] if b.get("block_id") == "status")
    assert "initial_option" not in status["element"]
    assert draft.items["roadmap"][0].values == {"title": "A", "horizon": "Someday"}


def test_item_modal_has_a_labelled_input_per_part(roadmap: RitualDefinition) -> None:
    field = roadmap.field("roadmap")
    meta = ItemMeta(token="t", field_id="roadmap", uid="p0", parent_view_id="V1", parent_hash="h")
    view = item_view(field, {"title": "Payments", "link": "https://x.example"}, meta, new=False)
    _check(view)
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert list(inputs) == ["title", "horizon", "status", "target_date", "link", "shareable"]
    assert inputs["title"]["element"]["initial_value"] == "Payments"
    assert inputs["title"]["element"]["max_length"] == 150
    assert inputs["target_date"]["optional"] is True
    assert inputs["horizon"]["optional"] is False
    assert ItemMeta.decode(view["private_metadata"]) == meta


def test_item_rows_show_numbers_in_the_button() -> None:
    field = FormField.model_validate(
        {
            "id": "goals",
            "type": "items",
            "label": "Goals",
            "item": [
                {"id": "title", "type": "text", "label": "Goal"},
                {"id": "progress", "type": "number", "label": "Progress"},
                {"id": "confidence", "type": "select", "label": "Confidence", "options": ["High", "Low"]},
            ],
        }
    )
    assert title_field(field) is not None
    assert [sub.id for sub in row_fields(field)] == ["confidence"]
    assert item_summary(field, {"title": "Grow ARR", "progress": 45}) == "✎ Grow ARR · 45"
    long = item_summary(field, {"title": "x" * 200})
    assert len(long) == 75
    assert long.endswith("…")


def test_full_items_field_hides_add_and_says_so(roadmap: RitualDefinition) -> None:
    view = answer_view(roadmap, _full_draft(roadmap), META)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert "_add.roadmap" not in ids
    heading = next(b for b in view["blocks"] if b.get("block_id") == "_head.roadmap")
    assert "most this form takes (12)" in heading["text"]["text"]


def test_attention_marks_the_item_and_the_heading(roadmap: RitualDefinition) -> None:
    draft = FormDraft.from_answer(roadmap, {"roadmap": [{"title": "A"}]})
    view = answer_view(roadmap, draft, META, attention={("roadmap", "p0"): "check Horizon, Status"})
    row = next(b for b in view["blocks"] if b.get("block_id") == "roadmap.p0.0")
    assert row["elements"][0]["style"] == "danger"
    assert row["elements"][0]["text"]["text"].startswith("⚠ ✎ A")
    heading = next(b for b in view["blocks"] if b.get("block_id") == "_head.roadmap")
    assert "Fix the items marked" in heading["text"]["text"]


def test_user_text_in_labels_is_escaped_in_mrkdwn() -> None:
    data = {
        "id": "x",
        "name": "X",
        "owners": ["U0PRODOPS"],
        "schedule": {"cron": "0 10 * * mon", "timezone": "UTC"},
        "participants": {"users": ["U0PM00001"]},
        "form": [
            {
                "id": "things",
                "type": "items",
                "label": "<!channel> things",
                "item": [{"id": "t", "type": "text", "label": "T"}],
            }
        ],
    }
    definition = RitualDefinition.model_validate(data)
    view = answer_view(definition, FormDraft(), META)
    heading = next(b for b in view["blocks"] if b.get("block_id") == "_head.things")
    assert "&lt;!channel&gt;" in heading["text"]["text"]
