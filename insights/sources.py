"""A run's sources: read once when it opens and once when it closes, kept, failures told once.

When a run whose form asks about key results opens, their sources are read so each owner's
modal is prefilled with the number of the day. When a run closes, the sources its digest shows
(key results, metrics) are read again: what the PM saw at opening and what leaders see at
closing are both kept (`source_readings`, unique per run, phase and source, so a second
replica or a retried tick reads nothing twice). Everything is fetched concurrently and outside
any transaction; a source that fails is stored with its reason, shown as unavailable, and its
owner hears of it once per run (an outbox delivery keyed by run and source). It never stops the
run: the rituals call this before opening or closing and go on whatever happens here.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.catalog import Catalog
from insights.config import Source
from insights.fetching import Reading, SourceFetcher
from insights.owners import Owners, slack_users
from insights.standing import source_key
from messaging.gateway import Message
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import enqueue
from storage.database import SessionFactory
from storage.models import KeyResultScope, ReadingPhase, SourceReading
from storage.queries import insert_ignoring_conflicts

log = logging.getLogger(__name__)

Phase = Literal["open", "close"]
NOTICE_KIND = "source-unavailable"


class RunNeeds(Protocol):
    """What the rituals say about a run (`rituals.runs.outside_data.RunNeeds`)."""

    @property
    def run_id(self) -> int: ...
    @property
    def ritual_id(self) -> str: ...
    @property
    def ritual_name(self) -> str: ...
    @property
    def owners(self) -> Sequence[str]: ...
    @property
    def asks_key_results(self) -> bool: ...
    @property
    def objectives(self) -> Collection[str] | None: ...
    def shows(self, name: str) -> bool: ...


@dataclass(frozen=True)
class _Wanted:
    """A source to read, what it is called in a notice, and who hears when it fails."""

    source: Source
    what: str
    tell: tuple[str, ...]


class RunSources:
    def __init__(
        self, session_factory: SessionFactory, catalog: Catalog, fetcher: SourceFetcher, owners: Owners
    ) -> None:
        self._session_factory = session_factory
        self._catalog = catalog
        self._fetcher = fetcher
        self._owners = owners

    def fetch(self, needs: RunNeeds, phase: Phase, now: datetime) -> None:
        covers = needs.asks_key_results or (phase == "close" and needs.shows("key_results"))
        if covers:
            self._record_scope(needs, now)
            self._owners.look_up(kr.owner for _, kr in self._catalog.key_results(needs.objectives))
        wanted = self._wanted(needs, phase, covers)
        if not wanted:
            return
        with self._session_factory() as session:
            done = set(
                session.scalars(
                    select(SourceReading.source).where(
                        SourceReading.run_id == needs.run_id, SourceReading.phase == ReadingPhase(phase)
                    )
                )
            )
        todo = {key: spec for key, spec in wanted.items() if key not in done}
        if not todo:
            return
        readings = self._fetcher.fetch_all({key: spec.source for key, spec in todo.items()})
        with self._session_factory.begin() as session:
            rows = [
                {
                    "run_id": needs.run_id,
                    "ritual_id": needs.ritual_id,
                    "phase": phase,
                    "source": key,
                    "value": reading.value,
                    "error": reading.error,
                    "fetched_at": now,
                }
                for key, reading in readings.items()
            ]
            insert_ignoring_conflicts(session, SourceReading, rows)
            for key, reading in readings.items():
                if not reading.ok:
                    self._tell(session, needs, phase, key, todo[key], reading, now)
        log.info(
            "run %s (%s): read %d source(s), %d unavailable",
            needs.run_id,
            phase,
            len(readings),
            sum(1 for reading in readings.values() if not reading.ok),
        )

    def _wanted(self, needs: RunNeeds, phase: Phase, covers: bool) -> dict[str, _Wanted]:
        wanted: dict[str, _Wanted] = {}
        if covers:
            for objective, key_result in self._catalog.key_results(needs.objectives):
                if key_result.source is not None:
                    what = f"{key_result.title}, a key result of {objective.title}"
                    wanted[source_key("kr", key_result.id)] = _Wanted(
                        key_result.source, what, (key_result.owner,)
                    )
        if phase == "close" and needs.shows("metrics"):
            for metric in self._catalog.metrics:
                tell = (metric.owner,) if metric.owner else tuple(needs.owners)
                wanted[source_key("metric", metric.id)] = _Wanted(
                    metric.source, f"the metric {metric.title}", tell
                )
        return wanted

    def _record_scope(self, needs: RunNeeds, now: datetime) -> None:
        objectives = sorted(needs.objectives) if needs.objectives is not None else None
        row = {
            "run_id": needs.run_id,
            "ritual_id": needs.ritual_id,
            "objectives": objectives,
            "created_at": now,
        }
        with self._session_factory.begin() as session:
            insert_ignoring_conflicts(session, KeyResultScope, [row])

    def _tell(
        self,
        session: Session,
        needs: RunNeeds,
        phase: Phase,
        key: str,
        wanted: _Wanted,
        reading: Reading,
        now: datetime,
    ) -> None:
        """Tell who should know, once per run and source (the delivery key has no phase)."""
        users = slack_users(session, wanted.tell)
        ritual = mrkdwn_escape(needs.ritual_name)
        then = (
            f"*{ritual}* opened anyway; the form offers the last check-in's number, if there is one."
            if phase == "open"
            else f"*{ritual}* closed anyway; its digest says the source is unavailable."
        )
        text = (
            f":warning: The source of *{mrkdwn_escape(wanted.what)}* is unavailable: "
            f"{mrkdwn_escape(reading.error or 'no number')}. {then}"
        )
        message = Message(text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}])
        for owner in wanted.tell:
            user = users.get(owner)
            if user is None:
                log.warning("cannot tell %s that %s is unavailable: no Slack user known", owner, key)
                continue
            enqueue(
                session,
                key=f"insights:run:{needs.run_id}:unavailable:{key}:{user}",
                kind=NOTICE_KIND,
                target=user,
                message=message,
                now=now,
                run_id=needs.run_id,
            )
