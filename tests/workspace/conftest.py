"""A team's own rituals folder beside the built-in library, on the simulated workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from core.clock import FrozenClock

OWNER = "U0PRODOPS"
ANA = "U0PM00001"

# Named the way colleagues know people: by email and by @handle.
TEAM_RITUAL = """\
id: team-sync
name: Team sync
owners: [pat@ritualbot-sim.example]
schedule: {cron: "0 10 * * mon", timezone: America/New_York}
participants:
  users: [ana@ritualbot-sim.example, "@ben", nobody@ritualbot-sim.example]
form:
  - {id: status, type: select, label: Status, options: [On track, At risk]}
audiences:
  - {name: leaders, to: [product-leads], template: leaders.md.j2}
"""


@pytest.fixture
def team_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rituals"
    folder.mkdir()
    (folder / "team-sync.yml").write_text(TEAM_RITUAL)
    return folder


@pytest.fixture
def team_sandbox(
    engine: Engine, database_url: str, clock: FrozenClock, team_folder: Path
) -> Iterator[Sandbox]:
    with Sandbox(database_url, clock, migrate=False, rituals_path=[team_folder], admins=[OWNER]) as running:
        yield running


def response_text(sandbox: Sandbox) -> str:
    """The text of the newest answer posted to a response_url (slow subcommands answer there)."""
    posted = sandbox.workspace.wait_for(lambda: sandbox.workspace.responses or None, timeout=10)
    return str(posted[-1].body.get("text", ""))
