"""Item 9: while the database cannot be reached, `/ritual trigger` says so, ephemerally."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from bot.sandbox import Sandbox

from .edge import FAULT, response_texts, runs_of, wait_until

pytestmark = FAULT

RITUAL = "monthly-roadmap-checkin"


class DatabaseDown(Exception):
    """What the driver raises when the server is gone (wrapped by SQLAlchemy as for real)."""


@pytest.fixture
def database_down(sandbox: Sandbox) -> Iterator[Callable[[], None]]:
    """No new connection can be made and the pooled ones are gone: the database is unreachable.
    The refusal happens where the driver connects, the network edge of the database."""

    def refuse(*_args: Any) -> None:
        dbapi = sandbox.engine.dialect.dbapi
        assert dbapi is not None
        raise dbapi.OperationalError("connection refused: the database server is down")

    def back() -> None:
        if event.contains(sandbox.engine, "do_connect", refuse):
            event.remove(sandbox.engine, "do_connect", refuse)

    event.listen(sandbox.engine, "do_connect", refuse)
    sandbox.engine.dispose()
    yield back
    back()


def test_trigger_during_an_outage_says_the_database_cannot_be_reached_and_does_nothing(
    sandbox: Sandbox, database_down: Callable[[], None], caplog: pytest.LogCaptureFixture
) -> None:
    reply = sandbox.driver.slash_command("U0PRODOPS", "/ritual", f"trigger {RITUAL}")
    assert reply.status == 200
    said = (reply.json or {}).get("text", "") if reply.body else ""
    if not said:
        wait_until(lambda: bool(response_texts(sandbox)))
        said = response_texts(sandbox)[-1]
        assert sandbox.workspace.responses[-1].body.get("response_type") == "ephemeral"
    assert "cannot reach its database" in said
    assert "nothing was done" in said.lower()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info] == []
    database_down()  # the database is back: nothing was opened meanwhile
    assert runs_of(sandbox, RITUAL) == 0
