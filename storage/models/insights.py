"""Internal data and key results: what was fetched for a run, and each key result's check-ins.

A source is read at most once per run and phase: when the run opens (what the PM is prefilled
with) and when it closes (what leaders see), both kept. Check-ins are stored per key result, one
row per answer version, so history and trends follow the key result, not the form it came in.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, text_enum


class ReadingPhase(enum.StrEnum):
    OPEN = "open"
    CLOSE = "close"


class Confidence(enum.StrEnum):
    """How likely the owner thinks the key result is to be met, worst first."""

    OFF_TRACK = "off_track"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SourceReading(Base):
    """One source read for one run: a number, or why there is none ("HTTP 503", "timed out")."""

    __tablename__ = "source_readings"
    __table_args__ = (
        UniqueConstraint("run_id", "phase", "source", name="uq_source_readings_run_phase_source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    ritual_id: Mapped[str] = mapped_column(String(64))
    phase: Mapped[ReadingPhase] = mapped_column(text_enum(ReadingPhase))
    # "kr:<key result id>" or "metric:<metric id>".
    source: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime]


Index("ix_source_readings_source", SourceReading.source, SourceReading.fetched_at)


class KeyResultCheckin(Base):
    """One key result as one answer version reported it: value, confidence and comment."""

    __tablename__ = "key_result_checkins"
    __table_args__ = (
        UniqueConstraint(
            "run_id", "key_result", "user_id", "version", name="uq_key_result_checkins_run_kr_user_version"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    ritual_id: Mapped[str] = mapped_column(String(64))
    objective: Mapped[str] = mapped_column(String(64))
    key_result: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[Confidence | None] = mapped_column(text_enum(Confidence))
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime]


class KeyResultScope(Base):
    """Which objectives a run covers, recorded when its sources are first read, so its digest
    knows which key results to show without asking the ritual again."""

    __tablename__ = "key_result_scopes"

    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True)
    ritual_id: Mapped[str] = mapped_column(String(64))
    # The objective ids, or null for every objective.
    objectives: Mapped[list[Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime]
