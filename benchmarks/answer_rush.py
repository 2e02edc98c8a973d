"""A deadline rush: N PMs submit their answer modals, C at a time, into `ritualbot run --http`.

The bot runs as its own process, started with its own command line against a simulated
workspace of N PMs and a database (a scratch SQLite file, or ``--database`` naming an empty
one). A ritual is triggered with `ritualbot trigger`, every PM opens the modal from their prompt
DM, then all N submissions are signed and sent, C concurrent, to `/slack/events`. Each sample is
one submission from send to the bot's acknowledgement. It also prints the CPU each server
process used during its rush, per submission, and how much of it was the thread running
waitress's I/O loop (the process's main thread), from Linux's /proc.

Baseline, in the same run: the very same signed bodies, C concurrent, into a bare Bolt app that
acks a constant (`benchmarks.bare_bolt`), its own process on the same waitress configuration.
Run: `.venv/bin/python -m benchmarks.answer_rush [-n 200] [-c 50] [--rounds 3] [--database URL]`.
With `--against DIR`, every round also measures the bot of another checkout (the code before a
change, in a `git worktree`) right before or after this one, the order alternating, and prints
each round's two side by side with their ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

import simulator.payloads as payloads
from benchmarks.common import percentile, scratch_database
from benchmarks.processes import (
    bot_environment,
    ritualbot,
    start_bare_bolt,
    start_bot,
    stop,
    wait_until_answering,
    wait_until_listening,
)
from rituals.collect.forms.ids import ANSWER_CALLBACK
from rituals.collect.prompts import FILL_ACTION
from simulator import AckTimeoutError, SimulatedWorkspace, SlackDriver, generated_roster
from simulator.bot_process import free_port
from simulator.records import ViewRecord
from simulator.view_state import build_state
from storage.database import create_database_engine
from storage.models import Answer

RITUAL = "deadline-rush"
BOT, BARE_BOLT = "the bot", "bare Bolt"
RITUAL_YAML = f"""
id: {RITUAL}
name: Deadline rush
owners: [U0PRODOPS]
schedule: {{cron: "0 10 1 1 *", timezone: America/New_York}}
window: {{closes_after: 3d, late: accept}}
participants: {{usergroup: product-managers}}
form:
  - {{id: status, type: select, label: Overall status, options: [On track, At risk, Off track]}}
  - {{id: confidence, type: number, label: Confidence (%), min: 0, max: 100, decimal: false}}
  - {{id: highlights, type: long_text, label: Highlights}}
  - {{id: risks, type: long_text, label: Risks, optional: true}}
  - id: launches
    type: items
    label: Launches
    optional: true
    item:
      - {{id: title, type: text, label: Title}}
      - {{id: date, type: date, label: Date, optional: true}}
audiences:
  - {{name: leaders, to: [product-leads]}}
"""


def signed_bodies(workspace: SimulatedWorkspace, forms: dict[str, ViewRecord]) -> list[bytes]:
    """Each PM's filled-in answer modal as Slack would post its submission."""
    bodies = []
    for n, (user, view) in enumerate(sorted(forms.items())):  # in the order of the users' ids
        values = {
            "status": ["On track", "At risk", "Off track"][n % 3],
            "confidence": 40 + n % 60,
            "highlights": f"Shipped milestone {n}; onboarding funnel up {n % 17}%",
        }
        view.state = build_state(view, values)
        payload = payloads.view_submission(workspace.state, user, view, workspace.mint_trigger(user, view.id))
        bodies.append(urlencode({"payload": json.dumps(payload)}).encode())
    return bodies


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds a process has used so far: in all, and in its main thread (Linux's /proc)."""

    total: float
    main_thread: float

    @classmethod
    def of(cls, pid: int) -> CpuUse:
        # The main thread's id is the process's; waitress runs its I/O loop there.
        return cls(_cpu_seconds(f"/proc/{pid}/stat"), _cpu_seconds(f"/proc/{pid}/task/{pid}/stat"))

    def __sub__(self, earlier: CpuUse) -> CpuUse:
        return CpuUse(self.total - earlier.total, self.main_thread - earlier.main_thread)


def _cpu_seconds(stat_file: str) -> float:
    """User and system CPU time in a /proc stat file."""
    fields = Path(stat_file).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rush(
    server: str, connect: Callable[[], SlackDriver], bodies: list[bytes], concurrency: int
) -> list[float]:
    """Send every body to ``server`` (named in any failure), ``concurrency`` at a time; seconds
    from send to ack, each.

    Each sending thread has its own driver, so its own connection, as each of Slack's
    deliveries is its own: one HTTP client shared by all the threads once failed a send with
    `Bad file descriptor`, against the bare Bolt app as against the bot."""
    # Made before the first send: making an HTTP client takes milliseconds of CPU, which would
    # otherwise land in the rush.
    drivers = [connect() for _ in range(concurrency)]
    unused = queue.SimpleQueue[SlackDriver]()
    for driver in drivers:
        unused.put(driver)
    local = threading.local()

    def send(body: bytes) -> float:
        if not hasattr(local, "driver"):
            local.driver = unused.get_nowait()
        try:
            reply = local.driver.post(body, content_type="application/x-www-form-urlencoded")
        except (AckTimeoutError, httpx.TransportError) as error:
            raise RuntimeError(f"{server}: a submission got no answer: {error!r}") from error
        if reply.status != 200 or reply.body.strip() not in ("", "{}"):
            raise RuntimeError(f"{server}: a submission answered {reply.status}: {reply.body[:300]}")
        return float(reply.elapsed)

    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            return list(pool.map(send, bodies))
    finally:
        for driver in drivers:
            driver.close()


def open_forms(
    workspace: SimulatedWorkspace, driver: SlackDriver, people: list[str]
) -> dict[str, ViewRecord]:
    """Every PM clicks the button in their prompt DM; their answer modals, by person."""
    workspace.wait_for(lambda: all(workspace.dm_messages(user) for user in people), timeout=120)

    def click(user: str) -> tuple[str, ViewRecord]:
        [prompt] = workspace.dm_messages(user)
        driver.click(user, prompt, FILL_ACTION)

        def opened() -> ViewRecord | None:
            view = workspace.last_modal(user)
            return view if view is not None and view.callback_id == ANSWER_CALLBACK else None

        return user, workspace.wait_for(opened, timeout=30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(click, people))


def count_answers(database_url: str) -> int:
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(Answer)) or 0)
    finally:
        engine.dispose()


