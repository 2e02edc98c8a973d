"""Pinging a pooled database connection at checkout only when it has sat idle.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` at every checkout. A Slack request checks out
twice (the replay record, then the listener's transaction), so at a deadline rush it cost two
round trips a submission, and the database's CPU for them on the same machine: about 7 % of the
bot's CPU per submission on PostgreSQL, measured with `benchmarks.answer_rush`. A connection
that a request gave back a moment ago is as good as proven alive; the ones that go stale are
those that sat in the pool through a database restart, a failover or a server-side idle
timeout. So this pings only a connection idle for longer than `after` seconds, through the
pool's own mechanism: a checkout listener that raises `DisconnectionError` makes the pool throw
the connection away and take another.

A connection that dies while in steady use fails its first statement instead. SQLAlchemy then
invalidates the whole pool, so the next checkouts connect afresh. `once_more_if_dropped` runs a
piece of work again in that case; the request edge's replay record (the first statement of every
Slack request, or, for an answer submission, the transaction that saves the answer and writes
that record), the health check, the tick and the outbox sender go through it, so a database
restart costs them a retry, not a failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, DisconnectionError

log = logging.getLogger(__name__)

# Longer than the gaps between requests under steady use, shorter than any server-side idle
# timeout worth the name.
PING_IDLE_AFTER = 10.0

# Where a pooled connection's record keeps when it was last given back to the pool.
_IDLE_SINCE = "ritualbot.idle_since"

T = TypeVar("T")


class IdlePing:
    def __init__(self, after: float = PING_IDLE_AFTER) -> None:
        self._after = after

    def install(self, engine: Engine) -> None:
        dialect = engine.dialect

        def given_back(_dbapi_connection: Any, record: Any) -> None:
            record.info[_IDLE_SINCE] = time.monotonic()

        def taken(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
            idle_since = record.info.get(_IDLE_SINCE)
            # A connection made for this checkout has not been given back yet: just connected.
            if idle_since is None or time.monotonic() - idle_since <= self._after:
                return
            try:
                dialect.do_ping(dbapi_connection)
            except dialect.loaded_dbapi.Error as error:
                if dialect.is_disconnect(error, dbapi_connection, None):
                    log.info(
                        "a pooled connection idle for %.0f s had been closed; reconnecting",
                        time.monotonic() - idle_since,
                    )
                    raise DisconnectionError() from error
                raise

        event.listen(engine.pool, "checkin", given_back)
        event.listen(engine.pool, "checkout", taken)


def once_more_if_dropped(work: Callable[[], T], what: str) -> T:
    """`work()`, and once more if the server had closed the pooled connection it used.

    By then SQLAlchemy has invalidated the pool, so the second attempt connects afresh. The
    first attempt's transaction was rolled back with its connection; `work` must be safe to run
    again after that, as every transaction here is."""
    try:
        return work()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        log.info("the database had closed a pooled connection; %s again on a new one", what)
        return work()
