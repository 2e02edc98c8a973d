"""`ritualbot demo`, the README's run command, works from a clean folder with no tokens."""

from __future__ import annotations

import json
from pathlib import Path

from .test_commands import ritualbot


def test_demo_runs_a_whole_check_in(tmp_path: Path) -> None:
    result = ritualbot("demo", "--output", str(tmp_path / "out"), cwd=tmp_path)
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
        # The research registry's part.
        "touches.csv: 4 touches added, 0 updated, 0 already there",
        "touches.csv: 0 touches added, 0 updated, 4 already there",
        "in cooldown until 2027-02-24 (last interview on 2027-01-25 by @ben)",
        "Override notice (DM to product ops)",
        "✅ Logged: *Interview* with *Mercy General Hospital*",
        "*onboarding* agency *nurses*",
        "Weekly research digest in #research-ops",
    ):
        assert step in out, step
    saved = sorted((tmp_path / "out" / "blocks").glob("*.json"))
    assert len(saved) == 11
    for path in saved:
        assert json.loads(path.read_text())["blocks"]
    links = (tmp_path / "out" / "blocks" / "block-kit-builder-links.md").read_text().splitlines()
    assert len(links) == 11
    assert all("https://app.slack.com/block-kit-builder/#" in line for line in links)
    # Sales never sees the internal risk notes, even in the demo's own output.
    sales = out.split("Customer-safe roadmap in #sales-roadmap", 1)[1]
    assert "Identity vendor contract" not in sales
