"""A pooled PostgreSQL connection is pinged before use only after it sat idle (`storage.idle_ping`).

The database drops connections here for real: `pg_terminate_backend` on the backends behind the
pool, as a restart or a failover would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.database import create_database_engine
from tests.fault.edge import backends_of, terminate


@pytest.fixture
def postgresql_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connections for a server to drop")
    return database_url


def test_a_connection_idle_past_the_limit_is_pinged_and_replaced_when_the_server_dropped_it(
    postgresql_url: str,
) -> None:
    engine = create_database_engine(postgresql_url, pool_size=2, ping_idle_after=0)
    try:
        pids = backends_of(engine, 2)
        terminate(postgresql_url, pids)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() not in pids
    finally:
        engine.dispose()


def test_a_connection_given_back_a_moment_ago_is_used_without_a_ping(postgresql_url: str) -> None:
    """No round trip spent on a connection just proven alive; if the server dropped it meanwhile,
    the first statement fails, and the whole pool is renewed for the next checkout."""
    engine = create_database_engine(postgresql_url, pool_size=2, ping_idle_after=3600)
    try:
        pids = backends_of(engine, 2)
        terminate(postgresql_url, pids)
        with pytest.raises(DBAPIError) as failed, engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert failed.value.connection_invalidated
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() not in pids
    finally:
        engine.dispose()
