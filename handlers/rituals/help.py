"""The `/ritual help` text, generated from the subcommand table so it never drifts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SubcommandHelp:
    usage: str
    summary: str
    owners_only: bool = False


def help_blocks(
    command: str, subcommands: Iterable[SubcommandHelp], *, note: str | None = None
) -> list[dict[str, Any]]:
    lines = []
    for sub in subcommands:
        marker = " _(owners and admins)_" if sub.owners_only else ""
        lines.append(f"`{command} {sub.usage}` — {sub.summary}{marker}")
    blocks: list[dict[str, Any]] = []
    if note:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": note}})
    blocks += [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": (
                    "*ritualbot* runs your product rituals: it asks every PM the same questions on a "
                    "cadence, chases only those who have not answered, and compiles the answers for "
                    "leaders, sales and marketing."
                ),
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}},
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": "Open the app's *Home* tab to see what is waiting for you."}
            ],
        },
    ]
    return blocks


def help_text(command: str, subcommands: Iterable[SubcommandHelp]) -> str:
    """Plain fallback for notifications and screen readers."""
    return "ritualbot commands: " + ", ".join(f"{command} {sub.usage}" for sub in subcommands)
