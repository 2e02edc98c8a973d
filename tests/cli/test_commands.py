"""The command line, run as a user runs it (a real subprocess of the installed entry point)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

BROKEN = """\
id: broken-ritual
name: Broken
owners: [U0PRODOPS]
schedule:
  cron: "0 10 * * mon#9"
  timezone: America/New_York
participants: {users: [U0PM00001]}
form:
  - {id: status, type: select, label: Status, options: [ok]}
"""


def ritualbot(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RITUAL", "DATABASE_URL"))
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=60,
    )


def test_help_lists_every_command() -> None:
    result = ritualbot("--help")
    assert result.returncode == 0
    for command in (
        "run",
        "demo",
        "validate",
        "next",
        "trigger",
        "export",
        "db",
        "pause",
        "resume",
        "skip-next",
        "init",
        "doctor",
    ):
        assert re.search(rf"^\s+{command}\s", result.stdout, re.MULTILINE), command


def test_validate_builtin_library_passes() -> None:
    result = ritualbot("validate")
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_reports_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    result = ritualbot("validate", str(broken))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{broken}:5: ")
    assert "cron" in result.stdout


def test_bot_refuses_to_start_with_an_invalid_ritual(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text(BROKEN)
    result = ritualbot("next", "monthly-roadmap-checkin", env={"RITUALS_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert f"{tmp_path / 'broken.yml'}:5:" in result.stderr


def test_next_prints_first_mondays_at_ten_new_york_time() -> None:
    result = ritualbot("next", "monthly-roadmap-checkin", "-n", "3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert len(lines) == 3
    for line in lines:
        opening = datetime.fromisoformat(line)
        assert (opening.hour, opening.minute, opening.weekday()) == (10, 0, 0)
        assert opening.day <= 7
        assert line.endswith(("-05:00", "-04:00"))


def test_next_unknown_ritual_lists_known_ones() -> None:
    result = ritualbot("next", "nope")
    assert result.returncode == 1
    assert "monthly-roadmap-checkin" in result.stderr


def test_run_without_token_says_which_variable_and_where(tmp_path: Path) -> None:
    result = ritualbot("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "OAuth & Permissions" in result.stderr


def test_run_refuses_an_out_of_date_schema(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
    }
    result = ritualbot("run", "--http", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "ritualbot db upgrade" in result.stderr


def test_db_upgrade_then_current(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    assert "→" in ritualbot("db", "upgrade", env=env).stdout
    assert "already" in ritualbot("db", "upgrade", env=env).stdout
    assert "up to date" in ritualbot("db", "current", env=env).stdout


@pytest.mark.parametrize("command", ["pause", "resume", "skip-next"])
def test_owner_controls_from_the_cli(tmp_path: Path, command: str) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    ritualbot("db", "upgrade", env=env)
    result = ritualbot(command, "monthly-roadmap-checkin", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("monthly-roadmap-checkin ")


def test_next_honours_skip_next_and_pause(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    ritualbot("db", "upgrade", env=env)
    before = ritualbot("next", "launch-update", "-n", "3", env=env).stdout.split()
    ritualbot("skip-next", "launch-update", env=env)
    after = ritualbot("next", "launch-update", "-n", "3", env=env)
    assert after.stdout.split()[:2] == before[1:]
    assert len(after.stdout.split()) == 3
    assert f"skips {before[0]}" in after.stderr
    ritualbot("pause", "launch-update", env=env)
    paused = ritualbot("next", "launch-update", env=env)
    assert paused.returncode == 0
    assert paused.stdout == ""
    assert "paused" in paused.stderr


def test_run_without_network_says_so_in_one_line(tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        # Nothing listens on port 9 of the loopback: the connection is refused at once.
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    ritualbot("db", "upgrade", env=env)
    result = ritualbot("run", "--http", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot reach Slack at http://127.0.0.1:9/api/" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "will be unused" not in result.stderr
