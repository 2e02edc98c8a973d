"""Item 9: while the database cannot be reached, `/ritual trigger` says so, ephemerally."""

from __future__ import annotations

from collections.abc import Iterator
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
def database_down(sandbox: Sandbox) -> Iterator[None]:
    """No new connection can be made and the pooled ones are gone: the database is unreachable.
    The refusal happens where the driver connects, the network edge of the database."""

    def refuse(*_args: Any) -> None:
        dbapi = sandbox.engine.dialect.dbapi
        assert dbapi is not None
        raise dbapi.OperationalError("connection refused: the database server is down")

    event.listen(sandbox.engine, "do_connect", refuse)
    sandbox.engine.dispose()
    yield
    event.remove(sandbox.engine, "do_connect", refuse)


def test_trigger_during_an_outage_says_the_database_cannot_be_reached(
    sandbox: Sandbox, database_down: None, caplog: pytest.LogCaptureFixture
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


def test_nothing_was_opened_once_the_database_is_back(sandbox: Sandbox) -> None:
    assert runs_of(sandbox, RITUAL) == 0
