"""Runs with participants and answer versions, written straight into the test database.

The exports read what the lifecycle leaves behind (runs, participant rows, answer versions), so
the tests insert exactly that instead of driving a whole run through Slack.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from rituals.definition.loading import load_library
from rituals.definition.schema import RitualDefinition
from storage.database import SessionFactory
from storage.models import Answer, Participant, ParticipantState, Run, RunOrigin, RunState

RITUAL = "monthly-roadmap-checkin"
OWNER = "U0PRODOPS"
ANA, BEN, CHLOE, DIETER = "U0PM00001", "U0PM00002", "U0PM00003", "U0PM00004"
NAMES = {ANA: "Ana Alvarez", BEN: "Ben Okafor", CHLOE: "Chloe Martin", DIETER: "Dieter Schmidt"}
# 10:00 New York on the first Mondays of February and March 2027.
FEBRUARY = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)
MARCH = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)


@dataclass
class Person:
    user: str
    state: ParticipantState = ParticipantState.PENDING
    skip_reason: str | None = None
    delegated_to: str | None = None
    # Each element is one answer version's values, oldest first; the last one is the latest.
    versions: list[dict[str, Any]] = field(default_factory=list)
    late: bool = False
    name: str | None = None


def insert_run(
    session: Session,
    key: str,
    opens: datetime,
    people: Iterable[Person] = (),
    *,
    ritual_id: str = RITUAL,
    state: RunState = RunState.CLOSED,
) -> Run:
    run = Run(
        ritual_id=ritual_id,
        occurrence_key=key,
        scheduled_for=opens,
        state=state,
        origin=RunOrigin.SCHEDULE,
        opened_at=opens,
        closes_at=opens + timedelta(days=3, hours=7),
        closed_at=opens + timedelta(days=3, hours=7) if state is RunState.CLOSED else None,
        created_at=opens,
    )
    session.add(run)
    session.flush()
    for person in people:
        session.add(
            Participant(
                run_id=run.id,
                user_id=person.user,
                display_name=person.name or NAMES.get(person.user, person.user),
                timezone="America/New_York",
                state=person.state,
                skip_reason=person.skip_reason,
                delegated_to=person.delegated_to,
            )
        )
        for version, values in enumerate(person.versions, start=1):
            session.add(
                Answer(
                    run_id=run.id,
                    ritual_id=ritual_id,
                    user_id=person.user,
                    version=version,
                    values=values,
                    late=person.late,
                    submitted_at=opens + timedelta(hours=version),
                )
            )
    session.flush()
    return run


def roadmap_answer(*items: dict[str, Any], **scalars: Any) -> dict[str, Any]:
    return {"status": "On track", "roadmap": list(items), **scalars}


def item(title: str, horizon: str = "Now", status: str = "In progress", **rest: Any) -> dict[str, Any]:
    return {"title": title, "horizon": horizon, "status": status, "shareable": False, **rest}


def february_people() -> list[Person]:
    """Ana answered twice (two items in the latest version), Ben skipped, Chloe said nothing,
    Dieter answered late with no items."""
    return [
        Person(
            ANA,
            ParticipantState.ANSWERED,
            versions=[
                roadmap_answer(item("Old draft")),
                roadmap_answer(
                    item("SSO for hospitals", target_date="2027-03-15", link="https://example.com/sso"),
                    item("Audit log", "Next", "Planned", shareable=True),
                    risks="Vendor contract & <legal> review",
                ),
            ],
        ),
        Person(BEN, ParticipantState.SKIPPED, skip_reason="On leave until the 10th"),
        Person(CHLOE),
        Person(DIETER, ParticipantState.ANSWERED, versions=[roadmap_answer(status="At risk")], late=True),
    ]


@pytest.fixture
def roadmap() -> RitualDefinition:
    return load_library().get(RITUAL)


def definition_from(form: Sequence[dict[str, Any]], ritual_id: str = "plain-checkin") -> RitualDefinition:
    return RitualDefinition.model_validate(
        {
            "id": ritual_id,
            "name": "Plain check-in",
            "owners": [OWNER],
            "schedule": {"cron": "0 10 * * mon", "timezone": "America/New_York"},
            "participants": {"users": [ANA, BEN]},
            "form": list(form),
        }
    )


@pytest.fixture
def february(session_factory: SessionFactory) -> Run:
    with session_factory.begin() as session:
        return insert_run(session, "2027-02-01T10:00", FEBRUARY, february_people())
