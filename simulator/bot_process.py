"""ritualbot started with its own CLI, as a separate process, against a simulated workspace.

The crash trials, the replica trials and the end-to-end benchmarks judge the bot from outside:
`ritualbot run --http` in a subprocess with only the environment a deployment would give it,
Slack's side played by a `SimulatedWorkspace` over real HTTP, the trigger sent as a signed
slash command, and the effects read back from what the workspace received. Nothing here
imports the bot's code (the built-in rituals' YAML files are read, no more): the process is all
there is, so it can be killed with SIGKILL at any moment, as a crashed host would.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import TracebackType

import httpx
import yaml

from simulator.workspace import SimulatedWorkspace

# Variables of the parent process that must not leak into the bot (Socket Mode, another database).
_OWN_SETTINGS = ("SLACK_", "DATABASE_URL", "RITUALS_PATH", "RITUALBOT_")
# A prompt's delivery key, "run:<id>:prompt:<user>"; its later edits add ":v<n>".
PROMPT_KEY = re.compile(r"run:\d+:prompt:(?P<user>[^:]+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(
    workspace: SimulatedWorkspace,
    database_url: str,
    *,
    rituals_path: Sequence[Path] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment a deployment would give `ritualbot` against ``workspace``: this process's
    own, without its Slack, database and ritualbot settings.

    The built-in rituals are switched off (see :func:`builtin_rituals_switched_off`); the
    folders of ``rituals_path`` come after, so a trial may still replace one of them."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(_OWN_SETTINGS)}
    folders = [builtin_rituals_switched_off(), *(rituals_path or ())]
    env.update(
        SLACK_BOT_TOKEN=workspace.bot_token,
        SLACK_SIGNING_SECRET=workspace.signing_secret,
        SLACK_API_URL=workspace.api_url,
        DATABASE_URL=database_url,
        RITUALS_PATH=os.pathsep.join(str(folder) for folder in folders),
    )
    env.update(extra or {})
    return env


@functools.cache
def builtin_rituals_switched_off() -> Path:
    """A ``RITUALS_PATH`` folder replacing each built-in ritual with a copy of it that is
    ``enabled: false``, the way a team switches one off.

    The bot processes here run on the wall clock, and a fresh database catches up on a ritual
    that came due in its catch-up window: on a Thursday afternoon in New York the built-in
    launch update would DM the trial's people mid-trial, and its prompts would be counted with
    the trial's. Switched off, the built-ins are still loaded, and can still be triggered."""
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-builtins-off-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for source in resources.files("rituals.library").iterdir():
        if source.name.endswith(".yml"):
            ritual = yaml.safe_load(source.read_text())
            ritual["enabled"] = False
            (folder / source.name).write_text(yaml.safe_dump(ritual, sort_keys=False))
    return folder


def ritualbot_command() -> list[str]:
    """The installed `ritualbot` console script beside this interpreter, else `python -m bot`."""
    script = Path(sys.executable).with_name("ritualbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


class BotProcess:
    """One `ritualbot run --http` process; `start()`, `kill()` (SIGKILL) and `start()` again."""

    def __init__(
        self,
        workspace: SimulatedWorkspace,
        database_url: str,
        *,
        rituals_path: Sequence[Path] = (),
        tick_seconds: float = 1.0,
        extra_env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.workspace = workspace
        self.database_url = database_url
        self.port = free_port()
        # Its own folder as working directory, so no `.env` of the caller's is read.
        self.home = Path(tempfile.mkdtemp(prefix="ritualbot-process-"))
        self.log_path = log_path or self.home / "bot.log"
        self.env = bot_environment(
            workspace,
            database_url,
            rituals_path=rituals_path,
            extra={"RITUALBOT_TICK_SECONDS": str(tick_seconds), **(extra_env or {})},
        )
        self._process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def upgrade_database(self) -> None:
        """`ritualbot db upgrade`, as an operator runs it before the first start."""
        subprocess.run(  # noqa: S603 (our own console script, fixed arguments)
            [*ritualbot_command(), "db", "upgrade"],
            env=self.env,
            cwd=self.home,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, timeout: float = 60.0) -> BotProcess:
        """Start the process and wait until `/healthz` answers."""
        if self.running:
            return self
        log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            [*ritualbot_command(), "run", "--http", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            cwd=self.home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"ritualbot exited with {self._process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.kill()
        raise TimeoutError(f"ritualbot did not answer /healthz within {timeout} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, leases stay held, transactions are cut off."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)
        self._process = None

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, as a service manager stops it; SIGKILL if it does not stop in time."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._process = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> BotProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def delivered_keys(workspace: SimulatedWorkspace) -> Counter[str]:
    """How many messages the workspace holds for each delivery key (from message metadata)."""
    with workspace.state.lock:
        messages = [m for channel in workspace.state.messages.values() for m in channel if not m.deleted]
    counts: Counter[str] = Counter()
    for message in messages:
        payload = (message.metadata or {}).get("event_payload") or {}
        key = payload.get("delivery")
        if isinstance(key, str):
            counts[key] += 1
    return counts


def prompts_by_person(workspace: SimulatedWorkspace) -> Counter[str]:
    """How many ritual prompts each person received (by the user id ending the delivery key)."""
    counts: Counter[str] = Counter()
    for key, times in delivered_keys(workspace).items():
        match = PROMPT_KEY.fullmatch(key)
        if match:
            counts[match["user"]] += times
    return counts
