"""One form field as a Block Kit element, prefilled with a value.

A prefilled value comes from an earlier answer, and the ritual may have changed since (an option
renamed, a bound tightened). Slack refuses a whole view over one bad initial value, so a value
the element could not show is left out here rather than breaking the modal.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from core.types import JsonDict
from messaging.layout import cut_to_fit
from messaging.limits import OPTION_TEXT, PLACEHOLDER, TEXT_INPUT
from rituals.collect.forms.ids import VALUE_ACTION
from rituals.definition.schema import FormField

CHECKBOX_VALUE = "yes"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def plain(text: str, limit: int | None = None) -> JsonDict:
    if limit is not None:
        text = cut_to_fit(text, limit)
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(text: str) -> JsonDict:
    # Option texts are at most 75 characters (checked when the ritual is loaded), so the text is
    # also the value, which keeps answers readable and prefilling trivial.
    return {"text": plain(text), "value": text}


def format_number(value: Any) -> str | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    return str(number.quantize(Decimal(1))) if number == number.to_integral_value() else str(number)


def _text_initial(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value[:limit]


def _date_initial(value: Any) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            return None
    return None


def _number_initial(form_field: FormField, value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = format_number(value)
    if text is None:
        return None
    number = Decimal(text)
    if not form_field.decimal and number != number.to_integral_value():
        return None
    if (form_field.min is not None and number < Decimal(str(form_field.min))) or (
        form_field.max is not None and number > Decimal(str(form_field.max))
    ):
        return None
    return text


def text_limit(form_field: FormField) -> int:
    return form_field.max_length or TEXT_INPUT


def element(
    form_field: FormField,
    value: Any,
    *,
    action_id: str = VALUE_ACTION,
    placeholder: str | None = None,
    checkbox_text: str | None = None,
) -> JsonDict:
    """The element for one field (or sub-field), showing ``value`` when it still fits."""
    kind = form_field.type
    shown = placeholder or form_field.placeholder
    out: JsonDict = {"action_id": action_id}
    if kind in ("text", "long_text"):
        out |= {"type": "plain_text_input", "max_length": text_limit(form_field)}
        if kind == "long_text":
            out["multiline"] = True
        if (initial := _text_initial(value, text_limit(form_field))) is not None:
            out["initial_value"] = initial
    elif kind == "url":
        out["type"] = "url_text_input"
        if (initial := _text_initial(value, text_limit(form_field))) is not None:
            out["initial_value"] = initial
    elif kind == "number":
        out |= {"type": "number_input", "is_decimal_allowed": form_field.decimal}
        if form_field.min is not None:
            out["min_value"] = format_number(form_field.min)
        if form_field.max is not None:
            out["max_value"] = format_number(form_field.max)
        if (initial := _number_initial(form_field, value)) is not None:
            out["initial_value"] = initial
    elif kind == "select":
        options = form_field.options or []
        out |= {"type": "static_select", "options": [_option(o) for o in options]}
        if isinstance(value, str) and value in options:
            out["initial_option"] = _option(value)
    elif kind == "multi_select":
        options = form_field.options or []
        out |= {"type": "multi_static_select", "options": [_option(o) for o in options]}
        chosen = [o for o in options if isinstance(value, list) and o in value]
        if chosen:
            out["initial_options"] = [_option(o) for o in chosen]
    elif kind == "date":
        out["type"] = "datepicker"
        if (initial := _date_initial(value)) is not None:
            out["initial_date"] = initial
    elif kind == "user":
        out["type"] = "users_select"
        if isinstance(value, str) and _USER_ID.match(value):
            out["initial_user"] = value
    elif kind == "users":
        out["type"] = "multi_users_select"
        users = (
            [u for u in value if isinstance(u, str) and _USER_ID.match(u)] if isinstance(value, list) else []
        )
        if users:
            out["initial_users"] = users
    elif kind == "checkbox":
        box = {"text": plain(checkbox_text or form_field.label, OPTION_TEXT), "value": CHECKBOX_VALUE}
        out |= {"type": "checkboxes", "options": [box]}
        if value is True:
            out["initial_options"] = [box]
    else:
        raise ValueError(f"no element for a {kind} field")
    if shown and kind != "checkbox":
        out["placeholder"] = plain(shown, PLACEHOLDER)
    return out


def input_block(form_field: FormField, value: Any, block_id: str) -> JsonDict:
    """A labelled input for one field. Required-ness is Slack's to enforce first (it will not let
    the form be sent with a required input empty); the server checks again on submission."""
    block: JsonDict = {
        "type": "input",
        "block_id": block_id,
        "label": plain(form_field.label),
        # Under its own label a lone checkbox only needs to say yes.
        "element": element(form_field, value, checkbox_text="Yes"),
        "optional": form_field.optional,
    }
    if form_field.hint:
        block["hint"] = plain(form_field.hint)
    return block
