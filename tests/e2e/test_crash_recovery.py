"""kill -9 during a fan-out, then a restart: every participant gets exactly one prompt.

The bot runs as its own process (`ritualbot run --http`) against the simulated workspace over
real HTTP; the ritual is opened by a signed `/ritual trigger`; the process is killed with
SIGKILL once a random number of prompts is out (none to all but one), started again, and the
workspace must end with one prompt per person: none lost, none doubled. The trials run side by
side (each its own workspace, database and process) so the suite pays for one recovery wait.

A delivery the dead process held is left alone until its lease runs out, then looked for
before it is posted again, so the wait is read from `OutboxPolicy` rather than guessed.
"""

from __future__ import annotations

import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, Engine, func, select

from messaging.outbox import OutboxPolicy
from simulator import SimulatedWorkspace, SlackDriver, generated_roster
from simulator.bot_process import BotProcess, prompts_by_person
from storage.database import create_database_engine
from storage.models import Delivery, DeliveryState
from tests.e2e.conftest import DatabaseMaker, write_trial_ritual

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

PEOPLE = 30
TRIALS = int(os.environ.get("RITUALBOT_CRASH_TRIALS", "3"))
POLICY = OutboxPolicy()
# A held delivery waits for its lease, then one look for an earlier post (with margin for the
# look-ups of a post answered badly); the rest
# is starting a process and draining the outbox, generously on a busy 2-core machine.
# Starting a Python process that imports the whole app is slow on a loaded 2-core machine.
STARTUP_SECONDS = 180
RECOVERY = POLICY.lease + POLICY.first_backoff + POLICY.second_look_after + timedelta(seconds=90)


def _count(engine: Engine, *conditions: ColumnElement[bool]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Delivery).where(*conditions)) or 0)


def _queued_prompts(engine: Engine) -> int:
    return _count(engine, Delivery.dedupe_key.like("run:%:prompt:%"))


def _unfinished(engine: Engine) -> int:
    return _count(engine, Delivery.state.in_((DeliveryState.PENDING, DeliveryState.SENDING)))


def _trial(database_url: str, rituals: Path, kill_after: int) -> tuple[dict[str, int], int, str]:
    """One crash and restart; the prompts each person got, unfinished deliveries, the bot's log."""
    engine = create_database_engine(database_url)
    with SimulatedWorkspace(generated_roster(PEOPLE)) as workspace:
        bot = BotProcess(workspace, database_url, rituals_path=[rituals], tick_seconds=0.2)
        bot.upgrade_database()
        try:
            bot.start(STARTUP_SECONDS)
            with SlackDriver(workspace, bot.url) as slack:
                reply = slack.slash_command("U0PRODOPS", "/ritual", "trigger crash-trial")
                assert reply.status == 200
            # The fan-out has begun once the run is open and its prompts are queued (a kill
            # between the command's ack and that is a lost command, not a lost prompt).
            workspace.wait_for(lambda: _queued_prompts(engine) >= PEOPLE, timeout=120, interval=0.02)
            workspace.wait_for(lambda: len(prompts_by_person(workspace)) >= kill_after, timeout=120)
            bot.kill()
            bot.start(STARTUP_SECONDS)
            deadline = time.monotonic() + RECOVERY.total_seconds()
            while time.monotonic() < deadline:
                if len(prompts_by_person(workspace)) >= PEOPLE and _unfinished(engine) == 0:
                    break
                time.sleep(0.5)
            return dict(prompts_by_person(workspace)), _unfinished(engine), bot.log_tail()
        finally:
            bot.stop()
            engine.dispose()


def test_kill_9_during_a_fan_out_loses_and_doubles_no_prompt(
    fresh_databases: DatabaseMaker, tmp_path: Path
) -> None:
    seed = int(os.environ.get("RITUALBOT_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    rituals = write_trial_ritual(tmp_path / "rituals", "crash-trial")
    kill_points = [rng.randrange(PEOPLE) for _ in range(TRIALS)]
    databases = [fresh_databases() for _ in kill_points]
    with ThreadPoolExecutor(max_workers=TRIALS) as pool:
        trials = zip(databases, kill_points, strict=True)
        runs = [pool.submit(_trial, url, rituals, kill) for url, kill in trials]
        results = [run.result() for run in runs]
    everyone = {f"U0PM{i:05d}" for i in range(1, PEOPLE + 1)}
    for kill_after, (prompts, unfinished, log) in zip(kill_points, results, strict=True):
        context = f"seed {seed}, killed after {kill_after} prompts; the bot's log ends:\n{log}"
        assert set(prompts) == everyone, context  # none lost
        assert set(prompts.values()) == {1}, context  # none doubled
        assert unfinished == 0, context
