"""Two `ritualbot run` processes on one PostgreSQL database, as two replicas behind a balancer.

Both tick, both send: each scheduled occurrence is opened once, a `/ritual close` sent to both
at the same moment makes one digest, and every delivery is posted once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator import SimulatedWorkspace, SlackDriver, generated_roster
from simulator.bot_process import PROMPT_KEY, BotProcess, delivered_keys
from storage.database import create_database_engine
from storage.models import Delivery, DeliveryState, Run, RunState
from tests.e2e.conftest import DatabaseMaker, write_trial_ritual

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

PEOPLE = 12
OWNER = "U0PRODOPS"
# The next minute, then its one-minute window, then the digest; slow machines need the rest.
WAIT_SECONDS = 240
# Starting a Python process that imports the whole app is slow on a loaded 2-core machine.
STARTUP_SECONDS = 180


@pytest.fixture
def replicas(fresh_databases: DatabaseMaker, database_url: str, tmp_path: Path) -> Iterator[list[BotProcess]]:
    if not database_url.startswith("postgresql"):
        pytest.skip("replicas share a PostgreSQL database")
    url = fresh_databases()
    rituals = tmp_path / "rituals"
    write_trial_ritual(rituals, "every-minute", cron="* * * * *", closes_after="1m")
    write_trial_ritual(rituals, "on-demand")
    with SimulatedWorkspace(generated_roster(PEOPLE)) as workspace:
        bots = [
            BotProcess(workspace, url, rituals_path=[rituals], tick_seconds=0.5, log_path=tmp_path / log)
            for log in ("first.log", "second.log")
        ]
        bots[0].upgrade_database()
        try:
            # Started side by side: the first ticks of both meet on the same occurrences.
            with ThreadPoolExecutor(max_workers=len(bots)) as pool:
                for started in [pool.submit(bot.start, STARTUP_SECONDS) for bot in bots]:
                    started.result()
            yield bots
        finally:
            for bot in bots:
                bot.stop()


def _runs(database_url: str) -> list[Run]:
    engine = create_database_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Run)))
    finally:
        engine.dispose()


def _deliveries(database_url: str) -> list[Delivery]:
    engine = create_database_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Delivery)))
    finally:
        engine.dispose()


def _unfinished(database_url: str) -> int:
    waiting = (DeliveryState.PENDING, DeliveryState.SENDING)
    return sum(1 for delivery in _deliveries(database_url) if delivery.state in waiting)


def _open_run_id(database_url: str, ritual_id: str) -> int | None:
    opened = [
        run.id for run in _runs(database_url) if run.ritual_id == ritual_id and run.state is RunState.OPEN
    ]
    return opened[0] if opened else None


def _prompted_in(workspace: SimulatedWorkspace, run_id: int | None) -> int:
    """How many people the workspace holds a prompt of this run for."""
    if run_id is None:
        return 0
    return sum(1 for key in delivered_keys(workspace) if key.startswith(f"run:{run_id}:prompt:"))


def test_two_replicas_open_close_and_deliver_everything_once(replicas: list[BotProcess]) -> None:
    workspace, url = replicas[0].workspace, replicas[0].database_url
    drivers = [SlackDriver(workspace, bot.url) for bot in replicas]
    try:
        assert drivers[0].slash_command(OWNER, "/ritual", "trigger on-demand").status == 200
        # The trigger opens the run after its ack, and the every-minute ritual prompts the same
        # people meanwhile: wait for this run's own prompts, or the close could arrive first.
        workspace.wait_for(
            lambda: _prompted_in(workspace, _open_run_id(url, "on-demand")) >= PEOPLE, timeout=60
        )
        # Both replicas are asked to close the same run at the same moment.
        closers = [
            threading.Thread(target=driver.slash_command, args=(OWNER, "/ritual", "close on-demand"))
            for driver in drivers
        ]
        for closer in closers:
            closer.start()
        for closer in closers:
            closer.join()

        def settled() -> bool:
            closed = {run.ritual_id for run in _runs(url) if run.state is RunState.CLOSED}
            return closed == {"every-minute", "on-demand"} and _unfinished(url) == 0

        # The every-minute ritual keeps opening runs, so settling is a moment, not a lasting state:
        # judge the moment the loop saw. Asking again could meet the next minute's prompts queued.
        deadline = time.monotonic() + WAIT_SECONDS
        while not (was_settled := settled()) and time.monotonic() < deadline:
            time.sleep(1)
        logs = "\n".join(bot.log_tail() for bot in replicas)
        assert was_settled, logs
    finally:
        for driver in drivers:
            driver.close()
    for bot in replicas:
        bot.stop()  # what the database and the workspace hold now stays still

    runs = _runs(url)
    occurrences = [(run.ritual_id, run.occurrence_key) for run in runs]
    assert len(occurrences) == len(set(occurrences))  # each occurrence opened once
    posted = delivered_keys(workspace)
    assert {key: times for key, times in posted.items() if times > 1} == {}, logs  # none posted twice
    deliveries = _deliveries(url)
    sent = {d.dedupe_key for d in deliveries if d.state is DeliveryState.SENT and d.kind != "webhook"}
    assert set(posted) <= sent  # nothing in Slack the database does not know as sent
    for run in runs:
        if run.state is not RunState.CLOSED:
            continue
        of_run = [d.dedupe_key for d in deliveries if d.run_id == run.id]
        assert len([key for key in of_run if PROMPT_KEY.fullmatch(key)]) == PEOPLE, run.ritual_id
        digests = [key for key in of_run if key.startswith("pub:") and key.endswith(":part0")]
        assert len(digests) == 1, (run.ritual_id, digests)  # the concurrent close included
        assert all(posted[key] == 1 for key in digests)
