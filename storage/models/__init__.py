"""The tables, one module per domain, all on one declarative base.

Importing this package registers every table on `Base.metadata` (Alembic and the tests need the
whole schema); code imports the names it uses from here.
"""

from storage.models.base import Base, UTCDateTime
from storage.models.insights import (
    Confidence,
    KeyResultCheckin,
    KeyResultScope,
    ReadingPhase,
    SourceReading,
)
from storage.models.messaging import Delivery, DeliveryState, PersonRef
from storage.models.requests import SeenRequest
from storage.models.research import (
    Account,
    Contact,
    Override,
    OverrideStage,
    Touch,
    TouchKind,
    TouchTag,
)
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
    "Account",
    "Answer",
    "AnswerDraft",
    "Base",
    "Confidence",
    "Contact",
    "Delivery",
    "DeliveryState",
    "KeyResultCheckin",
    "KeyResultScope",
    "Override",
    "OverrideStage",
    "Participant",
    "ParticipantState",
    "PersonRef",
    "Publication",
    "PublicationStatus",
    "ReadingPhase",
    "RitualState",
    "Run",
    "RunDocument",
    "RunOrigin",
    "RunState",
    "SeenRequest",
    "SourceReading",
    "TimeOff",
    "Touch",
    "TouchKind",
    "TouchTag",
    "UTCDateTime",
]
