"""Delivery measured from outside: `ritualbot run` as its own process, a signed `/ritual trigger`,
timed until the last prompt DM lands in the simulated workspace.

The bot is started with its own CLI (`ritualbot run --http`) against the simulated Web API,
served over real HTTP from this process; nothing of the bot runs here. Three figures:

* **fan-out, no rate limits** — N prompts (default 1,000): prompts/s from the trigger to the last
  DM, against a baseline in the same run: the same N `chat.postMessage` calls made one after
  the other by a bare `WebClient` against the same simulated workspace;
* **under Slack-like budgets** — N prompts (default 600) with `chat.postMessage` at 10/s with a
  burst of 20 across the workspace and Tier 2-4 budgets on the other methods: the time against
  the floor that budget allows (computed: (N - burst) / rate), the 429s the bot drew (count and
  share of its calls), and duplicates;
* **trigger to first DM** — against one bare `chat.postMessage` round trip.

The bot's outbox is drained by its tick today, so the tick interval bounds delivery: the
benchmark sets RITUALBOT_TICK_SECONDS (default 0.1 s here, 20 s in production) and prints it.
Run: `.venv/bin/python -m benchmarks.delivery_end_to_end [-n 1000] [--limited 600] [--runs 3]`
(`--database URL` for an empty PostgreSQL database instead of a scratch SQLite file; `--code DIR`
for the bot of another checkout, say the one before a change, against the same workspace).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient

from benchmarks.common import scratch_database
from simulator import SimulatedWorkspace, SlackDriver, generated_roster
from simulator.bot_process import PROMPT_KEY, BotProcess, delivered_keys, prompts_by_person

OWNER = "U0PRODOPS"
POSTS_PER_SECOND = 10
POST_BURST = 20
RITUAL = """\
id: {ritual_id}
name: Benchmark check-in
owners: [{owner}]
schedule: {{cron: "0 10 1 1 *", timezone: UTC}}
window: {{closes_after: 1d, reminders: []}}
participants: {{usergroup: product-managers}}
form:
  - {{id: status, type: select, label: Status, options: [On track, At risk]}}
audiences:
  - {{name: leaders, to: [general]}}
"""


@dataclass(frozen=True)
class Delivery:
    first_dm: float  # seconds from sending the trigger to the first prompt in the workspace
    last_dm: float  # ... to the last one
    prompts: int
    duplicates: int
    rate_limited: int  # chat.postMessage calls answered 429
    posts: int  # chat.postMessage calls made


def _rituals(prefix: str, runs: int) -> Path:
    """One ritual per run (`<prefix>-<n>`): a second trigger of one ritual in the same minute
    would find its run already open."""
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-bench-rituals-"))
    for run in range(1, runs + 1):
        ritual_id = f"{prefix}-{run}"
        (folder / f"{ritual_id}.yml").write_text(RITUAL.format(ritual_id=ritual_id, owner=OWNER))
    return folder


def _message_count(workspace: SimulatedWorkspace) -> int:
    with workspace.state.lock:
        return sum(len(messages) for messages in workspace.state.messages.values())


def _deliver(workspace: SimulatedWorkspace, bot: BotProcess, ritual_id: str, people: int) -> Delivery:
    """Trigger one ritual and wait for every participant's prompt; the time and what it took."""
    before_messages = _message_count(workspace)
    before_calls = len(workspace.calls())
    before_prompts = sum(prompts_by_person(workspace).values())
    first: float | None = None
    last = prompts = 0.0
    with SlackDriver(workspace, bot.url) as slack:
        started = time.perf_counter()
        reply = slack.slash_command(OWNER, "/ritual", f"trigger {ritual_id}")
        if reply.status != 200:
            raise RuntimeError(f"the trigger was answered {reply.status}: {reply.body}")
        deadline = started + 600
        while time.perf_counter() < deadline:
            arrived = _message_count(workspace) - before_messages
            now = time.perf_counter()
            if first is None and arrived >= 1:
                first = now - started
            # Besides the prompts only the owner's confirmation lands in a DM.
            if arrived >= people:
                prompts = sum(prompts_by_person(workspace).values()) - before_prompts
                if prompts >= people:
                    last = now - started
                    break
            time.sleep(0.002)
        else:
            raise TimeoutError(f"not every prompt arrived; see {bot.log_path}")
    new_calls = [call for call in workspace.calls()[before_calls:] if call.method == "chat.postMessage"]
    # A prompt's key names its run and person: a key found twice is a prompt posted twice.
    doubled = sum(times - 1 for key, times in delivered_keys(workspace).items() if PROMPT_KEY.fullmatch(key))
    return Delivery(
        first_dm=first or last,
        last_dm=last,
        prompts=int(prompts),
        duplicates=doubled,
        rate_limited=sum(1 for call in new_calls if call.status == 429),
        posts=len(new_calls),
    )


