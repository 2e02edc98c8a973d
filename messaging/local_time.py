"""Times as a person reads them in Slack: in their own zone (from Slack's profile), or in UTC
with the zone's name beside them when it is unknown. Every domain writes dates this way."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None, fallback: ZoneInfo | None = None) -> ZoneInfo | None:
    """A participant's zone from the name Slack gave; unknown names fall back."""
    if not name:
        return fallback
    return _known_zone(name) or fallback


@cache
def _known_zone(name: str) -> ZoneInfo | None:
    # A fan-out asks for the same few zones thousands of times; an unknown name would otherwise
    # be looked for on disk each time.
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_time(instant: datetime, tz: ZoneInfo | None) -> str:
    """``Thu 4 Feb, 17:00 EST`` in the reader's zone (UTC when unknown)."""
    local = instant.astimezone(tz or ZoneInfo("UTC"))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}"


def local_date(instant: datetime, tz: ZoneInfo | None) -> str:
    local = instant.astimezone(tz or ZoneInfo("UTC"))
    return f"{local:%a} {local.day} {local:%b} {local.year}"
