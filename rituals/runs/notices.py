"""Messages to a ritual's owners about the schedule itself (a missed opening, a broken group)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from messaging.gateway import Message
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import enqueue
from rituals.definition.schema import RitualDefinition
from rituals.schedule.occurrences import Occurrence

RUN_MISSED_NOW_ACTION = "missed_run_now"


def queue_missed_notice(
    session: Session,
    definition: RitualDefinition,
    run_id: int,
    missed: Sequence[Occurrence],
    why: str,
    now: datetime,
) -> None:
    """One DM per owner for the occurrences one pass of the tick found missed, oldest first.

    Downtime across many occurrences (a frequent ritual, or days down) makes one notice that
    names the first and the last, not one DM per occurrence. ``run_id`` is the newest missed
    run's: the pass that records the misses runs once, so the notice is queued once.
    """
    first, last = missed[0], missed[-1]
    name = mrkdwn_escape(definition.name)
    if len(missed) == 1:
        when = _local(first)
        text = (
            f"*{name}* did not open on {when}: the bot was not running ({why}, more than "
            f"the ritual's catch-up window). Nothing was sent for that occurrence."
        )
        fallback = f"{definition.name} missed its opening on {when}"
        ignore = "Ignore this message to leave the occurrence skipped."
    else:
        when = f"from {_local(first)} to {_local(last)}"
        text = (
            f"*{name}* missed {len(missed)} openings, {when}: the bot was not running "
            f"(the last one {why}, more than the ritual's catch-up window). Nothing was sent for them."
        )
        fallback = f"{definition.name} missed {len(missed)} openings, {when}"
        ignore = "Ignore this message to leave them skipped; opening it now opens one run."
    message = Message(
        text=fallback,
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": RUN_MISSED_NOW_ACTION,
                        "text": {"type": "plain_text", "text": "Open it now"},
                        "style": "primary",
                        "value": definition.id,
                    }
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": ignore}]},
        ],
    )
    for owner in definition.owners:
        enqueue(
            session,
            key=f"run:{run_id}:missed-notice:{owner}",
            kind="missed-notice",
            target=owner,
            message=message,
            now=now,
            run_id=run_id,
        )


def _local(occurrence: Occurrence) -> str:
    return occurrence.opens_at.strftime("%a %d %b %Y %H:%M %Z")


def queue_owner_problem(
    session: Session, definition: RitualDefinition, run_id: int, problem: str, now: datetime
) -> None:
    """Tell owners once per run that a run cannot open (e.g. its user group does not exist)."""
    name = mrkdwn_escape(definition.name)
    text = f"*{name}* could not open: {problem}. I will keep trying every few minutes."
    for owner in definition.owners:
        enqueue(
            session,
            key=f"run:{run_id}:problem-notice:{owner}",
            kind="problem-notice",
            target=owner,
            message=Message(
                text=text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
            ),
            now=now,
            run_id=run_id,
        )
