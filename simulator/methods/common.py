"""Helpers every simulated method uses: typed argument access and cursor paging.

Slack arguments arrive as strings in form bodies and as JSON values in JSON bodies, so every
accessor accepts both (`"1"`, `"true"` and `True` are all true).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from core.types import JsonDict
from simulator.errors import ApiError, missing
from simulator.state import WorkspaceState

T = TypeVar("T")


class Params:
    """A request's arguments with Slack's coercions."""

    def __init__(self, data: JsonDict) -> None:
        self.data = data

    def __contains__(self, name: str) -> bool:
        return self.data.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.data.get(name)

    def opt(self, name: str) -> str | None:
        value = self.data.get(name)
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    def req(self, name: str, error: str | None = None) -> str:
        """A required string; `error` names the Slack error for a missing value if not the generic one."""
        value = self.opt(name)
        if value is None:
            raise ApiError(error) if error else missing(name)
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("1", "true", "yes")

    def integer(self, name: str, default: int) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError("invalid_arguments", f"[ERROR] {name} must be an integer") from exc


def encode_cursor(offset: int) -> str:
    """Opaque like Slack's cursors (base64 text), but only our own decoder reads them."""
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind != "offset":
            raise ValueError(kind)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ApiError("invalid_cursor") from exc


def page(items: Sequence[T], p: Params, *, default_limit: int, max_limit: int) -> tuple[list[T], str]:
    """One page of `items` and the cursor of the next ("" at the end, as Slack sends it)."""
    cursor = p.opt("cursor")
    offset = decode_cursor(cursor) if cursor else 0
    if offset < 0 or offset > len(items):
        raise ApiError("invalid_cursor")
    limit = p.integer("limit", default_limit)
    if limit <= 0:
        limit = default_limit
    limit = min(limit, max_limit)
    end = offset + limit
    return list(items[offset:end]), encode_cursor(end) if end < len(items) else ""


Handler = Callable[[WorkspaceState, Params], JsonDict]
