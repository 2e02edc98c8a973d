"""Who owns a key result in Slack: a user id as written, or the user an email belongs to.

The objectives file may name an owner by email. Slack answers which user that is
(`users.lookupByEmail`), outside any transaction, and the answer is kept (`owner_addresses`),
so the modal, the Home tab and the digest match people to key results without calling Slack.
An email nobody in the workspace has is asked about again after a while, in case they join.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import Clock
from messaging.gateway import SlackError
from storage.database import SessionFactory
from storage.models import OwnerAddress
from storage.queries import insert_ignoring_conflicts

log = logging.getLogger(__name__)

#: How long "nobody has this email" is believed before Slack is asked again.
NOT_FOUND_RETRY = timedelta(hours=12)


class EmailDirectory(Protocol):
    def user_id_by_email(self, email: str) -> str | None:
        """The Slack user with this email, None when nobody has it (SlackError on failure)."""
        ...


def is_email(owner: str) -> bool:
    return "@" in owner


class Owners:
    def __init__(
        self, session_factory: SessionFactory, directory: EmailDirectory | None, clock: Clock
    ) -> None:
        self._session_factory = session_factory
        self._directory = directory
        self._clock = clock

    def look_up(self, owners: Iterable[str]) -> None:
        """Ask Slack about the emails among `owners` not known yet; call it outside transactions."""
        emails = sorted({owner for owner in owners if is_email(owner)})
        if not emails or self._directory is None:
            return
        now = self._clock.now()
        with self._session_factory() as session:
            known = {
                row.email: row
                for row in session.scalars(select(OwnerAddress).where(OwnerAddress.email.in_(emails)))
            }
        due = [
            email
            for email in emails
            if email not in known
            or (known[email].user_id is None and now - known[email].looked_up_at > NOT_FOUND_RETRY)
        ]
        found: dict[str, str | None] = {}
        for email in due:
            try:
                found[email] = self._directory.user_id_by_email(email)
            except SlackError as error:
                log.warning("could not look up the key result owner %s: %s", email, error)
        if not found:
            return
        with self._session_factory.begin() as session:
            fresh = [{"email": email, "user_id": user, "looked_up_at": now} for email, user in found.items()]
            insert_ignoring_conflicts(session, OwnerAddress, fresh)
            for email, user in found.items():
                row = session.get(OwnerAddress, email)
                if row is not None:
                    row.user_id, row.looked_up_at = user, now


def slack_users(session: Session, owners: Collection[str]) -> dict[str, str]:
    """Each owner's Slack user id where it is known: user ids as they are, emails as looked up."""
    users = {owner: owner for owner in owners if not is_email(owner)}
    emails = [owner for owner in owners if is_email(owner)]
    if emails:
        rows = session.scalars(
            select(OwnerAddress).where(OwnerAddress.email.in_(emails), OwnerAddress.user_id.is_not(None))
        )
        users |= {row.email: row.user_id for row in rows if row.user_id}
    return users
