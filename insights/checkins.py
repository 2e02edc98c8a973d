"""Check-ins keyed to key results: what the answer modal asks each owner, and where answers go.

The rituals' `key_results` form field asks a person one group per key result they own. This is
the other side of that field (`rituals.collect.key_results.KeyResultCheckins`, wired by the app
factory): which key results a person owns (by user id, or by an email Slack matched to them),
what each is prefilled with, and keeping every answer version per key result.

A value is prefilled with what the person answered earlier in the same run; else with what the
source gave when the run opened; else with their last check-in. Confidence and comment carry
over from the last check-in, because they change less often than the number.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.catalog import Catalog
from insights.config import KeyResult, Objective
from insights.owners import slack_users
from insights.standing import Point, histories, source_key
from storage.models import Confidence, KeyResultCheckin, ReadingPhase, Run, SourceReading
from storage.queries import insert_ignoring_conflicts


@dataclass(frozen=True)
class ConfidenceChoice:
    value: str
    label: str


#: In the order the form offers them.
CONFIDENCE_CHOICES = tuple(
    ConfidenceChoice(c.value, c.label)
    for c in (Confidence.ON_TRACK, Confidence.AT_RISK, Confidence.OFF_TRACK)
)


@dataclass(frozen=True)
class Prefill:
    """One key result as the modal asks about it (`rituals`' `KeyResultPrompt`)."""

    id: str
    title: str
    objective: str
    unit: str
    start: float
    target: float
    value: float | None = None
    confidence: str | None = None
    comment: str | None = None
    note: str = ""


class AnsweredKeyResult(Protocol):
    """One key result as a person answered it (`rituals`' `KeyResultEntry`)."""

    @property
    def id(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def confidence(self) -> str | None: ...
    @property
    def comment(self) -> str | None: ...


def _prefill(
    objective: Objective, kr: KeyResult, points: Sequence[Point], read: SourceReading | None, run: Run
) -> Prefill:
    """This run's answer; else the source's number at opening; else the last check-in's."""
    checkins = [p for p in points if p.user_id is not None]
    here = next((p for p in checkins if p.run_id == run.id), None)
    last = next((p for p in reversed(checkins) if p.run_id != run.id and p.opened < run.scheduled_for), None)
    if here is not None:
        value, confidence, comment = here.value, here.confidence, here.comment
        note = "As you answered earlier in this check-in."
    elif read is not None and read.value is not None:
        value, confidence, comment = read.value, (last.confidence if last else None), None
        note = "Value from its source when this check-in opened."
    else:
        value, confidence, comment = (last.value if last else None), (last.confidence if last else None), None
        unavailable = f"Its source is unavailable ({read.error}). " if read is not None else ""
        note = unavailable + ("Value from your last check-in." if last else "No earlier value to start from.")
    return Prefill(
        kr.id,
        kr.title,
        objective.title,
        kr.unit,
        kr.start,
        kr.target,
        value=value,
        confidence=confidence.value if confidence else None,
        comment=comment,
        note=note,
    )


class KeyResultCheckins:
    confidence_levels: Sequence[ConfidenceChoice] = CONFIDENCE_CHOICES

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def prompts(
        self, session: Session, run: Run, people: Sequence[str], objectives: Collection[str] | None
    ) -> list[Prefill]:
        pairs = self._catalog.key_results(objectives)
        users = slack_users(session, {kr.owner for _, kr in pairs})
        mine = [(objective, kr) for objective, kr in pairs if users.get(kr.owner) in people]
        if not mine:
            return []
        history = histories(session, [kr.id for _, kr in mine])
        opening = {
            reading.source: reading
            for reading in session.scalars(
                select(SourceReading).where(
                    SourceReading.run_id == run.id, SourceReading.phase == ReadingPhase.OPEN
                )
            )
        }
        return [
            _prefill(objective, kr, history.get(kr.id, []), opening.get(source_key("kr", kr.id)), run)
            for objective, kr in mine
        ]

    def record(
        self,
        session: Session,
        run: Run,
        user_id: str,
        version: int,
        entries: Sequence[AnsweredKeyResult],
        now: datetime,
    ) -> None:
        rows = []
        for entry in entries:
            found = self._catalog.key_result(entry.id)
            if found is None:
                continue  # removed from the objectives since the modal opened
            rows.append(
                {
                    "run_id": run.id,
                    "ritual_id": run.ritual_id,
                    "objective": found[0].id,
                    "key_result": entry.id,
                    "user_id": user_id,
                    "version": version,
                    "value": entry.value,
                    "confidence": entry.confidence if entry.confidence in set(Confidence) else None,
                    "comment": entry.comment,
                    "submitted_at": now,
                }
            )
        # The answer version is new (the caller saved it just now), so these rows are too;
        # ignoring conflicts keeps a replayed submission harmless all the same.
        insert_ignoring_conflicts(session, KeyResultCheckin, rows)
