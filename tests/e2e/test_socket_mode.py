"""`ritualbot run` in Socket Mode as a real process: connects, answers over the socket, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import SimulatedWorkspace
from simulator.bot_process import bot_environment
from simulator.scopes import DEFAULT_SCOPES

ANA = "U0PM00001"


@pytest.fixture
def workspace() -> Iterator[SimulatedWorkspace]:
    with SimulatedWorkspace() as running:
        yield running


def _socket_mode_env(workspace: SimulatedWorkspace, database_url: str, app_token: str) -> dict[str, str]:
    # Socket Mode authenticates with the app token: no signing secret, and no HTTP port.
    env = bot_environment(
        workspace, database_url, extra={"SLACK_APP_TOKEN": app_token, "RITUALBOT_TICK_SECONDS": "1"}
    )
    del env["SLACK_SIGNING_SECRET"]
    return env


def _wait_until_connected(workspace: SimulatedWorkspace, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while workspace.socket_mode.connection_count == 0:
        assert process.poll() is None, process.communicate(timeout=5)[0]
        assert time.monotonic() < deadline, "the bot did not connect over Socket Mode"
        time.sleep(0.1)


def _stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, then the output; a bot that does not stop is killed and the test fails."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"the bot did not stop within 30 s of SIGTERM:\n{process.communicate()[0]}")


def test_run_serves_socket_mode_and_stops_cleanly_on_sigterm(
    workspace: SimulatedWorkspace, database_url: str, engine: object, tmp_path: Path
) -> None:
    assert workspace.app_token is not None
    env = _socket_mode_env(workspace, database_url, workspace.app_token)
    assert "SLACK_SIGNING_SECRET" not in env
    # Start-up runs the doctor's checks: it joins a public channel it posts to, warns of a scope.
    marketing = workspace.roster.channel("marketing-launches")
    assert marketing is not None
    marketing.members.remove(workspace.bot_user_id)
    workspace.state.scopes = DEFAULT_SCOPES - {"canvases:write"}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_until_connected(workspace, process)
        [opened] = workspace.calls("apps.connections.open")
        assert opened.ok
        assert opened.headers["authorization"] == f"Bearer {workspace.app_token}"

        answer = workspace.socket_mode.send_slash_command(ANA, "/ritual", "help")
        assert answer is not None
        assert answer["response_type"] == "ephemeral"
        assert "/ritual help" in answer["text"]
        # Applied as Slack would: an ephemeral reply in Ana's DM with the bot.
        [reply] = workspace.ephemeral_for(ANA)
        assert "/ritual help" in reply.text

        assert workspace.socket_mode.open_home(ANA) is None
        home = workspace.wait_for(lambda: workspace.home_view(ANA), timeout=5)
        assert home.type == "home"
    finally:
        output = _stop(process)
    assert process.returncode == 0, output
    assert "received signal SIGTERM" in output
    assert output.rstrip().endswith("stopped")
    assert "Traceback" not in output
    assert "WARNING bot.commands.run: doctor: problem: scopes: the token lacks canvases:write" in output
    assert "doctor: fixed: " in output
    assert workspace.bot_user_id in marketing.members
    # Quiet, useful logs: no Alembic chatter, no Bolt warning about a token it was handed.
    assert "alembic" not in output
    assert "will be unused" not in output


def test_run_refuses_a_bot_token_as_the_app_token_without_a_traceback(
    workspace: SimulatedWorkspace, database_url: str, engine: object, tmp_path: Path
) -> None:
    env = _socket_mode_env(workspace, database_url, workspace.bot_token)
    command = [sys.executable, "-m", "bot", "run"]
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "Slack refused SLACK_APP_TOKEN (not_allowed_token_type)" in result.stderr
    assert "App-Level Tokens" in result.stderr
    assert "Traceback" not in result.stderr
    assert workspace.socket_mode.connection_count == 0
