"""The database as every command and the running bot open it: one setup, always disposed of.

`connect` creates the engine and, unless told otherwise, refuses a schema that is behind the
code (`SchemaOutOfDate`, which the command line turns into one line and exit code 2); the
engine is disposed of when that check fails, so nothing is left open. Commands use
`open_database`, which disposes of it when the command is done; a command that only looks
(`ritualbot next`) uses `open_existing_database`, which never creates a database to look in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, make_url

from storage.database import SessionFactory, create_database_engine, create_session_factory
from storage.migrate import current_revision, ensure_current


@dataclass(frozen=True)
class Database:
    engine: Engine
    session_factory: SessionFactory

    def close(self) -> None:
        self.engine.dispose()


def connect(url: str, *, require_current: bool = True, workers: int | None = None) -> Database:
    """``workers``: how many requests the server handles at once (sizes the connection pool)."""
    engine = create_database_engine(url, workers=workers)
    try:
        if require_current:
            ensure_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(engine, create_session_factory(engine))


@contextmanager
def open_database(url: str, *, require_current: bool = True) -> Iterator[Database]:
    database = connect(url, require_current=require_current)
    try:
        yield database
    finally:
        database.close()


@contextmanager
def open_existing_database(url: str) -> Iterator[Database | None]:
    """The database when it has been set up (a schema at any revision), else None.

    No SQLite file is created just to look; a schema behind the code is refused as by
    `open_database`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
        yield None
        return
    with open_database(url, require_current=False) as database:
        if current_revision(database.engine) is None:
            yield None
            return
        ensure_current(database.engine)
        yield database
