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

from messaging.gateway import FileUpload
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


class DigestFiles(Protocol):
    """Files that go with the posts showing a contribution: a chart under the leaders' digest.

    The publisher asks for them once, when it first posts an audience whose template reads
    `name`, and queues each into the thread of that post in every channel (one outbox delivery
    per channel and file name, so a retry or a later edit never uploads it again).
    """

    #: The contribution whose posts the files go with.
    name: str

    def files(
        self, session: Session, definition: RitualDefinition, run: Run, audience: Audience
    ) -> list[FileUpload]:
        """The files for this audience's post of this run (none is fine)."""
        ...
