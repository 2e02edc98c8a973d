"""Query helpers shared by the domain. None of them commits: the caller owns the transaction."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Table, Update, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import Base, Run, RunState


def insert_ignoring_conflicts(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> int:
    """INSERT … ON CONFLICT DO NOTHING; returns how many rows were new.

    This is how every replica may try to create the same run, participant or delivery and
    exactly one row results: the unique constraint decides, not a lock.
    """
    if not rows:
        return 0
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect.name
    statement: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        statement = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - only the two supported databases reach here
        raise NotImplementedError(f"no conflict-ignoring insert for {dialect}")
    if all(row.keys() == rows[0].keys() for row in rows):
        # The values as parameters: the compiled statement is cached (SQLAlchemy batches many
        # rows into multi-row VALUES itself), where a VALUES list is compiled anew each time
        # (the outbox queues thousands of rows one by one).
        statement = statement.on_conflict_do_nothing()
        returned = session.execute(
            statement.returning(*table.primary_key.columns), rows[0] if len(rows) == 1 else rows
        )
        return len(returned.fetchall())
    statement = statement.values(rows).on_conflict_do_nothing()
    # Count what RETURNING gives back (only rows actually inserted): psycopg reports a rowcount
    # of -1 for a multi-row VALUES insert, so the rowcount cannot tell "new" from "already there".
    result = session.execute(statement.returning(*table.primary_key.columns))
    return len(result.fetchall())


def changed_one_row(session: Session, statement: Update) -> bool:
    """Run a guarded UPDATE (`... WHERE state = 'pending'`) and say whether it won.

    Replicas and retries race for the same row; the one whose update changed it goes on, the
    others find the row already moved and do nothing.
    """
    result = cast(
        "CursorResult[Any]", session.execute(statement.execution_options(synchronize_session=False))
    )
    return result.rowcount == 1


def previous_closed_run(session: Session, run: Run) -> Run | None:
    """The same ritual's latest closed run scheduled before `run`: what a digest compares with,
    and where the research activity of `run`'s period starts."""
    return session.scalar(
        select(Run)
        .where(
            Run.ritual_id == run.ritual_id,
            Run.state == RunState.CLOSED,
            Run.scheduled_for < run.scheduled_for,
        )
        .order_by(Run.scheduled_for.desc())
        .limit(1)
    )
