"""Skipping a run with a reason, and handing it to someone else.

Both are guarded state changes on the participant row, so a click or submission delivered twice
changes things once: skipping again with the same reason changes nothing, and a hand-over to
the same person finds it already done (the new participant is an insert that ignores conflicts,
and their prompt has a dedupe key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.gateway import OutcomeUnknown, Person, RateLimited, Rejected
from messaging.layout import cut_to_fit
from messaging.mrkdwn import mrkdwn_escape, without_bold
from rituals.collect.answers import is_late, participant, require_participant
from rituals.collect.prompts import queue_prompt
from rituals.collect.skip_and_handoff_views import (
    DETAIL_BLOCK,
    OTHER,
    PERSON_BLOCK,
    REASON_BLOCK,
    REASON_MAX,
    SKIP_REASONS,
    StateValues,
    chosen_person,
    chosen_reason,
    handoff_view,
    skip_view,
)
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import RitualDefinition
from rituals.runs.participants import change_participants
from rituals.services import Services
from storage.models import Participant, ParticipantState, Run, RunState
from storage.queries import insert_ignoring_conflicts


def skip_reason_text(choice: str | None, detail: str | None) -> str:
    """The reason as owners read it: the choice, with the person's words if they gave any."""
    label = SKIP_REASONS.get(choice or "", "Other")
    # The input holds REASON_MAX; a longer one is a forged submission, kept to the same bound.
    detail = cut_to_fit((detail or "").strip(), REASON_MAX)
    if choice == OTHER and detail:
        return detail
    return f"{label}: {detail}" if detail else label


def _require_open(definition: RitualDefinition, run: Run, now: datetime) -> None:
    if run.state is not RunState.OPEN or is_late(run, now):
        raise UserFacingError(
            f"*{mrkdwn_escape(definition.name)}* has closed, so there is nothing to change."
        )


def skip(
    session: Session, definition: RitualDefinition, run: Run, user_id: str, reason: str, now: datetime
) -> bool:
    """Skip this run; False when it was already skipped for the same reason (a retry)."""
    _require_open(definition, run, now)
    person = require_participant(session, run, user_id, lock=True)
    if person.state is ParticipantState.ANSWERED:
        raise UserFacingError("You have already answered this one. You can still edit your answer.")
    if person.state is ParticipantState.SKIPPED and person.skip_reason == reason:
        return False
    change_participants(
        session,
        Participant.id == person.id,
        Participant.state.in_([ParticipantState.PENDING, ParticipantState.SKIPPED]),
        state=ParticipantState.SKIPPED,
        skip_reason=reason,
        responded_at=now,
    )
    return True


@dataclass(frozen=True)
class HandOff:
    to: Participant
    # False when this hand-over had happened before (a retried submission).
    new: bool


def hand_off(
    session: Session, definition: RitualDefinition, run: Run, user_id: str, to: Person, now: datetime
) -> HandOff:
    """Make ``to`` a participant in ``user_id``'s place, and queue their own prompt."""
    _require_open(definition, run, now)
    person = participant(session, run.id, user_id, lock=True)
    if person is None:
        raise UserFacingError("You are not asked to answer this one, so there is nothing to hand off.")
    if person.state is ParticipantState.DELEGATED:
        if person.delegated_to == to.id:
            existing = participant(session, run.id, to.id)
            if existing is not None:
                return HandOff(existing, new=False)
        raise UserFacingError(f"You already handed this one to <@{person.delegated_to}>.")
    if person.state is ParticipantState.ANSWERED:
        raise UserFacingError("You have already answered this one, so it stays yours. You can still edit it.")
    if to.id == user_id:
        raise UserFacingError("Pick someone other than yourself.")
    if to.is_bot or to.deleted:
        raise UserFacingError("Pick a person who is still in the workspace (not a bot or a former member).")
    if participant(session, run.id, to.id) is not None:
        raise UserFacingError(f"{to.name} is already asked for this one. Pick someone else, or skip it.")
    insert_ignoring_conflicts(
        session,
        Participant,
        [
            {
                "run_id": run.id,
                "user_id": to.id,
                "display_name": to.name,
                "timezone": to.timezone,
                "state": ParticipantState.PENDING.value,
                "delegated_by": user_id,
                "reminders_sent": 0,
                "prompt_version": 0,
                "prompt_synced": 0,
            }
        ],
    )
    change_participants(
        session,
        Participant.id == person.id,
        Participant.state != ParticipantState.DELEGATED,
        state=ParticipantState.DELEGATED,
        delegated_to=to.id,
        responded_at=now,
    )
    delegate = participant(session, run.id, to.id)
    assert delegate is not None
    queue_prompt(session, definition, run, delegate, now)
    return HandOff(delegate, new=True)


