"""A run's times as its people see them: the occurrence behind a run, and local deadlines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rituals.definition.schema import RitualDefinition
from rituals.schedule.occurrences import Occurrence
from storage.models import Run


def occurrence_of(definition: RitualDefinition, run: Run) -> Occurrence:
    """The occurrence a run was opened for, rebuilt from what the run row recorded.

    ``scheduled_for`` is the instant the run opened (moved by a blackout, or the minute of a
    manual trigger), so its wall time in the ritual's zone is where the occurrence opens.
    """
    wall = run.scheduled_for.astimezone(definition.zone).replace(tzinfo=None)
    try:
        nominal = datetime.fromisoformat(run.occurrence_key)
    except ValueError:  # a period key such as 2027-03; the wall time stands in for it
        nominal = wall
    return Occurrence(
        ritual_id=definition.id,
        key=run.occurrence_key,
        nominal=nominal.replace(tzinfo=None),
        wall=wall,
        opens_at=run.scheduled_for,
    )


def zone(name: str | None, fallback: ZoneInfo | None = None) -> ZoneInfo | None:
    """A participant's zone from the name Slack gave; unknown names fall back."""
    if not name:
        return fallback
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return fallback


def local_time(instant: datetime, tz: ZoneInfo | None) -> str:
    """``Thu 4 Feb, 17:00 EST`` in the reader's zone (UTC when unknown)."""
    local = instant.astimezone(tz or ZoneInfo("UTC"))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} {local.tzname()}"


def local_date(instant: datetime, tz: ZoneInfo | None) -> str:
    local = instant.astimezone(tz or ZoneInfo("UTC"))
    return f"{local:%a} {local.day} {local:%b} {local.year}"
