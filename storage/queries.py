"""Query helpers shared by the domain. None of them commits: the caller owns the transaction."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Table, Update, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, ReturningInsert

from storage.driver_sql import DriverSQL
from storage.models import Base, Run, RunState


def insert_ignoring_conflicts(
    executor: Session | Connection, model: type[Base], rows: list[dict[str, Any]]
) -> int:
    """INSERT … ON CONFLICT DO NOTHING; returns how many rows were new.

    This is how every replica may try to create the same run, participant or delivery and
    exactly one row results: the unique constraint decides, not a lock. A bare `Connection`
    does for a single statement on a hot path, without a session's bookkeeping.
    """
    if not rows:
        return 0
    table = cast(Table, model.__table__)
    dialect = executor.dialect if isinstance(executor, Connection) else executor.get_bind().dialect
    if len(rows) == 1:
        # One row, one plain statement: the database's count of changed rows is 1 or 0, and no
        # row comes back to be read (at a deadline rush, each submission queues one this way).
        # `inline()`: SQLAlchemy does not ask for the new primary key with an implicit RETURNING;
        # `preserve_rowcount`: it keeps the count for an INSERT (only UPDATE and DELETE otherwise).
        result = executor.execute(_conflict_ignoring_insert_of_one(dialect.name, table), rows[0])
        return cast("CursorResult[Any]", result).rowcount
    # The rows go as parameters of one statement built once per table (SQLAlchemy sends them
    # as one multi-row INSERT), so it is compiled once, not at every call. Count what RETURNING
    # gives back (only rows actually inserted): for several rows, the count of changed rows
    # cannot tell "new" from "already there" on every driver.
    return len(executor.execute(_conflict_ignoring_insert_returning(dialect.name, table), rows).fetchall())


@functools.cache
def _conflict_ignoring_insert(dialect: str, table: Table) -> Insert:
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"no conflict-ignoring insert for {dialect}")  # pragma: no cover


def conflict_ignoring_insert(table: Table, columns: Sequence[str]) -> DriverSQL:
    """`insert_ignoring_conflicts` for one row of `columns`, built once by its caller and run as
    driver SQL (`storage.driver_sql`), for an INSERT on the path of every Slack request; its
    result's `rowcount` is 1 when the row was new, 0 when its key was there before."""
    # `inline()`: no RETURNING of the new key, which PostgreSQL's compiler would otherwise add.
    return DriverSQL(lambda dialect: _conflict_ignoring_insert(dialect, table).inline(), columns=columns)


@functools.cache
def _conflict_ignoring_insert_of_one(dialect: str, table: Table) -> Insert:
    return _conflict_ignoring_insert(dialect, table).inline().execution_options(preserve_rowcount=True)


@functools.cache
def _conflict_ignoring_insert_returning(dialect: str, table: Table) -> ReturningInsert[Any]:
    return _conflict_ignoring_insert(dialect, table).returning(*table.primary_key.columns)


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
