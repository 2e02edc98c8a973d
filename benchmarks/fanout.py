"""Fan-out: open the monthly roadmap check-in for N PMs and deliver every prompt.

Measures the whole path (resolve the user group and N people over the Web API, insert the run,
participants and N outbox rows, post N DMs through the outbox: batches claimed by one statement,
posted in parallel, recorded per batch) against a baseline in the same process: the same N
`chat.postMessage` calls, with the prompt's own text, blocks and metadata, made one after the
other with a bare `WebClient` to the same simulated workspace. Run:
`.venv/bin/python -m benchmarks.fanout [-n 1000] [--runs 3]`.
"""

from __future__ import annotations

import argparse
import statistics
from datetime import UTC, datetime, timedelta

from benchmarks.common import scratch_database, timed
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from simulator import generated_roster

OPENS = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)


def one_run(people: int) -> tuple[float, float, int]:
    clock = FrozenClock(OPENS - timedelta(minutes=1))
    with Sandbox(scratch_database(), clock, roster=generated_roster(people)) as sandbox:
        sandbox.app.tick()
        clock.set(OPENS + timedelta(seconds=30))

        # One tick opens the run and drains the outbox: batches claimed by one statement each,
        # posted in parallel on the sender's threads, outcomes recorded per batch.
        ours = timed(sandbox.app.tick)
        sent = len(sandbox.workspace.calls("chat.postMessage"))
        users = [f"U0PM{i:05d}" for i in range(1, people + 1)]

        # The same message as a prompt (text, blocks, metadata): Slack's side of the work is the
        # same, so the ratio is what opening the run and the outbox add.
        prompt = sandbox.workspace.calls("chat.postMessage")[0].params

        def baseline() -> None:
            for user in users:
                sandbox.client.chat_postMessage(
                    channel=user,
                    text=prompt["text"],
                    blocks=prompt.get("blocks"),
                    metadata=prompt.get("metadata"),
                )

        base = timed(baseline)
    return ours, base, sent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    results = [one_run(arguments.n) for _ in range(arguments.runs)]
    ours = statistics.median(r[0] for r in results)
    base = statistics.median(r[1] for r in results)
    sent = results[0][2]
    print(
        f"fan-out to {arguments.n} PMs: {sent} DMs; "
        f"median {ours:.2f} s ({arguments.n / ours:.0f} prompts/s), "
        f"baseline (bare chat.postMessage loop) median {base:.2f} s ({arguments.n / base:.0f}/s), "
        f"ratio {ours / base:.2f}x over {arguments.runs} runs"
    )


if __name__ == "__main__":
    main()
