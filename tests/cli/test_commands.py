"""The command line, run as a user runs it: the `ritualbot` fixture invokes the real command group
in this process; one test starts the real entry point as a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import bot.database
from storage.migrate import SchemaOutOfDate
from tests.conftest import SETTINGS_PREFIXES, CommandRunner

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


def test_the_entry_point_starts_and_lists_every_command(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_PREFIXES)}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
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


def test_validate_builtin_library_passes(ritualbot: CommandRunner) -> None:
    result = ritualbot("validate")
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_reports_file_and_line(ritualbot: CommandRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    result = ritualbot("validate", str(broken))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{broken}:5: ")
    assert "cron" in result.stdout


def test_bot_refuses_to_start_with_an_invalid_ritual(ritualbot: CommandRunner, tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text(BROKEN)
    result = ritualbot("next", "monthly-roadmap-checkin", env={"RITUALS_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert f"{tmp_path / 'broken.yml'}:5:" in result.stderr


def test_next_prints_first_mondays_at_ten_new_york_time(ritualbot: CommandRunner, tmp_path: Path) -> None:
    result = ritualbot("next", "monthly-roadmap-checkin", "-n", "3")
    assert result.returncode == 0, result.stderr
    # Without a database there is no pause or skip to read, and none is created to look.
    assert list(tmp_path.iterdir()) == []
    lines = result.stdout.split()
    assert len(lines) == 3
    for line in lines:
        opening = datetime.fromisoformat(line)
        assert (opening.hour, opening.minute, opening.weekday()) == (10, 0, 0)
        assert opening.day <= 7
        assert line.endswith(("-05:00", "-04:00"))


def test_next_unknown_ritual_lists_known_ones(ritualbot: CommandRunner) -> None:
    result = ritualbot("next", "nope")
    assert result.returncode == 1
    assert "monthly-roadmap-checkin" in result.stderr


def test_run_without_token_says_which_variable_and_where(ritualbot: CommandRunner, tmp_path: Path) -> None:
    result = ritualbot("run")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "OAuth & Permissions" in result.stderr


def test_run_refuses_an_out_of_date_schema(ritualbot: CommandRunner, tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
    }
    result = ritualbot("run", "--http", env=env)
    assert result.returncode == 2
    assert "ritualbot db upgrade" in result.stderr


def test_db_upgrade_then_current(ritualbot: CommandRunner, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    assert "→" in ritualbot("db", "upgrade", env=env).stdout
    assert "already" in ritualbot("db", "upgrade", env=env).stdout
    assert "up to date" in ritualbot("db", "current", env=env).stdout


@pytest.mark.parametrize("command", ["pause", "resume", "skip-next"])
def test_owner_controls_from_the_cli(ritualbot: CommandRunner, tmp_path: Path, command: str) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    ritualbot("db", "upgrade", env=env)
    result = ritualbot(command, "monthly-roadmap-checkin", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("monthly-roadmap-checkin ")


def test_a_command_refused_for_an_old_schema_leaves_no_engine_open(
    ritualbot: CommandRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command opens the database the same way, and disposes of it also when refused."""
    created: list[Engine] = []
    disposed: list[Engine] = []
    real = bot.database.create_database_engine

    def recording(url: str, **sizing: Any) -> Engine:
        engine = real(url, **sizing)
        dispose = engine.dispose
        monkeypatch.setattr(engine, "dispose", lambda close=True: (disposed.append(engine), dispose(close)))
        created.append(engine)
        return engine

    monkeypatch.setattr(bot.database, "create_database_engine", recording)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}"}
    for command in (["pause", "monthly-roadmap-checkin"], ["export", "monthly-roadmap-checkin"]):
        result = ritualbot(*command, env=env)
        assert result.returncode == 2
        assert "ritualbot db upgrade" in result.stderr
    with pytest.raises(SchemaOutOfDate):
        bot.database.connect(env["DATABASE_URL"])
    assert len(created) == 3
    assert disposed == created


def test_next_honours_skip_next_and_pause(ritualbot: CommandRunner, tmp_path: Path) -> None:
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


def test_run_without_network_says_so_in_one_line(ritualbot: CommandRunner, tmp_path: Path) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        # Nothing listens on port 9 of the loopback: the connection is refused at once.
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    ritualbot("db", "upgrade", env=env)
    result = ritualbot("run", "--http", env=env)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "cannot reach Slack at http://127.0.0.1:9/api/" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "will be unused" not in result.stderr
