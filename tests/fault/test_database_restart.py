"""When PostgreSQL drops the bot's pooled connections (a restart, a failover), the next Slack
request still goes through, and the health check says the database is fine.

The pool pings only connections that sat idle (`storage.idle_ping`); these were used a moment
ago, so the first statement meets a dead connection, and the work tries once more.
"""

from __future__ import annotations

import logging
import threading

import httpx
import pytest

from bot.sandbox import Sandbox
from bot.scheduler import start_clock
from core.clock import FrozenClock

from .edge import (
    FAULT,
    FORM,
    answers_saved,
    backends_of,
    errors_in,
    response_texts,
    runs_of,
    signed_answer,
    terminate,
    wait_until,
)

pytestmark = FAULT

RITUAL = "monthly-roadmap-checkin"


def drop_every_pooled_connection(sandbox: Sandbox, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connections for a server to drop")
    pool_size = sandbox.engine.pool.size()  # type: ignore[attr-defined]
    terminate(database_url, backends_of(sandbox.engine, pool_size))


def test_a_trigger_right_after_the_database_dropped_the_pool_opens_the_run(
    sandbox: Sandbox, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    drop_every_pooled_connection(sandbox, database_url)
    caplog.set_level(logging.INFO)
    reply = sandbox.driver.slash_command("U0PRODOPS", "/ritual", f"trigger {RITUAL}")
    assert reply.status == 200
    wait_until(lambda: any("Opened" in text for text in response_texts(sandbox)))
    assert runs_of(sandbox, RITUAL) == 1
    assert not any("cannot reach its database" in text for text in response_texts(sandbox))
    assert "recording the request again on a new one" in caplog.text
    assert "could not check for a replayed request" not in caplog.text
    assert errors_in(caplog) == []


def test_the_health_check_asks_again_on_a_fresh_connection(sandbox: Sandbox, database_url: str) -> None:
    drop_every_pooled_connection(sandbox, database_url)
    reply = httpx.get(f"{sandbox.url}/healthz")
    assert reply.status_code == 200
    assert reply.json() == {"ok": True, "database": "ok"}


def test_the_tick_runs_once_more_when_its_connection_had_been_dropped(
    sandbox: Sandbox, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    drop_every_pooled_connection(sandbox, database_url)
    ticked = threading.Event()

    def tick() -> None:
        sandbox.app.tick()
        ticked.set()

    clock = start_clock(tick, every_seconds=3600)  # its first run is now
    try:
        assert ticked.wait(20)
    finally:
        clock.shutdown()
    assert errors_in(caplog) == []


def test_an_answer_submitted_right_after_the_database_dropped_the_pool_is_saved(
    sandbox: Sandbox, database_url: str, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    """The submission's transaction is its first use of the database (its replay record is
    written there), so it is the one that meets the dropped connection and tries once more."""
    body = signed_answer(sandbox, clock)
    drop_every_pooled_connection(sandbox, database_url)
    caplog.set_level(logging.INFO)
    reply = sandbox.driver.post(body, content_type=FORM)
    assert (reply.status, reply.body.strip()) == (200, "")
    assert answers_saved(sandbox) == 1
    assert "saving the answer again on a new one" in caplog.text
    assert errors_in(caplog) == []
