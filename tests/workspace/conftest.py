"""A team's own rituals folder beside the built-in library, on the simulated workspace."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from tests.conftest import over_http

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
    request: pytest.FixtureRequest, engine: Engine, database_url: str, clock: FrozenClock, team_folder: Path
) -> Iterator[Sandbox]:
    with Sandbox(
        database_url,
        clock,
        migrate=False,
        rituals_path=[team_folder],
        admins=[OWNER],
        serve_http=over_http(request),
    ) as running:
        yield running


def read_response(body: Mapping[str, Any]) -> str:
    """What the person reads in an answer: its sections when it has blocks, else its text."""
    sections = [block["text"]["text"] for block in body.get("blocks") or [] if block.get("type") == "section"]
    return "\n".join(sections) if sections else str(body.get("text", ""))


def response_text(sandbox: Sandbox, *, after: int = 0) -> str:
    """What the person reads in the newest answer posted to a response_url (slow subcommands
    answer there), once more than ``after`` answers have been posted."""
    posted = sandbox.workspace.wait_for(
        lambda: sandbox.workspace.responses if len(sandbox.workspace.responses) > after else None, timeout=10
    )
    return read_response(posted[-1].body)
