"""`ritualbot demo`, the README's run command, works from a clean folder with no tokens."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import CommandRunner


def test_demo_runs_a_whole_check_in(ritualbot: CommandRunner, tmp_path: Path) -> None:
    result = ritualbot("demo", "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for step in (
        "run opened; 8 prompts sent by DM",
        "Dieter Schmidt skipped: out of office",
        "Kenji Sato reminded",
        "Leaders' digest in #product-leads",
        "Sales post, waiting for approval",
        "#sales-roadmap so far: 0 posts",
        "Customer-safe roadmap in #sales-roadmap",
    ):
        assert step in out, step
    saved = sorted((tmp_path / "out" / "blocks").glob("*.json"))
    assert len(saved) == 6
    for path in saved:
        assert json.loads(path.read_text())["blocks"]
    links = (tmp_path / "out" / "blocks" / "block-kit-builder-links.md").read_text().splitlines()
    assert len(links) == 6
    assert all("https://app.slack.com/block-kit-builder/#" in line for line in links)
    # Sales never sees the internal risk notes, even in the demo's own output.
    sales = out.split("Customer-safe roadmap in #sales-roadmap", 1)[1]
    assert "Identity vendor contract" not in sales
