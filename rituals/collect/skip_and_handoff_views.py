"""The skip and hand-off modals, opened from a prompt's buttons, and what they hand back.

Each carries the run in its `private_metadata`; reading a submission takes only what the person
chose, and the use cases in :mod:`rituals.collect.skip_and_handoff` judge it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from core.types import JsonDict
from messaging.mrkdwn import mrkdwn_escape

SKIP_VIEW = "prompt_skip_view"
HANDOFF_VIEW = "prompt_handoff_view"
REASON_BLOCK = "reason"
DETAIL_BLOCK = "detail"
PERSON_BLOCK = "person"
VALUE = "value"

OUT_OF_OFFICE = "out_of_office"
NOTHING_TO_REPORT = "nothing_to_report"
OTHER = "other"
SKIP_REASONS = {OUT_OF_OFFICE: "Out of office", NOTHING_TO_REPORT: "Nothing to report", OTHER: "Other"}
REASON_MAX = 500

StateValues = Mapping[str, Mapping[str, Mapping[str, Any]]]


def run_metadata(run_id: int) -> str:
    return json.dumps({"run": run_id})


def run_of_metadata(text: str) -> int:
    """The run a skip or hand-off modal is about (raises on metadata this app did not write)."""
    return int(json.loads(text)["run"])


def _modal(
    callback_id: str, run_id: int, title: str, submit: str, note: str, inputs: list[JsonDict]
) -> JsonDict:
    """A small modal about one run: a note on top, then its inputs."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": run_metadata(run_id),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}, *inputs],
    }


def skip_view(run_id: int, ritual_name: str) -> JsonDict:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for value, label in SKIP_REASONS.items()
    ]
    reason = {
        "type": "input",
        "block_id": REASON_BLOCK,
        "label": {"type": "plain_text", "text": "Why are you skipping?"},
        "element": {"type": "radio_buttons", "action_id": VALUE, "options": options},
    }
    detail = {
        "type": "input",
        "block_id": DETAIL_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "Anything to add?"},
        "hint": {"type": "plain_text", "text": "Needed when you pick Other."},
        "element": {"type": "plain_text_input", "action_id": VALUE, "max_length": REASON_MAX},
    }
    name = mrkdwn_escape(ritual_name)
    note = f"*{name}*: the owners see your reason. You can still answer later while it is open."
    return _modal(SKIP_VIEW, run_id, "Skip this time", "Skip", note, [reason, detail])


def handoff_view(run_id: int, ritual_name: str) -> JsonDict:
    person = {
        "type": "input",
        "block_id": PERSON_BLOCK,
        "label": {"type": "plain_text", "text": "Who should answer instead?"},
        "element": {"type": "users_select", "action_id": VALUE},
    }
    name = mrkdwn_escape(ritual_name)
    note = f"*{name}*: they get their own prompt and reminders, and you are done with this one."
    return _modal(HANDOFF_VIEW, run_id, "Hand off", "Hand off", note, [person])


def _entry(values: StateValues, block_id: str) -> Mapping[str, Any]:
    return values.get(block_id, {}).get(VALUE) or {}


def chosen_reason(values: StateValues) -> tuple[str | None, str | None]:
    """(the reason picked, the words added) from a submitted skip modal."""
    picked = _entry(values, REASON_BLOCK).get("selected_option") or {}
    return picked.get("value"), _entry(values, DETAIL_BLOCK).get("value")


def chosen_person(values: StateValues) -> str | None:
    """The user picked in a submitted hand-off modal."""
    return _entry(values, PERSON_BLOCK).get("selected_user")
