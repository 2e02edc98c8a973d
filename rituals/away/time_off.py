"""Who is away, from what they told the bot (`/ritual away`, the Home tab) or their Slack status.

A participant is *away for a run* when their time off covers the day the run closes (in their
own zone): they will not be back in time to answer, so they are neither prompted nor chased,
and the digest lists them as away rather than missing. A custom status counts when its emoji or
words say so (":palm_tree: Vacation", "OOO") and it does not expire before the close; which
emoji and words count is configurable (`RITUALBOT_AWAY_EMOJI`, `RITUALBOT_AWAY_WORDS`).

Time off recorded while runs are open applies to them at once: the person's prompt changes to
say they are away and reminders stop; "I'm back" undoes it and prompts them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from messaging.gateway import Person, Status
from messaging.local_time import zone
from rituals.runs.participants import change_participants
from storage.models import Participant, ParticipantState, Run, RunState, TimeOff

COMMAND_SOURCE = "command"
DEFAULT_AWAY_EMOJI = (
    ":palm_tree:",
    ":airplane:",
    ":beach_with_umbrella:",
    ":face_with_thermometer:",
    ":baby:",
)
DEFAULT_AWAY_WORDS = (
    "vacation",
    "holiday",
    "ooo",
    "out of office",
    "on leave",
    "parental leave",
    "sick",
    "pto",
)


@dataclass(frozen=True)
class AwayPolicy:
    """Which custom statuses mean "away"."""

    emoji: Sequence[str] = DEFAULT_AWAY_EMOJI
    words: Sequence[str] = DEFAULT_AWAY_WORDS

    def status_means_away(self, status: Status, until: datetime) -> bool:
        """Whether `status` says away and lasts until `until` (no expiry lasts)."""
        if status.expires_at is not None and status.expires_at < until:
            return False
        if status.emoji and status.emoji in self.emoji:
            return True
        return _away_words(tuple(self.words)).search(status.text.casefold()) is not None


@lru_cache(maxsize=8)
def _away_words(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for all the words (each whole), compiled once: a run's opening asks it of
    every participant's status."""
    alternatives = "|".join(re.escape(word.casefold()) for word in words if word)
    return re.compile(rf"\b(?:{alternatives})\b") if alternatives else re.compile(r"(?!)")


def close_day(run: Run, timezone: str) -> date:
    """The date the run closes where the person is (its opening day if it has no deadline)."""
    return (run.closes_at or run.scheduled_for).astimezone(zone(timezone) or ZoneInfo("UTC")).date()


def away_at_open(session: Session, run: Run, people: Iterable[Person], policy: AwayPolicy) -> set[str]:
    """The people away for `run`: time off covering its close day, or a status that says so."""
    people = list(people)
    until = run.closes_at or run.scheduled_for
    away = {person.id for person in people if policy.status_means_away(person.status, until)}
    ids = [person.id for person in people if person.id not in away]
    if ids:
        rows = session.scalars(
            select(TimeOff).where(
                TimeOff.user_id.in_(ids), TimeOff.last_day >= until.date() - timedelta(days=1)
            )
        )
        days = {person.id: close_day(run, person.timezone) for person in people}
        away |= {row.user_id for row in rows if row.first_day <= days[row.user_id] <= row.last_day}
    return away


def record_time_off(
    session: Session, user_id: str, first_day: date, last_day: date, note: str | None, now: datetime
) -> list[Run]:
    """Record time off (replacing what the person said before about those days) and apply it to
    open runs closing within it; returns those runs."""
    session.execute(
        delete(TimeOff).where(
            TimeOff.user_id == user_id,
            TimeOff.source == COMMAND_SOURCE,
            TimeOff.last_day >= first_day,
            TimeOff.first_day <= last_day,
        )
    )
    session.add(
        TimeOff(
            user_id=user_id,
            first_day=first_day,
            last_day=last_day,
            source=COMMAND_SOURCE,
            note=note,
            created_at=now,
        )
    )
    changed = []
    for person, run in _open_participations(session, user_id, ParticipantState.PENDING):
        if first_day <= close_day(run, person.timezone) <= last_day and _move(
            session, person, ParticipantState.PENDING, ParticipantState.AWAY
        ):
            changed.append(run)
    return changed


def end_time_off(session: Session, user_id: str, today: date) -> list[tuple[Participant, Run]]:
    """Back early: time off from today on is forgotten, and open runs count the person again.

    Returns the participations that are pending again (their prompts are due now).
    """
    session.execute(
        update(TimeOff)
        .where(TimeOff.user_id == user_id, TimeOff.first_day < today, TimeOff.last_day >= today)
        .values(last_day=today)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(TimeOff).where(TimeOff.user_id == user_id, TimeOff.first_day >= today))
    back = []
    for person, run in _open_participations(session, user_id, ParticipantState.AWAY):
        if _move(session, person, ParticipantState.AWAY, ParticipantState.PENDING):
            back.append((person, run))
    return back


def current_time_off(session: Session, user_id: str, today: date) -> TimeOff | None:
    """The time off that covers today or starts next, if any."""
    return session.scalar(
        select(TimeOff)
        .where(TimeOff.user_id == user_id, TimeOff.last_day >= today)
        .order_by(TimeOff.first_day)
        .limit(1)
    )


def _open_participations(
    session: Session, user_id: str, state: ParticipantState
) -> list[tuple[Participant, Run]]:
    rows = session.execute(
        select(Participant, Run)
        .join(Run, Run.id == Participant.run_id)
        .where(Participant.user_id == user_id, Participant.state == state, Run.state == RunState.OPEN)
        .with_for_update(of=Participant)
    ).all()
    return [(person, run) for person, run in rows]


def _move(session: Session, person: Participant, was: ParticipantState, to: ParticipantState) -> bool:
    """A guarded change of one participant's state (their prompt is redrawn); False when it had
    moved on meanwhile. `person` is read again, so callers see the new state."""
    changed = change_participants(session, Participant.id == person.id, Participant.state == was, state=to)
    session.refresh(person)
    return changed == 1
