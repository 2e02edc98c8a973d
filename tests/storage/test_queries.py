"""`insert_ignoring_conflicts` counts only the rows it made, on each backend and either way it sends them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from storage.database import SessionFactory
from storage.models import SeenRequest
from storage.queries import insert_ignoring_conflicts

NOW = datetime(2027, 1, 13, 15, 0, tzinfo=UTC)


def row(signature: str) -> dict[str, object]:
    return {"signature": signature, "seen_at": NOW}


def test_one_row_counts_one_when_new_and_none_when_there_already(engine: Engine) -> None:
    with engine.begin() as connection:
        assert insert_ignoring_conflicts(connection, SeenRequest, [row("v0=a")]) == 1
        assert insert_ignoring_conflicts(connection, SeenRequest, [row("v0=a")]) == 0
    with engine.begin() as connection:
        assert insert_ignoring_conflicts(connection, SeenRequest, [row("v0=a")]) == 0


def test_several_rows_count_only_the_new_ones(engine: Engine, session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        assert insert_ignoring_conflicts(session, SeenRequest, [row("v0=a")]) == 1
        assert insert_ignoring_conflicts(session, SeenRequest, [row("v0=a"), row("v0=b"), row("v0=c")]) == 2
        assert insert_ignoring_conflicts(session, SeenRequest, []) == 0
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(SeenRequest)) == 3
