"""Messages to a ritual's owners about the schedule itself (a missed opening, a broken group)."""

from __future__ import annotations

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
    occurrence: Occurrence,
    why: str,
    now: datetime,
) -> None:
    local = occurrence.opens_at.strftime("%a %d %b %Y %H:%M %Z")
    name = mrkdwn_escape(definition.name)
    text = (
        f"*{name}* did not open on {local}: the bot was not running ({why}, more than "
        f"the ritual's catch-up window). Nothing was sent for that occurrence."
    )
    message = Message(
        text=f"{definition.name} missed its opening on {local}",
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
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": "Ignore this message to leave the occurrence skipped."}
                ],
            },
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