# --- for the listeners: each in its own transaction ------------------------------------------


def _run_and_definition(services: Services, session: Session, run_id: int) -> tuple[RitualDefinition, Run]:
    run = session.get(Run, run_id)
    if run is None:
        raise UserFacingError("That check-in no longer exists.")
    try:
        return services.library.get(run.ritual_id), run
    except UnknownRitual as error:
        raise UserFacingError("That ritual has been retired.") from error


def check_can_respond(services: Services, run_id: int, user_id: str) -> RitualDefinition:
    """Before opening the skip or hand-off modal: is there still something to skip or hand off?"""
    now = services.clock.now()
    with services.session_factory() as session:
        definition, run = _run_and_definition(services, session, run_id)
        _require_open(definition, run, now)
        person = require_participant(session, run, user_id)
        if person.state is ParticipantState.ANSWERED:
            raise UserFacingError("You have already answered this one. You can still edit your answer.")
        return definition


def skip_form(services: Services, run_id: int, user_id: str) -> JsonDict:
    """The skip modal, when there is still something to skip."""
    return skip_view(run_id, check_can_respond(services, run_id, user_id).name)


def handoff_form(services: Services, run_id: int, user_id: str) -> JsonDict:
    """The hand-off modal, when there is still something to hand off."""
    return handoff_view(run_id, check_can_respond(services, run_id, user_id).name)


def skip_run(services: Services, run_id: int, user_id: str, reason: str) -> bool:
    now = services.clock.now()
    with services.session_factory.begin() as session:
        definition, run = _run_and_definition(services, session, run_id)
        return skip(session, definition, run, user_id, reason, now)


def submit_skip(services: Services, run_id: int, user_id: str, values: StateValues) -> dict[str, str]:
    """The skip modal submitted: skipped, or what to fix, by input block."""
    choice, detail = chosen_reason(values)
    if choice is None:
        return {REASON_BLOCK: "Pick a reason."}
    if choice == OTHER and not (detail or "").strip():
        return {DETAIL_BLOCK: "Say a few words about why."}
    try:
        skip_run(services, run_id, user_id, skip_reason_text(choice, detail))
    except UserFacingError as error:
        return {REASON_BLOCK: without_bold(error.message)}
    return {}


def submit_handoff(services: Services, run_id: int, user_id: str, values: StateValues) -> dict[str, str]:
    """The hand-off modal submitted: handed over, or what to fix, by input block."""
    chosen = chosen_person(values)
    if not chosen:
        return {PERSON_BLOCK: "Pick a person."}
    try:
        hand_off_run(services, run_id, user_id, chosen)
    except UserFacingError as error:
        return {PERSON_BLOCK: without_bold(error.message)}
    return {}


def hand_off_run(services: Services, run_id: int, user_id: str, to_user: str) -> HandOff:
    # Looked up before the transaction: it is a Slack call (users.info, Tier 4, quick).
    try:
        to = services.gateway.person(to_user)
    except (RateLimited, OutcomeUnknown, Rejected) as error:
        raise UserFacingError(
            "I could not look that person up in Slack just now; please try again."
        ) from error
    now = services.clock.now()
    with services.session_factory.begin() as session:
        definition, run = _run_and_definition(services, session, run_id)
        return hand_off(session, definition, run, user_id, to, now)
