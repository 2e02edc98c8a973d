"""The tick: one pass of everything time-driven, run every few seconds by every replica.

Each step is idempotent and guarded by the database (unique keys, compare-and-set updates), so
replicas may tick at the same moment and a crash between steps loses nothing: the next tick
resumes where this one stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from messaging.outbox import OutboxSender, SendReport
from rituals.runs.closing import RunCloser
from rituals.runs.materialize import LostRace, ensure_state_rows, materialize
from rituals.runs.opening import RunOpener
from rituals.services import Services
from storage.models import RunState

log = logging.getLogger(__name__)

# Extra time-driven work (reminders, for one) plugs in as a step taking "now".
TickStep = Callable[[datetime], object]


@dataclass
class TickReport:
    opened: list[int] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    sent: SendReport = field(default_factory=SendReport)


class Tick:
    def __init__(
        self,
        services: Services,
        opener: RunOpener,
        closer: RunCloser,
        sender: OutboxSender,
        extra_steps: Sequence[TickStep] = (),
    ) -> None:
        self._services = services
        self._opener = opener
        self._closer = closer
        self._deliver: Callable[[], SendReport] = sender.send_due
        self._extra_steps = list(extra_steps)
        self._make_way: Callable[[], object] = lambda: None

    def make_way_with(self, make_way: Callable[[], object]) -> None:
        """Called before each extra step (reminders, prompt redraws: work that can wait a moment),
        so a process serving Slack can let the requests it is handling finish first."""
        self._make_way = make_way

    def hand_delivery_to(self, wake: Callable[[], object]) -> None:
        """A background sender drains the outbox from now on; the tick only wakes it (for rows
        that became due by time, say) instead of sending itself."""

        def deliver() -> SendReport:
            wake()
            return SendReport()

        self._deliver = deliver

    def __call__(self) -> TickReport:
        now = self._services.clock.now()
        report = TickReport()
        report.missed = self._materialize_all(now)
        report.opened = [opened.run.id for opened in self._opener.open_pending(now)]
        report.closed = self._closer.close_due(now)
        for step in self._extra_steps:
            self._make_way()
            step(now)
        # Without a background sender (tests, one-shot commands) the tick drains the outbox.
        report.sent = self._deliver()
        return report

    def _materialize_all(self, now: datetime) -> list[str]:
        library = self._services.library
        with self._services.session_factory.begin() as session:
            ensure_state_rows(session, library.ids(), now)
        missed: list[str] = []
        for definition in library:
            try:
                with self._services.session_factory.begin() as session:
                    decisions = materialize(session, definition, now)
            except LostRace:
                log.debug("another replica materialised %s", definition.id)
                continue
            missed += [f"{definition.id} {d.occurrence.key}" for d in decisions if d.state is RunState.MISSED]
        return missed
