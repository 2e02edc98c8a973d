"""Shared fixtures: a real database (SQLite or PostgreSQL) migrated with Alembic.

The backend comes from RITUALBOT_TEST_DATABASE_URL (default: a SQLite file in a temporary
folder). For PostgreSQL, give the URL of a server database; each test session creates its
own database beside it and drops it afterwards, so runs never see each other's rows.
RITUALBOT_TEST_REQUIRE_BACKEND=postgresql makes the run fail unless it really used PostgreSQL,
so CI cannot pass a PostgreSQL job that silently fell back to SQLite.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from bot.cli import main
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.definition.loading import RitualLibrary, load_library
from storage.database import SessionFactory, create_database_engine, create_session_factory, normalize_url
from storage.migrate import upgrade
from storage.models import Base

TEST_URL_VARIABLE = "RITUALBOT_TEST_DATABASE_URL"
REQUIRE_VARIABLE = "RITUALBOT_TEST_REQUIRE_BACKEND"


def pytest_report_header(config: pytest.Config) -> str:
    url = os.environ.get(TEST_URL_VARIABLE)
    backend = make_url(url).get_backend_name() if url else "sqlite"
    return f"ritualbot test database: {backend}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server_url = os.environ.get(TEST_URL_VARIABLE)
    required = os.environ.get(REQUIRE_VARIABLE)
    if not server_url:
        if required and required != "sqlite":
            pytest.exit(f"{REQUIRE_VARIABLE}={required} but {TEST_URL_VARIABLE} is not set", returncode=3)
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'ritualbot-test.db'}"
        return
    url = make_url(normalize_url(server_url))
    if required and url.get_backend_name() != required:
        pytest.exit(
            f"{REQUIRE_VARIABLE}={required} but the test database is {url.get_backend_name()}", returncode=3
        )
    if url.get_backend_name() != "postgresql":
        yield server_url
        return
    name = f"ritualbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # Tests need no durability against a crash of the server: commits skip the wait for
        # the disk, which is most of a commit's time. A killed bot process loses nothing more.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    engine = create_database_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())


@pytest.fixture
def engine(migrated_engine: Engine) -> Engine:
    """The migrated test database, emptied before each test."""
    _empty_all_tables(migrated_engine)
    return migrated_engine


@pytest.fixture
def session_factory(engine: Engine) -> SessionFactory:
    return create_session_factory(engine)


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str


CommandRunner = Callable[..., CommandResult]
# What Settings reads; a test's command sees only what the test gives it.
SETTINGS_PREFIXES = ("SLACK_", "RITUALS_PATH", "RITUALBOT_", "DATABASE_URL")


@pytest.fixture
def ritualbot(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CommandRunner:
    """`ritualbot ARGS` as a user runs it, from an empty folder (no `.env`) with only the
    environment the test passes (and what they type, `input`), in this process (click's
    runner) rather than a new Python."""
    for name in list(os.environ):
        if name.startswith(SETTINGS_PREFIXES) and not name.startswith("RITUALBOT_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)

    def run(*args: str, env: Mapping[str, str] | None = None, input: str | None = None) -> CommandResult:
        result = CliRunner().invoke(
            main, list(args), env=dict(env or {}), input=input, catch_exceptions=False
        )
        return CommandResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> FrozenClock:
    """The bot's and the simulated workspace's time; folders override it with their own start."""
    return FrozenClock(datetime(2027, 1, 13, 15, 0, tzinfo=UTC))


def over_http(request: pytest.FixtureRequest) -> bool:
    """Tests marked `e2e` reach the bot through its real HTTP endpoint; the others (listener
    tests) hand the same signed requests to `App.dispatch` in process."""
    return request.node.get_closest_marker("e2e") is not None


@pytest.fixture(scope="session")
def builtin_library() -> RitualLibrary:
    """The built-in rituals, read once: a library is not changed by what uses it."""
    return load_library()


@pytest.fixture
def sandbox(
    request: pytest.FixtureRequest,
    engine: Engine,
    database_url: str,
    clock: FrozenClock,
    builtin_library: RitualLibrary,
) -> Iterator[Sandbox]:
    """The bot against the simulated workspace, on the emptied test database."""
    with Sandbox(
        database_url, clock, library=builtin_library, migrate=False, serve_http=over_http(request)
    ) as running:
        yield running
