"""The outbox sender running in the background of `ritualbot run`, separate from the tick.

One thread drains the outbox (`OutboxSender.send_due`, which posts on its own pool of sender
threads) whenever it is woken:

* at once, when a transaction of this process that queued a delivery commits (a session's,
  or one without a session that rings the `OutboxBell` after its commit);
* within about a second when another replica queued one: on PostgreSQL it LISTENs for the
  NOTIFY that the deliveries table's trigger sends on commit; elsewhere, and as a fallback,
  it polls.

The poll also picks up what becomes due later (a retry, a prompt at someone's local 9:00).
Given the process's `RequestsInFlight`, it makes way for Slack's requests: before each batch it
waits until none has been handled for a moment, `max_defer` seconds at most, so a rush of
submissions is acknowledged first and the copies they queued follow in its lulls. A rush that
never lulls gets a small batch (`busy_batch` rows) every `max_defer`: delivery slows down, it
never stops.
Stopping finishes the posts in flight and puts back what was claimed but not started.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, event

from bot.in_flight import RequestsInFlight
from messaging.outbox import NOTIFY_CHANNEL, QUEUED, OutboxSender
from messaging.outbox_bell import OutboxBell
from storage.database import SessionFactory
from storage.idle_ping import once_more_if_dropped

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
LISTEN_WAIT_SECONDS = 0.5
# The longest a batch waits for the requests in flight: well under Slack's three seconds for an
# acknowledgement, and a copy of an answer still reaches its DM within about a second of a rush.
MAX_DEFER_SECONDS = 1.0
# Rows claimed at once while requests keep arriving: a few posts' worth of the interpreter's time.
BUSY_BATCH = 10


class BackgroundSender:
    def __init__(
        self,
        sender: OutboxSender,
        session_factory: SessionFactory,
        engine: Engine,
        *,
        poll_seconds: float = POLL_SECONDS,
        in_flight: RequestsInFlight | None = None,
        max_defer: float = MAX_DEFER_SECONDS,
        busy_batch: int = BUSY_BATCH,
        bell: OutboxBell | None = None,
    ) -> None:
        self._sender = sender
        self._bell = bell
        self._in_flight = in_flight
        self._max_defer = max_defer
        self._busy_batch = busy_batch
        self._session_factory = session_factory
        self._engine = engine
        self._poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # Set once this process LISTENs (PostgreSQL), so a caller can queue knowing it is heard.
        self.listening = threading.Event()

    def start(self) -> BackgroundSender:
        event.listen(self._session_factory, "after_commit", self._after_commit)
        if self._bell is not None:
            self._bell.listen(self.wake)
        self._spawn(self._drain_when_woken, "outbox-sender")
        if self._engine.dialect.name == "postgresql":
            self._spawn(self._listen, "outbox-listener")
        self._wake.set()  # whatever is due from before the start
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish what is in flight and stop; safe to call twice."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._wake.set()
        if event.contains(self._session_factory, "after_commit", self._after_commit):
            event.remove(self._session_factory, "after_commit", self._after_commit)
        if self._bell is not None:
            self._bell.stop_listening(self.wake)
        self._sender.stop()
        for thread in self._threads:
            thread.join()

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _after_commit(self, session: Any) -> None:
        if session.info.pop(QUEUED, False):
            self._wake.set()

    def _drain_when_woken(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=self._next_look())
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                once_more_if_dropped(
                    lambda: self._sender.send_due(before_each_batch=self._make_way), "sending the outbox"
                )
            except Exception:
                # The database went away, say: the next wake or poll tries again.
                log.exception("sending the outbox failed; trying again shortly")
                self._stop.wait(self._poll_seconds)

    def _make_way(self) -> int | None:
        """Before a batch: let the requests being handled finish first, for a bounded time; a
        small batch if they are still going on then (None: a whole batch)."""
        if self._in_flight is None or self._stop.is_set():
            return None
        return None if self._in_flight.wait_until_idle(self._max_defer) else self._busy_batch

    def _next_look(self) -> float:
        # Deliveries put back for their budget are due again sooner than the next poll.
        soonest = self._sender.soonest_put_back
        if soonest is None:
            return self._poll_seconds
        return min(self._poll_seconds, max(soonest.total_seconds(), 0.01))

    def _listen(self) -> None:
        # Only PostgreSQL listens; SQLite deployments start without the driver.
        import psycopg

        url = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening.set()
                    while not self._stop.is_set():
                        # A short wait, so a stop is noticed within a second.
                        for _ in connection.notifies(timeout=LISTEN_WAIT_SECONDS, stop_after=1):
                            self._wake.set()
            except psycopg.Error:
                # The poll keeps delivering meanwhile; listen again after a pause.
                log.warning("listening for queued deliveries failed; polling until it works again")
                self._stop.wait(5 * self._poll_seconds)
