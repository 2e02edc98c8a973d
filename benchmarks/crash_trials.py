"""kill -9 at random points of a fan-out, many times: prompts lost, doubled, and time to recover.

The longer run of the crash trial in `tests/e2e/test_crash_recovery.py`: `ritualbot run --http`
as its own process against the simulated workspace, a signed `/ritual trigger` for N people,
SIGKILL once a random number of prompts is out, a restart, and a count of what every person got.
Recovery is timed from the restart to the last prompt; a delivery the dead process held waits
for its lease (`OutboxPolicy.lease`), then one look for an earlier post, so the figures are
printed beside the lease. Trials run `--parallel` at a time (each its own
workspace, database and process). Run:
`.venv/bin/python -m benchmarks.crash_trials [--trials 20] [-n 50] [--parallel 4] [--seed S]`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, func, select

from benchmarks.common import scratch_database
from messaging.outbox import OutboxPolicy
from simulator import SimulatedWorkspace, SlackDriver, generated_roster
from simulator.bot_process import BotProcess, prompts_by_person
from storage.database import create_database_engine
from storage.models import Delivery, DeliveryState

RITUAL = """\
id: crash-trial
name: Crash trial check-in
owners: [U0PRODOPS]
schedule: {cron: "0 10 1 1 *", timezone: UTC}
window: {closes_after: 1d, reminders: []}
participants: {usergroup: product-managers}
form:
  - {id: status, type: select, label: Status, options: [On track, At risk]}
audiences:
  - {name: leaders, to: [general]}
"""


@dataclass(frozen=True)
class Trial:
    killed_after: int
    lost: int
    doubled: int
    recovery: float  # seconds from the restart until every prompt was out and nothing waited


def _count(engine: Engine, *conditions: ColumnElement[bool]) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Delivery).where(*conditions)) or 0)


def one_trial(people: int, kill_after: int, rituals: Path, timeout: float) -> Trial:
    database = scratch_database()
    engine = create_database_engine(database)
    queued = Delivery.dedupe_key.like("run:%:prompt:%")
    unfinished = Delivery.state.in_((DeliveryState.PENDING, DeliveryState.SENDING))
    with SimulatedWorkspace(generated_roster(people)) as workspace:
        bot = BotProcess(workspace, database, rituals_path=[rituals], tick_seconds=0.2)
        bot.upgrade_database()
        try:
            bot.start()
            with SlackDriver(workspace, bot.url) as slack:
                slack.slash_command("U0PRODOPS", "/ritual", "trigger crash-trial")
            # The fan-out has begun once the run is open and its prompts are queued.
            workspace.wait_for(lambda: _count(engine, queued) >= people, timeout=120, interval=0.02)
            workspace.wait_for(lambda: len(prompts_by_person(workspace)) >= kill_after, timeout=120)
            bot.kill()
            restarted = time.monotonic()
            bot.start()
            while time.monotonic() - restarted < timeout:
                if len(prompts_by_person(workspace)) >= people and _count(engine, unfinished) == 0:
                    break
                time.sleep(0.2)
            recovery = time.monotonic() - restarted
            prompts = prompts_by_person(workspace)
        finally:
            bot.stop()
            engine.dispose()
    return Trial(
        killed_after=kill_after,
        lost=people - len(prompts),
        doubled=sum(times - 1 for times in prompts.values()),
        recovery=recovery,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("-n", type=int, default=50, help="participants per trial")
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--seed", type=int, default=None)
    arguments = parser.parse_args()
    seed = arguments.seed if arguments.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    policy = OutboxPolicy()
    # A held delivery: its lease runs out, then one look decides (taken over, not answered badly).
    bound = policy.lease
    rituals = Path(tempfile.mkdtemp(prefix="ritualbot-crash-"))
    (rituals / "crash-trial.yml").write_text(RITUAL)
    kill_points = [rng.randrange(arguments.n) for _ in range(arguments.trials)]
    timeout = bound.total_seconds() + 120
    with ThreadPoolExecutor(max_workers=arguments.parallel) as pool:
        trials = list(pool.map(lambda kill: one_trial(arguments.n, kill, rituals, timeout), kill_points))
    recoveries = [trial.recovery for trial in trials]
    median = statistics.median(recoveries)
    print(
        f"crash trials: {len(trials)} kill -9 during a fan-out to {arguments.n} people (seed {seed}); "
        f"prompts lost {sum(t.lost for t in trials)}, doubled {sum(t.doubled for t in trials)}; "
        f"restart to last prompt median {median:.1f} s, max {max(recoveries):.1f} s; "
        f"the outbox lease {bound.total_seconds():.0f} s, median/lease {median / bound.total_seconds():.2f}"
    )


if __name__ == "__main__":
    main()
