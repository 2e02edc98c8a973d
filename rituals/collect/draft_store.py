"""Storing the draft behind an open answer modal.

One draft per participant and run. Opening the modal starts a fresh draft with a new token (the
modal carries it), so the clicks of a modal that was replaced by a newer one are recognised and
refused. Every change bumps ``revision`` with a compare-and-set update: a click carries the
revision its modal showed, so a click delivered twice (a Slack retry) changes the draft once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import UserFacingError
from rituals.collect.forms.draft import FormDraft
from storage.models import AnswerDraft
from storage.queries import changed_one_row, insert_ignoring_conflicts


class DraftExpired(UserFacingError):
    def __init__(self) -> None:
        super().__init__(
            "This form was opened again somewhere else (or has expired). Please use the newest one, "
            "or open it again from your reminder or the Home tab."
        )


@dataclass(frozen=True)
class StoredDraft:
    token: str
    run_id: int
    user_id: str
    revision: int
    draft: FormDraft


def start_draft(session: Session, run_id: int, user_id: str, draft: FormDraft, now: datetime) -> StoredDraft:
    token = secrets.token_hex(16)
    values = draft.to_json()
    inserted = insert_ignoring_conflicts(
        session,
        AnswerDraft,
        [
            {
                "run_id": run_id,
                "user_id": user_id,
                "token": token,
                "revision": 0,
                "values": values,
                "updated_at": now,
            }
        ],
    )
    if not inserted:
        session.execute(
            update(AnswerDraft)
            .where(AnswerDraft.run_id == run_id, AnswerDraft.user_id == user_id)
            .values(token=token, revision=0, values=values, updated_at=now)
            .execution_options(synchronize_session=False)
        )
    return StoredDraft(token, run_id, user_id, 0, draft)


def load_draft(session: Session, token: str, user_id: str, *, lock: bool = False) -> StoredDraft:
    query = select(AnswerDraft).where(AnswerDraft.token == token, AnswerDraft.user_id == user_id)
    if lock:
        query = query.with_for_update()
    row = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise DraftExpired()
    return StoredDraft(row.token, row.run_id, row.user_id, row.revision, FormDraft.from_json(row.values))


def save_draft(session: Session, stored: StoredDraft, draft: FormDraft, now: datetime) -> StoredDraft | None:
    """Store ``draft`` if the draft is still at ``stored.revision``; None when it moved on."""
    if not changed_one_row(
        session,
        update(AnswerDraft)
        .where(AnswerDraft.token == stored.token, AnswerDraft.revision == stored.revision)
        .values(values=draft.to_json(), revision=stored.revision + 1, updated_at=now),
    ):
        return None
    return StoredDraft(stored.token, stored.run_id, stored.user_id, stored.revision + 1, draft)


def keep_rows(session: Session, stored: StoredDraft, draft: FormDraft, now: datetime) -> None:
    """Store choices made in the item rows without moving the revision: they change no item's
    place, so a click the modal sends later (which carries the revision) still applies."""
    session.execute(
        update(AnswerDraft)
        .where(AnswerDraft.token == stored.token, AnswerDraft.revision == stored.revision)
        .values(values=draft.to_json(), updated_at=now)
        .execution_options(synchronize_session=False)
    )
