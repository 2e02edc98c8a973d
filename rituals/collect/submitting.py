"""What saving a submitted answer modal reads, in one statement.

A deadline brings every PM's submission within minutes, and Slack waits three seconds for each
acknowledgement, so the common case takes one round trip before it writes: the draft named by the
modal's token (bound to its person and its run), the run, the participant's row (locked, so two
submissions by one person take turns) and the latest version. Anything unusual (a retried
delivery, a draft replaced or gone, someone no longer asked) finds no row here, and the caller
takes the careful path that tells the person why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from rituals.collect.draft_store import StoredDraft
from rituals.collect.forms.draft import FormDraft
from storage.models import Answer, AnswerDraft, Participant, Run


@dataclass(frozen=True)
class Submitting:
    stored: StoredDraft
    run: Run
    person: Participant
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
        select(AnswerDraft, Run, Participant, latest)
        .join(Run, Run.id == AnswerDraft.run_id)
        .join(Participant, (Participant.run_id == AnswerDraft.run_id) & (Participant.user_id == user_id))
        .where(AnswerDraft.token == bindparam("token"), AnswerDraft.user_id == user_id, ~saved_before)
        .with_for_update(of=Participant)
        .execution_options(populate_existing=True)
    )


_READ = _statement()


def read_for_submission(session: Session, token: str, user_id: str, source_id: str) -> Submitting | None:
    """The draft, run, locked participant and latest version; None when this is not the plain
    case (the submission was saved before, no such draft for this person, no participant)."""
    row = session.execute(_READ, {"token": token, "user_id": user_id, "source_id": source_id}).one_or_none()
    if row is None:
        return None
    draft, run, person, latest_version = row
    stored = StoredDraft(
        draft.token, draft.run_id, draft.user_id, draft.revision, FormDraft.from_json(draft.values)
    )
    return Submitting(stored, run, person, int(latest_version))
