"""Delivery from outside: `ritualbot run --http` as its own process, triggered by a signed
`/ritual trigger`, timed from the trigger to the first and the last prompt DM in the simulator.

Two budgets:

* `--budget none` (default 1,000 PMs): Slack never says 429. Prompts/s from trigger to last DM,
  against a bare `chat.postMessage` loop posting the same message (text, blocks, metadata) to
  the same N people in the same simulated workspace, in the same run.
* `--budget slack` (default 600 PMs): chat.postMessage 10/s with bursts of 20 workspace-wide
  and one a second per channel, Tier 2-4 budgets for every other method. The floor is what the
  budget allows at best, `(N - burst) / rate`; printed: the ratio to it, the share of calls
  answered 429 and the duplicates.

Run: `.venv/bin/python -m benchmarks.delivery --budget slack [-n 600] [--runs 3]`.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from slack_sdk import WebClient

from benchmarks.common import timed
from bot.database import connect
from simulator import SimulatedWorkspace, SlackDriver, generated_roster
from storage.migrate import upgrade

OWNER = "U0PRODOPS"
RITUAL = "monthly-roadmap-checkin"
POSTS_PER_SECOND, POSTS_BURST = 10.0, 20


@dataclass(frozen=True)
class Outcome:
    first: float  # seconds from the trigger to the first prompt DM
    last: float  # ... to the last one
    calls: int
    rate_limited: int
    duplicates: int
    baseline: float  # seconds for a bare chat.postMessage loop of the same size


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_bot(
    workspace: SimulatedWorkspace, database_url: str, folder: Path
) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RITUAL", "DATABASE_URL"))},
        "SLACK_BOT_TOKEN": workspace.bot_token,
        "SLACK_SIGNING_SECRET": workspace.signing_secret,
        "SLACK_API_URL": workspace.api_url,
        "DATABASE_URL": database_url,
        "RITUALBOT_LOG_LEVEL": os.environ.get("RITUALBOT_LOG_LEVEL", "WARNING"),
    }
    # A fixed argv: this interpreter running the bot's own CLI.
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=None if os.environ.get("RITUALBOT_LOG_LEVEL") else subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/healthz", timeout=1)
            return process, base
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the bot did not come up") from None
            time.sleep(0.1)


def one_run(people: int, budget: str) -> Outcome:
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-delivery-"))
    database_url = f"sqlite:///{folder / 'bench.db'}"
    database = connect(database_url, require_current=False)
    upgrade(database.engine)
    database.close()
    users = {f"U0PM{i:05d}" for i in range(1, people + 1)}
    with SimulatedWorkspace(generated_roster(people)) as workspace:
        if budget == "slack":
            workspace.faults.slack_tiers()
            workspace.faults.token_bucket("chat.postMessage", POSTS_PER_SECOND, POSTS_BURST)
        process, base = _start_bot(workspace, database_url, folder)
        try:
            with SlackDriver(workspace, base) as driver:
                started = datetime.now(UTC)
                driver.slash_command(OWNER, "/ritual", f"trigger {RITUAL}")
                deadline = time.monotonic() + 30 + 3 * people / POSTS_PER_SECOND

                def prompts() -> list[datetime]:
                    return [
                        call.at
                        for call in workspace.calls("chat.postMessage")
                        if call.ok and call.params.get("channel") in users
                    ]

                while len(prompts()) < people:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"only {len(prompts())} of {people} prompts arrived")
                    time.sleep(0.01)
                posted = sorted(prompts())
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
        calls = workspace.calls()
        channels = [
            call.params.get("channel")
            for call in workspace.calls("chat.postMessage")
            if call.ok and call.params.get("channel") in users
        ]
        workspace.faults.clear()
        bare = WebClient(token=workspace.bot_token, base_url=workspace.api_url, retry_handlers=[])
        # The same message as a prompt (text, blocks, metadata), so Slack's side of the work is
        # the same and the ratio is what the outbox adds.
        prompt = next(call.params for call in workspace.calls("chat.postMessage") if call.ok)

        def baseline() -> None:
            for user in sorted(users):
                bare.chat_postMessage(
                    channel=user,
                    text=prompt["text"],
                    blocks=prompt.get("blocks"),
                    metadata=prompt.get("metadata"),
                )

        base_seconds = timed(baseline)
    return Outcome(
        first=(posted[0] - started).total_seconds(),
        last=(posted[-1] - started).total_seconds(),
        calls=len(calls),
        rate_limited=sum(1 for call in calls if call.status == 429),
        duplicates=len(channels) - len(set(channels)),
        baseline=base_seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", choices=("none", "slack"), default="none")
    parser.add_argument("-n", type=int, default=None)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    people = arguments.n or (1000 if arguments.budget == "none" else 600)
    results = [one_run(people, arguments.budget) for _ in range(arguments.runs)]
    first = statistics.median(r.first for r in results)
    last = statistics.median(r.last for r in results)
    share = statistics.median(r.rate_limited / r.calls for r in results)
    duplicates = max(r.duplicates for r in results)
    line = (
        f"{people} prompts, budget {arguments.budget}: trigger to first DM median {first:.2f} s, "
        f"to last DM median {last:.2f} s ({people / last:.0f} prompts/s); "
    )
    if arguments.budget == "slack":
        floor = (people - POSTS_BURST) / POSTS_PER_SECOND
        line += f"floor {floor:.1f} s, ratio {last / floor:.2f}x; "
    else:
        base = statistics.median(r.baseline for r in results)
        line += f"bare chat.postMessage loop median {base:.2f} s ({people / base:.0f}/s), "
        line += f"ratio {last / base:.2f}x; "
    line += f"429s {share:.2%} of calls, duplicates {duplicates}, over {arguments.runs} runs"
    print(line)


if __name__ == "__main__":
    main()
