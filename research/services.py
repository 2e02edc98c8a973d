"""What the research registry needs from the outside world, handed in once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.clock import Clock
from research.config import NO_RULES, ResearchRules
from storage.database import SessionFactory


@dataclass(frozen=True)
class ResearchServices:
    session_factory: SessionFactory
    clock: Clock
    rules: ResearchRules = NO_RULES

    def today(self) -> date:
        """Today in the rules' time zone: the day cooldowns and limits are read on."""
        return self.clock.now().astimezone(self.rules.zone).date()
