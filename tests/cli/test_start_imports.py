"""`ritualbot run` starts without what only other commands, or only later work, need.

A fresh interpreter does what `run` does before it serves: resolve the command, read the
configuration and build the app on a database; then it says which of the modules that only
other commands (the demo's simulator, the terminal's rich), only some deployments (the
PostgreSQL driver, holiday calendars, audience webhooks) or only later work (reading key result
sources over HTTP, drawing charts) need were loaded. Not timed: the start-up figure lives in
`benchmarks/start_time.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Each is loaded where it is used (see the comment beside each import).
NOT_AT_START = (
    "simulator",  # the demo's and the tests' workspace
    "rich",  # the demo's and `preview`'s terminal output
    "websockets",  # Socket Mode only, and only when it connects
    "matplotlib",  # key result charts, drawn at a digest
    "httpx",  # key result sources, read when a run opens and closes; audience webhooks
    "holidays",  # rituals that name a holiday calendar
    "multiprocessing",  # APScheduler's pool executor: the clock starts beside the server
    "psycopg",  # PostgreSQL deployments: loaded by their engine, not by the outbox sender
)

START = textwrap.dedent(
    """
    import json, sys

    import click
    from slack_sdk import WebClient

    from bot.app import create_app
    from bot.cli import main
    from bot.configuration import load_configuration
    from bot.database import connect
    from bot.settings import Settings
    from core.clock import SystemClock
    from storage.migrate import upgrade

    main.get_command(click.Context(main), "run")
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET="secret")
    configuration = load_configuration([], live=False)
    database = connect("sqlite://", require_current=False)
    upgrade(database.engine)
    create_app(
        settings,
        client=WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/"),
        session_factory=database.session_factory,
        clock=SystemClock(),
        library=configuration.library,
        domains=configuration.domains,
    )
    loaded = {name.partition(".")[0] for name in sys.modules}
    print(json.dumps(sorted(loaded)))
    """
)


def test_run_builds_its_app_without_the_modules_it_does_not_need() -> None:
    result = subprocess.run(
        [sys.executable, "-c", START], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    # It did build the app.
    assert "slack_bolt" in loaded
    assert "sqlalchemy" in loaded
    assert sorted(loaded & set(NOT_AT_START)) == []
