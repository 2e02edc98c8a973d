"""What an export holds: the runs a person asked for, as plain snapshots taken in the session.

The data is what the digests are compiled from (`rituals.publish.digest.load_run_data`: each
person's latest answer version, hydrated), read for every open or closed run of a ritual, newest
first. Every run becomes a :class:`RunExport`; the formats (`tables`, `markdown`) are pure
functions of those snapshots.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import UserFacingError
from rituals.definition.schema import RitualDefinition
from rituals.publish.digest import Response, RunData, load_run_data
from storage.models import Participant, ParticipantState, Run, RunState

PersonState = Literal["answered", "late", "skipped", "delegated", "missing", "away"]

#: Runs that have participants and answers; pending, missed, skipped and superseded ones have none.
EXPORTABLE_STATES = (RunState.OPEN, RunState.CLOSED)


# --- which runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSelection:
    """Which runs to export: one occurrence key, one run id, and/or those opening on or after a date
    (in the ritual's zone). Nothing set means every open or closed run."""

    key: str | None = None
    run_id: int | None = None
    since: date | None = None


def select_runs(session: Session, definition: RitualDefinition, selection: RunSelection) -> list[Run]:
    """Open and closed runs of the ritual matching `selection`, newest first.

    Asking for one run (by key or id) that does not exist, or that never opened, is an error with
    a message for the person; an empty selection otherwise is just an empty list.
    """
    query = select(Run).where(Run.ritual_id == definition.id)
    if selection.key is not None:
        query = query.where(Run.occurrence_key == selection.key)
    if selection.run_id is not None:
        query = query.where(Run.id == selection.run_id)
    if selection.since is not None:
        # "Since 1 March" means from midnight of 1 March where the ritual runs, not in UTC.
        query = query.where(Run.scheduled_for >= datetime.combine(selection.since, time(), definition.zone))
    runs = list(session.scalars(query.order_by(Run.scheduled_for.desc(), Run.id.desc())))
    wanted_one = selection.key is not None or selection.run_id is not None
    exportable = [run for run in runs if run.state in EXPORTABLE_STATES]
    if wanted_one and not exportable:
        what = f"occurrence {selection.key}" if selection.key is not None else f"run {selection.run_id}"
        if runs:
            raise UserFacingError(
                f"{definition.name} {what} is {runs[0].state.value}: it has no answers to export."
            )
        raise UserFacingError(f"{definition.name} has no {what}.")
    return exportable


# --- the snapshot --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRecord:
    """One participant of one run, whatever they did."""

    user: str
    name: str
    state: PersonState
    reason: str = ""
    version: int | None = None
    delegated_to: str | None = None
    # Hydrated answers (dates as `date`), every form field present; empty when no answer.
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunExport:
    ritual_id: str
    ritual_name: str
    key: str
    state: str
    opens_at: datetime
    closes_at: datetime | None
    people: tuple[PersonRecord, ...]

    def with_state(self, state: PersonState) -> list[PersonRecord]:
        return [person for person in self.people if person.state == state]

    @property
    def responses(self) -> list[PersonRecord]:
        """Everyone who answered, late or not."""
        return [person for person in self.people if person.state in ("answered", "late")]

    @property
    def counts(self) -> dict[str, int]:
        """As in the digests' context: `answered` includes the `late` ones."""
        return {
            "participants": len(self.people),
            "answered": len(self.responses),
            **{
                state: len(self.with_state(state))
                for state in ("late", "skipped", "delegated", "missing", "away")
            },
        }


def _responded(response: Response) -> PersonRecord:
    state: PersonState = "late" if response.late else "answered"
    return PersonRecord(
        response.user, response.name, state, version=response.version, answers=response.answers
    )


def export_run(definition: RitualDefinition, data: RunData, participants: Sequence[Participant]) -> RunExport:
    """A run's compiled data and its participant rows as one snapshot, people in name order."""
    responses = {response.user: response for response in data.responses}
    skipped = {entry["user"]: entry["reason"] for entry in data.skipped}
    people: list[PersonRecord] = []
    for participant in participants:
        user, name = participant.user_id, participant.display_name
        response = responses.pop(user, None)
        if response is not None:
            people.append(_responded(response))
        elif user in skipped:
            people.append(PersonRecord(user, name, "skipped", reason=skipped[user]))
        elif participant.state is ParticipantState.AWAY:
            people.append(PersonRecord(user, name, "away"))
        elif participant.state is ParticipantState.DELEGATED:
            people.append(PersonRecord(user, name, "delegated", delegated_to=participant.delegated_to))
        else:
            # Pending, or marked answered without an answer row: either way nothing to show.
            people.append(PersonRecord(user, name, "missing"))
    # An answer from someone who is not (or no longer) a participant row still counts.
    people += [_responded(response) for response in responses.values()]
    people.sort(key=lambda person: (person.name.casefold(), person.user))
    run, zone = data.run, definition.zone
    return RunExport(
        ritual_id=definition.id,
        ritual_name=definition.name,
        key=run.occurrence_key,
        state=run.state.value,
        opens_at=run.scheduled_for.astimezone(zone),
        closes_at=run.closes_at.astimezone(zone) if run.closes_at else None,
        people=tuple(people),
    )


def load_exports(
    session: Session, definition: RitualDefinition, selection: RunSelection | None = None
) -> list[RunExport]:
    """Snapshots of the selected runs, newest first, read in `session` (which may be read-only)."""
    exports = []
    for run in select_runs(session, definition, selection or RunSelection()):
        participants = session.scalars(
            select(Participant).where(Participant.run_id == run.id).order_by(Participant.id)
        ).all()
        exports.append(export_run(definition, load_run_data(session, definition, run), participants))
    return exports
