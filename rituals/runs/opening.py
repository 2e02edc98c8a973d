"""Opening runs: resolve who takes part, record them, and hand over to the prompts.

A run row is created `pending` by the tick (or by a manual trigger) in one transaction; it is
opened in a second step because resolving participants calls Slack, which must not happen
inside a transaction. Both steps are idempotent: participants are unique per run, and the
switch to `open` is a guarded update, so two replicas opening the same run do it once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from messaging.gateway import OutcomeUnknown, Person, RateLimited, Rejected, SlackGateway
from rituals.away.time_off import AwayPolicy, away_at_open
from rituals.definition.loading import RitualLibrary, UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.runs.notices import queue_owner_problem
from rituals.runs.participants import resolve_participants
from rituals.schedule.occurrences import closes_at, manual_occurrence
from storage.database import SessionFactory
from storage.models import Participant, ParticipantState, Run, RunOrigin, RunState
from storage.queries import changed_one_row, insert_ignoring_conflicts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedRun:
    run: Run
    definition: RitualDefinition
    participants: Sequence[Participant]


# Called inside the transaction that opens the run (the prompts queue their DMs here).
OnOpen = Callable[[Session, OpenedRun, datetime], None]
# Called just before that transaction, outside it: fetching what the prompts will show.
BeforeOpen = Callable[[Run, RitualDefinition, datetime], None]


def create_manual_run(session: Session, definition: RitualDefinition, now: datetime, note: str) -> Run:
    """A pending run opening now. It is keyed by the local minute, so a double click opens one
    run, and triggering at a scheduled minute is that scheduled run."""
    occurrence = manual_occurrence(definition, now)
    insert_ignoring_conflicts(
        session,
        Run,
        [
            {
                "ritual_id": definition.id,
                "occurrence_key": occurrence.key,
                "scheduled_for": now,
                "closes_at": closes_at(definition, occurrence),
                "state": RunState.PENDING.value,
                "origin": RunOrigin.MANUAL.value,
                "note": note,
                "created_at": now,
            }
        ],
    )
    run = session.scalar(
        select(Run).where(Run.ritual_id == definition.id, Run.occurrence_key == occurrence.key)
    )
    assert run is not None
    return run


class RunOpener:
    def __init__(
        self,
        session_factory: SessionFactory,
        library: RitualLibrary,
        gateway: SlackGateway,
        on_open: Sequence[OnOpen] = (),
        away: AwayPolicy | None = None,
        before_open: Sequence[BeforeOpen] = (),
    ) -> None:
        self._session_factory = session_factory
        self._library = library
        self._gateway = gateway
        self._on_open = list(on_open)
        self._away = away or AwayPolicy()
        self._before_open = list(before_open)

    def open_pending(self, now: datetime) -> list[OpenedRun]:
        with self._session_factory() as session:
            pending = list(session.scalars(select(Run).where(Run.state == RunState.PENDING).order_by(Run.id)))
        opened = []
        for run in pending:
            result = self.open(run, now)
            if result is not None:
                opened.append(result)
        return opened

    def open(self, run: Run, now: datetime) -> OpenedRun | None:
        try:
            definition = self._library.get(run.ritual_id)
        except UnknownRitual:
            self._retire(run, now, "the ritual's definition was removed")
            return None
        try:
            people = resolve_participants(definition, self._gateway)
        except Rejected as error:
            log.warning("run %s of %s cannot open: %s", run.id, run.ritual_id, error)
            with self._session_factory.begin() as session:
                queue_owner_problem(session, definition, run.id, _problem_text(definition, error), now)
            return None
        except (RateLimited, OutcomeUnknown) as error:
            log.info("run %s of %s will open next tick: %s", run.id, run.ritual_id, error)
            return None
        for prepare in self._before_open:
            prepare(run, definition, now)
        return self._record_open(run, definition, people, now)

    def _record_open(
        self, run: Run, definition: RitualDefinition, people: list[Person], now: datetime
    ) -> OpenedRun | None:
        with self._session_factory.begin() as session:
            # Away for this run (time off, or a status that says so): neither prompted nor chased.
            away = away_at_open(session, run, people, self._away)
            insert_ignoring_conflicts(
                session,
                Participant,
                [
                    {
                        "run_id": run.id,
                        "user_id": person.id,
                        "display_name": person.name,
                        "timezone": person.timezone,
                        "state": (
                            ParticipantState.AWAY if person.id in away else ParticipantState.PENDING
                        ).value,
                        "reminders_sent": 0,
                    }
                    for person in people
                ],
            )
            if not changed_one_row(
                session,
                update(Run)
                .where(Run.id == run.id, Run.state == RunState.PENDING)
                .values(state=RunState.OPEN, opened_at=now),
            ):
                return None  # another replica opened it
            fresh = session.get(Run, run.id, populate_existing=True)
            assert fresh is not None
            participants = list(session.scalars(select(Participant).where(Participant.run_id == run.id)))
            opened = OpenedRun(run=fresh, definition=definition, participants=participants)
            for hook in self._on_open:
                hook(session, opened, now)
        log.info("opened run %s of %s for %d participants", run.id, definition.id, len(participants))
        return opened

    def _retire(self, run: Run, now: datetime, why: str) -> None:
        with self._session_factory.begin() as session:
            session.execute(
                update(Run)
                .where(Run.id == run.id, Run.state == RunState.PENDING)
                .values(state=RunState.SKIPPED, note=why, closed_at=now)
                .execution_options(synchronize_session=False)
            )


def _problem_text(definition: RitualDefinition, error: Rejected) -> str:
    spec = definition.participants
    if spec is not None and spec.usergroup and "user group" in error.error:
        return f"there is no user group with the handle @{spec.usergroup}"
    if spec is not None and spec.channel and "channel_not_found" in error.error:
        return f"I cannot find the channel #{spec.channel} (invite me, or check the name)"
    return f"Slack said `{error.error}` while I looked up the participants"
