"""A closed-run scenario for the monthly roadmap check-in, with answers written as the modal
stores them (dates as ISO text, checkboxes as booleans)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.library import BUILTIN_LIBRARY
from rituals.runs.opening import create_manual_run
from storage.models import Answer, Participant, ParticipantState, Run
from tests.conftest import over_http

RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 2, 1, 15, 0, tzinfo=UTC))


@pytest.fixture
def sandbox(
    request: pytest.FixtureRequest, engine: Engine, database_url: str, clock: FrozenClock, tmp_path: Path
) -> Iterator[Sandbox]:
    """The built-in check-in with every answer in the leaders' post itself (no full-answers
    canvas): these tests are about posting, splitting and editing long posts."""
    folder = tmp_path / "rituals"
    folder.mkdir()
    built_in = (BUILTIN_LIBRARY / f"{RITUAL}.yml").read_text()
    (folder / f"{RITUAL}.yml").write_text(built_in.replace(", full_answers: canvas", ""))
    with Sandbox(
        database_url, clock, migrate=False, rituals_path=[folder], serve_http=over_http(request)
    ) as running:
        yield running


def roadmap(title: str, horizon: str = "Now", status: str = "In progress", **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "horizon": horizon,
        "status": status,
        "target_date": extra.get("target_date"),
        "link": extra.get("link"),
        "shareable": extra.get("shareable", False),
    }


def answer_values(*items: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "status": fields.get("status", "On track"),
        "roadmap": list(items),
        "risks": fields.get("risks"),
        "asks": fields.get("asks"),
        "customer_update": fields.get("customer_update"),
    }


@pytest.fixture
def open_run(sandbox: Sandbox, clock: FrozenClock) -> Run:
    definition = sandbox.library.get(RITUAL)
    with sandbox.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="test")
    opened = sandbox.app.services.opener.open(run, clock.now())
    assert opened is not None
    return opened.run


AnswerFn = Callable[..., None]


@pytest.fixture
def answer(sandbox: Sandbox, clock: FrozenClock, open_run: Run) -> AnswerFn:
    """Record a PM's answer the way the modal does (a new version, participant answered)."""

    def record(user: str, values: dict[str, Any], *, late: bool = False, run: Run | None = None) -> None:
        target = run or open_run
        with sandbox.session_factory.begin() as session:
            version = 1 + len(
                list(
                    session.scalars(select(Answer).where(Answer.run_id == target.id, Answer.user_id == user))
                )
            )
            session.add(
                Answer(
                    run_id=target.id,
                    ritual_id=target.ritual_id,
                    user_id=user,
                    version=version,
                    values=values,
                    late=late,
                    submitted_at=clock.now(),
                )
            )
            participant = session.scalar(
                select(Participant).where(Participant.run_id == target.id, Participant.user_id == user)
            )
            assert participant is not None
            participant.state = ParticipantState.ANSWERED
            participant.responded_at = clock.now()

    return record


def close(sandbox: Sandbox, clock: FrozenClock, run: Run) -> None:
    clock.advance(timedelta(minutes=5))
    assert sandbox.app.services.closer.close(run.id, clock.now(), note="closed by test")
    sandbox.app.tick()


def add_participants(sandbox: Sandbox, run: Run, prefix: str, count: int) -> None:
    """Many more people in a run than the simulated workspace has, for size tests."""
    with sandbox.session_factory.begin() as session:
        for n in range(count):
            session.add(
                Participant(
                    run_id=run.id,
                    user_id=f"{prefix}{n:05d}",
                    display_name=f"pm {n:04d}",
                    timezone="UTC",
                    state=ParticipantState.PENDING,
                    reminders_sent=0,
                )
            )


def deliver_everything(sandbox: Sandbox, clock: FrozenClock) -> None:
    """Tick until the outbox is empty: thread replies wait a moment for their parent's ts."""
    for _ in range(200):
        clock.advance(timedelta(seconds=3))
        if not sandbox.app.tick().sent.sent:
            return
