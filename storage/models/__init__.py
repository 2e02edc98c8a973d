"""The tables, one module per domain, all on one declarative base.

Importing this package registers every table on `Base.metadata` (Alembic and the tests need the
whole schema); code imports the names it uses from here.
"""

from storage.models.base import Base, UTCDateTime
from storage.models.insights import (
    Confidence,
    KeyResultCheckin,
    KeyResultScope,
    OwnerAddress,
    ReadingPhase,
    SourceReading,
)
from storage.models.messaging import Delivery, DeliveryState
from storage.models.rituals import (
    Answer,
    AnswerDraft,
    Participant,
    ParticipantState,
    Publication,
    PublicationStatus,
    RitualState,
    Run,
    RunOrigin,
    RunState,
)

__all__ = [
    "Answer",
    "AnswerDraft",
    "Base",
    "Confidence",
    "Delivery",
    "DeliveryState",
    "KeyResultCheckin",
    "KeyResultScope",
    "OwnerAddress",
    "Participant",
    "ParticipantState",
    "Publication",
    "PublicationStatus",
    "ReadingPhase",
    "RitualState",
    "Run",
    "RunOrigin",
    "RunState",
    "SourceReading",
    "UTCDateTime",
]
