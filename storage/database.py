"""Engines and sessions.

One engine per process, one session per request or scheduler job. Use
``with session_factory.begin() as session:`` — it commits on success and rolls back on error,
so query functions in this package never commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.idle_ping import PING_IDLE_AFTER, IdlePing
from storage.sqlite_writer import WriterLock

SessionFactory = sessionmaker[Session]


def normalize_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain ``postgresql://`` URLs (SQLAlchemy defaults to psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


# SQLite's busy timeout, seconds: a writer waits its turn instead of failing at a deadline rush.
SQLITE_BUSY_TIMEOUT = 30

# Connections beyond the request handlers': the tick, the outbox sender, the health check.
BACKGROUND_CONNECTIONS = 4


def create_database_engine(
    url: str, *, workers: int | None = None, ping_idle_after: float = PING_IDLE_AFTER, **kwargs: Any
) -> Engine:
    """The engine for ``url``; ``workers`` (requests handled at once) sizes its pool, so a rush
    of submissions never waits for a connection that a request thread holds. On a database
    server, a pooled connection idle for more than ``ping_idle_after`` seconds is pinged before
    it is used (`storage.idle_ping`)."""
    url = normalize_url(url)
    if workers is not None and make_url(url).database not in (None, "", ":memory:"):
        kwargs.setdefault("pool_size", workers + BACKGROUND_CONNECTIONS)
        kwargs.setdefault("max_overflow", BACKGROUND_CONNECTIONS)
    if url.startswith("sqlite"):
        # Worker threads share the engine; SQLite's own check would refuse that.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        # This process's writers queue in Python for SQLite's one write lock (see the module).
        WriterLock(wait_at_most=SQLITE_BUSY_TIMEOUT).install(engine)
        return engine
    engine = create_engine(url, **kwargs)
    IdlePing(after=ping_idle_after).install(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the request threads read while the tick writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: Engine) -> SessionFactory:
    # Objects stay readable after commit: listeners render from them after the transaction ends.
    return sessionmaker(engine, expire_on_commit=False)
