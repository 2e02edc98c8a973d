"""What the domain needs from the outside world, handed in once by the app factory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rituals.clock import Clock
from rituals.closing import RunCloser
from rituals.gateway import SlackGateway
from rituals.loading import RitualLibrary
from rituals.opening import RunOpener
from rituals.publishing import Publisher
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
