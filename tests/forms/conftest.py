"""Forms are pure: definitions in, Block Kit dicts out. No database, no Slack."""

from __future__ import annotations

import pytest

from rituals.definition.loading import load_library
from rituals.definition.schema import RitualDefinition


@pytest.fixture(scope="session")
def roadmap() -> RitualDefinition:
    return load_library([]).get("monthly-roadmap-checkin")


@pytest.fixture(scope="session")
def okr() -> RitualDefinition:
    return load_library([]).get("okr-checkin")
