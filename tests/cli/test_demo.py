"""`ritualbot demo`, the README's run command, works from a clean folder with no tokens, and
never contradicts itself: whoever it says answered is counted in the digest."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import CommandRunner


def _answered(out: str) -> int:
    return len(re.findall(r"^  \S.* answered \(\d+ item\(s\)\)$", out, re.MULTILINE))


def test_demo_runs_a_whole_check_in(ritualbot: CommandRunner, tmp_path: Path) -> None:
    result = ritualbot("demo", "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for step in (
        "run opened; 8 prompts sent by DM",
        "Dieter Schmidt skipped: out of office",
        "Kenji Sato reminded",
        "Leaders post in #product-leads",
        "Sales post, waiting for approval",
        "#sales-roadmap so far: 0 posts",
        "Sales post in #sales-roadmap",
        f"The demo's database is {tmp_path / 'out' / 'ritualbot-demo.db'}",
        # The research registry's part.
        "touches.csv: 4 touches added, 0 updated, 0 already there",
        "touches.csv: 0 touches added, 0 updated, 4 already there",
        "in cooldown until 2027-02-24 (last interview on 2027-01-25 by @Ben Okafor)",
        "Override notice (DM to product ops)",
        "✅ Logged: Interview with Mercy General Hospital on 2027-02-04",
        "onboarding agency nurses is the biggest pain",
        "Weekly research digest in #research-ops",
        # The key results part: prefilled from a local source, one source down, a trend.
        "Weekly activated teams prefilled with 42. Value from its source when this check-in opened.",
        "Ben Okafor is told his source is down (once per run)",
        "⚠ Source unavailable: HTTP 503 (after 3 tries)",
        "▲ 15 since the last check-in",
        "Weekly active users: 1,450 (▲ 250 since 29 Jan)",
        "In its thread, a chart:",
    ):
        assert step in out, step
    assert "sent back" not in out
    assert _answered(out) == 6
    # The digest counts exactly those, rendered for a terminal (no raw mrkdwn asterisks).
    assert "6 of 8 answered · 1 skipped · 1 missing" in out
    assert "*6* of 8" not in out
    assert "Needs attention: Roadmap items (2)" in out
    saved = sorted((tmp_path / "out" / "blocks").glob("*.json"))
    assert len(saved) == 15
    for path in saved:
        assert json.loads(path.read_text())["blocks"]
    links = (tmp_path / "out" / "blocks" / "block-kit-builder-links.md").read_text().splitlines()
    assert len(links) == 15
    assert all("https://app.slack.com/block-kit-builder/#" in line for line in links)
    charts = sorted((tmp_path / "out" / "okrs").glob("*.png"))
    assert [path.read_bytes()[:4] for path in charts] == [b"\x89PNG", b"\x89PNG"]
    (canvas,) = (tmp_path / "out" / "blocks").glob("canvas-*.md")
    assert "Identity vendor contract still unsigned" in canvas.read_text()
    # Sales never sees the internal risk notes or status words, even in the demo's own output.
    sales = out.split("Sales post in #sales-roadmap", 1)[1].split("Marketing post", 1)[0]
    assert "Identity vendor contract" not in sales
    assert "At risk" not in sales
    calls = json.loads((tmp_path / "out" / "slack-calls.json").read_text())
    posts = [call for call in calls if call["method"] == "chat.postMessage"]
    assert posts
    assert all(call["body"]["channel"] for call in posts)  # bodies, not only method names
    assert any(call["method"] == "canvases.create" for call in calls)


def test_demo_runs_any_ritual(ritualbot: CommandRunner, tmp_path: Path) -> None:
    result = ritualbot("demo", "okr-checkin", "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "OKR check-in" in result.stdout
    assert _answered(result.stdout) == 6
    assert "6 of 8 checked in · 1 skipped · 1 missing" in result.stdout
    unknown = ritualbot("demo", "nope", "--output", str(tmp_path / "x"))
    assert unknown.returncode == 1
    assert "unknown ritual 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
