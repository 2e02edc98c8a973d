"""Key results as Slack shows them: a line per key result, grouped by objective, worst first.

`/ritual okrs` answers with `status_message` (ephemeral); the Home tab reuses the lines for a
person's own key results. Everything from the objectives file or a person is escaped; owners
are mentioned only when they are Slack user ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from insights.progress import bar, confidence_change, confidence_label, percent, with_unit
from insights.standing import Standing, by_objective, confidence_counts
from messaging.limits import MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET, SECTION_TEXT
from messaging.mrkdwn import mrkdwn_escape, user_mention

JsonDict = dict[str, Any]


def key_result_line(standing: Standing, *, owner: bool = True) -> str:
    """`▓▓▓░░░░░░░` 35% *Weekly activated teams*: 205 teams, target 400 teams · ▲ 20 since the last
    check-in · At risk · @ana, then the source's trouble and the comment on their own lines."""
    kr = standing.key_result
    pct = percent(standing.share)
    progress = f"`{bar(standing.share)}` {pct}%" if pct is not None else f"`{bar(None)}` —"
    value = with_unit(standing.value, kr.unit) if standing.value is not None else "no value yet"
    target = with_unit(kr.target, kr.unit)
    parts = [
        f"{progress} *{mrkdwn_escape(kr.title)}*: {mrkdwn_escape(value)}, target {mrkdwn_escape(target)}"
    ]
    moved = standing.trend
    if moved is not None:
        parts.append(f"{moved.text} since the last check-in")
    change = confidence_change(standing.confidence_was, standing.confidence)
    parts.append(change or confidence_label(standing.confidence))
    if owner:
        parts.append(user_mention(standing.owner_user) if standing.owner_user else mrkdwn_escape(kr.owner))
    line = " · ".join(parts)
    if standing.unavailable:
        line += f"\n      ⚠ source unavailable: {mrkdwn_escape(standing.unavailable)}"
    comment = standing.current.comment if standing.current is not None else None
    if comment:
        line += f"\n      _{mrkdwn_escape(' '.join(comment.split()))}_"
    return line


def objective_sections(standings: Sequence[Standing], *, owner: bool = True) -> list[str]:
    """One mrkdwn text per objective: its title and period, then its key results."""
    texts = []
    for objective, group in by_objective(standings):
        head = f"*{mrkdwn_escape(objective.title)}* · {mrkdwn_escape(objective.period_label)}"
        lines = [head, *("• " + key_result_line(s, owner=owner) for s in group)]
        text = "\n".join(lines)
        texts.append(text if len(text) <= SECTION_TEXT else text[: SECTION_TEXT - 1] + "…")
    return texts


def summary(standings: Sequence[Standing]) -> str:
    """`*4 key results*: 1 at risk · 1 without a check-in · 2 on track`, the worst first."""
    counts = confidence_counts(standings)
    words = (
        ("off_track", "off track"),
        ("at_risk", "at risk"),
        ("no_checkin", "without a check-in"),
        ("on_track", "on track"),
    )
    parts = [f"{counts[key]} {label}" for key, label in words if counts[key]]
    return f"*{counts['total']} key results*: " + " · ".join(parts)


@dataclass
class _Packed:
    blocks: list[JsonDict] = field(default_factory=list)
    text_left: int = MESSAGE_TEXT_BUDGET
    left_out: int = 0


def status_message(standings: Sequence[Standing], empty: str) -> tuple[str, list[JsonDict]]:
    """(fallback text, blocks) of one message; objectives that do not fit are counted, not cut."""
    if not standings:
        return empty, [{"type": "section", "text": {"type": "mrkdwn", "text": empty}}]
    head = summary(standings)
    packed = _Packed(blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": head}}])
    packed.text_left -= len(head)
    for text in objective_sections(standings):
        # Keep a block and some text for the note about what was left out.
        if packed.left_out or len(packed.blocks) >= MESSAGE_BLOCKS - 2 or len(text) > packed.text_left - 200:
            packed.left_out += 1
            continue
        packed.blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
        packed.text_left -= len(text)
    if packed.left_out:
        note = f"{packed.left_out} more objective(s) did not fit; `ritualbot okrs status` lists every one."
        packed.blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return head.replace("*", ""), packed.blocks
