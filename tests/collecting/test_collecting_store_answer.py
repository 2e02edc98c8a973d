"""`store_answer` writes the answer, the participant answered and the copy queued: as three
statements on SQLite and as one on PostgreSQL, with the same rows either way, and says whether
the copy was queued now (the caller then wakes the sender)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, event, select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from messaging.outbox import enqueue_composed
from rituals.collect.answer_copy import ANSWER_COPY
from rituals.collect.answers import StoredAnswer, store_answer
from storage.models import Answer, Delivery, Participant, ParticipantState, Run

from .conftest import ANA, open_run

# What identifies a delivery rather than describes it.
_OWN_COLUMNS = {"id", "dedupe_key", "payload"}


def _participant(session: Session, run: Run, user: str) -> Participant:
    return session.scalars(
        select(Participant).where(Participant.run_id == run.id, Participant.user_id == user)
    ).one()


def _store(session: Session, run: Run, person: Participant, clock: FrozenClock) -> StoredAnswer:
    return store_answer(
        session.connection(),
        run,
        person,
        {"status": "On track", "confidence": 80},
        version=1,
        late=False,
        source_id="view:V1",
        now=clock.now(),
    )


def _columns(delivery: Delivery) -> dict[str, Any]:
    return {
        column.key: getattr(delivery, column.key)
        for column in Delivery.__table__.columns
        if column.key not in _OWN_COLUMNS
    }


def test_the_answer_its_participant_and_its_copy_in_the_fewest_statements(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    run = open_run(sandbox, clock)
    clock.advance(timedelta(minutes=5))
    statements: list[str] = []

    def executed(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    with sandbox.session_factory.begin() as session:
        person = _participant(session, run, ANA)
        before = person.prompt_version
        event.listen(sandbox.engine, "before_cursor_execute", executed)
        try:
            stored = _store(session, run, person, clock)
        finally:
            event.remove(sandbox.engine, "before_cursor_execute", executed)
        assert stored.queued  # the caller wakes the sender
        answer = stored.answer
        # The copy as the general path queues one, for its columns to be compared.
        assert enqueue_composed(
            session,
            key="reference",
            kind=ANSWER_COPY,
            target=ANA,
            composer=ANSWER_COPY,
            source=answer.id,
            now=clock.now(),
            run_id=run.id,
        )

    on_postgresql = sandbox.engine.dialect.name == "postgresql"
    assert len(statements) == (1 if on_postgresql else 3), statements
    with Session(sandbox.engine) as session:
        saved = session.get(Answer, answer.id)
        assert saved is not None
        assert (saved.user_id, saved.version, saved.values, saved.source_id, saved.late) == (
            ANA,
            1,
            {"status": "On track", "confidence": 80},
            "view:V1",
            False,
        )
        assert saved.submitted_at == clock.now()
        person = _participant(session, run, ANA)
        assert person.state == ParticipantState.ANSWERED
        assert person.responded_at == clock.now()
        assert person.prompt_version == before + 1  # the prompt is redrawn
        key = f"run:{run.id}:answer-copy:{ANA}:v1"
        copy = session.scalars(select(Delivery).where(Delivery.dedupe_key == key)).one()
        reference = session.scalars(select(Delivery).where(Delivery.dedupe_key == "reference")).one()
        assert copy.payload == {"composed": {"composer": ANSWER_COPY, "source": answer.id}}
        assert _columns(copy) == _columns(reference)


def test_a_copy_queued_before_is_kept_and_the_answer_is_still_saved(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    run = open_run(sandbox, clock)
    key = f"run:{run.id}:answer-copy:{ANA}:v1"
    with sandbox.session_factory.begin() as session:
        enqueue_composed(
            session, key=key, kind=ANSWER_COPY, target=ANA, composer=ANSWER_COPY, source=0, now=clock.now()
        )
    with sandbox.session_factory.begin() as session:
        stored = _store(session, run, _participant(session, run, ANA), clock)
        assert not stored.queued  # nothing new to send
        answer = stored.answer
    with Session(sandbox.engine) as session:
        assert session.get(Answer, answer.id) is not None
        [copy] = session.scalars(select(Delivery).where(Delivery.dedupe_key == key))
        assert copy.payload == {"composed": {"composer": ANSWER_COPY, "source": 0}}
