"""One writer at a time on a SQLite database, queued in Python rather than in SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the write lock taken sleeps
in its busy handler and tries again, at growing intervals up to 100 ms, with no queue: at a
deadline rush, eight request threads polling for the lock each wait far longer than the writes
they wait for take, and a newcomer can take the lock ahead of one that has waited all along.
So the engine's connections take a process-wide lock before their first write of a transaction
and give it back when the transaction ends: a writer waits on the lock, is woken the moment it
is free, and SQLite's lock is always free when it is asked for. Reads never take it (WAL lets
them run beside the writer). Other processes (a `ritualbot` command beside the bot) are still
kept in turn by SQLite's busy timeout.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine, event

log = logging.getLogger(__name__)

# Statements that the sqlite3 module runs without opening a transaction, so they take no lock.
_READS = ("SELECT", "PRAGMA", "EXPLAIN")


class WriterLock:
    """The lock, and which DBAPI connection holds it (at most one)."""

    def __init__(self, wait_at_most: float) -> None:
        self._lock = threading.Lock()
        self._holder: Any = None
        # As long as SQLite's own busy timeout: past it, the write goes ahead and SQLite decides.
        self._wait_at_most = wait_at_most

    @property
    def held(self) -> bool:
        return self._lock.locked()

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before_execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)
        # A connection given back, closed or invalidated mid-transaction gives the lock back too.
        event.listen(engine.pool, "checkin", self._release_quietly)
        event.listen(engine.pool, "invalidate", self._release_quietly)
        event.listen(engine.pool, "close", self._release_quietly)

    def _before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if self._holder is dbapi_connection or statement.lstrip()[:7].upper().startswith(_READS):
            return
        if self._lock.acquire(timeout=self._wait_at_most):
            self._holder = dbapi_connection
        else:
            log.warning("waited %.0f s for the database's write lock; writing anyway", self._wait_at_most)

    def _commit(self, conn: Any) -> None:
        # The event comes before SQLAlchemy's own commit: end the transaction here, so the lock is
        # free only once SQLite's is. SQLAlchemy's commit after it finds nothing to do, and if
        # this one failed, SQLAlchemy's tries again and reports the error as usual.
        self._end(conn, "commit")

    def _rollback(self, conn: Any) -> None:
        self._end(conn, "rollback")

    def _end(self, conn: Any, how: str) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if self._holder is not dbapi_connection:
            return
        try:
            getattr(dbapi_connection, how)()
        except Exception:  # SQLAlchemy's own commit or rollback, next, reports it
            log.debug("%s before giving back the write lock failed", how, exc_info=True)
        finally:
            self._release(dbapi_connection)

    def _release_quietly(self, dbapi_connection: Any, *_args: Any) -> None:
        if dbapi_connection is not None:
            self._release(dbapi_connection)

    def _release(self, dbapi_connection: Any) -> None:
        if self._holder is dbapi_connection:
            self._holder = None
            self._lock.release()
