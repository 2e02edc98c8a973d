"""`ritualbot okrs status` and `ritualbot validate`, run as a user runs them (in process, through
the `ritualbot` fixture), reading the test database and a configuration folder."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.configuration import load_configuration
from insights.checkins import KeyResultCheckins
from storage.database import SessionFactory
from storage.models import RunState
from tests.conftest import CommandRunner

from .conftest import Answered, add_run

OBJECTIVES = """\
objectives:
  - id: grow
    title: Grow *fast*
    period: 2027-Q1
    key_results:
      - {id: teams, title: Activated teams, owner: U0PM00001, start: 10, target: 100, unit: teams}
      - {id: churn, title: Churn, owner: ana@example.com, start: 3, target: 1, unit: "%"}
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    config = tmp_path / "config"
    config.mkdir()
    (config / "okrs.yml").write_text(OBJECTIVES, encoding="utf-8")
    return config


@pytest.fixture
def checked_in(session_factory: SessionFactory, folder: Path) -> None:
    checkins = KeyResultCheckins(load_configuration([folder]).objectives)
    with session_factory.begin() as session:
        for month, value, confidence, comment in (
            (1, 30, "on_track", None),
            (2, 37, "at_risk", "=HYPERLINK(x)"),
        ):
            opened = datetime(2027, month, 26, 15, tzinfo=UTC)
            run = add_run(session, opened, state=RunState.CLOSED)
            checkins.record(
                session, run, "U0PM00001", 1, [Answered("teams", value, confidence, comment)], opened
            )


def _status(ritualbot: CommandRunner, folder: Path, database_url: str, *args: str) -> str:
    result = ritualbot(
        "okrs", "status", *args, env={"RITUALS_PATH": str(folder), "DATABASE_URL": database_url}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_json_lists_every_key_result_worst_first(
    checked_in: None, ritualbot: CommandRunner, folder: Path, database_url: str
) -> None:
    document = json.loads(_status(ritualbot, folder, database_url, "--format", "json"))
    [objective] = document["objectives"]
    assert objective["title"] == "Grow *fast*"
    teams, churn = objective["key_results"]
    assert (teams["id"], teams["value"], teams["trend"], teams["confidence_change"]) == (
        "teams",
        37,
        "▲ 7",
        "On track → At risk",
    )
    assert (churn["id"], churn["value"], churn["confidence_label"]) == ("churn", None, "No check-in")
    assert document["counts"] == {"total": 2, "on_track": 0, "at_risk": 1, "off_track": 0, "no_checkin": 1}


def test_csv_is_one_row_per_key_result_and_safe_in_a_spreadsheet(
    checked_in: None, ritualbot: CommandRunner, folder: Path, database_url: str
) -> None:
    rows = list(
        csv.DictReader(io.StringIO(_status(ritualbot, folder, database_url, "--format", "csv"), newline=""))
    )
    assert [(r["key_result"], r["value"], r["percent"], r["trend"]) for r in rows] == [
        ("teams", "37", "30", "▲ 7"),
        ("churn", "", "", ""),
    ]
    assert rows[0]["comment"] == "'=HYPERLINK(x)"
    assert rows[1]["owner"] == "ana@example.com"


def test_markdown_is_a_report_to_read(
    checked_in: None, ritualbot: CommandRunner, folder: Path, database_url: str
) -> None:
    text = _status(ritualbot, folder, database_url)
    assert "## Grow \\*fast\\* (2027-Q1)" in text
    assert (
        "- **Activated teams**: 37 teams, target 100 teams (30%) · ▲ 7 since the last check-in · "
        "On track → At risk · owner U0PM00001"
    ) in text
    assert "  - \\=HYPERLINK(x)" in text
    assert "- **Churn**: —, target 1% (no value yet) · No check-in · owner ana@example.com" in text


def test_problems_in_the_objectives_stop_both_commands(
    ritualbot: CommandRunner, folder: Path, database_url: str
) -> None:
    (folder / "okrs.yml").write_text(OBJECTIVES.replace("target: 100", "target: 10"), encoding="utf-8")
    expected = (
        f"{folder / 'okrs.yml'}:6: objectives[0].key_results[0]: start and target are equal, so there is "
        "no way to measure progress"
    )
    validate = ritualbot("validate", str(folder))
    assert validate.returncode == 1
    assert validate.stdout.splitlines() == [expected]
    status = ritualbot("okrs", "status", env={"RITUALS_PATH": str(folder), "DATABASE_URL": database_url})
    assert status.returncode == 1
    assert expected in status.stderr.splitlines()
    assert "refusing to start with invalid objectives" in status.stderr
