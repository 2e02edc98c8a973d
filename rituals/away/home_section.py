"""Time off on the Home tab: where the person stands, and "Mark me away" or "I'm back"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from core.types import JsonDict
from rituals.away.time_off_views import time_off_blocks
from rituals.away.use_cases import away_status
from rituals.services import Services


class AwayHome:
    """The rituals' time-off part of the Home tab (a `messaging.home_tab.HomeSection`)."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def blocks(self, user_id: str, viewer_tz: ZoneInfo | None) -> list[JsonDict]:
        return time_off_blocks(away_status(self._services, user_id))
