"""What saving a submitted answer modal reads, in one statement.

A deadline brings every PM's submission within minutes, and Slack waits three seconds for each
acknowledgement, so the common case takes one round trip before it writes: the draft named by the
modal's token (bound to its person and its run), the run, the participant's row (locked, so two
submissions by one person take turns) and the latest version. Anything unusual (a retried
delivery, a draft replaced or gone, someone no longer asked) finds no row here, and the caller
takes the careful path that tells the person why.

It reads plain columns, not mapped objects: judging and storing a plain submission needs a few
facts of the run and the person, and building three ORM objects to hold them was about a tenth
of what an acknowledgement cost at a rush. A rarer step that needs the run itself (a closed
run's posts refreshed, key results asked) loads it then. It runs as driver SQL
(`storage.driver_sql`), on the transaction's connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Connection, Select, bindparam, func, select
from sqlalchemy.orm import aliased

from rituals.collect.draft_store import StoredDraft
from rituals.collect.forms.draft import FormDraft
from storage.driver_sql import DriverSQL
from storage.models import Answer, AnswerDraft, Participant, ParticipantState, Run, RunState


@dataclass(frozen=True)
class RunFacts:
    """What judging and storing a plain submission reads of its run."""

    id: int
    ritual_id: str
    state: RunState
    closes_at: datetime | None


@dataclass(frozen=True)
class PersonFacts:
    """What judging and storing a plain submission reads of the participant (row locked)."""

    id: int
    user_id: str
    state: ParticipantState


@dataclass(frozen=True)
class Submitting:
    stored: StoredDraft
    run: RunFacts
    person: PersonFacts
    latest_version: int


def _statement() -> Select[Any]:
    """Built once: with bound parameters, SQLAlchemy compiles it once too."""
    user_id: BindParameter[str] = bindparam("user_id")
    earlier, versions = aliased(Answer), aliased(Answer)
    latest = (
        select(func.coalesce(func.max(versions.version), 0))
        .where(versions.run_id == AnswerDraft.run_id, versions.user_id == user_id)
        .scalar_subquery()
    )
    saved_before = select(earlier.id).where(earlier.source_id == bindparam("source_id")).exists()
    return (
        select(
            AnswerDraft.token,
            AnswerDraft.run_id,
            AnswerDraft.revision,
            AnswerDraft.values,
            Run.ritual_id,
            Run.state,
            Run.closes_at,
            Participant.id,
            Participant.state,
            latest,
        )
        .join(Run, Run.id == AnswerDraft.run_id)
        .join(Participant, (Participant.run_id == AnswerDraft.run_id) & (Participant.user_id == user_id))
        .where(AnswerDraft.token == bindparam("token"), AnswerDraft.user_id == user_id, ~saved_before)
        .with_for_update(of=Participant)
    )


_READ = DriverSQL(_statement())


def read_for_submission(
    connection: Connection, token: str, user_id: str, source_id: str
) -> Submitting | None:
    """The draft, run, locked participant and latest version; None when this is not the plain
    case (the submission was saved before, no such draft for this person, no participant)."""
    parameters = {"token": token, "user_id": user_id, "source_id": source_id}
    # At most one row matches (the draft's token is unique): `first()` does not ask SQLite for
    # a second row to make sure.
    row = _READ.first(connection, parameters)
    if row is None:
        return None
    (
        draft_token,
        run_id,
        revision,
        values,
        ritual_id,
        run_state,
        closes_at,
        participant_id,
        participant_state,
        latest_version,
    ) = row
    stored = StoredDraft(draft_token, run_id, user_id, revision, FormDraft.from_json(values))
    run = RunFacts(run_id, ritual_id, run_state, closes_at)
    person = PersonFacts(participant_id, user_id, participant_state)
    return Submitting(stored, run, person, int(latest_version))
