"""Forms are pure: definitions in, Block Kit dicts out. No database, no Slack."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rituals.definition.loading import load_library
from rituals.definition.schema import RitualDefinition


@pytest.fixture(scope="session")
def roadmap() -> RitualDefinition:
    return load_library([]).get("monthly-roadmap-checkin")


@pytest.fixture(scope="session")
def okr() -> RitualDefinition:
    return load_library([]).get("okr-checkin")


@dataclass(frozen=True)
class Prompt:
    """A key result as the domain that keeps them would ask about it (`KeyResultPrompt`)."""

    id: str
    title: str
    objective: str = "Grow"
    unit: str = "teams"
    start: float = 10
    target: float = 100
    value: float | None = None
    confidence: str | None = None
    comment: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Level:
    value: str
    label: str


LEVELS = (Level("on_track", "On track"), Level("at_risk", "At risk"), Level("off_track", "Off track"))
