"""Alembic, driven from code: `ritualbot db upgrade` and the start-up schema check.

`ritualbot run` refuses to start on a database that is behind the code (it never migrates on
its own: with several replicas, the first one to start would migrate under the others' feet).
Run `ritualbot db upgrade` as a deploy step; the demo and the tests upgrade their own databases.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


class SchemaOutOfDate(RuntimeError):
    def __init__(self, current: str | None, head: str) -> None:
        self.current, self.head = current, head
        super().__init__(
            f"The database schema is at {current or 'nothing (empty database)'} but this version of "
            f"ritualbot needs {head}. Run `ritualbot db upgrade` first."
        )


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    # env.py uses this connection rather than opening its own, so in-memory and test
    # databases migrate the very engine the caller holds.
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def ensure_current(engine: Engine) -> None:
    """Raise `SchemaOutOfDate` unless the database is at the newest revision."""
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        raise SchemaOutOfDate(current, head)
