"""Who is who: people named by email or @handle in ritual files, resolved once and cached, and
the time off people announce (`/ritual away`, or a status that says so)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class PersonRef(Base):
    """What an email address or @handle in a ritual file stands for.

    Resolved through Slack (users.lookupByEmail, the users list) and kept, so a restart or a
    reload asks Slack only about names it has not seen; `user_id` is None when Slack knew
    nobody by that name (asked again after a while, in case the person joins).
    """

    __tablename__ = "person_refs"

    # "email:ana@example.com" or "handle:ana", lower case.
    ref: Mapped[str] = mapped_column(String(320), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(32))
    resolved_at: Mapped[datetime]


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
