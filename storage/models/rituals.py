"""The rituals' tables. The database is the source of truth; the scheduler is only a clock.

Identity is enforced here, not in code paths: a run is unique per (ritual, occurrence key), a
participant per (run, user) and an answer version per (run, user, version). Every replica may
try the same insert; the constraint lets one win.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, text_enum


class RunState(enum.StrEnum):
    # Materialised by the tick; participants not resolved yet (that calls Slack, outside the
    # transaction that created the row).
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    MISSED = "missed"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"


class RunOrigin(enum.StrEnum):
    SCHEDULE = "schedule"
    CATCH_UP = "catch_up"
    MANUAL = "manual"


class ParticipantState(enum.StrEnum):
    PENDING = "pending"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    DELEGATED = "delegated"
    # Away for the run's window (time off): neither prompted nor chased, "away" in the digest.
    AWAY = "away"


class RitualState(Base):
    """Per-ritual operational state that owners change at run time (the definition stays in YAML)."""

    __tablename__ = "ritual_state"

    ritual_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    skip_key: Mapped[str | None] = mapped_column(String(64))
    # Every occurrence up to this instant has a run row (open, missed, skipped...); the tick
    # moves it forward in the same transaction that inserts those rows, so downtime leaves no gap.
    materialized_through: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(32))


class Run(Base):
    __tablename__ = "runs"
    __table_args__ = (UniqueConstraint("ritual_id", "occurrence_key", name="uq_runs_ritual_occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ritual_id: Mapped[str] = mapped_column(String(64), index=True)
    occurrence_key: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[datetime]
    state: Mapped[RunState] = mapped_column(text_enum(RunState), index=True)
    origin: Mapped[RunOrigin] = mapped_column(text_enum(RunOrigin))
    opened_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # False from the opening until every participant's prompt is queued: prompts are queued in
    # chunks after the run opens, so the first DMs leave while the rest are queued, and a run
    # left half-queued by a crash is finished by the next tick (`rituals.runs.opening`).
    prompts_queued: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    participants: Mapped[list[Participant]] = relationship(back_populates="run", order_by="Participant.id")


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("run_id", "user_id", name="uq_participants_run_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    # Resolved once when the run opens, so prompts and digests need no per-person API calls.
    display_name: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64))
    state: Mapped[ParticipantState] = mapped_column(text_enum(ParticipantState))
    skip_reason: Mapped[str | None] = mapped_column(Text)
    delegated_to: Mapped[str | None] = mapped_column(String(32))
    # Who handed this participation over (set on the person it was handed to).
    delegated_by: Mapped[str | None] = mapped_column(String(32))
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    # The prompt DM is a projection of this row: every change bumps `prompt_version`, and the
    # tick queues a `chat.update` for each version newer than `prompt_synced`.
    prompt_version: Mapped[int] = mapped_column(Integer, default=0)
    prompt_synced: Mapped[int] = mapped_column(Integer, default=0)

    run: Mapped[Run] = relationship(back_populates="participants")


class Answer(Base):
    """One version of one participant's answer; edits add versions, nothing is overwritten."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", "version", name="uq_answers_run_user_version"),
        # What produced this version (the modal's view id): Slack may deliver a submission
        # twice, and the second delivery must not add a second version.
        UniqueConstraint("source_id", name="uq_answers_source_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    ritual_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    values: Mapped[dict[str, Any]]
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime]
    source_id: Mapped[str | None] = mapped_column(String(100))


Index("ix_answers_ritual_user", Answer.ritual_id, Answer.user_id)


class AnswerDraft(Base):
    """The answer a participant is editing in an open modal.

    Slack keeps what is typed into a modal's inputs, but an `items` field is edited one item at
    a time in a stacked modal, so the items live here between clicks. One draft per participant
    and run; opening the modal again starts a new draft (new token), and a stale modal's clicks
    are recognised by its token and revision.
    """

    __tablename__ = "answer_drafts"
    __table_args__ = (
        UniqueConstraint("run_id", "user_id", name="uq_answer_drafts_run_user"),
        UniqueConstraint("token", name="uq_answer_drafts_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    token: Mapped[str] = mapped_column(String(32))
    # Bumped on every change; the modal carries the revision it shows (compare-and-set).
    revision: Mapped[int] = mapped_column(Integer, default=0)
    values: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class PublicationStatus(enum.StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"
    REJECTED = "rejected"


class Publication(Base):
    """One audience's post for one run, and which version of it is approved and posted.

    `version` grows when the text changes (a late answer, an owner's edit); `approved_version`
    and `published_version` say how far approval and posting have caught up, so a change is
    posted in place once it is approved and never posted twice.
    """

    __tablename__ = "publications"
    __table_args__ = (UniqueConstraint("run_id", "audience", name="uq_publications_run_audience"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(64))
    status: Mapped[PublicationStatus] = mapped_column(text_enum(PublicationStatus))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    approved_version: Mapped[int] = mapped_column(Integer, default=0)
    published_version: Mapped[int] = mapped_column(Integer, default=0)
    # Why the newest version exists ("late answer from ana", "edited by ..."), shown as "edited".
    change_note: Mapped[str | None] = mapped_column(Text)
    edited_by: Mapped[str | None] = mapped_column(String(32))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RunDocument(Base):
    """The whole compiled answers of a run for one audience, one click from its digest: a canvas
    created for the run, or where canvases are unavailable, a Markdown file in the digest's thread.

    Created once: the row is claimed before Slack is asked (`state` "creating"), so replicas and
    retries never make a second canvas.
    """

    __tablename__ = "run_documents"
    __table_args__ = (UniqueConstraint("run_id", "audience", name="uq_run_documents_run_audience"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(64))
    # "creating", then "canvas" (with its id and URL) or "file" (shared through the outbox).
    state: Mapped[str] = mapped_column(String(20))
    canvas_id: Mapped[str | None] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TimeOff(Base):
    """A person is away on the days from `first_day` to `last_day` (both included, their dates).

    `source` says how it was learnt: "command" (`/ritual away`, the Home tab) or "status" (a
    Slack status such as :palm_tree: Vacation, read when a run opens or chases).
    """

    __tablename__ = "time_off"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


Index("ix_time_off_user_last_day", TimeOff.user_id, TimeOff.last_day)
