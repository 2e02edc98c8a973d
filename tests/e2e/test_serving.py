"""`ritualbot run --http` as a real process: serves Slack and /healthz, stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from simulator import SimulatedWorkspace, SlackDriver
from simulator.bot_process import bot_environment
from tests.e2e.conftest import write_trial_ritual


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def workspace() -> Iterator[SimulatedWorkspace]:
    with SimulatedWorkspace() as running:
        yield running


def test_run_serves_and_stops_cleanly_on_sigterm(
    workspace: SimulatedWorkspace, database_url: str, engine: object, tmp_path: Path
) -> None:
    port = _free_port()
    env = bot_environment(workspace, database_url, extra={"RITUALBOT_TICK_SECONDS": "1"})
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.1)
        assert health.json() == {"ok": True, "database": "ok"}
        with SlackDriver(workspace, base) as driver:
            reply = driver.slash_command("U0PM00001", "/ritual", "help")
            assert "/ritual help" in reply.body
        assert httpx.post(base + "/slack/events", content=b"command=%2Fritual").status_code == 401
        assert httpx.get(base + "/nowhere").status_code == 404
        # The scheduler's tick ran against the database and Slack (the user group was looked up
        # only if something was due, but auth.test always is).
        assert workspace.calls("auth.test")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "received signal SIGTERM" in output
    assert output.rstrip().endswith("stopped")
    assert "Traceback" not in output


def test_trigger_command_opens_a_run_and_sends_prompts(
    workspace: SimulatedWorkspace, database_url: str, engine: object, tmp_path: Path
) -> None:
    # Another ritual of the same people, due every minute: the trigger opens only the ritual it
    # names, whatever else has come due (a built-in one, on some afternoons, would too).
    always_due = write_trial_ritual(tmp_path / "rituals", "always-due", cron="* * * * *")
    env = bot_environment(workspace, database_url, rituals_path=[always_due])
    command = [sys.executable, "-m", "bot", "trigger", "monthly-roadmap-checkin"]
    # The first and the confirmed trigger must fall in one minute (a run is keyed by the minute):
    # a trigger takes a few seconds, so late in a minute the test starts with the next one.
    second = datetime.now(UTC).second
    if second > 25:
        time.sleep(60.5 - second)
    result = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "for 8 participants; 8 messages sent" in result.stdout
    for n in range(1, 9):
        assert len(workspace.dm_messages(f"U0PM{n:05d}")) == 1
    # Triggering again while that run is open is refused unless confirmed...
    again = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1
    assert "already has an open run" in again.stderr
    assert "--yes" in again.stderr
    # ...and confirmed in the same minute it is the same run: nothing opens or posts twice.
    confirmed = subprocess.run(
        [*command, "--yes"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert confirmed.returncode == 0, confirmed.stderr
    assert "nothing new was opened" in confirmed.stdout
    assert len(workspace.dm_messages("U0PM00001")) == 1
