"""Key results as Slack shows them: a line per key result, grouped by objective, worst first.

`/ritual okrs` answers with `status_message` (ephemeral); the Home tab reuses the lines for a
person's own key results. Everything from the objectives file or a person is escaped; owners
are mentioned only when they are Slack user ids.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.types import JsonDict
from insights.progress import bar, confidence_change, confidence_label, percent, with_unit
from insights.standing import Standing, by_objective, confidence_counts
from messaging.layout import one_message, section
from messaging.mrkdwn import mrkdwn_escape, user_mention

LEFT_OUT = "_…more than one message can hold; `ritualbot okrs status` lists every key result._"


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
    """One mrkdwn text per objective: its title and period, then its key results (whole: the
    caller splits or cuts it to fit where it shows it)."""
    texts = []
    for objective, group in by_objective(standings):
        head = f"*{mrkdwn_escape(objective.title)}* · {mrkdwn_escape(objective.period_label)}"
        lines = [head, *("• " + key_result_line(s, owner=owner) for s in group)]
        text = "\n".join(lines)
        texts.append(text)
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


def status_message(standings: Sequence[Standing], empty: str) -> tuple[str, list[JsonDict]]:
    """(fallback text, blocks) of one message (an ephemeral answer): what does not fit is left
    out, with a line saying where every key result is listed."""
    if not standings:
        return empty, [section(empty)]
    head = summary(standings)
    blocks = one_message([head, *objective_sections(standings)], left_out=LEFT_OUT)
    return head.replace("*", ""), blocks
