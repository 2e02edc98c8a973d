"""Judging an answer: each value cleaned to what is stored, or a message for the person.

Slack's client already refuses an empty required input, a number out of bounds or text that is
too long, but the server never trusts that (a retried or hand-made request skips the client),
and some rules only the server knows: a URL must be http(s) with a host, a date must be a date,
and an item needs its required parts even when its row could not say so.

Cleaned values are JSON: text and URLs are stripped strings, numbers int (or float when the
field allows decimals and the number has some), dates ``YYYY-MM-DD``, checkboxes bool, blanks
None, and an ``items`` field is a list of ``{sub-field id: value}`` without its blank items.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from rituals.collect.forms.elements import format_number, text_limit
from rituals.definition.schema import FormField

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class Invalid(ValueError):
    """A value the person has to change; the message is shown next to the input."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_blank(value: Any) -> bool:
    return value is None or value is False or (isinstance(value, str | list | dict) and not value)


def _text(form_field: FormField, raw: Any) -> str | None:
    text = str(raw).strip() if raw is not None else ""
    if not text:
        return None
    limit = text_limit(form_field)
    if len(text) > limit:
        raise Invalid(f"Please keep this under {limit:,} characters (it is {len(text):,}).")
    return text


def _number(form_field: FormField, raw: Any) -> int | float | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool):
        raise Invalid("Enter a number.")
    try:
        number = Decimal(str(raw).strip())
    except InvalidOperation:
        raise Invalid("Enter a number.") from None
    if not number.is_finite():
        raise Invalid("Enter a number.")
    integral = number == number.to_integral_value()
    if not form_field.decimal and not integral:
        raise Invalid("Enter a whole number.")
    low, high = form_field.min, form_field.max
    if (low is not None and number < Decimal(str(low))) or (high is not None and number > Decimal(str(high))):
        if low is not None and high is not None:
            raise Invalid(f"Enter a number from {format_number(low)} to {format_number(high)}.")
        if low is not None:
            raise Invalid(f"Enter a number of at least {format_number(low)}.")
        raise Invalid(f"Enter a number of at most {format_number(high)}.")
    return int(number) if integral else float(number)


def _url(form_field: FormField, raw: Any) -> str | None:
    text = _text(form_field, raw)
    if text is None:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        raise Invalid("Enter a web address starting with https:// (or http://).")
    return text


def _date(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(str(raw)).isoformat()
    except ValueError:
        raise Invalid("Enter a date as YYYY-MM-DD.") from None


def _choice(form_field: FormField, raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    if raw not in (form_field.options or []):
        raise Invalid("Choose one of the options.")
    return str(raw)


def _choices(form_field: FormField, raw: Any) -> list[str] | None:
    chosen = list(raw or [])
    unknown = [c for c in chosen if c not in (form_field.options or [])]
    if unknown:
        raise Invalid("Choose from the options only.")
    return chosen or None


def _users(raw: Any, many: bool) -> Any:
    users = list(raw or []) if many else ([raw] if raw else [])
    if any(not isinstance(u, str) or not _USER_ID.match(u) for u in users):
        raise Invalid("Pick people from your workspace.")
    if many:
        return users or None
    return users[0] if users else None


def clean(form_field: FormField, raw: Any) -> Any:
    """One field's (or sub-field's) raw value cleaned, or `Invalid`. Not for ``items`` fields."""
    kind = form_field.type
    if kind in ("text", "long_text"):
        value: Any = _text(form_field, raw)
    elif kind == "url":
        value = _url(form_field, raw)
    elif kind == "number":
        value = _number(form_field, raw)
    elif kind == "select":
        value = _choice(form_field, raw)
    elif kind == "multi_select":
        value = _choices(form_field, raw)
    elif kind == "date":
        value = _date(raw)
    elif kind in ("user", "users"):
        value = _users(raw, many=kind == "users")
    elif kind == "checkbox":
        value = bool(raw)
    else:
        raise ValueError(f"clean() does not take {kind} fields")
    if not form_field.optional and is_blank(value):
        raise Invalid("Tick this box to continue." if kind == "checkbox" else "This is required.")
    return value


@dataclass
class ItemResult:
    """An item cleaned, with a message per sub-field that needs changing."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        return all(is_blank(v) for v in self.values.values())


def clean_item(items_field: FormField, raw: dict[str, Any]) -> ItemResult:
    """Every sub-field of one item; errors are keyed by sub-field id."""
    result = ItemResult(values={})
    for sub in items_field.item or []:
        try:
            result.values[sub.id] = clean(sub, raw.get(sub.id))
        except Invalid as error:
            result.values[sub.id] = raw.get(sub.id)
            result.errors[sub.id] = error.message
    return result
