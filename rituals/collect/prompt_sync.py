"""Keeping posted prompts in step with the participants' state.

A participant row is the truth and the prompt DM shows it: every change (answered, skipped,
handed over, run closed) bumps ``prompt_version``, and this tick step brings each prompt whose
``prompt_synced`` is behind up to date:

* not posted yet: the queued post is rewritten (or withdrawn if the run closed meanwhile);
* posted: a ``chat.update`` of it is queued through the outbox (``run:<id>:prompt:<user>:v<n>``),
  paced like every Slack write (``chat.update`` is Tier 3, ~50 a minute), and any older update
  still waiting is superseded, since the newest carries the whole state;
* being posted right now: left for the next tick, which will know its ``ts``.

Every step is a guarded write, so replicas ticking together do each thing once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from messaging.outbox import enqueue
from rituals.collect.answers import latest_answer
from rituals.collect.prompts import prompt_key, prompt_message
from rituals.definition.loading import RitualLibrary, UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.runs.participants import change_participants
from storage.database import SessionFactory
from storage.models import Delivery, DeliveryState, Participant, ParticipantState, Run, RunState
from storage.queries import changed_one_row

log = logging.getLogger(__name__)

PROMPT_UPDATE_KIND = "prompt-update"
SYNC_AFTER_CLOSE = timedelta(days=30)


def bump_prompts(session: Session, run: Run, _now: datetime) -> None:
    """The ``on_close`` hook: every prompt of the run must now say it closed."""
    # A handed-over prompt reads the same before and after the close: no update to spend.
    change_participants(
        session, Participant.run_id == run.id, Participant.state != ParticipantState.DELEGATED
    )


class PromptSync:
    def __init__(
        self, session_factory: SessionFactory, library: RitualLibrary, batch: int = 50, per_tick: int = 500
    ) -> None:
        self._session_factory = session_factory
        self._library = library
        # A transaction per `batch` prompts: at a deadline this step finds hundreds of prompts
        # to redraw while the submissions that made them stale still arrive, and each of those
        # waits for the database's write lock on SQLite. `per_tick` bounds one tick's share.
        self._batch = batch
        self._per_tick = per_tick

    def __call__(self, now: datetime) -> int:
        """Bring stale prompts up to date; returns how many were handled."""
        handled = looked_at = after_id = 0
        while looked_at < self._per_tick:
            limit = min(self._batch, self._per_tick - looked_at)
            with self._session_factory.begin() as session:
                rows = session.execute(self._stale(now, after_id, limit)).all()
                handled += sum(self._sync(session, person, run, now) for person, run in rows)
            if len(rows) < limit:
                break
            looked_at += len(rows)
            after_id = rows[-1][0].id  # one left for the next tick (being posted) is not met again
        return handled

    @staticmethod
    def _stale(now: datetime, after_id: int, limit: int) -> Select[Participant, Run]:
        # Only runs that are open or closed lately (a late answer may come days after the
        # close): the participants of older runs are never looked at again.
        recent = select(Run.id).where(
            Run.state.in_([RunState.OPEN, RunState.CLOSED]),
            or_(Run.closed_at.is_(None), Run.closed_at >= now - SYNC_AFTER_CLOSE),
        )
        return (
            select(Participant, Run)
            .join(Run, Run.id == Participant.run_id)
            .where(
                Participant.run_id.in_(recent),
                Participant.prompt_version > Participant.prompt_synced,
                Participant.id > after_id,
            )
            .order_by(Participant.id)
            .limit(limit)
        )

    def _sync(self, session: Session, person: Participant, run: Run, now: datetime) -> bool:
        version = person.prompt_version
        key = prompt_key(run.id, person.user_id)
        delivery = session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
        try:
            definition = self._library.get(run.ritual_id)
        except UnknownRitual:
            definition = None  # a retired ritual's prompts are left as they are
        if delivery is not None and definition is not None:
            if delivery.state is DeliveryState.SENDING:
                return False
            if delivery.state is DeliveryState.PENDING and not self._rewrite(
                session, delivery, definition, run, person
            ):
                return False
            if delivery.state is DeliveryState.SENT and delivery.channel_id and delivery.message_ts:
                message = prompt_message(
                    definition, run, person, latest_answer(session, run.id, person.user_id)
                )
                update_key = f"{key}:v{version}"
                enqueue(
                    session,
                    key=update_key,
                    kind=PROMPT_UPDATE_KIND,
                    target=person.user_id,
                    message=message,
                    now=now,
                    run_id=run.id,
                    update_of=(delivery.channel_id, delivery.message_ts),
                )
                session.execute(
                    update(Delivery)
                    .where(
                        Delivery.run_id == run.id,
                        Delivery.kind == PROMPT_UPDATE_KIND,
                        Delivery.target == person.user_id,
                        Delivery.state == DeliveryState.PENDING,
                        Delivery.dedupe_key != update_key,
                    )
                    .values(state=DeliveryState.SUPERSEDED, error=f"superseded by {update_key}")
                    .execution_options(synchronize_session=False)
                )
        session.execute(
            update(Participant)
            .where(Participant.id == person.id, Participant.prompt_synced < version)
            .values(prompt_synced=version)
            .execution_options(synchronize_session=False)
        )
        return True

    @staticmethod
    def _rewrite(
        session: Session, delivery: Delivery, definition: RitualDefinition, run: Run, person: Participant
    ) -> bool:
        """A prompt not posted yet: withdraw it if the run is over, else make it say the news."""
        if run.state is not RunState.OPEN:
            values: dict[str, object] = {
                "state": DeliveryState.SKIPPED,
                "error": f"run {run.state.value} first",
            }
        else:
            message = prompt_message(definition, run, person, latest_answer(session, run.id, person.user_id))
            values = {"payload": {**delivery.payload, "text": message.text, "blocks": list(message.blocks)}}
        return changed_one_row(
            session,
            update(Delivery)
            .where(Delivery.id == delivery.id, Delivery.state == DeliveryState.PENDING)
            .values(**values),
        )
