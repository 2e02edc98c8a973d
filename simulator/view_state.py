"""Build `view.state.values` the way Slack's client does, from a friendly dict.

    {"status": "on-track", "due": date(2027, 3, 1), "owners": ["U0PM00001"]}   # by block_id
    {"risks": {"risks_input": "none"}}                                          # block_id → action_id

Each element type has its own shape (`value`, `selected_option`, `selected_date`, …). Blocks the
user did not touch carry their `initial_*` value or an empty one, as in Slack. The client-side
rules are enforced too (required inputs, option membership, number ranges, text lengths),
because Slack would not let a real user submit a form that breaks them; a test that trips one
has a bug, so it gets a `ValueError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.types import JsonDict
from simulator.records import ViewRecord

TEXT_TYPES = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
ONE_OPTION = {"static_select", "radio_buttons", "external_select", "overflow"}
MANY_OPTIONS = {"multi_static_select", "checkboxes", "multi_external_select"}
SINGLE_KEYS = {
    "datepicker": ("selected_date", "initial_date"),
    "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
}
MULTI_KEYS = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}
NOT_STATEFUL = {"button", "image", "overflow", "workflow_button"}


def options_of(element: JsonDict) -> list[JsonDict]:
    opts = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        opts.extend(group.get("options") or [])
    return opts


def _option(element: JsonDict, choice: Any, where: str, suggested: list[JsonDict] | None = None) -> JsonDict:
    """The option picked: one the element lists, or for an external select one the app suggested."""
    wanted = choice.get("value") if isinstance(choice, Mapping) else str(choice)
    external = element.get("type", "").endswith("external_select")
    initial = [element["initial_option"]] if element.get("initial_option") else []
    initial += element.get("initial_options") or []
    for opt in [*options_of(element), *(initial + (suggested or []) if external else [])]:
        if opt.get("value") == wanted:
            return opt
    if external:
        raise ValueError(f"{where}: {wanted!r} was not among the options the app suggested")
    raise ValueError(f"{where}: {wanted!r} is not one of the options")


def _check_text(element: JsonDict, text: str, where: str) -> None:
    """What Slack's client refuses before a form can be submitted."""
    kind = element["type"]
    if kind == "number_input":
        try:
            number = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(f"{where}: {text!r} is not a number") from exc
        if not element.get("is_decimal_allowed") and number != number.to_integral_value():
            raise ValueError(f"{where}: decimals are not allowed")
        low, high = element.get("min_value"), element.get("max_value")
        if (low is not None and number < Decimal(str(low))) or (
            high is not None and number > Decimal(str(high))
        ):
            raise ValueError(f"{where}: {text} is outside [{low}, {high}]")
    elif kind == "url_text_input" and not text.startswith(("http://", "https://")):
        raise ValueError(f"{where}: {text!r} is not a URL")
    elif kind == "email_text_input" and "@" not in text:
        raise ValueError(f"{where}: {text!r} is not an email address")
    max_len, min_len = element.get("max_length"), element.get("min_length")
    if max_len is not None and len(text) > int(max_len):
        raise ValueError(f"{where}: longer than {max_len} characters")
    if min_len is not None and len(text) < int(min_len):
        raise ValueError(f"{where}: shorter than {min_len} characters")


def _as_text(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def element_state(
    element: JsonDict, value: Any, where: str, suggested: list[JsonDict] | None = None
) -> JsonDict:
    """One element's entry in state.values for a chosen value (None: what was there initially).

    `suggested` are the options the app last suggested to an external select."""
    kind = element["type"]
    out: JsonDict = {"type": kind}
    if kind in TEXT_TYPES:
        text = element.get("initial_value") if value is None else _as_text(value)
        if text not in (None, ""):
            _check_text(element, str(text), where)
        out["value"] = text if text != "" else None
    elif kind in ONE_OPTION:
        out["selected_option"] = (
            element.get("initial_option") if value is None else _option(element, value, where, suggested)
        )
    elif kind in MANY_OPTIONS:
        chosen = (
            element.get("initial_options") or []
            if value is None
            else [_option(element, v, where, suggested) for v in value]
        )
        out["selected_options"] = chosen
    elif kind in SINGLE_KEYS:
        key, initial = SINGLE_KEYS[kind]
        out[key] = (
            element.get(initial)
            if value is None
            else (value if kind == "datetimepicker" else _as_text(value))
        )
    elif kind in MULTI_KEYS:
        key, initial = MULTI_KEYS[kind]
        out[key] = list(element.get(initial) or []) if value is None else [str(v) for v in value]
    else:
        raise ValueError(f"{where}: the driver cannot fill a {kind} element")
    return out


def is_empty(entry: JsonDict) -> bool:
    payload = [v for k, v in entry.items() if k != "type"]
    return all(v in (None, "", []) for v in payload)


def stateful_elements(block: JsonDict) -> list[JsonDict]:
    """Elements of a block that keep state in a view: an input's element, selects in actions, …"""
    if block.get("type") == "input":
        return [block["element"]]
    if block.get("type") == "actions":
        return [e for e in block.get("elements", []) if e.get("type") not in NOT_STATEFUL]
    accessory = block.get("accessory")
    if (
        block.get("type") == "section"
        and isinstance(accessory, dict)
        and accessory.get("type") not in NOT_STATEFUL
    ):
        return [accessory]
    return []


def _wanted(element: JsonDict, given: Any) -> Any:
    """Pick this element's value out of a friendly entry (direct value, or keyed by action_id)."""
    if isinstance(given, Mapping) and element.get("action_id") in given:
        return given[element["action_id"]]
    if isinstance(given, Mapping) and not {"value", "text"} <= set(given):
        return None  # keyed by action_id, but not for this element
    return given


def build_state(view: ViewRecord, values: Mapping[str, Any], *, enforce_required: bool = True) -> JsonDict:
    """state.values for submitting `view` with `values`; unknown block_ids are a test bug."""
    blocks = {str(b.get("block_id")): b for b in view.blocks}
    unknown = set(values) - set(blocks)
    if unknown:
        raise ValueError(f"no blocks {sorted(unknown)} in view {view.callback_id!r}")
    state: JsonDict = {}
    for block_id, block in blocks.items():
        for element in stateful_elements(block):
            action_id = element["action_id"]
            where = f"{block_id}/{action_id}"
            if block_id in values:
                wanted = _wanted(element, values[block_id])
                entry = element_state(element, wanted, where, view.suggested.get(action_id))
            else:
                entry = view.state.get(block_id, {}).get(action_id) or element_state(element, None, where)
            if (
                enforce_required
                and block.get("type") == "input"
                and not block.get("optional")
                and is_empty(entry)
            ):
                raise ValueError(f"{where} is required; Slack would not let the user submit")
            state.setdefault(block_id, {})[action_id] = entry
    return state
