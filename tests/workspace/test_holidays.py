"""A person's own public holiday holds their prompt until their next working day."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.prompts import FILL_ACTION

ISHA, ANA = "U0PM00005", "U0PM00001"
RITUAL = f"""\
id: india-sync
name: India sync
owners: [U0PRODOPS]
schedule: {{cron: "0 10 * * tue", timezone: Asia/Kolkata}}
window: {{closes_after: 3d}}
holidays:
  people: {{{ISHA}: IN}}
participants: {{users: [{ISHA}, {ANA}]}}
form:
  - {{id: status, type: text, label: Status}}
"""
# Tuesday 26 January 2027, Republic Day in India: 09:59 in Kolkata.
BEFORE = datetime(2027, 1, 26, 4, 29, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(BEFORE)


@pytest.fixture
def india(engine: Engine, database_url: str, clock: FrozenClock, tmp_path: Path) -> Iterator[Sandbox]:
    (tmp_path / "india-sync.yml").write_text(RITUAL)
    with Sandbox(database_url, clock, migrate=False, rituals_path=[tmp_path], serve_http=False) as running:
        yield running


def _prompted(sandbox: Sandbox, user: str) -> bool:
    return any(FILL_ACTION in json.dumps(m.blocks) for m in sandbox.workspace.dm_messages(user))


def test_a_holiday_where_someone_works_holds_their_prompt(india: Sandbox, clock: FrozenClock) -> None:
    india.app.tick()
    clock.advance(timedelta(minutes=2))
    india.app.tick()
    assert _prompted(india, ANA)
    assert not _prompted(india, ISHA)
    clock.advance(timedelta(days=1))  # Wednesday 10:01 in Kolkata
    india.app.tick()
    assert _prompted(india, ISHA)
