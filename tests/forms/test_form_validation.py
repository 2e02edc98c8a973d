"""Cleaning and judging answers: what is stored, and what the person is asked to change."""

from __future__ import annotations

from typing import Any

import pytest

from rituals.collect.forms.validation import Invalid, clean, clean_item, is_blank
from rituals.definition.schema import FormField, RitualDefinition


def field(**overrides: Any) -> FormField:
    return FormField.model_validate({"id": "f", "type": "text", "label": "F", **overrides})


@pytest.mark.parametrize(
    ("spec", "raw", "expected"),
    [
        ({"type": "text"}, "  hello  ", "hello"),
        ({"type": "text", "optional": True}, "   ", None),
        ({"type": "long_text"}, "a\nb", "a\nb"),
        ({"type": "number"}, "3", 3),
        ({"type": "number"}, "2.5", 2.5),
        ({"type": "number", "decimal": False}, "4.0", 4),
        ({"type": "number", "min": 0, "max": 100}, 100, 100),
        ({"type": "select", "options": ["A", "B"]}, "B", "B"),
        ({"type": "multi_select", "options": ["A", "B"]}, ["A", "B"], ["A", "B"]),
        ({"type": "multi_select", "options": ["A"], "optional": True}, [], None),
        ({"type": "date"}, "2027-03-01", "2027-03-01"),
        ({"type": "url"}, " https://example.com/x ", "https://example.com/x"),
        ({"type": "user"}, "U0PM00001", "U0PM00001"),
        ({"type": "users"}, ["U0PM00001", "W0ABC"], ["U0PM00001", "W0ABC"]),
        ({"type": "checkbox"}, True, True),
        ({"type": "checkbox"}, False, False),
    ],
)
def test_clean_values(spec: dict[str, Any], raw: Any, expected: Any) -> None:
    assert clean(field(**spec), raw) == expected


@pytest.mark.parametrize(
    ("spec", "raw", "message"),
    [
        ({"type": "text"}, "", "This is required."),
        ({"type": "text", "max_length": 5}, "toolong", "Please keep this under 5 characters (it is 7)."),
        ({"type": "number"}, "ten", "Enter a number."),
        ({"type": "number"}, "NaN", "Enter a number."),
        ({"type": "number", "decimal": False}, "1.5", "Enter a whole number."),
        ({"type": "number", "min": 0, "max": 100}, "101", "Enter a number from 0 to 100."),
        ({"type": "number", "min": 1}, "0", "Enter a number of at least 1."),
        ({"type": "number", "max": 1.5}, "2", "Enter a number of at most 1.5."),
        ({"type": "select", "options": ["A"]}, "Z", "Choose one of the options."),
        ({"type": "date"}, "next tuesday", "Enter a date as YYYY-MM-DD."),
        ({"type": "url"}, "javascript:alert(1)", "Enter a web address starting with https:// (or http://)."),
        ({"type": "url"}, "https://", "Enter a web address starting with https:// (or http://)."),
        ({"type": "url"}, "https://a b.example", "Enter a web address starting with https:// (or http://)."),
        ({"type": "user"}, "<!channel>", "Pick people from your workspace."),
        ({"type": "checkbox", "optional": False}, False, "Tick this box to continue."),
        ({"type": "multi_select", "options": ["A"]}, [], "This is required."),
    ],
)
def test_invalid_values_say_what_to_change(spec: dict[str, Any], raw: Any, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        clean(field(**spec), raw)
    assert caught.value.message == message


def test_blank_values() -> None:
    assert all(is_blank(v) for v in (None, "", [], {}, False))
    assert not any(is_blank(v) for v in ("x", 0, ["a"], True))


def test_items_need_their_required_parts_unless_blank(roadmap: RitualDefinition) -> None:
    items = roadmap.field("roadmap")
    blank = {"title": None, "horizon": None, "status": None, "shareable": False}
    assert clean_item(items, blank).blank
    half = {"title": "Payments", "horizon": "Now"}
    assert not clean_item(items, half).blank
    result = clean_item(items, {**half, "link": "not a url"})
    assert result.errors == {
        "status": "This is required.",
        "link": "Enter a web address starting with https:// (or http://).",
    }
    done = clean_item(items, {**half, "status": "Planned", "target_date": "2027-05-01"})
    assert done.errors == {}
    assert done.values == {
        "title": "Payments",
        "horizon": "Now",
        "status": "Planned",
        "target_date": "2027-05-01",
        "link": None,
        "shareable": False,
    }
