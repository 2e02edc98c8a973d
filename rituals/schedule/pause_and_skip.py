"""Owners pause and resume a ritual's schedule, or skip its next occurrence.

The state changes take a session (the command line runs them in its own transaction); the
`*_ritual` / `skip_next_opening` use cases check the person may, run one transaction, and say
what happened, for Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from messaging.mrkdwn import mrkdwn_escape
from rituals.definition.managers import require_manager
from rituals.definition.schema import RitualDefinition
from rituals.runs.materialize import ensure_state_rows
from rituals.schedule.occurrences import Occurrence, next_openings
from rituals.services import Services
from storage.models import RitualState


def _state(session: Session, ritual_id: str, now: datetime) -> RitualState:
    ensure_state_rows(session, [ritual_id], now)
    state = session.get(RitualState, ritual_id, populate_existing=True, with_for_update=True)
    assert state is not None
    return state


def pause(session: Session, definition: RitualDefinition, by: str, now: datetime) -> bool:
    """Pause; False when it was already paused. Occurrences while paused are recorded as skipped."""
    state = _state(session, definition.id, now)
    if state.paused:
        return False
    state.paused, state.updated_at, state.updated_by = True, now, by
    return True


def resume(session: Session, definition: RitualDefinition, by: str, now: datetime) -> bool:
    state = _state(session, definition.id, now)
    if not state.paused:
        return False
    state.paused, state.updated_at, state.updated_by = False, now, by
    return True


def skip_next(
    session: Session, definition: RitualDefinition, by: str, now: datetime
) -> tuple[Occurrence, bool]:
    """Mark the next occurrence to be skipped; the flag is False when it already was."""
    state = _state(session, definition.id, now)
    upcoming = next_openings(definition, now, 1)
    if not upcoming:
        raise UserFacingError(f"{definition.name} has no upcoming opening to skip.")
    target = upcoming[0]
    if state.skip_key == target.key:
        return target, False
    state.skip_key, state.updated_at, state.updated_by = target.key, now, by
    return target, True


def is_paused(session: Session, ritual_id: str) -> bool:
    state = session.get(RitualState, ritual_id)
    return bool(state and state.paused)


@dataclass(frozen=True)
class Upcoming:
    """What `ritualbot next` shows: the next openings, and why any of them will not open."""

    openings: list[Occurrence]
    paused: bool
    skipped: Occurrence | None


def upcoming(definition: RitualDefinition, state: RitualState | None, after: datetime, n: int) -> Upcoming:
    """The next `n` occurrences that will open, as the tick will decide them: none while the
    ritual is paused, and without the one an owner asked to skip."""
    paused = bool(state and state.paused)
    skip_key = state.skip_key if state is not None else None
    if paused:
        return Upcoming([], paused=True, skipped=None)
    candidates = next_openings(definition, after, n + 1)
    skipped = next((o for o in candidates if o.key == skip_key), None)
    openings = [o for o in candidates if o is not skipped][:n]
    return Upcoming(openings, paused=False, skipped=skipped)


def schedule_state(session: Session, ritual_id: str) -> RitualState | None:
    return session.get(RitualState, ritual_id)


# --- from Slack: owners and admins, each in its own transaction ----------------------------------


def pause_ritual(services: Services, definition: RitualDefinition, user_id: str) -> str:
    require_manager(definition, user_id, services.admins)
    with services.session_factory.begin() as session:
        changed = pause(session, definition, user_id, services.clock.now())
    name = mrkdwn_escape(definition.name)
    if not changed:
        return f"*{name}* was already paused."
    return f"Paused *{name}*: occurrences are recorded as skipped until you `/ritual resume {definition.id}`."


def resume_ritual(services: Services, definition: RitualDefinition, user_id: str) -> str:
    require_manager(definition, user_id, services.admins)
    with services.session_factory.begin() as session:
        changed = resume(session, definition, user_id, services.clock.now())
    name = mrkdwn_escape(definition.name)
    return f"Resumed *{name}*." if changed else f"*{name}* was not paused."


def skip_next_opening(services: Services, definition: RitualDefinition, user_id: str) -> str:
    require_manager(definition, user_id, services.admins)
    with services.session_factory.begin() as session:
        occurrence, changed = skip_next(session, definition, user_id, services.clock.now())
    when = occurrence.opens_at.strftime("%a %d %b %Y %H:%M %Z")
    name = mrkdwn_escape(definition.name)
    return f"*{name}* will skip its opening on {when}." if changed else f"*{name}* already skips {when}."
