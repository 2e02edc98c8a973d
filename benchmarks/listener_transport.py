"""What the listener tests save: a sandbox that dispatches into Bolt in process, against one
serving the bot's real HTTP endpoint.

Each sample is what a listener test pays per test and per request: build a sandbox, answer a
signed `/ritual help` and a Home tab opening, and close it. Baseline: the same over HTTP (what
the end-to-end tests keep), alternating in the same process.
Run: `.venv/bin/python -m benchmarks.listener_transport [-n 60]`.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from benchmarks.common import report, scratch_database, timed
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.definition.loading import RitualLibrary, load_library
from storage.database import create_database_engine
from storage.migrate import upgrade

PM = "U0PM00001"


def one_test(url: str, library: RitualLibrary, serve_http: bool) -> None:
    clock = FrozenClock(datetime(2027, 1, 13, 15, tzinfo=UTC))
    with Sandbox(url, clock, library=library, migrate=False, serve_http=serve_http) as sandbox:
        sandbox.driver.slash_command(PM, "/ritual", "help")
        sandbox.driver.open_home(PM)
        sandbox.workspace.wait_for(lambda: sandbox.workspace.home_view(PM))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=60)
    runs = parser.parse_args().n
    url = scratch_database()
    engine = create_database_engine(url)
    upgrade(engine)
    engine.dispose()
    library = load_library()  # as the tests share it
    for _ in range(3):  # warm both up
        one_test(url, library, serve_http=False)
        one_test(url, library, serve_http=True)
    dispatched, over_http = [], []
    for _ in range(runs):
        dispatched.append(timed(lambda: one_test(url, library, serve_http=False)))
        over_http.append(timed(lambda: one_test(url, library, serve_http=True)))
    report("listener test (sandbox + 2 requests), in-process dispatch", dispatched, over_http)


if __name__ == "__main__":
    main()
