"""Time off on the Home tab: where you stand, "Mark me away" (a small modal) and "I'm back"."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from core.errors import UserFacingError
from rituals.away.use_cases import NOTE_MAX, away_status
from rituals.services import Services

HOME_AWAY_ACTION = "home_away"
HOME_BACK_ACTION = "home_back"
AWAY_CALLBACK = "away_view"
FIRST_BLOCK, LAST_BLOCK, NOTE_BLOCK = "away_first", "away_last", "away_note"
VALUE = "value"

JsonDict = dict[str, Any]


def _button(action_id: str, text: str) -> JsonDict:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
        "value": "1",
    }


class AwayHome:
    def __init__(self, services: Services) -> None:
        self._services = services

    def blocks(self, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
        status = away_status(self._services, user_id)
        if status is None:
            text = "*Time off*\nGoing away? Check-ins that close while you are away will not chase you."
            button = _button(HOME_AWAY_ACTION, "Mark me away")
        else:
            text = f"*Time off*\n🌴 {status}."
            button = _button(HOME_BACK_ACTION, "I'm back")
        return [{"type": "section", "text": {"type": "mrkdwn", "text": text}, "accessory": button}]


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


def read_away_modal(state: dict[str, Any]) -> tuple[date, date, str | None]:
    """(first day, last day, note) from the submitted modal; UserFacingError names what is off."""

    def value(block_id: str, key: str) -> Any:
        return ((state.get(block_id) or {}).get(VALUE) or {}).get(key)

    first, last = value(FIRST_BLOCK, "selected_date"), value(LAST_BLOCK, "selected_date")
    if not first or not last:
        raise UserFacingError("Pick the first and the last day.")
    note = (value(NOTE_BLOCK, "value") or "").strip() or None
    return date.fromisoformat(first), date.fromisoformat(last), note
