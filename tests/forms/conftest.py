"""Forms are pure: definitions in, Block Kit dicts out. No database, no Slack."""

from __future__ import annotations

import pytest

from rituals.definition import RitualDefinition
from rituals.loading import load_library


@pytest.fixture(scope="session")
def roadmap() -> RitualDefinition:
    return load_library([]).get("monthly-roadmap-checkin")


@pytest.fixture(scope="session")
def okr() -> RitualDefinition:
    return load_library([]).get("okr-checkin")
