"""The library the running bot reads, reloaded when its files change, never half-way.

Every part of the bot holds this one object and asks it for definitions; a reload builds a
whole new library (files read and validated exactly as at start-up, people resolved) and swaps
it in with one assignment, so a reader sees the old rituals or the new ones, never a mix. An
edit that does not validate changes nothing: the last good library keeps running, and the
caller is told what is wrong so the owners hear about it.

The tick polls the files' modification times (cheap: one `stat` per file); `/ritual reload`
asks for a reload at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.config_files import CONFIG_SUFFIXES, Problem
from messaging.gateway import SlackError
from rituals.definition.loading import BUILTIN_LIBRARY, InvalidRituals, RitualLibrary, load_library
from rituals.publish.contributions import DigestContribution

# Turns a freshly loaded library into the one to run (people's names into user ids), with the
# problems found on the way that do not stop it running.
Prepare = Callable[[RitualLibrary], tuple[RitualLibrary, list[Problem]]]
TEMPLATE_SUFFIX = ".j2"

log = logging.getLogger(__name__)


def _as_is(library: RitualLibrary) -> tuple[RitualLibrary, list[Problem]]:
    return library, []


@dataclass(frozen=True)
class Reload:
    """What one reload did: nothing (files unchanged), swapped in new rituals, or kept the old."""

    changed: bool = False
    problems: list[Problem] = field(default_factory=list)
    kept_last_good: bool = False
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # Not fatal (an email nobody has): the new rituals run, these are reported.
    warnings: list[Problem] = field(default_factory=list)


class LiveLibrary(RitualLibrary):
    def __init__(
        self,
        paths: Sequence[Path] = (),
        *,
        contributions: Sequence[DigestContribution] = (),
        objective_ids: Collection[str] | None = None,
        prepare: Prepare = _as_is,
    ) -> None:
        """Load now; raises InvalidRituals like `load_library`, since the bot must not start on
        invalid rituals."""
        self._paths = list(paths)
        self._contributions = tuple(contributions)
        self._objective_ids = objective_ids
        self._prepare = prepare
        self._lock = threading.Lock()
        self._stamp = self._fingerprint()
        # The files as last read, before `prepare`: `use` prepares these again rather than
        # reading and validating every file (templates included) a second time at start-up.
        self._read = self._load()
        library, self.warnings = prepare(self._read)
        super().__init__(library.loaded(ritual_id) for ritual_id in library.ids())

    @property
    def paths(self) -> list[Path]:
        return [BUILTIN_LIBRARY, *self._paths]

    def use(self, prepare: Prepare) -> list[Problem]:
        """Prepare every library from now on with `prepare`, starting with the current one.

        The current one is the files as last read; an edit since then is the next reload's, as
        for any edit. When Slack cannot be asked now, the rituals keep running as loaded and the
        next tick tries again (the files count as changed until it worked).
        """
        with self._lock:
            self._prepare = prepare
            try:
                library, self.warnings = prepare(self._read)
            except SlackError as error:
                log.warning("cannot resolve people named in ritual files yet (%s); trying again", error)
                self._stamp = frozenset()
                return []
            self._rituals = {ritual_id: library.loaded(ritual_id) for ritual_id in library.ids()}
            return self.warnings

    def reload(self, *, force: bool = False) -> Reload:
        """Reload if a file changed (or `force`); an invalid edit keeps the last good rituals."""
        with self._lock:
            stamp = self._fingerprint()
            if stamp == self._stamp and not force:
                return Reload()
            self._stamp = stamp
            try:
                read = self._load()
                library, warnings = self._prepare(read)
            except InvalidRituals as error:
                return Reload(changed=True, problems=list(error.problems), kept_last_good=True)
            except SlackError as error:
                log.warning("cannot resolve people named in ritual files yet (%s); trying again", error)
                self._stamp = frozenset()
                return Reload()
            before = self._rituals
            after = {ritual_id: library.loaded(ritual_id) for ritual_id in library.ids()}
            self._rituals = after  # the one assignment every reader sees
            self._read = read
            self.warnings = warnings
        return Reload(
            changed=True,
            added=sorted(after.keys() - before.keys()),
            removed=sorted(before.keys() - after.keys()),
            updated=sorted(i for i in after.keys() & before.keys() if after[i] != before[i]),
            warnings=warnings,
        )

    def owners_of(self, path: Path) -> list[str]:
        """Owners of the rituals now loaded from `path` (a file with a broken edit)."""
        return sorted(
            {
                owner
                for ritual in self._rituals.values()
                if ritual.path == path
                for owner in ritual.definition.owners
            }
        )

    def _load(self) -> RitualLibrary:
        return load_library(self._paths, contributions=self._contributions, objective_ids=self._objective_ids)

    def _fingerprint(self) -> frozenset[tuple[str, int, int]]:
        """Every ritual file and template with its modification time and size."""
        found: set[tuple[str, int, int]] = set()
        for root in self.paths:
            if root.is_file():
                candidates = [root]
            elif root.is_dir():
                candidates = [*root.iterdir(), *(root / "templates").glob("*")]
            else:
                candidates = []
            for path in candidates:
                if path.suffix in (*CONFIG_SUFFIXES, TEMPLATE_SUFFIX) and path.is_file():
                    info = path.stat()
                    found.add((str(path), info.st_mtime_ns, info.st_size))
        return frozenset(found)
