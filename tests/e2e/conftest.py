"""Fixtures for trials of `ritualbot run` started as its own process: a database of its own."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from storage.database import normalize_url

# A ritual no schedule opens during a trial (1 January only), without reminders, whose
# participants are the workspace's product managers.
TRIAL_RITUAL = """\
id: {ritual_id}
name: Trial check-in
owners: [U0PRODOPS]
schedule: {{cron: "{cron}", timezone: UTC}}
window: {{closes_after: {closes_after}, reminders: []}}
participants: {{usergroup: product-managers}}
form:
  - {{id: status, type: select, label: Status, options: [On track, At risk]}}
audiences:
  - {{name: leaders, to: [general]}}
"""


def write_trial_ritual(
    folder: Path, ritual_id: str, *, cron: str = "0 10 1 1 *", closes_after: str = "1d"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ritual_id}.yml"
    path.write_text(TRIAL_RITUAL.format(ritual_id=ritual_id, cron=cron, closes_after=closes_after))
    return folder


DatabaseMaker = Callable[[], str]


@pytest.fixture
def fresh_databases(database_url: str, tmp_path: Path) -> Iterator[DatabaseMaker]:
    """Makes empty databases on the test backend for bot processes (each migrated by
    `ritualbot db upgrade`), dropped after the test."""
    url = make_url(normalize_url(database_url))
    made: list[str] = []

    def make() -> str:
        name = f"ritualbot_process_{uuid.uuid4().hex[:10]}"
        made.append(name)
        if url.get_backend_name() != "postgresql":
            return f"sqlite:///{tmp_path / name}.db"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            # Tests need no durability against a crash of the server: commits skip the wait for
            # the disk, which is most of a commit's time. A killed bot process loses nothing more.
            connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        return url.set(database=name).render_as_string(hide_password=False)

    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        yield make
    finally:
        if url.get_backend_name() == "postgresql":
            with admin.connect() as connection:
                for name in made:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
