"""Public holidays from the `holidays` package, by country or country and region (`US-CA`).

The package (hundreds of country modules) is imported on first use, not at start: only rituals
that name a holiday calendar need it, and `ritualbot run` starts without it.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays


@cache
def supported_places() -> dict[str, list[str]]:
    """Country code -> its region codes, as the package knows them."""
    import holidays

    return {country: list(regions) for country, regions in holidays.list_supported_countries().items()}


@cache
def _calendar(place: str) -> holidays.HolidayBase:
    import holidays

    country, _, subdiv = place.partition("-")
    return holidays.country_holidays(country, subdiv=subdiv or None)


def is_holiday(place: str | None, day: date) -> bool:
    """Whether `day` is a public holiday at `place` (never, for no place)."""
    return place is not None and day in _calendar(place)


def holiday_name(place: str, day: date) -> str | None:
    name = _calendar(place).get(day)
    return str(name) if name else None
