"""`ritualbot research …` and `ritualbot validate` as people run them (in process, through the
`ritualbot` fixture) against the test database (the registry's rows are emptied before each test)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import CommandRunner

ACCOUNTS = "name,domain,crm_id,owner\nAcme Health,acme.com,CRM-1,U0LEAD001\nBroken,not a domain,,\n"
CONTACTS = "email,name,account_domain,role\njane@acme.com,Jane Doe,acme.com,CTO\n"
TOUCHES = (
    "date,contact_email,account_domain,by,kind,topic,summary,tags,link\n"
    "2020-03-02,jane@acme.com,acme.com,U0PM00002,interview,Onboarding,Setup takes two weeks,onboarding,"
    "https://notes.example/1\n"
    "2020-03-03,,acme.com,pm@ours.example,survey,NPS,Onboarding scores went up,,\n"
    "2020-03-04,,acme.com,U0PM00003,chat,Wrong kind,,,\n"
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    written = {}
    for name, text in (("accounts", ACCOUNTS), ("contacts", CONTACTS), ("touches", TOUCHES)):
        written[name] = tmp_path / f"{name}.csv"
        written[name].write_text(text, encoding="utf-8")
    return written


Research = Callable[..., tuple[int, str, str]]


@pytest.fixture
def research(ritualbot: CommandRunner, database_url: str) -> Research:
    """`ritualbot research ARGS` on the test database: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        result = ritualbot("research", *args, env={"DATABASE_URL": database_url})
        return result.returncode, result.stdout, result.stderr

    return run


def run_import(research: Research, files: dict[str, Path]) -> tuple[int, str, str]:
    options = [part for name, path in files.items() for part in (f"--{name}", str(path))]
    return research("import", *options)


def test_import_reports_bad_rows_and_importing_again_adds_nothing(
    engine: Engine, research: Research, files: dict[str, Path], tmp_path: Path
) -> None:
    code, out, err = run_import(research, files)
    assert code == 1
    assert err.splitlines() == [
        f"{files['accounts']}:3: domain: expected a domain such as acme.com, got 'not a domain'",
        f"{files['touches']}:4: kind: Input should be 'interview', 'survey', 'call', 'email' or 'visit'",
    ]
    assert out.splitlines() == [
        "accounts.csv: 1 accounts added, 0 updated, 0 already there, 1 bad row(s) skipped",
        "contacts.csv: 1 contacts added, 0 updated, 0 already there",
        "touches.csv: 2 touches added, 0 updated, 0 already there, 1 bad row(s) skipped",
    ]
    code, out, _ = run_import(research, files)
    assert (
        out.splitlines()[-1]
        == "touches.csv: 0 touches added, 0 updated, 2 already there, 1 bad row(s) skipped"
    )
    assert "usage" in research("import")[2].lower()


def test_check_search_export_and_forget(
    engine: Engine, research: Research, files: dict[str, Path], tmp_path: Path
) -> None:
    run_import(research, files)
    code, out, _ = research("check", "jane@acme.com")
    assert code == 0
    assert out.splitlines() == [
        "jane@acme.com at Acme Health (acme.com): free to contact",
        "Relationship owner: U0LEAD001",
        "Last touches, all teams, newest first:",
        "  2020-03-02  interview  U0PM00002  Onboarding (with Jane Doe)",
    ]
    code, out, _ = research("search", "onboarding")
    assert out.splitlines()[0] == "Results 1 to 2 of 2, best match first"
    assert "2020-03-02  interview  Acme Health  U0PM00002  Onboarding  #onboarding" in out
    assert "  [Onboarding] scores went up" in out
    code, out, _ = research("export")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(row["date"], row["contact_email"], row["tags"]) for row in rows] == [
        ("2020-03-02", "jane@acme.com", "onboarding"),
        ("2020-03-03", "", ""),
    ]
    # The export is in the import's format: importing it back adds nothing.
    exported = tmp_path / "export.csv"
    exported.write_text(out, encoding="utf-8")
    code, out, _ = research("import", "--touches", str(exported))
    assert (code, out.strip()) == (0, "export.csv: 0 touches added, 0 updated, 2 already there")

    code, out, _ = research("forget", "jane@acme.com", "--yes")
    assert out.startswith("Erased jane@acme.com: name, role and email removed; 1 touch(es) kept")
    code, out, _ = research("export", "--format", "json")
    document = json.loads(out)
    assert "jane@acme.com" not in out
    assert "Setup takes two weeks" not in out
    assert [touch["erased"] for touch in document["touches"]] == [True, False]
    code, out, _ = research("check", "Acme Health")
    assert "  2020-03-02  interview  U0PM00002  (erased)" in out
    code, _, err = research("check", "globex")
    assert code == 1
    assert "No account matches `globex`" in err


def test_validate_reports_research_problems_with_the_rituals(
    ritualbot: CommandRunner, tmp_path: Path
) -> None:
    rules = tmp_path / "research.yml"
    rules.write_text("research:\n  owners: [U0PRODOPS]\n  cooldown_days: 30\n", encoding="utf-8")
    result = ritualbot("validate", str(tmp_path))
    assert result.returncode == 1
    assert (
        result.stdout.strip()
        == f"{rules}:3: research: unknown key 'cooldown_days'; did you mean 'cooldown_kinds'?"
    )
    rules.write_text("research:\n  contact_cooldown_days: 30\n", encoding="utf-8")
    assert ritualbot("validate", str(tmp_path)).returncode == 0


def test_a_template_using_research_is_checked_against_its_sample(
    ritualbot: CommandRunner, tmp_path: Path
) -> None:
    (tmp_path / "weekly.yml").write_text(
        "id: weekly\nname: Weekly\nowners: [U0PRODOPS]\n"
        'schedule: {cron: "0 9 * * mon", timezone: UTC}\n'
        "audiences:\n  - {name: leaders, to: [product-leads], template: weekly.md.j2}\n",
        encoding="utf-8",
    )
    (tmp_path / "weekly.md.j2").write_text("{{ research.count }} touches; {{ research.nope }}\n")
    result = ritualbot("validate", str(tmp_path))
    assert result.returncode == 1
    assert "has no attribute 'nope'" in result.stdout
    (tmp_path / "weekly.md.j2").write_text("{{ research.count }} touches this week\n")
    assert ritualbot("validate", str(tmp_path)).returncode == 0


def test_the_bot_refuses_to_start_with_broken_rules(ritualbot: CommandRunner, tmp_path: Path) -> None:
    (tmp_path / "research.yml").write_text("research:\n  account_limit: {touches: many, per: quarter}\n")
    result = ritualbot("research", "check", "acme.com", env={"RITUALS_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "research.account_limit.touches: Input should be a valid integer" in result.stderr
    assert "refusing to start with invalid research rules" in result.stderr
