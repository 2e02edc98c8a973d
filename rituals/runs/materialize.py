"""Turn due occurrences into run rows, once, whatever the number of replicas or the downtime.

The tick calls `materialize` for every ritual. It reads the ritual's cursor (every occurrence
up to `materialized_through` already has a row), lists the occurrences since then, decides
what each becomes, inserts the rows ignoring conflicts, and moves the cursor with a
compare-and-set in the same transaction. A replica that loses the race rolls back and does
nothing; an occurrence that fell into downtime is still found, because the cursor only moves
past an occurrence in the transaction that records it.

What an occurrence becomes:

* the ritual is paused → `skipped` ("paused");
* the owners asked to skip it → `skipped` ("skipped by an owner");
* it is the newest due occurrence and at most `catch_up` late → `pending` (opens this tick);
* an older one within `catch_up` while a newer one is due → `superseded` (no burst of late runs);
* more than `catch_up` late → `missed`; every owner gets one DM for all the occurrences a pass
  finds missed, with a button to run the ritual now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from rituals.definition.schema import RitualDefinition
from rituals.runs.notices import queue_missed_notice
from rituals.schedule.occurrences import (
    Occurrence,
    catch_up_deadline,
    closes_at,
    earliest_prompt_time,
    occurrences_between,
)
from storage.models import RitualState, Run, RunOrigin, RunState
from storage.queries import changed_one_row, insert_ignoring_conflicts

log = logging.getLogger(__name__)

PAUSED_NOTE = "paused"
SKIPPED_BY_OWNER_NOTE = "skipped by an owner"

# An opening found within this much of its time is "on schedule"; later ones are catch-ups.
ON_TIME_SLACK = timedelta(minutes=2)


@dataclass(frozen=True)
class Decision:
    occurrence: Occurrence
    state: RunState
    origin: RunOrigin
    note: str | None = None


class LostRace(Exception):
    """Another replica moved the cursor first; roll back, it recorded the same occurrences."""


def ensure_state_rows(session: Session, ritual_ids: list[str], now: datetime) -> None:
    insert_ignoring_conflicts(
        session,
        RitualState,
        [{"ritual_id": ritual_id, "paused": False, "updated_at": now} for ritual_id in ritual_ids],
    )


def decide(
    definition: RitualDefinition, due: list[Occurrence], state: RitualState, now: datetime
) -> list[Decision]:
    """What each due occurrence becomes (pure: no database, easy to test)."""
    decisions: list[Decision] = []
    newest = due[-1] if due else None
    for occurrence in due:
        lateness = now - occurrence.opens_at
        if state.paused:
            decisions.append(Decision(occurrence, RunState.SKIPPED, RunOrigin.SCHEDULE, PAUSED_NOTE))
        elif state.skip_key == occurrence.key:
            decisions.append(
                Decision(occurrence, RunState.SKIPPED, RunOrigin.SCHEDULE, SKIPPED_BY_OWNER_NOTE)
            )
        elif now > catch_up_deadline(definition, occurrence):
            decisions.append(
                Decision(occurrence, RunState.MISSED, RunOrigin.SCHEDULE, f"missed by {_describe(lateness)}")
            )
        elif occurrence is not newest:
            decisions.append(
                Decision(
                    occurrence, RunState.SUPERSEDED, RunOrigin.CATCH_UP, "a newer occurrence was already due"
                )
            )
        else:
            origin = RunOrigin.SCHEDULE if lateness <= ON_TIME_SLACK else RunOrigin.CATCH_UP
            decisions.append(Decision(occurrence, RunState.PENDING, origin))
    return decisions


def due_occurrences(definition: RitualDefinition, since: datetime, now: datetime) -> list[Occurrence]:
    """Occurrences whose first prompt falls in [since, now), soonest opening first.

    With participant-local delivery the first prompt (10:00 in the easternmost zone) comes up
    to a day and a half before the ritual's own opening, so the run must exist by then.
    """
    lookahead = timedelta(days=2) if definition.schedule.deliver == "participant_local_time" else timedelta(0)
    candidates = occurrences_between(definition, since, now + lookahead + timedelta(seconds=1))
    return [o for o in candidates if since <= earliest_prompt_time(definition, o) < now]


def materialize(session: Session, definition: RitualDefinition, now: datetime) -> list[Decision]:
    """Record every occurrence of `definition` due by `now`.

    Raises `LostRace` when another replica materialised concurrently: the caller's transaction
    must then be rolled back (leaving its `with session_factory.begin()` block by the exception
    does exactly that).
    """
    state = session.get(RitualState, definition.id, populate_existing=True)
    assert state is not None, "ensure_state_rows runs first"
    # A ritual seen for the first time starts one catch-up window back, not at the epoch.
    since = state.materialized_through or (now - definition.catch_up)
    if since >= now:
        return []
    due = due_occurrences(definition, since, now) if definition.enabled else []
    decisions = decide(definition, due, state, now)
    if decisions:
        insert_ignoring_conflicts(
            session,
            Run,
            [
                {
                    "ritual_id": definition.id,
                    "occurrence_key": decision.occurrence.key,
                    "scheduled_for": decision.occurrence.opens_at,
                    "closes_at": closes_at(definition, decision.occurrence),
                    "state": decision.state.value,
                    "origin": decision.origin.value,
                    "note": decision.note,
                    "created_at": now,
                }
                for decision in decisions
            ],
        )
    if not changed_one_row(
        session,
        update(RitualState)
        .where(
            RitualState.ritual_id == definition.id,
            RitualState.materialized_through.is_not_distinct_from(state.materialized_through),
        )
        .values(
            materialized_through=now,
            # The owners' skip is spent once the occurrence it named has been recorded.
            skip_key=None if any(d.occurrence.key == state.skip_key for d in decisions) else state.skip_key,
            updated_at=now,
        ),
    ):
        raise LostRace(definition.id)
    missed = [decision for decision in decisions if decision.state is RunState.MISSED]
    if missed:
        newest = missed[-1]
        run_id = session.scalar(
            select(Run.id).where(Run.ritual_id == definition.id, Run.occurrence_key == newest.occurrence.key)
        )
        assert run_id is not None
        occurrences = [decision.occurrence for decision in missed]
        queue_missed_notice(session, definition, run_id, occurrences, newest.note or "", now)
    for decision in decisions:
        if decision.state is not RunState.PENDING:
            log.info(
                "%s %s: %s (%s)", definition.id, decision.occurrence.key, decision.state.value, decision.note
            )
    return decisions


def _describe(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"
