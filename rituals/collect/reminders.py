"""Chasing politely: reminders at the ritual's times, only to those who have not responded.

A tick step expands due reminders into one delivery per pending participant (dedupe key
``run:<id>:reminder:<n>:<user>``, ``n`` the reminder's place in that person's schedule), in the
same transaction that counts it on the participant, so a crash half-way resumes where it
stopped and replicas never remind twice. The rules:

* only participants still ``pending`` (not answered, skipped or handed over) are reminded;
* at the times :func:`rituals.schedule.occurrences.reminder_times` gives for their zone, which already
  moves reminders out of their quiet hours; a tick that runs late (after downtime) sends only
  the latest reminder that fell due, never a burst, and waits if it is night for them now;
* never more than ``max_reminders`` in a run (owners' nudges count), and never one for a time
  at or before the last reminder they got;
* not before their prompt has reached them;
* not to someone whose Slack status now says they are away until the close (":palm_tree:
  Vacation" set after the prompt went out): they become *away* for the run instead, their
  prompt says so, and the digest lists them as away. Statuses are read just before a reminder
  would be queued, outside the transaction; if Slack cannot say, the reminder goes out.

Owners may nudge now (:func:`nudge`): the same rules about who and when, immediately.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import UserFacingError
from messaging.gateway import Message, SlackError, SlackGateway
from messaging.local_time import local_time, zone
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import enqueue
from rituals.away.time_off import AwayPolicy
from rituals.collect.answers import is_late
from rituals.collect.prompts import FILL_ACTION, SKIP_ACTION, button, prompt_key
from rituals.definition.loading import RitualLibrary, UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.runs.participants import change_participants
from rituals.schedule.occurrences import occurrence_of, outside_quiet_hours, reminder_times
from storage.database import SessionFactory
from storage.models import Delivery, DeliveryState, Participant, ParticipantState, Run, RunState
from storage.queries import changed_one_row

log = logging.getLogger(__name__)

REMINDER_KIND = "reminder"
NUDGE_KIND = "nudge"
# A second nudge this soon after any reminder would be nagging; say so instead.
NUDGE_GAP = timedelta(minutes=15)


def reminder_message(
    definition: RitualDefinition, run: Run, person: Participant, nudged_by: str | None = None
) -> Message:
    name = mrkdwn_escape(definition.name)
    due = local_time(run.closes_at, zone(person.timezone)) if run.closes_at else "soon"
    if nudged_by:
        text = f"<@{nudged_by}> asked me to nudge you: *{name}* still needs your input, due *{due}*."
    else:
        text = f"⏰ A reminder: *{name}* closes *{due}* and still needs your input."
    text += " It takes a minute: your last answer is prefilled."
    return Message(
        text=text.replace("*", ""),
        blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    button(FILL_ACTION, "Fill in", run.id, "primary"),
                    button(SKIP_ACTION, "Skip this time", run.id),
                ],
            },
        ],
    )


def _pending(session: Session, run: Run) -> list[Participant]:
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.run_id == run.id, Participant.state == ParticipantState.PENDING)
            .order_by(Participant.id)
        )
    )


def _prompted(session: Session, run: Run) -> set[str]:
    """Participants whose prompt is posted (a reminder must not overtake it)."""
    keys = session.scalars(
        select(Delivery.dedupe_key).where(
            Delivery.run_id == run.id, Delivery.kind == "prompt", Delivery.state == DeliveryState.SENT
        )
    )
    prefix = prompt_key(run.id, "")
    return {key.removeprefix(prefix) for key in keys}


def _count(session: Session, person: Participant, now: datetime) -> bool:
    """Count one reminder on a participant still pending, if nobody counted it meanwhile."""
    return changed_one_row(
        session,
        update(Participant)
        .where(
            Participant.id == person.id,
            Participant.state == ParticipantState.PENDING,
            Participant.reminders_sent == person.reminders_sent,
        )
        .values(reminders_sent=Participant.reminders_sent + 1, last_reminded_at=now),
    )


def skip_waiting_reminders(session: Session, run: Run, _now: datetime) -> None:
    """The ``on_close`` hook: reminders and nudges still queued for a closed run are withdrawn."""
    session.execute(
        update(Delivery)
        .where(
            Delivery.run_id == run.id,
            Delivery.kind.in_([REMINDER_KIND, NUDGE_KIND]),
            Delivery.state == DeliveryState.PENDING,
        )
        .values(state=DeliveryState.SKIPPED, error="the run closed first")
        .execution_options(synchronize_session=False)
    )


class Reminders:
    """The tick step. With a `gateway`, statuses are checked before reminding (see above)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        library: RitualLibrary,
        gateway: SlackGateway | None = None,
        away: AwayPolicy | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._library = library
        self._gateway = gateway
        self._away = away or AwayPolicy()

    def __call__(self, now: datetime) -> int:
        with self._session_factory() as session:
            runs = list(
                session.scalars(
                    select(Run).where(Run.state == RunState.OPEN, Run.closes_at > now).order_by(Run.id)
                )
            )
        queued = 0
        for run in runs:
            try:
                definition = self._library.get(run.ritual_id)
            except UnknownRitual:
                continue
            if definition.window.max_reminders == 0 or not definition.window.reminders:
                continue
            away = self._away_by_status(definition, run, now)
            with self._session_factory.begin() as session:
                queued += self._remind(session, definition, run, now, away)
        return queued

    def _away_by_status(self, definition: RitualDefinition, run: Run, now: datetime) -> set[str]:
        """Who of those due a reminder now has a status saying they are away until the close.

        Slack is asked outside any transaction, and only about people a reminder is due for."""
        if self._gateway is None:
            return set()
        with self._session_factory() as session:
            due = [person.user_id for person, _slot in _due(session, definition, run, now)]
        if not due:
            return set()
        assert run.closes_at is not None
        try:
            people = self._gateway.people(due)
        except SlackError as error:
            log.info("could not read statuses before reminding for run %s: %s", run.id, error)
            return set()
        return {
            user_id
            for user_id, person in people.items()
            if self._away.status_means_away(person.status, run.closes_at)
        }

    def _remind(
        self, session: Session, definition: RitualDefinition, run: Run, now: datetime, away: set[str]
    ) -> int:
        queued = went_away = 0
        for person, slot in _due(session, definition, run, now):
            if person.user_id in away:
                # Away by their status: not chased, and their prompt is redrawn to say so.
                went_away += change_participants(
                    session,
                    Participant.id == person.id,
                    Participant.state == ParticipantState.PENDING,
                    state=ParticipantState.AWAY,
                )
                continue
            if enqueue(
                session,
                key=f"run:{run.id}:reminder:{slot}:{person.user_id}",
                kind=REMINDER_KIND,
                target=person.user_id,
                message=reminder_message(definition, run, person),
                now=now,
                run_id=run.id,
            ) and _count(session, person, now):
                queued += 1
        if queued or went_away:
            log.info(
                "queued %d reminders for run %s of %s (%d away by their status)",
                queued,
                run.id,
                run.ritual_id,
                went_away,
            )
        return queued


