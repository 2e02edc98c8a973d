"""The tables every domain shares in reaching Slack: the outbox (every Slack write is a row,
claimed with a lease and fenced) and the people named by email or @handle, resolved once."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, text_enum


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    SUPERSEDED = "superseded"


class Delivery(Base):
    """One Slack write in the outbox: claimed with a lease, sent outside the transaction, fenced."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("dedupe_key", name="uq_deliveries_dedupe_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    # "<run>:<kind>:<target>" or another stable identity: the same logical write is queued once.
    dedupe_key: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40))
    # A user or channel id, a channel name, or a webhook URL.
    target: Mapped[str] = mapped_column(String(1000))
    payload: Mapped[dict[str, Any]]
    state: Mapped[DeliveryState] = mapped_column(text_enum(DeliveryState), index=True)
    not_before: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(64))
    # Set when an attempt timed out or its sender died: Slack may have posted, so look first.
    maybe_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_until: Mapped[datetime | None]
    # When a look-up after an ambiguous attempt found nothing: Slack may still be storing a
    # slow post, so the delivery looks once more after a longer wait before posting again.
    looked_at: Mapped[datetime | None]
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


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
