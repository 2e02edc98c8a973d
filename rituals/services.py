"""What the domain needs from the outside world, handed in once by the app factory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Engine

from core.clock import Clock
from messaging.doctor import Doctor
from messaging.gateway import SlackGateway
from messaging.outbox_bell import OutboxBell
from rituals.collect.key_results import KeyResultCheckins
from rituals.definition.loading import RitualLibrary
from rituals.definition.reloading import ReloadRituals
from rituals.publish.publisher import Publisher
from rituals.runs.closing import RunCloser
from rituals.runs.opening import RunOpener
from storage.database import SessionFactory


@dataclass(frozen=True)
class Services:
    session_factory: SessionFactory
    clock: Clock
    library: RitualLibrary
    gateway: SlackGateway
    opener: RunOpener
    closer: RunCloser
    publisher: Publisher
    # Slack user ids allowed to manage every ritual, besides each ritual's own owners.
    admins: Sequence[str] = field(default_factory=tuple)
    # Reloads the ritual files now (`/ritual reload`); None when the library is fixed (tests).
    reload: ReloadRituals | None = None
    # Checks the workspace against the configuration (`/ritual doctor`).
    doctor: Doctor | None = None
    # Who keeps key results, for forms with a key_results field (none: such fields ask nothing).
    key_results: KeyResultCheckins | None = None
    # Rung after a transaction without a session queued a delivery (`messaging.outbox_bell`).
    outbox_bell: OutboxBell = field(default_factory=OutboxBell)

    @property
    def engine(self) -> Engine:
        """The engine the sessions are bound to, for a transaction without a session."""
        return cast(Engine, self.session_factory.kw["bind"])
