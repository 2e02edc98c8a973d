"""What other domains add to a ritual's digest: research activity, metrics, key results.

A ritual's templates see the compiled answers; a contribution adds one more top-level name to
that context (`research`, `metrics`, `key_results`), computed from what the database holds for
the run, so rendering again after a late answer gives the same figures. The domains that
contribute never import rituals and rituals never imports them: `bot/` hands their
contributions to the `Publisher` when it wires the app.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from rituals.definition.schema import Audience, RitualDefinition
from storage.models import Run


class DigestContribution(Protocol):
    #: The name templates use for it (`{{ research.touches }}`); must not clash with the
    #: compiled context's own names (`ritual`, `responses`, `counts`, ...). Templates
    #: are checked against `sample()`, so `validate` catches a wrong key before a digest fails.
    name: str

    def context(self, session: Session, definition: RitualDefinition, run: Run, audience: Audience) -> object:
        """The value of `name` in this audience's template context for this run."""
        ...

    def sample(self, definition: RitualDefinition, audience: Audience) -> object:
        """A value of the same shape, for checking templates without a database (`validate`)."""
        ...
