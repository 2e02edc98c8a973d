"""The demo script: the real bot, the simulated workspace, a fresh SQLite file, a fake clock."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.sandbox import Sandbox
from rituals.clock import FrozenClock

RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"

Echo = Callable[[str], None]


def run_demo(output: Path, echo: Echo) -> None:
    output.mkdir(parents=True, exist_ok=True)
    database = output / "ritualbot-demo.db"
    for leftover in output.glob("ritualbot-demo.db*"):
        leftover.unlink()
    # The first Monday of February 2027, 09:59 in New York: a minute before the check-in opens.
    clock = FrozenClock(datetime(2027, 2, 1, 14, 59, tzinfo=UTC))
    with Sandbox(f"sqlite:///{database}", clock) as sandbox:
        _section(echo, "A product-ops owner asks for help")
        reply = sandbox.driver.slash_command(OWNER, "/ritual", "help")
        for block in reply.json.get("blocks", []):
            text = block.get("text", {}).get("text")
            if text:
                echo(_indent(text))

        _section(echo, "The schedule")
        definition = sandbox.library.get(RITUAL)
        echo(f"  {definition.name}: cron {definition.schedule.cron!r} in {definition.schedule.timezone}")

        _section(echo, "10:00 New York: the tick opens the run")
        clock.advance(timedelta(minutes=1, seconds=5))
        report = sandbox.app.tick()
        echo(f"  opened runs: {report.opened}; messages sent: {report.sent.sent}")
        with sandbox.session_factory() as session:
            from sqlalchemy import select

            from storage.models import Participant

            for participant in session.scalars(select(Participant).order_by(Participant.user_id)):
                echo(
                    f"  participant {participant.user_id} {participant.display_name} ({participant.timezone})"
                )
        calls = [call.method for call in sandbox.workspace.calls()]
        (output / "slack-calls.json").write_text(json.dumps(calls, indent=2))
        echo(f"\nEvery Web API call the bot made is listed in {output / 'slack-calls.json'}.")


def _section(echo: Echo, title: str) -> None:
    echo(f"\n== {title} ==")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
