"""Alembic environment: runs migrations on the engine handed over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from storage.models import Base
from storage.models.research import is_search_schema

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # The full-text search structures are made by hand per database, not from the models.
        include_name=lambda name, _type, _parents: not is_search_schema(name),
    )
    context.run_migrations()