def _bare_posts(workspace: SimulatedWorkspace, people: int) -> tuple[float, float]:
    """The baseline: N posts one after the other from a bare WebClient; total and one round trip."""
    client = WebClient(token=workspace.bot_token, base_url=workspace.api_url, retry_handlers=[])
    users = [f"U0PM{i:05d}" for i in range(1, people + 1)]
    single: list[float] = []
    started = time.perf_counter()
    for user in users:
        sent = time.perf_counter()
        client.chat_postMessage(channel=user, text="baseline", blocks=[])
        single.append(time.perf_counter() - sent)
    return time.perf_counter() - started, statistics.median(single)


def _start(
    workspace: SimulatedWorkspace, database: str | None, rituals: Path, tick: float, code: Path | None
) -> BotProcess:
    # Another checkout's bot: its folder first on the path, before this one's installed code.
    extra = {"PYTHONPATH": str(code.resolve())} if code is not None else None
    bot = BotProcess(
        workspace, database or scratch_database(), rituals_path=[rituals], tick_seconds=tick, extra_env=extra
    )
    bot.upgrade_database()
    return bot.start()


def unlimited(people: int, runs: int, tick: float, database: str | None, code: Path | None) -> None:
    with SimulatedWorkspace(generated_roster(people)) as workspace:
        bot = _start(workspace, database, _rituals("bench", runs), tick, code)
        try:
            ours: list[Delivery] = []
            baseline: list[tuple[float, float]] = []
            for run in range(1, runs + 1):
                ours.append(_deliver(workspace, bot, f"bench-{run}", people))
                baseline.append(_bare_posts(workspace, people))
        finally:
            bot.stop()
    last = statistics.median(d.last_dm for d in ours)
    first = statistics.median(d.first_dm for d in ours)
    bare = statistics.median(b[0] for b in baseline)
    one_post = statistics.median(b[1] for b in baseline)
    print(
        f"fan-out, no rate limits, {people} prompts (tick {tick:g} s): trigger to last DM median "
        f"{last:.2f} s = {people / last:.0f} prompts/s (goal >= 200/s); baseline (bare chat.postMessage "
        f"loop) median {bare:.2f} s = {people / bare:.0f}/s; ratio {last / bare:.2f}x; duplicates "
        f"{max(d.duplicates for d in ours)}; over {runs} runs"
    )
    print(
        f"trigger to first DM: median {first * 1000:.0f} ms (goal < 1000 ms); baseline (one bare "
        f"chat.postMessage) median {one_post * 1000:.1f} ms; ratio {first / one_post:.0f}x"
    )


def limited(people: int, runs: int, tick: float, database: str | None, code: Path | None) -> None:
    floor = max(0, people - POST_BURST) / POSTS_PER_SECOND
    with SimulatedWorkspace(generated_roster(people)) as workspace:
        bot = _start(workspace, database, _rituals("limited", runs), tick, code)
        try:
            ours: list[Delivery] = []
            for run in range(1, runs + 1):
                workspace.faults.clear()
                workspace.faults.slack_tiers()
                # Across the workspace, which is what a fan-out of DMs (one channel each) meets.
                workspace.faults.budget("chat.postMessage", per_second=POSTS_PER_SECOND, burst=POST_BURST)
                ours.append(_deliver(workspace, bot, f"limited-{run}", people))
        finally:
            bot.stop()
    last = statistics.median(d.last_dm for d in ours)
    limited_calls = sum(d.rate_limited for d in ours)
    calls = sum(d.posts for d in ours)
    print(
        f"under Slack-like budgets ({POSTS_PER_SECOND}/s, burst {POST_BURST}), {people} prompts "
        f"(tick {tick:g} s): trigger to last DM median {last:.1f} s; floor {floor:.1f} s; ratio "
        f"{last / floor:.2f}x (goal <= 1.1x); 429s {limited_calls} of {calls} chat.postMessage calls "
        f"({100 * limited_calls / max(calls, 1):.1f} %, goal < 1 %); duplicates "
        f"{max(d.duplicates for d in ours)} (goal 0); over {runs} runs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("-n", type=int, default=1000, help="prompts without rate limits")
    parser.add_argument("--limited", type=int, default=600, help="prompts under Slack-like budgets (0: skip)")
    parser.add_argument("--runs", type=int, default=3, help="runs without rate limits")
    parser.add_argument("--limited-runs", type=int, default=1)
    parser.add_argument("--tick", type=float, default=0.1, help="RITUALBOT_TICK_SECONDS for the bot")
    parser.add_argument("--database", help="an empty database for the bot (default: scratch SQLite)")
    parser.add_argument("--code", type=Path, help="run the bot of another checkout (e.g. before a change)")
    arguments = parser.parse_args()
    if arguments.n:
        unlimited(arguments.n, arguments.runs, arguments.tick, arguments.database, arguments.code)
    if arguments.limited:
        limited(arguments.limited, arguments.limited_runs, arguments.tick, arguments.database, arguments.code)


if __name__ == "__main__":
    main()
