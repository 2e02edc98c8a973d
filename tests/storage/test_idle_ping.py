"""A pooled PostgreSQL connection is pinged before use only after it sat idle (`storage.idle_ping`).

The database drops connections here for real: `pg_terminate_backend` on the backends behind the
pool, as a restart or a failover would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.database import create_database_engine
from storage.idle_ping import once_more_if_dropped
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


def test_work_that_met_a_dropped_connection_runs_once_more_on_a_new_one(postgresql_url: str) -> None:
    engine = create_database_engine(postgresql_url, pool_size=2, ping_idle_after=3600)
    attempts: list[int] = []

    def backend() -> int:
        attempts.append(1)
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())

    try:
        pids = backends_of(engine, 2)
        terminate(postgresql_url, pids)
        assert once_more_if_dropped(backend, "asking") not in pids
        assert len(attempts) == 2
    finally:
        engine.dispose()


def test_other_database_errors_are_not_run_again(postgresql_url: str) -> None:
    engine = create_database_engine(postgresql_url, pool_size=1)
    attempts: list[int] = []

    def broken() -> None:
        attempts.append(1)
        with engine.connect() as connection:
            connection.execute(text("SELECT * FROM no_such_table"))

    try:
        with pytest.raises(DBAPIError) as failed:
            once_more_if_dropped(broken, "asking")
        assert not failed.value.connection_invalidated
        assert len(attempts) == 1
    finally:
        engine.dispose()
