"""`ritualbot init`: the built-in rituals as the team's own files, people and channels filled in."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import CommandRunner


def test_init_with_flags_writes_valid_rituals_for_the_team(ritualbot: CommandRunner, tmp_path: Path) -> None:
    folder = tmp_path / "our-rituals"
    result = ritualbot(
        "init",
        str(folder),
        "--owner",
        "U0OPS0001,pat@example.com",
        "--participants",
        "U0PM00001, ana@example.com,@ben",
        "--leaders-channel",
        "#exec-product",
        "--sales-channel",
        "sales-news",
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in folder.glob("*.yml")) == [
        "launch-update.yml",
        "monthly-roadmap-checkin.yml",
        "okr-checkin.yml",
        "quarterly-planning-inputs.yml",
        "weekly-research-digest.yml",
    ]
    assert sorted(p.name for p in (folder / "templates").glob("*.j2")) == [
        "decisions.md.j2",
        "leaders.md.j2",
        "marketing.md.j2",
        "metrics.md.j2",
        "okr-leaders.md.j2",
        "research-digest.md.j2",
        "roadmap-leaders.md.j2",
        "sales.md.j2",
    ]
    roadmap_text = (folder / "monthly-roadmap-checkin.yml").read_text()
    assert "# Monthly roadmap check-in:" in roadmap_text  # comments kept: the file is for reading
    roadmap = yaml.safe_load(roadmap_text)
    assert roadmap["owners"] == ["U0OPS0001", "pat@example.com"]
    assert roadmap["participants"] == {"users": ["U0PM00001", "ana@example.com", "@ben"]}
    assert {a["name"]: a["to"] for a in roadmap["audiences"]} == {
        "leaders": ["exec-product"],
        "sales": ["sales-news"],
        "marketing": ["marketing-launches"],
    }
    for placeholder in ("U0PRODOPS", "product-managers", "product-leads", "sales-roadmap"):
        assert placeholder not in "".join(p.read_text() for p in folder.glob("*.yml"))
    assert "RITUALS_PATH=" in result.stdout
    assert "ritualbot doctor" in result.stdout
    assert ritualbot("validate", str(folder)).returncode == 0
    again = ritualbot(
        "init",
        str(folder),
        "--owner",
        "U1",
        "--participants",
        "@pms",
        "--leaders-channel",
        "a",
        "--sales-channel",
        "b",
    )
    assert again.returncode == 1
    assert "exist already" in again.stderr


def test_init_asks_what_it_was_not_told(ritualbot: CommandRunner, tmp_path: Path) -> None:
    answers = "pat@example.com\n@product-team\nleads\nsales\n"
    result = ritualbot("init", str(tmp_path / "r"), input=answers)
    assert result.returncode == 0, result.stderr
    okr = yaml.safe_load((tmp_path / "r" / "okr-checkin.yml").read_text())
    assert okr["owners"] == ["pat@example.com"]
    assert okr["participants"] == {"usergroup": "product-team"}
    assert okr["audiences"][0]["to"] == ["leads"]