@dataclass
class Round:
    ours: list[float]
    baseline: list[float]
    # The early answers, the first requests of a freshly started bot: kept apart from the rush.
    ours_first: list[float]
    # CPU each server process used during its rush, divided by the submissions.
    cpu_per_submission: CpuUse
    baseline_cpu_per_submission: CpuUse


def one_round(
    people: int, concurrency: int, database_url: str, code: Path | None, settings: dict[str, str]
) -> Round:
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-rush-"))
    (folder / "rituals").mkdir()
    (folder / "rituals" / f"{RITUAL}.yml").write_text(RITUAL_YAML)
    # The first `concurrency` PMs answer early, to both servers, and are not part of the rush: it
    # meets a bot that has saved answers before and has served requests since it started, as at
    # a real deadline. (A bot's first requests compile its SQL statements, each thread at once.)
    early = concurrency
    users = [f"U0PM{i:05d}" for i in range(1, early + people + 1)]
    with SimulatedWorkspace(generated_roster(early + people)) as workspace:
        env = bot_environment(workspace, database_url, rituals=folder / "rituals", extra=settings)
        # Another checkout's bot (the one before a change) against the same baseline.
        bot_env = env if code is None else {**env, "PYTHONPATH": str(code)}
        ritualbot(["db", "upgrade"], bot_env, folder)
        ritualbot(["trigger", RITUAL], bot_env, folder)
        bot_port, bare_port = free_port(), free_port()
        bot, bare = start_bot(bot_port, bot_env, folder), start_bare_bolt(bare_port, env, folder)
        try:
            wait_until_answering(f"http://127.0.0.1:{bot_port}/healthz", bot)
            wait_until_listening(bare_port, bare)

            # Wait past Slack's three seconds: a slow ack is counted, not a crash.
            def to_bot() -> SlackDriver:
                return SlackDriver(workspace, f"http://127.0.0.1:{bot_port}", ack_timeout=60)

            def to_bare() -> SlackDriver:
                return SlackDriver(workspace, f"http://127.0.0.1:{bare_port}", ack_timeout=60)

            with to_bot() as driver:
                bodies = signed_bodies(workspace, open_forms(workspace, driver, users))
            first, measured = bodies[:early], bodies[early:]
            rush(BARE_BOLT, to_bare, first, concurrency)
            before = CpuUse.of(bare.pid)
            baseline = rush(BARE_BOLT, to_bare, measured, concurrency)
            baseline_cpu = CpuUse.of(bare.pid) - before
            ours_first = rush(BOT, to_bot, first, concurrency)
            before = CpuUse.of(bot.pid)
            ours = rush(BOT, to_bot, measured, concurrency)
            ours_cpu = CpuUse.of(bot.pid) - before
        finally:
            bot_output, _ = stop(bot), stop(bare)
    if "Traceback" in bot_output:
        raise RuntimeError(f"the bot failed during the rush:\n{bot_output}")
    saved = count_answers(database_url)
    if saved != early + people:
        raise RuntimeError(f"{saved} answers saved, expected {early + people}")
    return Round(ours, baseline, ours_first, _per(ours_cpu, len(measured)), _per(baseline_cpu, len(measured)))


