"""People named by email address or @handle, resolved to Slack user ids and remembered.

Configuration files may name people the way colleagues know them (`ana@example.com`,
`@ana`) rather than by user id. Slack resolves an email with users.lookupByEmail and a handle
from the users list; each answer is kept in the database, so a restart or a reload asks Slack
only about names it has not seen, and a name Slack did not know is asked about again a day
later (the person may have joined meanwhile).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.clock import Clock
from messaging.gateway import Person, Rejected, SlackError, SlackGateway
from storage.database import SessionFactory
from storage.models import PersonRef
from storage.queries import insert_ignoring_conflicts

#: How long "nobody has that name" is believed before Slack is asked again.
RETRY_UNKNOWN = timedelta(days=1)


def is_name(ref: str) -> bool:
    """Whether `ref` is an email or an @handle (anything else is taken to be a user id)."""
    return ref.startswith("@") or "@" in ref


def cache_key(ref: str) -> str:
    return f"handle:{ref[1:]}" if ref.startswith("@") else f"email:{ref}"


class PeopleDirectory:
    """Resolves names to user ids through Slack, with the database as a cache (optional: the
    `validate` command asks Slack directly and keeps nothing)."""

    def __init__(
        self, gateway: SlackGateway, clock: Clock, session_factory: SessionFactory | None = None
    ) -> None:
        self._gateway = gateway
        self._clock = clock
        self._session_factory = session_factory

    def resolve(self, refs: Iterable[str]) -> dict[str, str | None]:
        """Each name's user id, or None when Slack knows nobody by it."""
        wanted = sorted({ref for ref in refs if is_name(ref)})
        now = self._clock.now()
        known = self._cached(wanted, now)
        asking = [ref for ref in wanted if ref not in known]
        if asking:
            fresh: dict[str, str | None] = {}
            try:
                self._ask(asking, fresh)
            finally:
                # What Slack did answer is kept even when it failed on another name.
                self._remember(fresh, now)
            known.update(fresh)
        return known

    def _cached(self, refs: list[str], now: datetime) -> dict[str, str | None]:
        if self._session_factory is None or not refs:
            return {}
        by_key = {cache_key(ref): ref for ref in refs}
        with self._session_factory() as session:
            rows = session.scalars(select(PersonRef).where(PersonRef.ref.in_(by_key)))
            return {
                by_key[row.ref]: row.user_id
                for row in rows
                if row.user_id is not None or now - row.resolved_at < RETRY_UNKNOWN
            }

    def _ask(self, refs: list[str], found: dict[str, str | None]) -> None:
        """Fill `found` with Slack's answers; every name is asked, then the first failure (a
        `SlackError`) is raised, so whoever called knows some names are still unresolved."""
        failure: SlackError | None = None
        handles = [ref for ref in refs if ref.startswith("@")]
        if handles:
            try:
                found.update(_by_handle(handles, self._gateway.everyone()))
            except SlackError as error:
                failure = error
        for email in (ref for ref in refs if not ref.startswith("@")):
            try:
                person = self._gateway.person_by_email(email)
            except Rejected as error:
                if error.error != "users_not_found":
                    failure = failure or error
                    continue
                found[email] = None
            except SlackError as error:
                failure = failure or error
            else:
                found[email] = None if person.deleted else person.id
        if failure is not None:
            raise failure

    def _remember(self, resolved: Mapping[str, str | None], now: datetime) -> None:
        if self._session_factory is None:
            return
        with self._session_factory.begin() as session:
            keys = [cache_key(ref) for ref in resolved]
            # A name asked about again (it was unknown a day ago) replaces its old answer.
            session.execute(delete(PersonRef).where(PersonRef.ref.in_(keys)))
            insert_ignoring_conflicts(
                session,
                PersonRef,
                [
                    {"ref": cache_key(ref), "user_id": user_id, "resolved_at": now}
                    for ref, user_id in resolved.items()
                ],
            )


def known_user_ids(session: Session, refs: Iterable[str]) -> dict[str, str]:
    """Each ref's user id where it is known without asking Slack: a user id as it is, a name as
    Slack resolved it before (names not resolved yet, or that nobody has, are left out)."""
    wanted = set(refs)
    users = {ref: ref for ref in wanted if not is_name(ref)}
    by_key = {cache_key(ref): ref for ref in wanted if is_name(ref)}
    if by_key:
        rows = session.scalars(
            select(PersonRef).where(PersonRef.ref.in_(by_key), PersonRef.user_id.is_not(None))
        )
        users |= {by_key[row.ref]: row.user_id for row in rows if row.user_id}
    return users


def _by_handle(handles: list[str], everyone: list[Person]) -> dict[str, str | None]:
    """Match @handles against each member's username, then display name (lower case)."""
    by_name: dict[str, str] = {}
    for person in everyone:
        if person.deleted or person.is_bot:
            continue
        for name in (person.handle, person.name):
            if name:
                by_name.setdefault(name.strip().lower(), person.id)
    return {handle: by_name.get(handle[1:]) for handle in handles}
