"""Who owns a key result in Slack: a user id as written, or the user an email belongs to.

The objectives file may name an owner by email, as ritual files may name people. Slack is asked who
that is outside any transaction, through the one directory every domain shares
(`messaging.people`: users.lookupByEmail, remembered in `person_refs`), so the modal, the Home
tab and the digest match people to key results without calling Slack. A name nobody in the
workspace has is asked about again a day later, in case they join.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

from sqlalchemy.orm import Session

from messaging.gateway import SlackError
from messaging.people import known_user_ids

log = logging.getLogger(__name__)


class Directory(Protocol):
    def resolve(self, refs: Iterable[str]) -> Mapping[str, str | None]:
        """Each name's user id (None: nobody has it), remembered; SlackError on failure."""
        ...


class Owners:
    def __init__(self, directory: Directory | None) -> None:
        self._directory = directory

    def look_up(self, owners: Iterable[str]) -> None:
        """Ask Slack about the owners named by email not known yet; call it outside transactions."""
        if self._directory is None:
            return
        try:
            self._directory.resolve(owners)
        except SlackError as error:
            log.warning("could not look up every key result owner: %s", error)


def slack_users(session: Session, owners: Collection[str]) -> dict[str, str]:
    """Each owner's Slack user id where it is known: user ids as they are, emails as looked up."""
    return known_user_ids(session, owners)
