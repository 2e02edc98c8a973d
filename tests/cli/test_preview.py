"""`ritualbot preview RITUAL`: see a ritual's prompt, modal and posts before it runs anywhere."""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from tests.conftest import CommandRunner

BUILDER = "Block Kit Builder: https://app.slack.com/block-kit-builder/#"


def test_preview_shows_the_prompt_the_modal_and_every_post(ritualbot: CommandRunner) -> None:
    result = ritualbot("preview", "monthly-roadmap-checkin")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for part in (
        "The prompt (a DM to each participant)",
        "The modal, with sample answers",
        "The leaders post in #product-leads",
        "The sales post in #sales-roadmap",
        "The marketing post in #marketing-launches",
    ):
        assert part in out, part
    links = re.findall(rf"^{re.escape(BUILDER)}(\S+)$", out, re.MULTILINE)
    assert len(links) == 5
    payloads = [json.loads(unquote(link)) for link in links]
    assert payloads[1]["type"] == "modal"  # the builder opens the modal as a modal
    assert all(payload["blocks"] for payload in payloads)
    # Read as a terminal shows it: mrkdwn rendered, mentions as names, the sample's smuggled
    # ping shown as text and never as a ping.
    assert "2 of 5 answered (1 late)" in out
    assert "@Sam Ple" in out
    sales = out.split("The sales post in #sales-roadmap", 1)[1].split("The marketing post", 1)[0]
    assert "Risks" not in sales


def test_preview_of_an_unknown_ritual_names_the_known_ones(ritualbot: CommandRunner) -> None:
    result = ritualbot("preview", "roadmap")
    assert result.returncode == 1
    assert "unknown ritual 'roadmap'" in result.stderr
    assert "monthly-roadmap-checkin" in result.stderr
