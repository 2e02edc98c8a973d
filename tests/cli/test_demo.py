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
        # The key results part: prefilled from a local source, one source down, a trend.
        "Weekly activated teams prefilled with 42. Value from its source when this check-in opened.",
        "Ben Okafor is told his source is down (once per run)",
        "⚠ Source unavailable: HTTP 503 (after 3 tries)",
        "▲ 15 since the last check-in",
        "Weekly active users: *1,450* (▲ 250 since 29 Jan)",
        "In its thread, a chart:",
    ):
        assert step in out, step
    saved = sorted((tmp_path / "out" / "blocks").glob("*.json"))
    assert len(saved) == 10
    for path in saved:
        assert json.loads(path.read_text())["blocks"]
    links = (tmp_path / "out" / "blocks" / "block-kit-builder-links.md").read_text().splitlines()
    assert len(links) == 10
    assert all("https://app.slack.com/block-kit-builder/#" in line for line in links)
    charts = sorted((tmp_path / "out" / "okrs").glob("*.png"))
    assert [path.read_bytes()[:4] for path in charts] == [b"\x89PNG", b"\x89PNG"]
    # Sales never sees the internal risk notes, even in the demo's own output.
    sales = out.split("Customer-safe roadmap in #sales-roadmap", 1)[1]
    assert "Identity vendor contract" not in sales
