"""`ritualbot export` as a user runs it (the real command, in this process), reading the test database."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from storage.database import SessionFactory
from storage.models import Run, RunState
from tests.conftest import CommandResult, CommandRunner

from .conftest import ANA, FEBRUARY, MARCH, RITUAL, Person, february_people, insert_run


@pytest.fixture
def export(ritualbot: CommandRunner) -> Callable[..., CommandResult]:
    """`ritualbot export ARGS` against a database."""

    def run(*args: str, database_url: str) -> CommandResult:
        return ritualbot("export", *args, env={"DATABASE_URL": database_url})

    return run


@pytest.fixture
def two_runs(session_factory: SessionFactory, february: Run) -> None:
    with session_factory.begin() as session:
        insert_run(session, "2027-03-01T10:00", MARCH, [Person(ANA)], state=RunState.OPEN)


def test_csv_to_stdout_by_default(
    export: Callable[..., CommandResult], two_runs: None, database_url: str, tmp_path: Path
) -> None:
    result = export(RITUAL, database_url=database_url)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [(r["occurrence"], r["user_id"], r["state"], r["roadmap.title"]) for r in rows] == [
        ("2027-03-01T10:00", ANA, "missing", ""),
        ("2027-02-01T10:00", ANA, "answered", "SSO for hospitals"),
        ("2027-02-01T10:00", ANA, "answered", "Audit log"),
        ("2027-02-01T10:00", "U0PM00002", "skipped", ""),
        ("2027-02-01T10:00", "U0PM00003", "missing", ""),
        ("2027-02-01T10:00", "U0PM00004", "late", ""),
    ]


def test_json_of_one_run(
    export: Callable[..., CommandResult], two_runs: None, database_url: str, tmp_path: Path
) -> None:
    result = export(RITUAL, "--format", "json", "--run", "2027-02-01T10:00", database_url=database_url)
    assert result.returncode == 0, result.stderr
    [document] = json.loads(result.stdout)
    assert document["occurrence"]["key"] == "2027-02-01T10:00"
    assert len(document["responses"]) == 2


def test_markdown_since_a_date_into_a_file(
    export: Callable[..., CommandResult], two_runs: None, database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "report.md"
    result = export(
        RITUAL, "--format", "md", "--since", "2027-02-15", "--output", str(target), database_url=database_url
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "exported 1 run(s)" in result.stderr
    report = target.read_text()
    assert "## 2027-03-01T10:00 (open)" in report
    assert "2027-02-01" not in report


def test_unknown_ritual_lists_the_known_ones(
    export: Callable[..., CommandResult], engine: object, database_url: str, tmp_path: Path
) -> None:
    result = export("roadmap", database_url=database_url)
    assert result.returncode == 1
    assert "unknown ritual 'roadmap'" in result.stderr
    assert "monthly-roadmap-checkin" in result.stderr
    assert result.stdout == ""


def test_no_runs_yet_is_an_empty_document_and_a_note(
    export: Callable[..., CommandResult], engine: object, database_url: str, tmp_path: Path
) -> None:
    as_csv = export(RITUAL, database_url=database_url)
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.startswith("ritual,occurrence,opens_at,")
    assert len(as_csv.stdout.splitlines()) == 1
    assert "no open or closed runs to export yet" in as_csv.stderr
    as_json = export(RITUAL, "--format", "json", database_url=database_url)
    assert (as_json.returncode, json.loads(as_json.stdout)) == (0, [])


def test_unknown_run_key_fails(
    export: Callable[..., CommandResult], february: Run, database_url: str, tmp_path: Path
) -> None:
    result = export(RITUAL, "--run", "2027-02-02T10:00", database_url=database_url)
    assert result.returncode == 1
    assert "has no occurrence 2027-02-02T10:00" in result.stderr


def test_bad_date_is_a_usage_error(
    export: Callable[..., CommandResult], engine: object, database_url: str, tmp_path: Path
) -> None:
    result = export(RITUAL, "--since", "01/02/2027", database_url=database_url)
    assert result.returncode == 2
    assert "YYYY-MM-DD" in result.stderr or "%Y-%m-%d" in result.stderr


def test_out_of_date_schema_is_refused(export: Callable[..., CommandResult], tmp_path: Path) -> None:
    result = export(RITUAL, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert result.returncode == 2
    assert "ritualbot db upgrade" in result.stderr


def test_people_are_exported_from_a_migrated_sqlite_file(
    export: Callable[..., CommandResult], tmp_path: Path
) -> None:
    """The brief's case, whatever the test backend: a fresh SQLite file, migrated and filled."""
    from storage.database import create_database_engine, create_session_factory
    from storage.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'ritualbot.db'}"
    engine = create_database_engine(url)
    try:
        upgrade(engine)
        with create_session_factory(engine).begin() as session:
            insert_run(session, "2027-02-01T10:00", FEBRUARY, february_people())
    finally:
        engine.dispose()
    result = export(RITUAL, database_url=url)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 + 5
