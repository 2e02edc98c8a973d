"""Reading what the person entered out of ``view.state.values``.

Each element type keeps its value under its own key (``value``, ``selected_option``,
``selected_date``, ...). What comes out is the raw value as the person left it (numbers still
text), for validation to judge and for a re-rendered view to show again unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.types import JsonDict
from rituals.collect.forms.ids import ROW_BLOCK, VALUE_ACTION

StateValues = Mapping[str, Mapping[str, JsonDict]]


def element_value(entry: Mapping[str, Any]) -> Any:
    """The value one state entry holds, by element type."""
    kind = entry.get("type")
    if kind in ("plain_text_input", "url_text_input", "number_input", "email_text_input"):
        return entry.get("value")
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = entry.get("selected_option")
        return option.get("value") if isinstance(option, Mapping) else None
    if kind in ("multi_static_select", "multi_external_select"):
        return [o.get("value") for o in entry.get("selected_options") or [] if isinstance(o, Mapping)]
    if kind == "checkboxes":
        return bool(entry.get("selected_options"))
    if kind == "datepicker":
        return entry.get("selected_date")
    if kind == "users_select":
        return entry.get("selected_user")
    if kind == "multi_users_select":
        return list(entry.get("selected_users") or [])
    return entry.get("value")


def input_value(state: StateValues, block_id: str, action_id: str = VALUE_ACTION) -> tuple[bool, Any]:
    """(found, value) of an input block; not found when Slack sent no state for it."""
    entry = (state.get(block_id) or {}).get(action_id)
    if entry is None:
        return False, None
    return True, element_value(entry)


def row_values(state: StateValues) -> dict[tuple[str, str], dict[str, Any]]:
    """What each item row shows now: ``{(field id, uid): {sub-field id: value}}``.

    Rows are matched by field and uid whatever their revision, so a choice made in a row is
    found even if the draft moved on to a newer revision meanwhile.
    """
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for block_id, actions in state.items():
        match = ROW_BLOCK.match(block_id)
        if match is None:
            continue
        values = {
            action_id: element_value(entry)
            for action_id, entry in actions.items()
            if not action_id.startswith("@")
        }
        rows.setdefault((match["field"], match["uid"]), {}).update(values)
    return rows
