"""Signatures already seen, in the database, so a replay is refused on every replica.

The edge records a request before its listener runs (`SeenRequests.first_time`), or hands the
record to a listener that writes it in its own transaction (`SeenRequests.to_write`, see
`core.request_record`).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Connection, Engine, Table, delete

from storage.idle_ping import once_more_if_dropped
from storage.models import SeenRequest
from storage.queries import conflict_ignoring_insert

log = logging.getLogger(__name__)

# Slack accepts a timestamp up to five minutes either side of now, so a signature can verify
# for ten minutes after it was first seen at the earliest; keep it that long, no longer.
REMEMBER_FOR = timedelta(minutes=10)
# Old rows are deleted at most this often per process, not on every request.
PRUNE_EVERY_SECONDS = 60.0


class SeenRequests:
    def __init__(self, engine: Engine) -> None:
        # One statement, atomic by itself, on a bare connection rather than a session, since it
        # runs before every request is answered. On a database server, autocommit spares it the
        # BEGIN and COMMIT round trips. SQLite has no round trips to spare: there, switching a
        # pooled connection to autocommit and back (SQLAlchemy's bookkeeping and a PRAGMA at every
        # return to the pool) cost more than the BEGIN and COMMIT it saved, so it writes in an
        # ordinary transaction, queued for the writer lock like every other write.
        self._writer = (
            engine
            if engine.dialect.name == "sqlite"
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._engine = engine
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def first_time(self, key: str, now: datetime) -> bool:
        """Record `key`; True when no replica had recorded it before."""
        # The first statement of a Slack request: if the database had dropped its pooled
        # connection (a restart, a failover), it meets that first and renews the pool, and the
        # request's own work finds fresh connections (`storage.idle_ping`). A listener that
        # writes the record itself (`to_write`) tries its transaction once more the same way.
        new = once_more_if_dropped(lambda: self._record(key, now), "recording the request")
        self._prune_now_and_then(now)
        return new == 1

    def to_write(self, key: str, now: datetime) -> ListenerWrittenRecord:
        """The record of `key`, for the listener to write in its own transaction."""
        self._prune_now_and_then(now)
        return ListenerWrittenRecord(key, now)

    def _record(self, key: str, now: datetime) -> int:
        with self._writer.begin() as connection:
            return _insert(connection, key, now)

    def prune(self, now: datetime) -> int:
        """Forget signatures too old to verify again; how many were forgotten."""
        with self._engine.begin() as connection:
            result = connection.execute(delete(SeenRequest).where(SeenRequest.seen_at < now - REMEMBER_FOR))
        return int(getattr(result, "rowcount", 0) or 0)

    def _prune_now_and_then(self, now: datetime) -> None:
        with self._lock:
            if time.monotonic() < self._next_prune:
                return
            self._next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
        forgotten = self.prune(now)
        if forgotten:
            log.debug("forgot %s request signatures older than %s", forgotten, REMEMBER_FOR)


class ListenerWrittenRecord:
    """A request's record that its listener writes (`core.request_record.RequestRecord`)."""

    def __init__(self, key: str, seen_at: datetime) -> None:
        self._key = key
        self._seen_at = seen_at

    def first_time(self, connection: Connection) -> bool:
        return _insert(connection, self._key, self._seen_at) == 1


# Every Slack request writes one: driver SQL, without SQLAlchemy's per-execution bookkeeping.
_RECORD = conflict_ignoring_insert(cast(Table, SeenRequest.__table__), ("signature", "seen_at"))


def _insert(connection: Connection, key: str, now: datetime) -> int:
    return _RECORD.execute(connection, {"signature": key, "seen_at": now}).rowcount
