"""Start-up: from launching `ritualbot run --http` to its first `/healthz` 200.

The bot is started with its own command line against a simulated workspace and a migrated
database (a scratch SQLite file, or ``--database``), several times; each sample ends when the
health check answers. Baseline, alternating in the same run: the bare Bolt app of
`benchmarks.bare_bolt` on the same server, from launch to accepting connections, which is what
Python, Bolt and waitress cost before anything of ours.
Run: `.venv/bin/python -m benchmarks.start_time [-n 7] [--database URL] [--code DIR]`.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from benchmarks.common import scratch_database
from benchmarks.processes import (
    bot_environment,
    ritualbot,
    start_bare_bolt,
    start_bot,
    stop,
    wait_until_answering,
    wait_until_listening,
)
from simulator import SimulatedWorkspace
from simulator.bot_process import free_port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=7)
    parser.add_argument("--database", help="a database URL (default: a scratch SQLite file)")
    parser.add_argument(
        "--code", type=Path, help="measure the bot of another checkout (e.g. before a change)"
    )
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-start-"))
    with SimulatedWorkspace() as workspace:
        env = bot_environment(workspace, arguments.database or scratch_database())
        bot_env = env if arguments.code is None else {**env, "PYTHONPATH": str(arguments.code)}
        ritualbot(["db", "upgrade"], bot_env, folder)
        ours, baseline = [], []
        for _ in range(arguments.n):
            port = free_port()
            bot = start_bot(port, bot_env, folder)
            try:
                ours.append(wait_until_answering(f"http://127.0.0.1:{port}/healthz", bot))
            finally:
                stop(bot)
            port = free_port()
            bare = start_bare_bolt(port, env, folder)
            try:
                baseline.append(wait_until_listening(port, bare))
            finally:
                stop(bare)
    median, base = statistics.median(ours), statistics.median(baseline)
    print(
        f"start to /healthz 200: median {median:.2f} s (min {min(ours):.2f}, max {max(ours):.2f}); "
        f"bare Bolt on the same server, start to listening: median {base:.2f} s; "
        f"ratio {median / base:.2f}x over {arguments.n} starts"
    )


if __name__ == "__main__":
    main()