def _due(
    session: Session, definition: RitualDefinition, run: Run, now: datetime
) -> list[tuple[Participant, int]]:
    """The pending participants a reminder is due for now, each with its slot in their schedule."""
    occurrence = occurrence_of(definition, run)
    prompted = _prompted(session, run)
    assert run.closes_at is not None
    due = []
    for person in _pending(session, run):
        if person.reminders_sent >= definition.window.max_reminders or person.user_id not in prompted:
            continue
        tz = zone(person.timezone)
        times = [when for when in reminder_times(definition, occurrence, tz) if when <= now]
        if not times:
            continue
        slot, when = len(times) - 1, times[-1]
        if person.last_reminded_at is not None and person.last_reminded_at >= when:
            continue
        if outside_quiet_hours(definition, now, tz, run.closes_at) != now:
            continue  # a late tick landed in their night: the morning's tick sends it
        due.append((person, slot))
    return due


@dataclass(frozen=True)
class NudgeReport:
    nudged: list[str]
    # Reminded in the last few minutes (a double click, or a reminder just went out).
    recently: list[str]
    # Their night lasts past the close, so a nudge could not reach them in time.
    asleep: list[str]


def nudge(session: Session, definition: RitualDefinition, run: Run, by: str, now: datetime) -> NudgeReport:
    """An owner's "nudge now": one reminder to everyone still pending, at once or at their morning."""
    if run.state is not RunState.OPEN or is_late(run, now):
        raise UserFacingError(f"*{mrkdwn_escape(definition.name)}* is not open, so there is nobody to nudge.")
    assert run.closes_at is not None
    minute = now.strftime("%Y%m%dT%H%M")
    nudged, recently, asleep = [], [], []
    for person in _pending(session, run):
        if person.last_reminded_at is not None and now - person.last_reminded_at < NUDGE_GAP:
            recently.append(person.user_id)
            continue
        when = outside_quiet_hours(definition, now, zone(person.timezone), run.closes_at)
        if when >= run.closes_at:
            asleep.append(person.user_id)
            continue
        if enqueue(
            session,
            key=f"run:{run.id}:nudge:{minute}:{person.user_id}",
            kind=NUDGE_KIND,
            target=person.user_id,
            message=reminder_message(definition, run, person, nudged_by=by),
            now=now,
            not_before=when,
            run_id=run.id,
        ) and _count(session, person, now):
            nudged.append(person.user_id)
        else:
            recently.append(person.user_id)
    return NudgeReport(nudged, recently, asleep)
