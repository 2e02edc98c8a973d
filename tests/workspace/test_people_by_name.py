"""Owners and participants named by email or @handle are resolved through Slack and cached."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.runs.opening import create_manual_run
from simulator import SimulatedWorkspace, default_roster
from storage.models import PersonRef
from tests.conftest import CommandRunner

from .conftest import ANA, OWNER


def test_names_become_user_ids_before_anything_runs(team_sandbox: Sandbox, clock: FrozenClock) -> None:
    definition = team_sandbox.library.get("team-sync")
    assert definition.owners == [OWNER]
    assert definition.participants.users == [ANA, "U0PM00002"]
    warnings = [str(w) for w in team_sandbox.library.warnings]  # type: ignore[attr-defined]
    assert len(warnings) == 1
    assert warnings[0].endswith(
        ":6: participants.users[2]: nobody in Slack has the email 'nobody@ritualbot-sim.example'"
    )
    services = team_sandbox.app.services
    with services.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="test")
    opened = services.opener.open(run, clock.now())
    assert opened is not None
    assert sorted(p.user_id for p in opened.participants) == [ANA, "U0PM00002"]


def test_answers_are_cached_so_a_reload_asks_slack_nothing(team_sandbox: Sandbox, clock: FrozenClock) -> None:
    with Session(team_sandbox.engine) as session:
        cached = {row.ref: row.user_id for row in session.scalars(select(PersonRef))}
    assert cached == {
        "email:ana@ritualbot-sim.example": ANA,
        "email:nobody@ritualbot-sim.example": None,
        "email:pat@ritualbot-sim.example": OWNER,
        "handle:ben": "U0PM00002",
    }
    before = len(team_sandbox.workspace.calls())
    assert team_sandbox.app.services.reload is not None
    team_sandbox.app.services.reload(clock.now(), force=True)
    asked = [call.method for call in team_sandbox.workspace.calls()[before:]]
    assert asked == []  # even the unknown name waits a day before Slack is asked again


def test_validate_with_a_token_names_who_could_not_be_found(
    ritualbot: CommandRunner, clock: FrozenClock, team_folder: Path
) -> None:
    with SimulatedWorkspace(default_roster(at=clock.now()), clock=clock) as ws:
        env = {"SLACK_API_URL": ws.api_url}
        offline = ritualbot("validate", str(team_folder), env=env)
        assert offline.returncode == 0  # without a token only the files are checked
        env["SLACK_BOT_TOKEN"] = ws.bot_token
        online = ritualbot("validate", str(team_folder), env=env)
    assert online.returncode == 1
    assert online.stdout == (
        f"{team_folder / 'team-sync.yml'}:6: participants.users[2]: nobody in Slack has the email "
        "'nobody@ritualbot-sim.example'\n"
    )
