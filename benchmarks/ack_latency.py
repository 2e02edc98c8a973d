"""Acknowledgement latency of `/ritual help` through the real endpoint.

Baseline: the same signed request to a bare Bolt app (one listener that acks a constant) on the
same waitress server, in the same process, so the ratio shows what ritualbot adds on top of
Bolt and HTTP. Run: `.venv/bin/python -m benchmarks.ack_latency [-n 300]`.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from slack_bolt import Ack, App

from benchmarks.common import report, scratch_database, timed
from bot.sandbox import Sandbox
from bot.server import HttpServer
from core.clock import FrozenClock
from simulator import SlackDriver


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=300)
    runs = parser.parse_args().n
    clock = FrozenClock(datetime(2027, 1, 13, 15, tzinfo=UTC))
    with Sandbox(scratch_database(), clock) as sandbox:
        bare = App(
            signing_secret=sandbox.workspace.signing_secret,
            token_verification_enabled=False,
            client=sandbox.client,
        )

        @bare.command("/ritual")
        def constant(ack: Ack) -> None:
            ack({"response_type": "ephemeral", "text": "help"})

        from slack_bolt.adapter.wsgi import SlackRequestHandler

        baseline_server = HttpServer(SlackRequestHandler(bare), host="127.0.0.1", port=0).start_in_thread()
        baseline_driver = SlackDriver(sandbox.workspace, baseline_server.url)
        for _ in range(20):  # warm both paths up
            sandbox.driver.slash_command("U0PM00001", "/ritual", "help")
            baseline_driver.slash_command("U0PM00001", "/ritual", "help")
        samples, baseline = [], []
        for _ in range(runs):
            samples.append(timed(lambda: sandbox.driver.slash_command("U0PM00001", "/ritual", "help")))
            baseline.append(timed(lambda: baseline_driver.slash_command("U0PM00001", "/ritual", "help")))
        baseline_driver.close()
        baseline_server.stop()
    report("ack latency, /ritual help", samples, baseline)


if __name__ == "__main__":
    main()
