"""Reading view state back, the draft's item operations and the modal metadata."""

from __future__ import annotations

import pytest

from rituals.collect.forms.draft import DraftItem, FormDraft
from rituals.collect.forms.ids import AnswerMeta, ItemMeta, parse_item_ref
from rituals.collect.forms.reading import element_value, input_value, row_values
from rituals.definition.schema import RitualDefinition


def test_element_values_by_type() -> None:
    assert element_value({"type": "plain_text_input", "value": "x"}) == "x"
    assert element_value({"type": "number_input", "value": "4"}) == "4"
    assert element_value({"type": "static_select", "selected_option": {"value": "Now"}}) == "Now"
    assert element_value({"type": "static_select", "selected_option": None}) is None
    assert element_value({"type": "multi_static_select", "selected_options": [{"value": "a"}]}) == ["a"]
    assert element_value({"type": "checkboxes", "selected_options": [{"value": "yes"}]}) is True
    assert element_value({"type": "checkboxes", "selected_options": []}) is False
    assert element_value({"type": "datepicker", "selected_date": "2027-01-02"}) == "2027-01-02"
    assert element_value({"type": "users_select", "selected_user": "U1"}) == "U1"
    assert element_value({"type": "multi_users_select", "selected_users": ["U1"]}) == ["U1"]


def test_rows_are_read_whatever_their_revision() -> None:
    state = {
        "status": {"value": {"type": "static_select", "selected_option": {"value": "On track"}}},
        "roadmap.p0.2": {"horizon": {"type": "static_select", "selected_option": {"value": "Next"}}},
        "roadmap.n1.0": {"shareable": {"type": "checkboxes", "selected_options": []}},
        "_add.roadmap": {},
    }
    assert input_value(state, "status") == (True, "On track")
    assert input_value(state, "risks") == (False, None)
    assert row_values(state) == {
        ("roadmap", "p0"): {"horizon": "Next"},
        ("roadmap", "n1"): {"shareable": False},
    }


def test_draft_round_trips_and_edits_items(roadmap: RitualDefinition) -> None:
    draft = FormDraft.from_answer(
        roadmap, {"status": "On track", "roadmap": [{"title": "A"}, {"title": "B"}, {"title": "C"}]}
    )
    assert FormDraft.from_json(draft.to_json()) == draft
    assert [i.uid for i in draft.entries("roadmap")] == ["p0", "p1", "p2"]
    assert draft.put_item("roadmap", "p1", {"title": "B"}) is False  # unchanged: same rev
    assert draft.put_item("roadmap", "p1", {"title": "B2"}) is True
    assert draft.find("roadmap", "p1") == DraftItem("p1", 1, {"title": "B2"})
    assert draft.put_item("roadmap", "Vnew", {"title": "D"}) is True
    assert draft.put_item("roadmap", "Vnew", {"title": "D"}) is False  # saving twice adds one item
    assert draft.move("roadmap", "p2", -1) is True
    assert draft.move("roadmap", "p0", -1) is False
    assert draft.remove("roadmap", "p0") is True
    assert draft.remove("roadmap", "p0") is False
    assert [i.values["title"] for i in draft.entries("roadmap")] == ["C", "B2", "D"]
    assert draft.take_rows({("roadmap", "p2"): {"horizon": "Now"}, ("roadmap", "gone"): {"x": 1}}) is True
    assert draft.take_rows({("roadmap", "p2"): {"horizon": "Now"}}) is False


def test_prefill_respects_max_items(roadmap: RitualDefinition) -> None:
    draft = FormDraft.from_answer(roadmap, {"roadmap": [{"title": str(n)} for n in range(20)]})
    assert len(draft.entries("roadmap")) == roadmap.field("roadmap").max_items


def test_metadata_round_trips() -> None:
    meta = AnswerMeta(run_id=12, token="abc", revision=4)
    assert AnswerMeta.decode(meta.encode()) == meta
    item = ItemMeta(token="abc", field_id="roadmap", uid=None, parent_view_id="V1", parent_hash=None)
    assert ItemMeta.decode(item.encode()) == item
    assert parse_item_ref("roadmap.p3") == ("roadmap", "p3")
    with pytest.raises(ValueError, match="not an item reference"):
        parse_item_ref("roadmap")
