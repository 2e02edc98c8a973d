"""A small team ritual, run through the bot's listeners against the simulated workspace: three
PMs (New York, Los Angeles, London), owned by product ops. The whole path runs over the bot's
real HTTP endpoint (marked `e2e`); the rest hands the same signed requests to `App.dispatch`.

The ritual opens Mondays at 10:00 New York (Monday 18 January 2027 = 15:00 UTC), closes on
Wednesday at 17:00 New York (22:00 UTC) and reminds "24h before close" (Tuesday 17:00 New York,
which is 22:00 in London: quiet hours, so London is reminded on Wednesday at 08:00 instead).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ROW_BLOCK
from simulator import Message, ViewRecord
from storage.models import Answer, Delivery, Participant, Run
from tests.conftest import over_http

ANA, BEN, CHLOE = "U0PM00001", "U0PM00002", "U0PM00003"
OWNER = "U0PRODOPS"
ADMIN = "U0LEAD001"
OUTSIDER = "U0SALES01"
RITUAL = "team-checkin"
STRICT = "strict-checkin"
OPENS = datetime(2027, 1, 18, 15, 0, tzinfo=UTC)
CLOSES = datetime(2027, 1, 20, 22, 0, tzinfo=UTC)

FORM = """
form:
  - {id: status, type: select, label: Overall status, options: [On track, At risk, Off track]}
  - id: roadmap
    type: items
    label: Roadmap items
    max_items: 8
    shareable: true
    shareable_flag: shareable
    item:
      - {id: title, type: text, label: Title, max_length: 150}
      - {id: horizon, type: select, label: Horizon, options: [Now, Next, Later]}
      - {id: status, type: select, label: Status, options: [Planned, In progress, At risk, Shipped]}
      - {id: target_date, type: date, label: Target date, optional: true}
      - {id: link, type: url, label: Link, optional: true}
      - {id: shareable, type: checkbox, label: Customer-shareable}
  - {id: confidence, type: number, label: Confidence (%), min: 0, max: 100, decimal: false}
  - {id: risks, type: long_text, label: Risks, optional: true}
"""


def ritual_yaml(ritual_id: str, name: str, late: str, cron: str = "0 10 * * mon") -> str:
    return f"""
id: {ritual_id}
name: {name}
owners: [{OWNER}]
schedule: {{cron: "{cron}", timezone: America/New_York}}
window:
  closes_after: 2d
  closes_at: "17:00"
  reminders: ["24h before close"]
  max_reminders: 2
  late: {late}
participants:
  users: [{ANA}, {BEN}, {CHLOE}]
{FORM}
audiences:
  - {{name: leaders, to: [product-leads]}}
"""


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(OPENS - timedelta(minutes=5))


@pytest.fixture
def rituals_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rituals"
    folder.mkdir()
    (folder / f"{RITUAL}.yml").write_text(ritual_yaml(RITUAL, "Team check-in", "accept"))
    # Opens on Tuesdays, so it never runs at the same time as the first.
    (folder / f"{STRICT}.yml").write_text(ritual_yaml(STRICT, "Strict check-in", "refuse", "0 10 * * tue"))
    return folder


@pytest.fixture
def sandbox(
    request: pytest.FixtureRequest, engine: Engine, database_url: str, clock: FrozenClock, rituals_dir: Path
) -> Iterator[Sandbox]:
    with Sandbox(
        database_url,
        clock,
        rituals_path=[rituals_dir],
        admins=[ADMIN],
        migrate=False,
        serve_http=over_http(request),
    ) as running:
        yield running


# --- helpers the tests share -------------------------------------------------------------------


def wait(sandbox: Sandbox, condition: Callable[[], Any], timeout: float = 3.0) -> Any:
    return sandbox.workspace.wait_for(condition, timeout=timeout)


def open_run(sandbox: Sandbox, clock: FrozenClock, ritual: str = RITUAL) -> Run:
    """Tick before and at the opening: the run opens and the prompts go out."""
    opens = OPENS if ritual == RITUAL else OPENS + timedelta(days=1)
    clock.set(opens - timedelta(minutes=5))
    sandbox.app.tick()
    clock.set(opens + timedelta(seconds=30))
    sandbox.app.tick()
    return runs(sandbox, ritual)[-1]


def runs(sandbox: Sandbox, ritual: str = RITUAL) -> list[Run]:
    with Session(sandbox.engine) as session:
        return list(session.scalars(select(Run).where(Run.ritual_id == ritual).order_by(Run.id)))


def answers(sandbox: Sandbox, user: str) -> list[Answer]:
    with Session(sandbox.engine) as session:
        return list(session.scalars(select(Answer).where(Answer.user_id == user).order_by(Answer.id)))


def participant(sandbox: Sandbox, run_id: int, user: str) -> Participant:
    with Session(sandbox.engine) as session:
        found = session.scalar(
            select(Participant).where(Participant.run_id == run_id, Participant.user_id == user)
        )
        assert found is not None
        return found


def deliveries(sandbox: Sandbox, kind: str) -> list[Delivery]:
    with Session(sandbox.engine) as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == kind).order_by(Delivery.id)))


def dms(sandbox: Sandbox, user: str) -> list[Message]:
    return sandbox.workspace.dm_messages(user)


def delivery_key(message: Message) -> str:
    return str(((message.metadata or {}).get("event_payload") or {}).get("delivery", ""))


def prompt_of(sandbox: Sandbox, user: str, run_id: int | None = None) -> Message:
    """The user's prompt (its metadata names the prompt delivery, or an update of it)."""
    run = f"run:{run_id}:" if run_id is not None else "run:"
    found = [
        m
        for m in dms(sandbox, user)
        if delivery_key(m).startswith(run) and f":prompt:{user}" in delivery_key(m)
    ]
    assert len(found) == 1, f"{user} has {len(found)} prompts"
    return found[0]


def text_of(message: Message) -> str:
    return message.text + " " + json.dumps(message.blocks, ensure_ascii=False)


def modal(sandbox: Sandbox, user: str, callback_id: str, *, after: ViewRecord | None = None) -> ViewRecord:
    """The modal on top of the user's stack once it is `callback_id` (and not `after`)."""

    def ready() -> ViewRecord | None:
        view = sandbox.workspace.last_modal(user)
        if view is None or view.callback_id != callback_id:
            return None
        if after is not None and view.id == after.id and view.hash == after.hash:
            return None
        return view

    return wait(sandbox, ready)


def row_ids(view: ViewRecord, field_id: str = "roadmap") -> list[str]:
    return [
        b["block_id"]
        for b in view.blocks
        if (m := ROW_BLOCK.match(b.get("block_id", ""))) and m["field"] == field_id
    ]


def fresh(sandbox: Sandbox, view: ViewRecord) -> ViewRecord:
    return sandbox.workspace.view(view.id)
