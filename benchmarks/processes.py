"""The bot and the baseline as real processes: started with their own command lines, pointed at
a simulated workspace, waited for until they answer, and stopped with SIGTERM."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

from simulator import SimulatedWorkspace
from simulator.bot_process import bot_environment as environment_for


def bot_environment(
    workspace: SimulatedWorkspace,
    database_url: str,
    *,
    rituals: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """What the tests' bot processes get (`simulator.bot_process`), logging only warnings."""
    return environment_for(
        workspace,
        database_url,
        rituals_path=[rituals] if rituals is not None else None,
        extra={"RITUALBOT_LOG_LEVEL": "WARNING", **(extra or {})},
    )


def ritualbot(arguments: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
    """Run a `ritualbot` command to its end; its output, or an error with what it printed."""
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "bot", *arguments], env=dict(env), cwd=cwd, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"ritualbot {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def start(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        list(command), env=dict(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def start_bot(port: int, env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`ritualbot run --http` on ``port``."""
    command = [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)]
    return start(command, env, cwd)


def start_bare_bolt(port: int, env: Mapping[str, str], cwd: Path) -> subprocess.Popen[str]:
    """`benchmarks.bare_bolt` on ``port`` (the benchmarks are not installed: found from here)."""
    here = {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return start([sys.executable, "-m", "benchmarks.bare_bolt", "--port", str(port)], here, cwd)


def wait_until_answering(
    url: str, process: subprocess.Popen[str], *, timeout: float = 60.0, interval: float = 0.01
) -> float:
    """Poll ``url`` until it answers 200; the seconds that took. Fails if the process ended."""
    started = time.perf_counter()
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"{url}: the process ended with {process.returncode}:\n{output}")
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{url} did not answer within {timeout} s")
        time.sleep(interval)


def wait_until_listening(port: int, process: subprocess.Popen[str], *, timeout: float = 60.0) -> float:
    """Poll until something accepts connections on ``port``; the seconds that took."""
    started = time.perf_counter()
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.perf_counter() - started
        except OSError:
            pass
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"port {port}: the process ended with {process.returncode}:\n{output}")
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"nothing listens on {port} after {timeout} s")
        time.sleep(0.01)


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM, then what it printed; kills it if it does not stop within 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output or ""
