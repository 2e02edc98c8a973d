"""The bot over HTTP against the simulated workspace, with a clock that starts just before the
monthly roadmap check-in opens (10:00 New York on Monday 1 February 2027 = 15:00 UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from storage.models import Run

RITUAL = "monthly-roadmap-checkin"
OPENS = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 2, 1, 14, 50, tzinfo=UTC))


def runs_of(sandbox: Sandbox, ritual: str = RITUAL) -> list[Run]:
    with Session(sandbox.engine) as session:
        return list(session.scalars(select(Run).where(Run.ritual_id == ritual).order_by(Run.scheduled_for)))
