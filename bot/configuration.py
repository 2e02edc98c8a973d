"""The configuration folders, read in one place: the rituals and what the other domains keep
beside them.

The built-in library and every `RITUALS_PATH` folder hold rituals and, told apart by their
top-level keys, the research registry's rules and the objectives and metrics. The other domains
are read first: the rituals' templates are checked against the samples of the parts those
domains add to every digest (the same parts the `Publisher` renders), and a `key_results` field
may only name objectives that exist. The running bot, the sandbox, `validate` and every command
load through here, so they all see the same configuration and the same problems.

Every problem in every file is reported together, as `file:line: message`, and nothing starts
while there is any (`InvalidConfiguration`, which the command line prints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core.config_files import InvalidFiles, Problem
from insights.catalog import Catalog, read_catalog
from insights.services import DigestParts, digest_parts
from research.config import NO_RULES, ResearchRules, read_rules
from research.digest import ResearchDigest
from rituals.definition.live import LiveLibrary
from rituals.definition.loading import (
    BUILTIN_LIBRARY,
    InvalidRituals,
    RitualLibrary,
    load_library,
    validate_paths,
)
from rituals.publish.contributions import DigestContribution, DigestFiles

RITUALS = "rituals"
RESEARCH_RULES = "research rules"
OBJECTIVES = "objectives"


class InvalidConfiguration(InvalidFiles):
    """Configuration files of any kind have problems; the bot must not start with them."""

    def __init__(self, problems: Sequence[Problem], kinds: Sequence[str]) -> None:
        super().__init__(_unique(problems))
        # What was invalid, in words: "rituals", "research rules", "objectives".
        self.kinds = tuple(kinds)

    @property
    def what(self) -> str:
        return " and ".join(self.kinds) or "configuration"


@dataclass(frozen=True)
class OtherDomains:
    """What the domains other than the rituals read from the same folders."""

    research_rules: ResearchRules = NO_RULES
    objectives: Catalog = field(default_factory=Catalog)

    @cached_property
    def _insights(self) -> DigestParts:
        return digest_parts(self.objectives)

    @cached_property
    def contributions(self) -> tuple[DigestContribution, ...]:
        """Their parts of every ritual's digest: the templates are checked against these, and
        the Publisher renders these."""
        return (ResearchDigest(self.research_rules), *self._insights.contributions)

    @property
    def files(self) -> tuple[DigestFiles, ...]:
        """Files that go under the posts showing those parts (the key results' charts)."""
        return self._insights.files


def read_other_domains(paths: Sequence[Path]) -> tuple[OtherDomains, dict[str, list[Problem]]]:
    """The other domains' configuration among `paths`, with their problems by kind."""
    rules, rule_problems = read_rules(paths)
    catalog, catalog_problems = read_catalog(paths)
    problems = {RESEARCH_RULES: rule_problems, OBJECTIVES: catalog_problems}
    return OtherDomains(rules, catalog), {kind: found for kind, found in problems.items() if found}


def load_other_domains(rituals_path: Sequence[Path]) -> OtherDomains:
    """The other domains' configuration from the built-in library and `RITUALS_PATH`."""
    domains, problems = read_other_domains([BUILTIN_LIBRARY, *rituals_path])
    if problems:
        raise InvalidConfiguration(_all(problems), list(problems))
    return domains


@dataclass(frozen=True)
class Configuration:
    library: RitualLibrary
    domains: OtherDomains = field(default_factory=OtherDomains)

    @property
    def research_rules(self) -> ResearchRules:
        return self.domains.research_rules

    @property
    def objectives(self) -> Catalog:
        return self.domains.objectives

    @property
    def live_library(self) -> LiveLibrary:
        """The rituals as a library that follows its files (loaded with `live=True`)."""
        if not isinstance(self.library, LiveLibrary):
            raise TypeError("this configuration was loaded once, not live")
        return self.library


def load_configuration(rituals_path: Sequence[Path], *, live: bool = False) -> Configuration:
    """The built-in library and `RITUALS_PATH`: rituals (a `LiveLibrary` that follows its files
    when `live`) and the other domains' files; `InvalidConfiguration` lists every problem."""
    domains, problems = read_other_domains([BUILTIN_LIBRARY, *rituals_path])
    objective_ids = _known(domains, problems)
    library: RitualLibrary | None = None
    try:
        if live:
            library = LiveLibrary(
                rituals_path, contributions=domains.contributions, objective_ids=objective_ids
            )
        else:
            library = load_library(
                rituals_path, contributions=domains.contributions, objective_ids=objective_ids
            )
    except InvalidRituals as invalid:
        problems = {RITUALS: list(invalid.problems), **problems}
    if problems or library is None:
        raise InvalidConfiguration(_all(problems), list(problems))
    return Configuration(library, domains)


def configuration_problems(paths: Sequence[Path]) -> list[Problem]:
    """What `ritualbot validate` prints for these files and folders, each problem once."""
    domains, problems = read_other_domains(paths)
    rituals = validate_paths(paths, domains.contributions, _known(domains, problems))
    return _unique([*_all(problems), *rituals])


def _known(domains: OtherDomains, problems: dict[str, list[Problem]]) -> frozenset[str] | None:
    """The objectives rituals may name; None (no check) while the objectives files have problems
    of their own, which would make every name look unknown."""
    return None if OBJECTIVES in problems else domains.objectives.objective_ids


def _all(problems: dict[str, list[Problem]]) -> list[Problem]:
    return [problem for found in problems.values() for problem in found]


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    # A file nobody can read is reported by every kind of configuration that looked at it.
    return sorted(set(problems))
