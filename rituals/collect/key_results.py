"""What a `key_results` form field needs from whoever keeps the key results.

The field asks each person one group per key result they own (value, confidence, comment).
Which key results those are, what to prefill them with, and where each answer is kept per key
result belong to the objectives' domain, which implements `KeyResultCheckins`; the app factory
hands it to the answer modal through `Services`. Rituals never imports that domain.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from rituals.collect.forms.key_result_inputs import (
    ConfidenceLevel,
    KeyResultEntry,
    KeyResultPrompt,
    KeyResultsAsked,
)
from rituals.definition.schema import RitualDefinition
from storage.models import Participant, Run

__all__ = [
    "ConfidenceLevel",
    "KeyResultCheckins",
    "KeyResultEntry",
    "KeyResultPrompt",
    "KeyResultsAsked",
    "asked_of",
]


class KeyResultCheckins(Protocol):
    @property
    def confidence_levels(self) -> Sequence[ConfidenceLevel]:
        """The confidence choices in the order the form offers them, as stored and as shown."""
        ...

    def prompts(
        self, session: Session, run: Run, people: Sequence[str], objectives: Collection[str] | None
    ) -> Sequence[KeyResultPrompt]:
        """The key results `people` own (the person answering, and whoever handed their part to
        them), within `objectives` (None: all), prefilled for this run."""
        ...

    def record(
        self,
        session: Session,
        run: Run,
        user_id: str,
        version: int,
        entries: Sequence[KeyResultEntry],
        now: datetime,
    ) -> None:
        """Keep one answer version's entries per key result, in the caller's transaction."""
        ...


def asks_key_results(definition: RitualDefinition) -> bool:
    """Whether the form has a ``key_results`` field (most do not: no key results to look up)."""
    return any(form_field.type == "key_results" for form_field in definition.form)


def asked_of(
    checkins: KeyResultCheckins | None,
    session: Session,
    definition: RitualDefinition,
    run: Run,
    person: Participant,
) -> KeyResultsAsked:
    """What the form's ``key_results`` fields ask this participant (nothing without a keeper).

    Someone who took over another person's part answers for that person's key results too.
    """
    fields = [form_field for form_field in definition.form if form_field.type == "key_results"]
    if checkins is None or not fields:
        return KeyResultsAsked()
    people = [person.user_id, *([person.delegated_by] if person.delegated_by else [])]
    prompts = {f.id: checkins.prompts(session, run, people, f.objectives) for f in fields}
    return KeyResultsAsked(prompts, tuple(checkins.confidence_levels))
