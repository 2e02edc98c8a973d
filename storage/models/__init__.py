"""The tables, one module per domain, all on one declarative base.

Importing this package registers every table on `Base.metadata` (Alembic and the tests need the
whole schema); code imports the names it uses from here.
"""

from storage.models.base import Base, UTCDateTime
from storage.models.messaging import Delivery, DeliveryState, PersonRef
from storage.models.rituals import (
    Answer,
    AnswerDraft,
    Participant,
    ParticipantState,
    Publication,
    PublicationStatus,
    RitualState,
    Run,
    RunDocument,
    RunOrigin,
    RunState,
    TimeOff,
)

__all__ = [
    "Answer",
    "AnswerDraft",
    "Base",
    "Delivery",
    "DeliveryState",
    "Participant",
    "ParticipantState",
    "PersonRef",
    "Publication",
    "PublicationStatus",
    "RitualState",
    "Run",
    "RunDocument",
    "RunOrigin",
    "RunState",
    "TimeOff",
    "UTCDateTime",
]
