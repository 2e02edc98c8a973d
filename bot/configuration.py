"""The configuration folders, read once: rituals, and the objectives and metrics they show.

Objectives come first: the rituals' templates are checked against the samples of the key
results and metrics they may read, and a `key_results` field may only name objectives that
exist. Every problem in every file is reported together, as `file:line: message`, and the bot
refuses to start on any of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from insights.catalog import Catalog, read_catalog
from insights.services import digest_parts
from rituals.definition.loading import (
    BUILTIN_LIBRARY,
    InvalidRituals,
    Problem,
    RitualLibrary,
    load_library,
    validate_paths,
)


@dataclass(frozen=True)
class Configuration:
    library: RitualLibrary
    objectives: Catalog


def load_configuration(rituals_path: Sequence[Path]) -> Configuration:
    """The built-in library and `RITUALS_PATH`; `InvalidRituals` lists every problem in them,
    objectives files included."""
    catalog, problems = read_catalog([BUILTIN_LIBRARY, *rituals_path])
    parts = digest_parts(catalog)
    library = None
    try:
        library = load_library(
            rituals_path, contributions=parts.contributions, objective_ids=_known(catalog, problems)
        )
    except InvalidRituals as invalid:
        problems = [*problems, *invalid.problems]
    if problems or library is None:
        raise InvalidRituals(_unique(problems))
    return Configuration(library, catalog)


def configuration_problems(paths: Sequence[Path]) -> list[Problem]:
    """What `ritualbot validate` prints for these files and folders, each problem once."""
    catalog, problems = read_catalog(paths)
    parts = digest_parts(catalog)
    problems += validate_paths(paths, parts.contributions, _known(catalog, problems))
    return _unique(problems)


def _known(catalog: Catalog, problems: Sequence[Problem]) -> frozenset[str] | None:
    """The objectives rituals may name; None (no check) while the objectives files have problems
    of their own, which would make every name look unknown."""
    return None if problems else catalog.objective_ids


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    # A file nobody can read is reported by every kind of configuration that looked at it.
    return sorted(set(problems))
