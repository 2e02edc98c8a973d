"""A running ritualbot process: database, Slack client, Bolt app and the background clock.

`ritualbot run`, `ritualbot demo` and the end-to-end tests all build one of these, so what
the tests exercise is what production runs.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.app import RitualApp, create_app
from bot.configuration import load_configuration
from bot.database import connect
from bot.delivery import MAX_DEFER_SECONDS, BackgroundSender
from bot.in_flight import RequestsInFlight
from bot.settings import Settings
from bot.slack_client import create_web_client
from core.clock import Clock, SystemClock
from rituals.definition.loading import RitualLibrary
from storage.database import SessionFactory

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: SessionFactory
    client: WebClient
    app: RitualApp
    clock: Clock
    library: RitualLibrary
    scheduler: BackgroundScheduler | None = None
    background_sender: BackgroundSender | None = None
    # Guards the clock against a start that finishes after `close` (`ritualbot run` starts it
    # beside the server, in a thread of its own).
    _clock_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _closed: bool = False
    # Counted by the HTTP server's request edge; the background sender makes way for them.
    in_flight: RequestsInFlight = field(default_factory=RequestsInFlight)

    @classmethod
    def build(
        cls, settings: Settings, *, clock: Clock | None = None, client: WebClient | None = None
    ) -> Runtime:
        """Wire everything. Refuses to build on invalid configuration files (InvalidConfiguration)
        or when the database is behind the code (SchemaOutOfDate): half-running is worse than not
        running."""
        configuration = load_configuration(settings.rituals_path, live=True)
        library = configuration.library
        database = connect(settings.database_url, workers=settings.http_threads)
        clock = clock or SystemClock()
        client = client or create_web_client(settings)
        try:
            app = create_app(
                settings,
                client=client,
                session_factory=database.session_factory,
                clock=clock,
                library=library,
                domains=configuration.domains,
            )
        except BaseException:
            database.close()
            raise
        return cls(settings, database.engine, database.session_factory, client, app, clock, library)

    def start_sender(self) -> None:
        """The outbox sender, woken as rows are queued (the tick wakes it too, once it runs)."""
        self.background_sender = BackgroundSender(
            self.app.sender,
            self.session_factory,
            self.engine,
            in_flight=self.in_flight,
            bell=self.app.services.outbox_bell,
        ).start()
        self.app.tick.hand_delivery_to(self.background_sender.wake)

    def start_ticking(self) -> None:
        """The tick on its interval; nothing once `close` has begun."""
        # APScheduler (with the multiprocessing its pool executor imports) is loaded here, so
        # `ritualbot run` can load it beside a server that already answers.
        from bot.scheduler import start_clock

        # Off the request path: what the templates read decides, when a run opens, which outside
        # data it fetches first; worked out now, beside a server that already answers, it
        # delays neither the first prompt nor the first request.
        threading.Thread(target=self.library.warm, name="template-warm-up", daemon=True).start()
        # A deadline's submissions are acknowledged before the tick's slower work (the prompts
        # they made stale, reminders) takes the interpreter, for a bounded time, as the sender does.
        self.app.tick.make_way_with(lambda: self.in_flight.wait_until_idle(MAX_DEFER_SECONDS))
        with self._clock_lock:
            if not self._closed:
                self.scheduler = start_clock(self.app.tick, self.settings.tick_seconds)

    def close(self) -> None:
        """Stop the clock (waiting for a tick in progress to finish), the sender (finishing the
        posts in flight), then the database."""
        with self._clock_lock:
            self._closed = True
            scheduler, self.scheduler = self.scheduler, None
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        if self.background_sender is not None:
            self.background_sender.stop()
            self.background_sender = None
        else:
            self.app.sender.stop()
        self.engine.dispose()


@contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into SystemExit in the main thread, which the servers treat as "stop now"."""

    def _raise(signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s, stopping", signal.Signals(signum).name)
        raise SystemExit(0)

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
