"""Key results end to end: the built-in OKR check-in, objectives whose sources are a real local
HTTP server, and the bot's real endpoint driven like Slack.

The OKR check-in opens on the last weekday of the month at 10:00 New York: Friday 29 January
2027 (15:00 UTC), closing a week later at 17:00 (Friday 5 February, 22:00 UTC); the next one
opens on Friday 26 February.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.demo.numbers_source import NumbersServer
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from insights.fetching import FetchPolicy, SourceFetcher
from rituals.collect.forms.ids import ANSWER_CALLBACK, key_result_block
from rituals.collect.prompts import FILL_ACTION
from simulator import Message, ViewRecord
from storage.models import Run, RunOrigin, RunState
from tests.conftest import over_http

ANA, BEN = "U0PM00001", "U0PM00002"
OWNER = "U0PRODOPS"
RITUAL = "okr-checkin"
FIRST_OPENS = datetime(2027, 1, 29, 15, 0, tzinfo=UTC)
FIRST_CLOSES = datetime(2027, 2, 5, 22, 0, tzinfo=UTC)
SECOND_OPENS = datetime(2027, 2, 26, 15, 0, tzinfo=UTC)
SECOND_CLOSES = datetime(2027, 3, 5, 22, 0, tzinfo=UTC)
TOKEN = "s3cret-token"

OBJECTIVES = """
objectives:
  - id: grow-activation
    title: Grow activation
    period: 2027-Q1
    key_results:
      - id: activated-teams
        title: Weekly activated teams
        owner: {ana}
        start: 10
        target: 100
        unit: teams
        source:
          url: {teams_url}
          value: data.value
          headers: {{Authorization: "Bearer ${{METRICS_TOKEN}}"}}
      - id: paid-conversion
        title: Paid conversion
        owner: ben@ritualbot-sim.example
        start: 2
        target: 5
        unit: "%"
        source: {{url: {conversion_url}, value: data.value}}
metrics:
  - id: weekly-active
    title: Weekly active users
    source: {{url: {weekly_url}, value: data.value}}
"""


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(FIRST_OPENS - timedelta(minutes=5))


@pytest.fixture
def numbers() -> Iterator[NumbersServer]:
    with NumbersServer() as server:
        server.serve("activated-teams", 42)
        server.serve("weekly-active", 1200)
        server.fail("conversion", 503)
        yield server


@pytest.fixture
def objectives_dir(tmp_path: Path, numbers: NumbersServer) -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    text = OBJECTIVES.format(
        ana=ANA,
        teams_url=numbers.url("activated-teams"),
        conversion_url=numbers.url("conversion"),
        weekly_url=numbers.url("weekly-active"),
    )
    (folder / "objectives.yml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def sandbox(
    request: pytest.FixtureRequest,
    engine: Engine,
    database_url: str,
    clock: FrozenClock,
    objectives_dir: Path,
) -> Iterator[Sandbox]:
    """The bot with the objectives file (its sources on the local numbers server), dispatching
    Slack's requests in process (over HTTP for tests marked `e2e`)."""
    # Retries wait a hundredth of a second instead of half of one: the same code, less waiting.
    fetcher = SourceFetcher(FetchPolicy(first_backoff=0.01), environ={"METRICS_TOKEN": TOKEN})
    with Sandbox(
        database_url,
        clock,
        rituals_path=[objectives_dir],
        migrate=False,
        fetcher=fetcher,
        serve_http=over_http(request),
    ) as box:
        yield box


# --- rows for tests below the Slack side -------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """A key result as a person answered it (the rituals' `KeyResultEntry`)."""

    id: str
    value: float | None
    confidence: str | None
    comment: str | None = None


def add_run(session: Session, opened: datetime, ritual: str = RITUAL, state: RunState = RunState.OPEN) -> Run:
    run = Run(
        ritual_id=ritual,
        occurrence_key=opened.strftime("%Y-%m-%dT%H:%M"),
        scheduled_for=opened,
        state=state,
        origin=RunOrigin.SCHEDULE,
        closes_at=opened + timedelta(days=7),
        created_at=opened,
    )
    session.add(run)
    session.flush()
    return run


# --- what the people and the clock do -----------------------------------------------------------


def tick_at(sandbox: Sandbox, clock: FrozenClock, instant: datetime) -> None:
    clock.set(instant)
    sandbox.app.tick()


def okr_runs(sandbox: Sandbox) -> list[Run]:
    with Session(sandbox.engine) as session:
        return list(session.scalars(select(Run).where(Run.ritual_id == RITUAL).order_by(Run.id)))


def open_okr_run(sandbox: Sandbox, clock: FrozenClock, opens: datetime) -> Run:
    tick_at(sandbox, clock, opens - timedelta(minutes=5))
    tick_at(sandbox, clock, opens + timedelta(seconds=30))
    return okr_runs(sandbox)[-1]


def close_okr_run(sandbox: Sandbox, clock: FrozenClock, closes: datetime) -> None:
    tick_at(sandbox, clock, closes + timedelta(seconds=30))
    for _ in range(5):  # the digest, its replies and the chart wait for their parents
        tick_at(sandbox, clock, clock.now() + timedelta(seconds=5))


def delivery_key(message: Message) -> str:
    return str(((message.metadata or {}).get("event_payload") or {}).get("delivery", ""))


def prompt_of(sandbox: Sandbox, user: str, run: Run) -> Message:
    key = f"run:{run.id}:prompt:{user}"
    [prompt] = [m for m in sandbox.workspace.dm_messages(user) if delivery_key(m) == key]
    return prompt


def open_form(sandbox: Sandbox, user: str, run: Run) -> ViewRecord:
    # The modal the click opens, not one already open: the bot opens it after the click's
    # acknowledgement, and a form open from before would be taken for it until then.
    earlier = sandbox.workspace.last_modal(user)
    sandbox.driver.click(user, prompt_of(sandbox, user, run), FILL_ACTION)

    def ready() -> ViewRecord | None:
        view = sandbox.workspace.last_modal(user)
        if view is None or view.callback_id != ANSWER_CALLBACK:
            return None
        return view if earlier is None or view.id != earlier.id else None

    found: ViewRecord = sandbox.workspace.wait_for(ready)
    return found


def block(view: ViewRecord, block_id: str) -> dict[str, Any]:
    return next(b for b in view.blocks if b.get("block_id") == block_id)


def blocks_text(view: ViewRecord) -> str:
    return json.dumps(view.blocks, ensure_ascii=False)


def kr_input(key_result: str, part: str) -> str:
    return key_result_block("key_results", key_result, part)


def check_in(sandbox: Sandbox, user: str, run: Run, answers: dict[str, dict[str, Any]]) -> ViewRecord:
    """Open the form, fill in each key result's parts (value, confidence, comment) and submit."""
    form = open_form(sandbox, user, run)
    values = {kr_input(kr, part): value for kr, parts in answers.items() for part, value in parts.items()}
    assert sandbox.driver.submit_view(user, form, values) == {}
    return form


def text_of(message: Message) -> str:
    return message.text + " " + json.dumps(message.blocks, ensure_ascii=False)


def digest_thread(sandbox: Sandbox) -> tuple[Message, list[Message]]:
    """The newest OKR digest in #product-leads and the replies in its thread."""
    ws = sandbox.workspace
    parents = [m for m in ws.messages_in("product-leads", include_replies=False) if "OKR check-in" in m.text]
    parent = parents[-1]
    return parent, [m for m in ws.thread("product-leads", parent.ts) if m.ts != parent.ts]
