"""The request edge, measured from outside: the bot started with its own CLI (`ritualbot run
--http`) against the simulated workspace, reached over HTTP like Slack reaches it.

* a signed `/ritual help` (edge: size cap, signature on the raw bytes, shape check, one row in
  the seen-requests table; then Bolt) against the baseline, the same request to a bare Bolt app
  on the same kind of waitress server in this process;
* the same signed bytes sent again (refused 409 by the edge) against the first delivery;
* an unsigned 200 MB body, streamed: how long until the bot answers and how much its peak
  memory grows (read from /proc), where waitress's default would read up to 1 GiB.

Run: `.venv/bin/python -m benchmarks.request_edge [-n 200] [--mb 200]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

import httpx
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from benchmarks.common import report, scratch_database, timed
from benchmarks.processes import bot_environment
from bot.server import HttpServer
from simulator import SimulatedWorkspace, SlackDriver
from simulator.bot_process import free_port
from storage.database import create_database_engine
from storage.migrate import upgrade

FORM = "application/x-www-form-urlencoded"


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def start_bot(workspace: SimulatedWorkspace, database_url: str, port: int) -> subprocess.Popen[str]:
    bot = subprocess.Popen(  # noqa: S603  (this interpreter, fixed arguments)
        [sys.executable, "-m", "bot", "run", "--http", "--host", "127.0.0.1", "--port", str(port)],
        env=bot_environment(workspace, database_url),
        # Every refused request is a warning line; nothing here reads them.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return bot
        except httpx.TransportError:
            time.sleep(0.1)
    bot.kill()
    raise SystemExit("the bot did not come up")


def bare_bolt(workspace: SimulatedWorkspace) -> HttpServer:
    bare = App(
        signing_secret=workspace.signing_secret,
        token_verification_enabled=False,
        client=WebClient(token=workspace.bot_token, base_url=workspace.api_url),
    )

    @bare.command("/ritual")
    def constant(ack: Ack) -> None:
        ack({"response_type": "ephemeral", "text": "help"})

    return HttpServer(SlackRequestHandler(bare), host="127.0.0.1", port=0).start_in_thread()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--mb", type=int, default=200, help="size of the unsigned body, in MB")
    arguments = parser.parse_args()
    database_url = scratch_database()
    engine = create_database_engine(database_url)
    upgrade(engine)
    engine.dispose()
    port = free_port()
    with SimulatedWorkspace() as workspace:
        bot = start_bot(workspace, database_url, port)
        baseline_server = bare_bolt(workspace)
        try:
            driver = SlackDriver(workspace, f"http://127.0.0.1:{port}")
            baseline_driver = SlackDriver(workspace, baseline_server.url)
            for _ in range(20):
                driver.slash_command("U0PM00001", "/ritual", "help")
                baseline_driver.slash_command("U0PM00001", "/ritual", "help")
            samples, baseline = [], []
            for _ in range(arguments.n):
                samples.append(timed(lambda: driver.slash_command("U0PM00001", "/ritual", "help")))
                baseline.append(timed(lambda: baseline_driver.slash_command("U0PM00001", "/ritual", "help")))
            report("signed /ritual help, bot started by its CLI vs bare Bolt", samples, baseline)

            first, replayed = [], []
            for _ in range(arguments.n):
                _channel, fields = workspace.slash_command_fields("U0PM00001", "/ritual", "help")
                send = partial(driver.post, urlencode(fields), content_type=FORM, timestamp=int(time.time()))
                first.append(timed(send))
                replayed.append(timed(send))
                assert send().status == 409
            report("the same signed bytes again (refused 409) vs their first delivery", replayed, first)

            before = peak_rss_mb(bot.pid)

            def chunks() -> Iterator[bytes]:
                for _ in range(arguments.mb):
                    yield b"x" * 1_000_000

            started = time.perf_counter()
            try:
                answer = httpx.post(
                    f"http://127.0.0.1:{port}/slack/events",
                    content=chunks(),
                    headers={"Content-Type": FORM},
                    timeout=120,
                ).status_code
            except httpx.TransportError as error:  # the server may close while we still send
                answer = f"connection closed ({type(error).__name__})"  # type: ignore[assignment]
            elapsed = time.perf_counter() - started
            print(
                f"unsigned {arguments.mb} MB body, streamed: answered {answer} after {elapsed:.2f} s; "
                f"bot peak memory {before:.0f} MB before, {peak_rss_mb(bot.pid):.0f} MB after"
            )
        finally:
            baseline_server.stop()
            bot.terminate()
            bot.wait(timeout=30)


if __name__ == "__main__":
    main()
