"""The app's Home tab: one view, each domain contributing its sections.

A person's Home shows what is open for them in the rituals, their recent research touches and
the accounts near their limits, and their own key results. Each domain builds its own blocks
(`HomeSection`); this module puts them under one header, in the order the app was wired, and
keeps the whole within Slack's 100 blocks: a section that does not fit is left out with a
line that says so, never cut in the middle.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol
from zoneinfo import ZoneInfo

from core.types import JsonDict
from messaging.layout import context, cut_to_fit
from messaging.limits import CONTEXT_TEXT, VIEW_BLOCKS

HOME_TITLE = "ritualbot"
HOME_FOOTER = "Type `/ritual help` in any channel to see the commands."


class HomeSection(Protocol):
    def blocks(self, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
        """This domain's blocks for the person, empty when it has nothing for them."""
        ...


def context_line(text: str) -> JsonDict:
    return context(cut_to_fit(text, CONTEXT_TEXT))


def compose_home(parts: Sequence[list[JsonDict]], notice: str | None = None) -> JsonDict:
    """The Home view from each section's blocks, within Slack's block limit."""
    head: list[JsonDict] = [{"type": "header", "text": {"type": "plain_text", "text": HOME_TITLE}}]
    if notice:
        head.append(context_line(notice))
    tail = [context_line(HOME_FOOTER)]
    blocks = list(head)
    left_out = 0
    for part in (part for part in parts if part):
        divider = [{"type": "divider"}] if len(blocks) > len(head) else []
        # Room for this part, its divider, the footer and a possible "left out" line.
        if len(blocks) + len(divider) + len(part) + len(tail) + 1 > VIEW_BLOCKS:
            left_out += 1
            continue
        blocks += divider + part
    if left_out:
        blocks.append(
            context_line(f"{left_out} more section(s) did not fit here; the slash commands show them.")
        )
    return {"type": "home", "blocks": blocks + tail}


def home_view(
    sections: Sequence[HomeSection], user_id: str, viewer_tz: ZoneInfo | None, notice: str | None = None
) -> JsonDict:
    return compose_home([section.blocks(user_id, viewer_tz) for section in sections], notice)
