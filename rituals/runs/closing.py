"""Closing runs: at the deadline, or early when an owner says so."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.database import SessionFactory
from storage.models import Run, RunState
from storage.queries import changed_one_row

log = logging.getLogger(__name__)

# Called inside the transaction that closes the run (compiling and publishing hook in here).
OnClose = Callable[[Session, Run, datetime], None]
# Called just before that transaction, outside it: fetching what the digest will show.
BeforeClose = Callable[[Run, datetime], None]


def close_run(session: Session, run_id: int, now: datetime, note: str | None = None) -> Run | None:
    """Close an open run; None when it was not open (already closed by someone else)."""
    values: dict[str, object] = {"state": RunState.CLOSED, "closed_at": now}
    if note:
        values["note"] = note
    if not changed_one_row(
        session,
        update(Run).where(Run.id == run_id, Run.state == RunState.OPEN).values(**values),
    ):
        return None
    return session.get(Run, run_id, populate_existing=True)


class RunCloser:
    def __init__(
        self,
        session_factory: SessionFactory,
        on_close: Sequence[OnClose] = (),
        before_close: Sequence[BeforeClose] = (),
    ) -> None:
        self._session_factory = session_factory
        self._on_close = list(on_close)
        self._before_close = list(before_close)

    def close_due(self, now: datetime) -> list[int]:
        with self._session_factory() as session:
            due = list(
                session.scalars(
                    select(Run.id)
                    .where(Run.state == RunState.OPEN, Run.closes_at <= now)
                    .order_by(Run.closes_at)
                )
            )
        return [run_id for run_id in due if self.close(run_id, now)]

    def close(self, run_id: int, now: datetime, note: str | None = None) -> bool:
        if self._before_close:
            with self._session_factory() as session:
                open_run = session.get(Run, run_id)
            if open_run is None or open_run.state is not RunState.OPEN:
                return False
            for prepare in self._before_close:
                prepare(open_run, now)
        with self._session_factory.begin() as session:
            run = close_run(session, run_id, now, note)
            if run is None:
                return False
            for hook in self._on_close:
                hook(session, run, now)
        log.info("closed run %s of %s", run.id, run.ritual_id)
        return True
