"""Time off as a person sees it: the Home tab's part ("Mark me away" / "I'm back") and the small
modal that records days away, with what its submission hands back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.layout import cut_to_fit, section
from messaging.limits import SECTION_TEXT

HOME_AWAY_ACTION = "home_away"
HOME_BACK_ACTION = "home_back"
AWAY_CALLBACK = "away_view"
FIRST_BLOCK, LAST_BLOCK, NOTE_BLOCK = "away_first", "away_last", "away_note"
VALUE = "value"
# Our own bound on the note owners read beside "away".
NOTE_MAX = 200

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]


def _button(action_id: str, text: str) -> JsonDict:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": "1",
    }


def time_off_blocks(away: str | None) -> list[JsonDict]:
    """The Home tab's time-off line: where the person stands (`away`, or None when they are not)
    and the one button that changes it."""
    if away is None:
        text = "*Time off*\nGoing away? Check-ins that close while you are away will not chase you."
        button = _button(HOME_AWAY_ACTION, "Mark me away")
    else:
        text = f"*Time off*\n🌴 {away}."
        button = _button(HOME_BACK_ACTION, "I'm back")
    # The Home tab cannot continue a section: the person's own note is cut, marked, to fit.
    return [section(cut_to_fit(text, SECTION_TEXT)) | {"accessory": button}]


def away_modal(today: date) -> JsonDict:
    def date_input(block_id: str, label: str, initial: date | None, optional: bool = False) -> JsonDict:
        element: JsonDict = {"type": "datepicker", "action_id": VALUE}
        if initial is not None:
            element["initial_date"] = initial.isoformat()
        return {
            "type": "input",
            "block_id": block_id,
            "optional": optional,
            "label": {"type": "plain_text", "text": label},
            "element": element,
        }

    return {
        "type": "modal",
        "callback_id": AWAY_CALLBACK,
        "title": {"type": "plain_text", "text": "Time off"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            date_input(FIRST_BLOCK, "First day away", today),
            date_input(LAST_BLOCK, "Last day away", None),
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Note (for the owners)"},
                "element": {"type": "plain_text_input", "action_id": VALUE, "max_length": NOTE_MAX},
            },
        ],
    }


def read_away_modal(values: StateValues) -> tuple[date, date, str | None]:
    """(first day, last day, note) from the submitted modal; UserFacingError names what is off."""

    def value(block_id: str, key: str) -> Any:
        return ((values.get(block_id) or {}).get(VALUE) or {}).get(key)

    first, last = value(FIRST_BLOCK, "selected_date"), value(LAST_BLOCK, "selected_date")
    if not first or not last:
        raise UserFacingError("Pick the first and the last day.")
    try:
        first_day, last_day = date.fromisoformat(first), date.fromisoformat(last)
    except (TypeError, ValueError):
        raise UserFacingError("Pick the days with the date pickers.") from None
    # The input holds NOTE_MAX; a longer note is a forged submission, kept to the same bound.
    note = cut_to_fit((value(NOTE_BLOCK, "value") or "").strip(), NOTE_MAX) or None
    return first_day, last_day, note
