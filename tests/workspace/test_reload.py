"""Rituals follow their files: a valid edit is picked up on the next tick, an invalid one keeps
the last good version and its owners hear about it once."""

from __future__ import annotations

import os
from pathlib import Path

from bot.sandbox import Sandbox
from core.config_files import Problem
from rituals.definition.reloading import PROBLEMS_SHOWN, invalid_edit_post

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
    assert text.startswith("Reloaded 6 rituals (updated: `team-sync`).")
    assert "nobody@ritualbot-sim.example" in text
    answered = len(team_sandbox.workspace.responses)
    team_sandbox.driver.slash_command(ANA, "/ritual", "reload")
    assert "Only ritual owners and admins" in response_text(team_sandbox, after=answered)


def test_a_long_list_of_problems_reaches_the_owners_whole_in_a_thread(tmp_path: Path) -> None:
    """The notice is laid out like any long text: nothing is cut, the rest continues in a thread."""
    problems = [
        Problem(tmp_path / "team-sync.yml", line, f"form[{line}].label: {'far too long ' * 120}& <more>")
        for line in range(1, 13)
    ]
    post = invalid_edit_post(problems)
    assert post.replies  # too long for one message
    text = "\n".join(
        block["text"]["text"]
        for message in post.messages
        for block in message.blocks
        if block["type"] == "section"
    )
    assert "does not validate" in text
    for problem in problems[:PROBLEMS_SHOWN]:
        assert f"team-sync.yml:{problem.line}: form[{problem.line}]" in text
    assert "&amp; &lt;more&gt;" in text  # escaped, never cut inside an escape
    assert f"…and {len(problems) - PROBLEMS_SHOWN} more." in text
