"""Rituals follow their files: a valid edit is picked up on the next tick, an invalid one keeps
the last good version and its owners hear about it once."""

from __future__ import annotations

import os
from pathlib import Path

from bot.sandbox import Sandbox

from .conftest import ANA, OWNER, TEAM_RITUAL, response_text


def _touch(path: Path, text: str) -> None:
    """Write and move the modification time on, as an editor's save a moment later would."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


def test_an_edit_is_picked_up_on_the_next_tick(team_sandbox: Sandbox, team_folder: Path) -> None:
    library = team_sandbox.library
    _touch(team_folder / "team-sync.yml", TEAM_RITUAL.replace("name: Team sync", "name: Weekly team sync"))
    _touch(team_folder / "launch-check.yml", TEAM_RITUAL.replace("id: team-sync", "id: launch-check"))
    team_sandbox.app.tick()
    assert library.get("team-sync").name == "Weekly team sync"
    assert library.get("launch-check").owners == [OWNER]  # a new file, its people resolved too
    (team_folder / "launch-check.yml").unlink()
    team_sandbox.app.tick()
    assert "launch-check" not in library


def test_an_invalid_edit_keeps_the_last_good_version_and_tells_the_owners_once(
    team_sandbox: Sandbox, team_folder: Path
) -> None:
    ws = team_sandbox.workspace
    _touch(
        team_folder / "team-sync.yml", TEAM_RITUAL.replace("  cron:", "  crom:").replace("cron: ", "crom: ")
    )
    team_sandbox.app.tick()
    team_sandbox.app.tick()
    assert team_sandbox.library.get("team-sync").schedule.cron == "0 10 * * mon"
    told = [m for m in ws.dm_messages(OWNER) if "does not validate" in m.text]
    assert len(told) == 1
    assert "schedule: unknown key 'crom'; did you mean 'cron'?" in told[0].text
    # Another broken edit is another message; fixing it brings the new version in.
    _touch(team_folder / "team-sync.yml", TEAM_RITUAL.replace("timezone: America/New_York", "timezone: EST"))
    team_sandbox.app.tick()
    assert len([m for m in ws.dm_messages(OWNER) if "does not validate" in m.text]) == 2
    _touch(team_folder / "team-sync.yml", TEAM_RITUAL.replace("0 10 * * mon", "0 11 * * mon"))
    team_sandbox.app.tick()
    assert team_sandbox.library.get("team-sync").schedule.cron == "0 11 * * mon"


def test_slash_reload_reports_what_changed(team_sandbox: Sandbox, team_folder: Path) -> None:
    _touch(team_folder / "team-sync.yml", TEAM_RITUAL.replace("name: Team sync", "name: Team sync 2"))
    team_sandbox.driver.slash_command(OWNER, "/ritual", "reload")
    text = response_text(team_sandbox)
    assert text.startswith("Reloaded 5 rituals (updated: `team-sync`).")
    assert "nobody@ritualbot-sim.example" in text
    team_sandbox.driver.slash_command(ANA, "/ritual", "reload")
    assert "Only ritual owners and admins" in response_text(team_sandbox)
