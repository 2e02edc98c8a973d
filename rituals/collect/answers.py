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

from sqlalchemy import Connection, Select, String, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from core.errors import NotAllowed, UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import announce, composed_delivery, queue_composed
from rituals.collect.answer_copy import ANSWER_COPY
from rituals.collect.submitting import PersonFacts, RunFacts
from rituals.definition.schema import RitualDefinition
from rituals.runs.participants import ANSWERED, mark_answered
from storage.driver_sql import DriverSQL
from storage.models import Answer, Delivery, Participant, ParticipantState, Run, RunState

_ANSWER_COLUMNS = ("run_id", "ritual_id", "user_id", "version", "values", "late", "submitted_at", "source_id")
# SQLite's: the new id is the last row id, not a RETURNING row to step to. The statements of
# `store_answer` run as driver SQL (`storage.driver_sql`): a deadline brings them by the hundred.
_INSERT_ANSWER = DriverSQL(insert(Answer.__table__), columns=_ANSWER_COLUMNS)  # type: ignore[arg-type]


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


_STORE_IN_ONE = DriverSQL(_stored_in_one_statement())


NOT_ASKED = "You are not asked to answer this one, so there is nothing to fill in."


class LateRefused(UserFacingError):
    """The run has closed and the ritual does not take late answers."""


@dataclass(frozen=True)
class SavedAnswer:
    """The version a submission saved, or had saved before."""

    id: int
    version: int
    late: bool
    # True when this submission had been saved before (a retried delivery): nothing else happened.
    replay: bool = False

    @classmethod
    def earlier(cls, answer: Answer) -> SavedAnswer:
        return cls(answer.id, answer.version, answer.late, replay=True)


@dataclass(frozen=True)
class StoredAnswer:
    answer: SavedAnswer
    # True when the copy for the PM's DM was queued now (not before): the sender is to be woken.
    queued: bool


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
        return SavedAnswer.earlier(earlier)
    person = require_participant(session, run, user_id, lock=True)
    late = check_may_answer(definition, run, person, now)
    # The participant row is locked above, so two submissions by the same person take turns
    # here; a concurrent duplicate of this very submission fails on `source_id` instead, and
    # the caller's retry then finds it saved.
    latest = session.scalar(
        select(func.max(Answer.version)).where(Answer.run_id == run.id, Answer.user_id == user_id)
    )
    stored = store_answer(
        session.connection(),
        run,
        person,
        values,
        version=(latest or 0) + 1,
        late=late,
        source_id=source_id,
        now=now,
    )
    if stored.queued:
        announce(session)
    return stored.answer


def store_answer(
    connection: Connection,
    run: Run | RunFacts,
    person: Participant | PersonFacts,
    values: Mapping[str, Any],
    *,
    version: int,
    late: bool,
    source_id: str,
    now: datetime,
) -> StoredAnswer:
    """Write an answer already judged: the version row, the participant answered (their prompt
    marked for a redraw) and the copy for their DM queued, all in the transaction `connection`
    is in; the outbox sender posts the copy after the submission has been acknowledged, once
    the caller has woken it (a session's `announce`, or the bell after a commit without one).

    The caller holds the participant's row lock and read the latest version under it. On
    PostgreSQL the three writes are one statement (`_stored_in_one_statement`); SQLite, with
    no round trips to save and no data-modifying WITH, runs them one after the other.
    """
    # One INSERT built once rather than a session's unit of work, and no mapped object: at a
    # deadline every submission comes through here while Slack waits.
    row = dict(
        zip(
            _ANSWER_COLUMNS,
            (run.id, run.ritual_id, person.user_id, version, dict(values), late, now, source_id),
            strict=True,
        )
    )
    copy_key = f"run:{run.id}:answer-copy:{person.user_id}:v{version}"
    if connection.dialect.name == "postgresql":
        parameters = {f"answer_{column}": value for column, value in row.items()}
        parameters.update(participant=person.id, answered_at=now, copy_key=copy_key)
        new_id, queued = cast("tuple[int, int]", _STORE_IN_ONE.execute(connection, parameters).one())
        return StoredAnswer(SavedAnswer(new_id, version, late), queued=bool(queued))
    new_id = _INSERT_ANSWER.execute(connection, row).lastrowid
    mark_answered(connection, person.id, now)
    # The copy is laid out by the sender (`AnswerCopies`), not while Slack waits for the ack.
    queued = queue_composed(
        connection,
        key=copy_key,
        kind=ANSWER_COPY,
        target=person.user_id,
        composer=ANSWER_COPY,
        source=new_id,
        now=now,
        run_id=run.id,
    )
    return StoredAnswer(SavedAnswer(new_id, version, late), queued=queued)
