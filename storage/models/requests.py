"""Requests from Slack already seen: the memory that refuses a replayed signed request.

Slack signs `v0:timestamp:body` and accepts a timestamp within five minutes, so within that
window the same bytes verify again. Every replica writes here, so a replay sent to another
replica is refused too; rows older than the window are pruned (they could not verify anyway).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base


class SeenRequest(Base):
    __tablename__ = "seen_requests"

    # The request's `X-Slack-Signature` ("v0=" and 64 hex digits), with ":retry<N>" for a
    # delivery Slack marks as its own retry.
    signature: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(index=True)
