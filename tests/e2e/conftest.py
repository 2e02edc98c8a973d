"""A running bot over HTTP against the simulated workspace, on the test database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from rituals.clock import FrozenClock


@pytest.fixture
def clock() -> FrozenClock:
    # A Wednesday morning in New York, away from any DST change.
    return FrozenClock(datetime(2027, 1, 13, 15, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(engine: Engine, database_url: str, clock: FrozenClock) -> Iterator[Sandbox]:
    # `engine` has migrated and emptied the database; the sandbox opens its own connections.
    with Sandbox(database_url, clock, migrate=False) as running:
        yield running
