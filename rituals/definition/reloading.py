"""Reloading the rituals on the tick, and telling the owners once when an edit is invalid."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime

from core.config_files import Problem
from messaging.layout import SplitPost, compose
from messaging.mrkdwn import mrkdwn_escape
from messaging.outbox import enqueue_split
from rituals.definition.live import LiveLibrary, Reload
from storage.database import SessionFactory

log = logging.getLogger(__name__)

RELOAD_PROBLEM_KIND = "rituals-invalid"
PROBLEMS_SHOWN = 10


class ReloadRituals:
    """A tick step: reload when a ritual file or template changed."""

    def __init__(self, library: LiveLibrary, session_factory: SessionFactory, admins: Sequence[str]) -> None:
        self._library = library
        self._session_factory = session_factory
        self._admins = tuple(admins)

    def __call__(self, now: datetime, *, force: bool = False) -> Reload:
        outcome = self._library.reload(force=force)
        if outcome.kept_last_good:
            log.warning("ritual files changed but are invalid; still running the last good version")
            for problem in outcome.problems:
                log.warning("%s", problem)
            self._tell_owners(outcome.problems, now)
        elif outcome.changed:
            log.info(
                "rituals reloaded: %d added, %d updated, %d removed",
                len(outcome.added),
                len(outcome.updated),
                len(outcome.removed),
            )
            for warning in outcome.warnings:
                log.warning("%s", warning)
        return outcome

    def _tell_owners(self, problems: Sequence[Problem], now: datetime) -> None:
        """One DM per owner of an affected ritual (admins, for a new file), once per set of problems."""
        text = "\n".join(str(problem) for problem in problems)
        fingerprint = hashlib.sha256(text.encode()).hexdigest()[:16]
        people = {owner for problem in problems for owner in self._library.owners_of(problem.path)}
        post = invalid_edit_post(problems)
        with self._session_factory.begin() as session:
            for person in sorted(people or self._admins):
                enqueue_split(
                    session,
                    key=f"{RELOAD_PROBLEM_KIND}:{fingerprint}:{person}",
                    kind=RELOAD_PROBLEM_KIND,
                    target=person,
                    post=post,
                    now=now,
                )


def invalid_edit_post(problems: Sequence[Problem]) -> SplitPost:
    """The DM to owners: the problems in full (a thread when they are long), and what to do."""
    shown = "\n".join(f"• `{mrkdwn_escape(str(problem))}`" for problem in problems[:PROBLEMS_SHOWN])
    more = f"\n…and {len(problems) - PROBLEMS_SHOWN} more." if len(problems) > PROBLEMS_SHOWN else ""
    return compose(
        "Ritual files not reloaded",
        "⚠ A change to the ritual files does not validate, so I keep running the last good version:\n"
        f"{shown}{more}",
        footer="Fix the file (`ritualbot validate` shows the same list) and I pick it up by myself.",
    )
