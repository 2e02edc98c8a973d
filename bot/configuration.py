"""The configuration folders, read in one place: the rituals and what the other domains keep
beside them.

The built-in library and every `RITUALS_PATH` folder hold rituals and, told apart by their
top-level keys, the research registry's rules. The other domains are read first: the rituals'
templates are checked against the samples of the parts those domains add to every digest, and
the same parts are what the `Publisher` renders. The running bot, the sandbox, `validate` and
every command load through here, so they all see the same configuration and the same problems.

Every problem in every file is reported together, as `file:line: message`, and nothing starts
while there is any (`InvalidConfiguration`, which the command line prints).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core.config_files import Problem
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
from rituals.publish.contributions import DigestContribution

RITUALS = "rituals"
RESEARCH_RULES = "research rules"


class InvalidConfiguration(Exception):
    """Configuration files have problems; the bot must not start with them."""

    def __init__(self, problems: Sequence[Problem], kinds: Sequence[str]) -> None:
        self.problems = _unique(problems)
        # What was invalid, in words: "rituals", "research rules", ...
        self.kinds = tuple(kinds)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def what(self) -> str:
        return " and ".join(self.kinds) or "configuration"


@dataclass(frozen=True)
class OtherDomains:
    """What the domains other than the rituals read from the same folders."""

    research_rules: ResearchRules = NO_RULES

    @cached_property
    def contributions(self) -> tuple[DigestContribution, ...]:
        """Their parts of every ritual's digest: the templates are checked against these, and
        the Publisher renders these."""
        return (ResearchDigest(self.research_rules),)


def read_other_domains(paths: Sequence[Path]) -> tuple[OtherDomains, dict[str, list[Problem]]]:
    """The other domains' configuration among `paths`, with their problems by kind."""
    rules, rule_problems = read_rules(paths)
    problems = {RESEARCH_RULES: rule_problems} if rule_problems else {}
    return OtherDomains(research_rules=rules), problems


def load_other_domains(rituals_path: Sequence[Path]) -> OtherDomains:
    """The other domains' configuration from the built-in library and `RITUALS_PATH`."""
    domains, problems = read_other_domains([BUILTIN_LIBRARY, *rituals_path])
    if problems:
        raise InvalidConfiguration([p for found in problems.values() for p in found], list(problems))
    return domains


@dataclass(frozen=True)
class Configuration:
    library: RitualLibrary
    domains: OtherDomains = field(default_factory=OtherDomains)

    @property
    def research_rules(self) -> ResearchRules:
        return self.domains.research_rules

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
    library: RitualLibrary | None = None
    try:
        if live:
            library = LiveLibrary(rituals_path, contributions=domains.contributions)
        else:
            library = load_library(rituals_path, contributions=domains.contributions)
    except InvalidRituals as invalid:
        problems = {RITUALS: list(invalid.problems), **problems}
    if problems or library is None:
        raise InvalidConfiguration([p for found in problems.values() for p in found], list(problems))
    return Configuration(library, domains)


def configuration_problems(paths: Sequence[Path]) -> list[Problem]:
    """What `ritualbot validate` prints for these files and folders, each problem once."""
    domains, problems = read_other_domains(paths)
    found = [problem for listed in problems.values() for problem in listed]
    return _unique([*found, *validate_paths(paths, domains.contributions)])


def _unique(problems: Sequence[Problem]) -> list[Problem]:
    # A file nobody can read is reported by every kind of configuration that looked at it.
    return sorted(set(problems))
