"""Answers: every submission is a new version, never an overwrite, and a copy goes to the PM.

Saving is idempotent on the submission's identity (the modal's view id): Slack may deliver a
submission twice, and the unique ``source_id`` makes the second delivery find the first instead
of adding a version, a state change and another copy in the DM.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, String, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from core.errors import NotAllowed, UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import announce, composed_delivery, enqueue_composed
from rituals.collect.answer_copy import ANSWER_COPY
from rituals.collect.submitting import PersonFacts, RunFacts
from rituals.definition.schema import RitualDefinition
from rituals.runs.participants import ANSWERED, mark_answered
from storage.models import Answer, Delivery, Participant, ParticipantState, Run, RunState

_ANSWER_COLUMNS = ("run_id", "ritual_id", "user_id", "version", "values", "late", "submitted_at", "source_id")
# Its new id comes back the way the database gives it most cheaply: SQLite's last row id, a
# RETURNING on PostgreSQL (SQLAlchemy picks), rather than a RETURNING row to step to on SQLite.
_INSERT_ANSWER = insert(Answer.__table__)  # type: ignore[arg-type]


def _stored_in_one_statement() -> Select[Any]:
    """PostgreSQL: the answer inserted, its participant answered and its copy queued in one
    statement, one round trip instead of three while Slack waits for the acknowledgement.

    Data-modifying WITH clauses: each runs once, whether or not the SELECT reads it. The copy
    names the new answer's id, which exists only inside the statement, so it is queued with
    ``INSERT … SELECT`` from the answer's RETURNING. The SELECT gives the new id and how many
    copies were queued (0 if the copy's key was queued before). Parameters: the answer's
    columns prefixed with ``answer_`` (a parameter named as a column of the participants
    would be taken for a value for the UPDATE to set), `participant` and `answered_at`
    (`ANSWERED`), and `copy_key`."""
    answers = cast(Table, Answer.__table__)
    new_answer = (
        insert(answers)
        .values({name: bindparam(f"answer_{name}", type_=answers.c[name].type) for name in _ANSWER_COLUMNS})
        .returning(answers.c.id)
        .cte("new_answer")
    )
    copy = composed_delivery(
        key=bindparam("copy_key", type_=String()),
        kind=ANSWER_COPY,
        target=bindparam("answer_user_id", type_=answers.c.user_id.type),
        composer=ANSWER_COPY,
        source=new_answer.c.id,
        now=bindparam("answer_submitted_at", type_=answers.c.submitted_at.type),
        run_id=bindparam("answer_run_id", type_=answers.c.run_id.type),
    )
    deliveries = cast(Table, Delivery.__table__)
    queued = (
        postgresql.insert(deliveries)
        .from_select(list(copy.selected_columns.keys()), copy.select_from(new_answer))
        .on_conflict_do_nothing()
        .returning(deliveries.c.id)
        .cte("queued")
    )
    # Nothing reads it: `add_cte` puts it in the WITH all the same.
    answered = ANSWERED.cte("answered")
    return select(new_answer.c.id, select(func.count()).select_from(queued).scalar_subquery()).add_cte(
        answered
    )


_STORE_IN_ONE = _stored_in_one_statement()


NOT_ASKED = "You are not asked to answer this one, so there is nothing to fill in."


class LateRefused(UserFacingError):
    """The run has closed and the ritual does not take late answers."""


@dataclass(frozen=True)
class SavedAnswer:
    answer: Answer
    # True when this submission had been saved before (a retried delivery): nothing else happened.
    replay: bool


def latest_answer(session: Session, run_id: int, user_id: str) -> Answer | None:
    return session.scalar(
        select(Answer)
        .where(Answer.run_id == run_id, Answer.user_id == user_id)
        .order_by(Answer.version.desc())
        .limit(1)
    )


def previous_answer(
    session: Session, ritual_id: str, user_id: str, before_run: int | None = None
) -> Answer | None:
    """The person's latest answer to the ritual (in another run when ``before_run`` is given):
    what the modal is prefilled from, so a PM updates rather than retypes."""
    query = select(Answer).where(Answer.ritual_id == ritual_id, Answer.user_id == user_id)
    if before_run is not None:
        query = query.where(Answer.run_id != before_run)
    return session.scalar(query.order_by(Answer.submitted_at.desc(), Answer.version.desc()).limit(1))


def participant(session: Session, run_id: int, user_id: str, *, lock: bool = False) -> Participant | None:
    query = select(Participant).where(Participant.run_id == run_id, Participant.user_id == user_id)
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def require_participant(session: Session, run: Run, user_id: str, *, lock: bool = False) -> Participant:
    """The person's participation; a PM sees and edits only their own."""
    found = participant(session, run.id, user_id, lock=lock)
    if found is None:
        raise NotAllowed(NOT_ASKED)
    if found.state is ParticipantState.DELEGATED:
        raise UserFacingError(
            f"You handed this one to <@{found.delegated_to}>, so it is theirs to answer now."
        )
    return found


def is_late(run: Run | RunFacts, now: datetime) -> bool:
    return run.state is RunState.CLOSED or (run.closes_at is not None and now >= run.closes_at)


def check_may_answer(
    definition: RitualDefinition, run: Run | RunFacts, person: Participant | PersonFacts, now: datetime
) -> bool:
    """Whether an answer now is late; raises when it may not be given at all.

    Until the run closes a PM may answer and edit as often as they like. After it closes, the
    ritual's ``late`` policy decides: ``accept`` takes a first answer (marked late) from someone
    who had not answered, ``refuse`` takes nothing. An answer given in time is final at close.
    """
    name = mrkdwn_escape(definition.name)
    if run.state not in (RunState.OPEN, RunState.CLOSED):
        raise UserFacingError(f"*{name}* is not open ({run.state.value}).")
    if not is_late(run, now):
        return False
    if definition.window.late == "refuse":
        raise LateRefused(f"*{name}* has closed, and this check-in does not take late answers.")
    if person.state is ParticipantState.ANSWERED:
        raise UserFacingError(f"*{name}* has closed, so your answer is final. Thank you!")
    return True


def save_answer(
    session: Session,
    definition: RitualDefinition,
    run: Run,
    user_id: str,
    values: Mapping[str, Any],
    *,
    source_id: str,
    now: datetime,
) -> SavedAnswer:
    """Store ``values`` as the person's next version, mark them answered, and DM them a copy."""
    earlier = session.scalar(select(Answer).where(Answer.source_id == source_id))
    if earlier is not None:
        return SavedAnswer(earlier, replay=True)
    person = require_participant(session, run, user_id, lock=True)
    late = check_may_answer(definition, run, person, now)
    # The participant row is locked above, so two submissions by the same person take turns
    # here; a concurrent duplicate of this very submission fails on `source_id` instead, and
    # the caller's retry then finds it saved.
    latest = session.scalar(
        select(func.max(Answer.version)).where(Answer.run_id == run.id, Answer.user_id == user_id)
    )
    return SavedAnswer(
        store_answer(
            session,
            run,
            person,
            values,
            version=(latest or 0) + 1,
            late=late,
            source_id=source_id,
            now=now,
        ),
        replay=False,
    )


def store_answer(
    session: Session,
    run: Run | RunFacts,
    person: Participant | PersonFacts,
    values: Mapping[str, Any],
    *,
    version: int,
    late: bool,
    source_id: str,
    now: datetime,
) -> Answer:
    """Write an answer already judged: the version row, the participant answered (their prompt
    marked for a redraw) and the copy for their DM queued, all in the caller's transaction; the
    outbox sender posts the copy after the submission has been acknowledged.

    The caller holds the participant's row lock and read the latest version under it. On
    PostgreSQL the three writes are one statement (`_stored_in_one_statement`); SQLite, with
    no round trips to save and no data-modifying WITH, runs them one after the other.
    """
    answer = Answer(
        run_id=run.id,
        ritual_id=run.ritual_id,
        user_id=person.user_id,
        version=version,
        values=dict(values),
        late=late,
        submitted_at=now,
        source_id=source_id,
    )
    # One INSERT built once rather than the session's unit of work: at a deadline every
    # submission comes through here while Slack waits. The row is the object's; it is not
    # added to the session, which nothing after this reads it from.
    row = {column: getattr(answer, column) for column in _ANSWER_COLUMNS}
    copy_key = f"run:{run.id}:answer-copy:{person.user_id}:v{answer.version}"
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        parameters = {f"answer_{column}": value for column, value in row.items()}
        parameters.update(participant=person.id, answered_at=now, copy_key=copy_key)
        answer.id, queued = connection.execute(_STORE_IN_ONE, parameters).one()
        if queued:
            announce(session)
        return answer
    new_key = connection.execute(_INSERT_ANSWER, row).inserted_primary_key
    assert new_key is not None  # a one-row INSERT has its key
    answer.id = new_key[0]
    mark_answered(session, person.id, now)
    # The copy is laid out by the sender (`AnswerCopies`), not while Slack waits for the ack.
    enqueue_composed(
        session,
        key=copy_key,
        kind=ANSWER_COPY,
        target=person.user_id,
        composer=ANSWER_COPY,
        source=answer.id,
        now=now,
        run_id=run.id,
    )
    return answer
