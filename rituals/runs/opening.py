"""Opening runs: resolve who takes part, record them, and hand over to the prompts.

A run row is created `pending` by the tick (or by a manual trigger) in one transaction; it is
opened in a second step because resolving participants calls Slack, which must not happen
inside a transaction. Both steps are idempotent: participants are unique per run, and the
switch to `open` is a guarded update, so two replicas opening the same run do it once.

The prompts are queued in chunks, the first (small) one in the transaction that opens the run,
so the sender (woken when that commits) posts the first DMs while the rest are queued, one
short transaction per chunk. Until the last chunk the run says `prompts_queued = false`; a
process killed in between leaves the run so, and the next tick (of this process restarted, or
of another replica) queues the prompts nobody got. A prompt's dedupe key (per run and person)
makes a chunk queued twice, by a retry or by two replicas at once, add nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
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


@dataclass(frozen=True)
class QueuedChunk:
    count: int  # participants this chunk queued a prompt for
    through: int  # the last participant id of the chunk: the next one starts after it


# Queues the prompts of up to `limit` participants after participant id `after` who have none
# yet, in the caller's transaction. Fewer than `limit` means none are left.
QueuePrompts = Callable[[Session, Run, RitualDefinition, datetime, int, int], QueuedChunk]

# The first chunk is small, so the first DMs leave at once; later chunks are bigger, so the
# rest costs few transactions (each one also wakes the sender).
FIRST_CHUNK = 25
CHUNK = 250

# Called just before the transaction that opens the run, outside it: fetching what the
# prompts will show.
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
        away: AwayPolicy | None = None,
        before_open: Sequence[BeforeOpen] = (),
        prompts: QueuePrompts | None = None,
        first_chunk: int = FIRST_CHUNK,
        chunk: int = CHUNK,
    ) -> None:
        self._session_factory = session_factory
        self._library = library
        self._gateway = gateway
        self._away = away or AwayPolicy()
        self._before_open = list(before_open)
        self._prompts = prompts
        self._first_chunk = first_chunk
        self._chunk = chunk
        # Runs whose prompts this process is queuing now, and rituals a request of this process
        # is triggering now: the tick leaves them to that thread rather than resolve the same
        # people through Slack at the same time (and compete with it for the first DM).
        self._queuing: set[int] = set()
        self._triggering: Counter[str] = Counter()
        self._queuing_lock = threading.Lock()

    def open_pending(self, now: datetime) -> list[OpenedRun]:
        """Open the pending runs, and finish queuing the prompts of runs left half-queued."""
        with self._session_factory() as session:
            runs = list(
                session.scalars(
                    select(Run)
                    .where(
                        or_(
                            Run.state == RunState.PENDING,
                            and_(Run.state == RunState.OPEN, Run.prompts_queued.is_(False)),
                        )
                    )
                    .order_by(Run.id)
                )
            )
        opened = []
        for run in runs:
            with self._queuing_lock:
                if self._triggering[run.ritual_id]:
                    continue  # a request of this process is opening it now
            if run.state is RunState.OPEN:
                self._finish_half_queued(run, now)
                continue
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
                .values(state=RunState.OPEN, opened_at=now, prompts_queued=self._prompts is None),
            ):
                return None  # another replica opened it
            fresh = session.get(Run, run.id, populate_existing=True)
            assert fresh is not None
            first = self._queue_chunk(session, fresh, definition, now, after=0, limit=self._first_chunk)
            # Claimed before the commit, so a tick of this process leaves the rest to this thread.
            if first is not None:
                self._claim(run.id)
        # Committed: the sender is posting the first prompts while the rest are queued.
        if first is not None:
            try:
                self._queue_rest(fresh, definition, now, after=first.through)
            except Exception:
                # The run is open and says its prompts are not all queued: the tick finishes them.
                log.exception("queuing the prompts of run %s stopped; the tick goes on with them", run.id)
            finally:
                self._release(run.id)
        # Read once the prompts are on their way: loading a thousand rows is no reason to hold
        # back the first DM.
        with self._session_factory() as session:
            participants = list(
                session.scalars(
                    select(Participant).where(Participant.run_id == run.id).order_by(Participant.id)
                )
            )
        log.info("opened run %s of %s for %d participants", run.id, definition.id, len(participants))
        return OpenedRun(run=fresh, definition=definition, participants=participants)

    def _queue_chunk(
        self,
        session: Session,
        run: Run,
        definition: RitualDefinition,
        now: datetime,
        *,
        after: int,
        limit: int,
    ) -> QueuedChunk | None:
        """One chunk of prompts in the caller's transaction; None once the last is queued (the
        run says so in the same transaction)."""
        if self._prompts is None:
            return None
        chunk = self._prompts(session, run, definition, now, after, limit)
        if chunk.count < limit:
            session.execute(
                update(Run)
                .where(Run.id == run.id)
                .values(prompts_queued=True)
                .execution_options(synchronize_session=False)
            )
            return None
        return chunk

    def _queue_rest(self, run: Run, definition: RitualDefinition, now: datetime, *, after: int) -> None:
        """The remaining chunks, one transaction each, while the run is still open."""
        while True:
            with self._session_factory.begin() as session:
                current = session.get(Run, run.id)
                if current is None or current.state is not RunState.OPEN or current.prompts_queued:
                    return  # closed meanwhile (nothing more to ask), or finished by a replica
                chunk = self._queue_chunk(session, current, definition, now, after=after, limit=self._chunk)
            if chunk is None:
                return
            after = chunk.through

    def _finish_half_queued(self, run: Run, now: datetime) -> None:
        """A run opened but left with prompts to queue (its process died, say): queue them.
        The dedupe keys skip the prompts already queued."""
        if not self._claim(run.id):
            return  # this process is queuing them right now
        try:
            definition = self._library.get(run.ritual_id)
        except UnknownRitual:
            self._release(run.id)
            return  # a retired ritual asks nobody more; closing handles the run
        try:
            log.info("queuing the rest of the prompts of run %s of %s", run.id, run.ritual_id)
            self._queue_rest(run, definition, now, after=0)
        finally:
            self._release(run.id)

    @contextmanager
    def triggering(self, ritual_id: str) -> Iterator[None]:
        """Around creating and opening a run by hand: the tick of this process leaves the
        ritual's runs to the caller meanwhile. (If the process dies, the next tick opens it.)"""
        with self._queuing_lock:
            self._triggering[ritual_id] += 1
        try:
            yield
        finally:
            with self._queuing_lock:
                self._triggering[ritual_id] -= 1

    def _claim(self, run_id: int) -> bool:
        """Mark the run's prompts as being queued by this process; False if they already are."""
        with self._queuing_lock:
            if run_id in self._queuing:
                return False
            self._queuing.add(run_id)
            return True

    def _release(self, run_id: int) -> None:
        with self._queuing_lock:
            self._queuing.discard(run_id)

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
