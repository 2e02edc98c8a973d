"""The research registry's tables: accounts, their contacts, every touch, and overrides.

A touch is one conversation or message with a customer (an interview, a survey, a call, an
email, a visit), recorded by whoever at our company had it. The rules (a contact's cooldown, an
account's limit per period, do-not-contact) are evaluated against these rows, so the rows are
never deleted: erasing a contact's personal data (`forget`) blanks the text and keeps the
anonymous row, so an account's count for the quarter stays true.

Full-text search lives beside the tables and is made by the migration, differently per
database: an FTS5 table kept in step by triggers on SQLite, a generated `tsvector` column
with a GIN index on PostgreSQL. Neither is a mapped model, so `SEARCH_SCHEMA_NAMES` lists them
for the schema comparison to leave alone.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, text_enum

#: The SQLite FTS5 table over touches' topics and summaries (external content: `research_touches`).
SEARCH_TABLE = "research_touches_fts"
#: The PostgreSQL generated column holding each touch's weighted `tsvector`.
SEARCH_COLUMN = "search_document"
#: The full-text index on PostgreSQL.
SEARCH_INDEX = "ix_research_touches_search"
#: Everything the migration makes for search that the models do not describe (FTS5 keeps its
#: data in shadow tables named after the table).
SEARCH_SCHEMA_NAMES = frozenset({SEARCH_COLUMN, SEARCH_INDEX})


def is_search_schema(name: str | None) -> bool:
    """Whether a table, column or index name belongs to the full-text search structures."""
    return name is not None and (name in SEARCH_SCHEMA_NAMES or name.startswith(SEARCH_TABLE))


class TouchKind(enum.StrEnum):
    INTERVIEW = "interview"
    SURVEY = "survey"
    CALL = "call"
    EMAIL = "email"
    VISIT = "visit"


class OverrideStage(enum.StrEnum):
    """When the person chose to break a rule: before outreach (`plan`) or when logging it."""

    PLAN = "plan"
    LOG = "log"


class Account(Base):
    """A customer organisation, identified by its email domain (`acme.com`), in lower case."""

    __tablename__ = "research_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    crm_id: Mapped[str | None] = mapped_column(String(100))
    # Who owns the relationship: a Slack user id or an email address.
    owner: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Contact(Base):
    """A person at an account. After `forget`, email, name and role are gone and `erased_at` is set."""

    __tablename__ = "research_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("research_accounts.id"), index=True)
    # Lower case; unique among contacts that still have one (NULLs do not collide).
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Touch(Base):
    """One conversation or message with a customer, by someone at our company."""

    __tablename__ = "research_touches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("research_accounts.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("research_contacts.id"))
    touched_on: Mapped[date]
    kind: Mapped[TouchKind] = mapped_column(text_enum(TouchKind))
    # Who at our company: a Slack user id or an email address.
    by: Mapped[str] = mapped_column(String(320), index=True)
    topic: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    # What produced the row (the modal's view id, or a digest of the imported CSV row): Slack
    # may deliver a submission twice and a file may be imported twice; either adds one row.
    source_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]
    erased_at: Mapped[datetime | None]


# The rules count an account's touches in a period and a contact's latest conversation.
Index("ix_research_touches_account_day", Touch.account_id, Touch.touched_on)
Index("ix_research_touches_contact_day", Touch.contact_id, Touch.touched_on)


class TouchTag(Base):
    __tablename__ = "research_touch_tags"

    touch_id: Mapped[int] = mapped_column(
        ForeignKey("research_touches.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Override(Base):
    """A rule knowingly broken, with the person's reason; the owners are told by DM."""

    __tablename__ = "research_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stage: Mapped[OverrideStage] = mapped_column(text_enum(OverrideStage))
    account_id: Mapped[int] = mapped_column(ForeignKey("research_accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("research_contacts.id"))
    touch_id: Mapped[int | None] = mapped_column(ForeignKey("research_touches.id"))
    by: Mapped[str] = mapped_column(String(320))
    # The rules as they stood: [{"rule": ..., "until": "YYYY-MM-DD" | None, "text": ...}].
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    # The modal submission that made it, so a repeated delivery records one override.
    source_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]