def _per(use: CpuUse, submissions: int) -> CpuUse:
    return CpuUse(use.total / submissions, use.main_thread / submissions)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200, help="PMs submitting")
    parser.add_argument("-c", "--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="fresh database and processes each")
    parser.add_argument(
        "--database", help="an empty database URL (default: a scratch SQLite file each round)"
    )
    parser.add_argument(
        "--code", type=Path, help="measure the bot of another checkout (e.g. before a change)"
    )
    parser.add_argument(
        "--against",
        type=Path,
        help="also measure the bot of another checkout in every round, next to this one in time, "
        "and print the two side by side, round by round",
    )
    parser.add_argument("--threads", type=int, help="RITUALBOT_HTTP_THREADS for both servers")
    arguments = parser.parse_args()
    ours: list[float] = []
    baseline: list[float] = []
    ours_first: list[float] = []
    cpu: list[CpuUse] = []
    baseline_cpu: list[CpuUse] = []
    pairs: list[tuple[Round, Round]] = []
    settings = {"RITUALBOT_HTTP_THREADS": str(arguments.threads)} if arguments.threads else {}

    def measure(code: Path | None) -> Round:
        url = arguments.database or scratch_database()
        if arguments.database:
            reset(url)
        return one_round(arguments.n, arguments.concurrency, url, code, settings)

    for number in range(arguments.rounds):
        if arguments.against is None:
            measured = measure(arguments.code)
        elif number % 2 == 0:  # which goes first alternates, so a drifting machine favours neither
            measured = measure(arguments.code)
            pairs.append((measured, measure(arguments.against)))
        else:
            other = measure(arguments.against)
            measured = measure(arguments.code)
            pairs.append((measured, other))
        ours += measured.ours
        baseline += measured.baseline
        ours_first += measured.ours_first
        cpu.append(measured.cpu_per_submission)
        baseline_cpu.append(measured.baseline_cpu_per_submission)
    backend = "PostgreSQL" if arguments.database and arguments.database.startswith("postgres") else "SQLite"
    median, base_median = percentile(ours, 50), percentile(baseline, 50)
    p99, base_p99 = percentile(ours, 99), percentile(baseline, 99)
    print(
        f"answer rush on {backend}, {arguments.n} PMs at {arguments.concurrency} concurrent x "
        f"{arguments.rounds} rounds: ack median {median * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms; "
        f"bare Bolt median {base_median * 1000:.0f} ms, p99 {base_p99 * 1000:.0f} ms; "
        f"ratio median {median / base_median:.2f}x, p99 {p99 / base_p99:.2f}x; "
        f"acks later than Slack's 3 s: {sum(s > 3 for s in ours)} (bare Bolt {sum(s > 3 for s in baseline)})"
    )
    print(
        f"the early {arguments.concurrency} answers, the freshly started bot's first requests, "
        f"sent before the rush: median {percentile(ours_first, 50) * 1000:.0f} ms, "
        f"slowest {max(ours_first) * 1000:.0f} ms"
    )
    # What the server process spent during the rush (anything it ran meanwhile included): while
    # the bot's is near one second of CPU per second, the acks follow its CPU per submission.
    print(
        f"server CPU per submission during the rush, median of the rounds: bot {_ms(cpu, 'total')}, "
        f"bare Bolt {_ms(baseline_cpu, 'total')}; of which waitress's I/O loop thread: bot "
        f"{_ms(cpu, 'main_thread')}, bare Bolt {_ms(baseline_cpu, 'main_thread')}"
    )
    if pairs:
        print_pairs(pairs, arguments.against)


def print_pairs(pairs: list[tuple[Round, Round]], other: Path | None) -> None:
    """This bot against the other checkout's, each round's two measured back to back: the
    ratios of the pair (below 1: this one is faster), so the machine's drift over the rounds
    does not count."""
    print(f"round by round, this bot / the bot of {other}:")
    figures: dict[str, list[float]] = {"ack median": [], "ack p99": [], "CPU per submission": []}
    for number, (mine, theirs) in enumerate(pairs, 1):
        ratios = {
            "ack median": percentile(mine.ours, 50) / percentile(theirs.ours, 50),
            "ack p99": percentile(mine.ours, 99) / percentile(theirs.ours, 99),
            "CPU per submission": mine.cpu_per_submission.total / theirs.cpu_per_submission.total,
        }
        for name, ratio in ratios.items():
            figures[name].append(ratio)
        print(
            f"  round {number}: median {percentile(mine.ours, 50) * 1000:.0f} / "
            f"{percentile(theirs.ours, 50) * 1000:.0f} ms, p99 {percentile(mine.ours, 99) * 1000:.0f} / "
            f"{percentile(theirs.ours, 99) * 1000:.0f} ms, CPU {mine.cpu_per_submission.total * 1000:.1f} / "
            f"{theirs.cpu_per_submission.total * 1000:.1f} ms"
        )
    for name, ratios in figures.items():
        lower = sum(ratio < 1 for ratio in ratios)
        print(
            f"  {name}: median ratio {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f} to {max(ratios):.2f}), this bot lower in {lower} of {len(ratios)} rounds"
        )


def _ms(uses: list[CpuUse], part: str) -> str:
    return f"{statistics.median(getattr(use, part) for use in uses) * 1000:.1f} ms"


def reset(url: str) -> None:
    """Empty the named database: every table of ours dropped, so `db upgrade` starts afresh."""
    from sqlalchemy import MetaData, text

    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
