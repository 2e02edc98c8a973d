"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from storage.database import create_database_engine
from storage.migrate import SchemaOutOfDate, current_revision, ensure_current, head_revision, upgrade
from storage.models import Base
from storage.models.research import is_search_schema


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        # Full-text search is made by hand per database (see the research migration).
        context = MigrationContext.configure(
            connection, opts={"include_name": lambda name, _type, _parents: not is_search_schema(name)}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_database_is_at_head_after_upgrade(engine: Engine) -> None:
    assert current_revision(engine) == head_revision(engine)
    ensure_current(engine)


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)


def test_empty_database_is_refused_with_instructions(tmp_path: object) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path}/empty.db")
    with pytest.raises(SchemaOutOfDate, match="ritualbot db upgrade") as refused:
        ensure_current(engine)
    assert refused.value.current is None
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path: object) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path}/wal.db")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
