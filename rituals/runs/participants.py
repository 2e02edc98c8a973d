"""Who is asked, and every change of where they stand.

A run's participants are resolved to people when it opens. After that, each change of a
participant's state (answered, skipped, handed over, the run closed) goes through
`change_participants`, which also bumps `prompt_version`: the prompt DM is a projection of the
participant row, and `rituals.collect.prompt_sync` redraws every prompt whose version moved.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, CursorResult, Table, bindparam, update
from sqlalchemy.orm import Session

from messaging.gateway import Person, SlackGateway
from rituals.definition.schema import RitualDefinition
from storage.driver_sql import DriverSQL
from storage.models import Participant, ParticipantState


def resolve_participants(definition: RitualDefinition, gateway: SlackGateway) -> list[Person]:
    """Everyone the definition names (users, a user group, a channel's members), minus
    exclusions, bots and deactivated accounts, with names and time zones for the run."""
    spec = definition.participants
    if spec is None:
        return []  # a digest-only ritual asks nobody
    user_ids: set[str] = set(spec.users)
    if spec.usergroup:
        user_ids |= set(gateway.usergroup_members(spec.usergroup))
    if spec.channel:
        user_ids |= set(gateway.channel_members(spec.channel))
    user_ids -= set(spec.exclude)
    people = gateway.people(sorted(user_ids))
    return [person for _, person in sorted(people.items()) if not person.is_bot and not person.deleted]


def change_participants(session: Session, *where: ColumnElement[bool], **values: Any) -> int:
    """Set `values` on the participants matching `where` (a guarded update) and mark their
    prompts for a redraw; how many rows changed."""
    statement = (
        update(Participant)
        .where(*where)
        .values(prompt_version=Participant.prompt_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


# Answering is the change a deadline brings by the hundred: built once, compiled once, and on
# the table rather than the mapped class, so it runs as plain SQL without the ORM's bulk-update
# bookkeeping. A participant object loaded in the session keeps its old values. Its parameters:
# `participant` (the row's id) and `answered_at`.
_PARTICIPANTS_TABLE = cast(Table, Participant.__table__)
_PARTICIPANTS = _PARTICIPANTS_TABLE.c
ANSWERED = (
    update(_PARTICIPANTS_TABLE)
    .where(_PARTICIPANTS.id == bindparam("participant"))
    .values(
        prompt_version=_PARTICIPANTS.prompt_version + 1,
        state=ParticipantState.ANSWERED,
        skip_reason=None,
        responded_at=bindparam("answered_at"),
    )
)


_MARK_ANSWERED = DriverSQL(ANSWERED)


def mark_answered(connection: Connection, participant_id: int, now: datetime) -> None:
    """`change_participants` for one participant who answered: their prompt is redrawn too.
    Driver SQL (`storage.driver_sql`) in the transaction `connection` is in; a session's copy
    of the participant, if it holds one, is not refreshed."""
    _MARK_ANSWERED.execute(connection, {"participant": participant_id, "answered_at": now})
