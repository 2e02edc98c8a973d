"""What a run reads from outside systems, fetched before the transaction that opens or closes it.

A run can show numbers kept elsewhere: key results prefilled from their sources when it opens,
the same sources and the metrics again when it closes, for the digest. Fetching calls other
systems over HTTP, which never happens inside a database transaction, so the opener and the
closer call these hooks first; whoever fetches (the objectives' domain implements
`OutsideData`) stores what it got, and the prompts and the digest read it from the database.

A failure out there never stops a ritual: the hook is logged and the run opens or closes anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from rituals.definition.loading import RitualLibrary, UnknownRitual
from rituals.definition.schema import RitualDefinition
from storage.models import Run

log = logging.getLogger(__name__)

Phase = Literal["open", "close"]


@dataclass(frozen=True)
class RunNeeds:
    """What one run asks and shows, in plain terms for another domain."""

    run_id: int
    ritual_id: str
    ritual_name: str
    owners: tuple[str, ...]
    # The form has a key_results field, limited to these objectives (None: every objective).
    asks_key_results: bool
    objectives: frozenset[str] | None
    # The top-level names the ritual's templates read (None: it cannot be told, so any).
    reads: frozenset[str] | None

    def shows(self, name: str) -> bool:
        return self.reads is None or name in self.reads


class OutsideData(Protocol):
    def fetch(self, needs: RunNeeds, phase: Phase, now: datetime) -> None:
        """Fetch and store what the run needs at this phase; called outside any transaction."""
        ...


def needs_of(library: RitualLibrary, definition: RitualDefinition, run: Run) -> RunNeeds:
    fields = [form_field for form_field in definition.form if form_field.type == "key_results"]
    limited = [form_field.objectives for form_field in fields]
    objectives = None if not fields or None in limited else frozenset(o for ids in limited for o in ids or ())
    return RunNeeds(
        run_id=run.id,
        ritual_id=definition.id,
        ritual_name=definition.name,
        owners=tuple(definition.owners),
        asks_key_results=bool(fields),
        objectives=objectives,
        reads=library.loaded(definition.id).reads_any(),
    )


class OutsideDataHooks:
    """The opener's and the closer's hooks that hand each run to every `OutsideData`."""

    def __init__(self, library: RitualLibrary, sources: Sequence[OutsideData]) -> None:
        self._library = library
        self._sources = tuple(sources)

    def before_open(self, run: Run, definition: RitualDefinition, now: datetime) -> None:
        self._fetch(needs_of(self._library, definition, run), "open", now)

    def before_close(self, run: Run, now: datetime) -> None:
        try:
            definition = self._library.get(run.ritual_id)
        except UnknownRitual:
            return  # a retired ritual's run closes with what it has
        self._fetch(needs_of(self._library, definition, run), "close", now)

    def _fetch(self, needs: RunNeeds, phase: Phase, now: datetime) -> None:
        for source in self._sources:
            try:
                source.fetch(needs, phase, now)
            except Exception:  # outside data is a nicety; the run must go on without it
                log.exception("fetching outside data for run %s (%s) failed", needs.run_id, phase)
