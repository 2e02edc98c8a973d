"""Finding, reading and validating ritual files, and the library of rituals the bot runs.

The bot runs the built-in library (``rituals/library/*.yml``) plus the folders named in
``RITUALS_PATH``; a later folder adds rituals or replaces one with the same ``id``, so a team can
change the built-in roadmap check-in without forking the bot. Within one folder an ``id`` may
appear only once: two files claiming the same ritual is a mistake, not an override.

Every finding is a :class:`Problem` that prints as ``path:line: message`` (what
``ritualbot validate`` shows, one per line). :func:`load_library` raises
:class:`InvalidRituals` when there is any, because the bot refuses to half-run a broken ritual.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jinja2.sandbox import SandboxedEnvironment
from pydantic import ValidationError

from core.config_files import (
    ConfigDocument,
    ConfigKind,
    InvalidFiles,
    Loc,
    Problem,
    config_files,
    format_loc,
    read_document,
    validation_problems,
)
from core.yaml_source import LineMap
from rituals.definition.schema import DEFER_CROSS_CHECKS, Audience, RitualDefinition, cross_check
from rituals.library import BUILTIN_LIBRARY
from rituals.publish.contributions import DigestContribution
from rituals.publish.templating import (
    check_template,
    template_environment,
    template_file_problem,
    template_reads,
    template_search_path,
)

__all__ = [
    "BUILTIN_LIBRARY",
    "InvalidRituals",
    "LoadedRitual",
    "Problem",
    "RitualLibrary",
    "UnknownRitual",
    "load_file",
    "load_library",
    "parse_rituals_path",
    "validate_paths",
]

log = logging.getLogger(__name__)


class InvalidRituals(InvalidFiles):
    """Ritual files have problems; the bot must not start with them."""


class UnknownRitual(LookupError):
    """No ritual has this id."""

    def __init__(self, ritual_id: str, known: Iterable[str]) -> None:
        self.ritual_id = ritual_id
        self.known = sorted(known)
        super().__init__(ritual_id)

    def __str__(self) -> str:
        close = difflib.get_close_matches(self.ritual_id, self.known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown ritual {self.ritual_id!r}{hint}; known rituals: {', '.join(self.known) or 'none'}"


@dataclass(frozen=True)
class LoadedRitual:
    """A valid definition and the file it came from (its templates are looked up beside it)."""

    definition: RitualDefinition
    path: Path
    id_line: int = 1
    # Where each key is in the file, to report a later finding (an unknown email) at its line.
    lines: LineMap | None = field(default=None, compare=False)

    @property
    def templates(self) -> SandboxedEnvironment:
        """The template environment for this ritual's audiences."""
        return template_environment(template_search_path(self.path))

    def reads(self, audience: Audience) -> frozenset[str] | None:
        """The top-level names the audience's template reads (None: it cannot be told)."""
        return template_reads(self.templates, audience.template_name)

    def reads_any(self) -> frozenset[str] | None:
        """The names any of the ritual's templates reads (None: one of them cannot be told)."""
        names: set[str] = set()
        for audience in self.definition.audiences:
            read = self.reads(audience)
            if read is None:
                return None
            names |= read
        return frozenset(names)


class RitualLibrary:
    """The rituals the bot runs, by id. Iterating yields definitions in id order."""

    def __init__(self, rituals: Iterable[LoadedRitual]) -> None:
        self._rituals = {ritual.definition.id: ritual for ritual in rituals}

    def get(self, ritual_id: str) -> RitualDefinition:
        """The definition with this id; :class:`UnknownRitual` (listing the known ids) if none."""
        return self.loaded(ritual_id).definition

    def loaded(self, ritual_id: str) -> LoadedRitual:
        """The definition with its source file and template environment."""
        try:
            return self._rituals[ritual_id]
        except KeyError:
            raise UnknownRitual(ritual_id, self._rituals) from None

    def ids(self) -> list[str]:
        return sorted(self._rituals)

    def warm(self) -> None:
        """Work out what every ritual's templates read, ahead of the first opening: parsing
        them takes a good part of a second, which would otherwise come before the first DM."""
        for ritual in list(self._rituals.values()):
            try:
                ritual.reads_any()
            except Exception:  # a template that does not parse is reported when it is used
                log.debug(
                    "could not read the templates of %s ahead of time", ritual.definition.id, exc_info=True
                )

    def enabled(self) -> list[RitualDefinition]:
        """The definitions the scheduler should run (``enabled: true``)."""
        return [definition for definition in self if definition.enabled]

    def __iter__(self) -> Iterator[RitualDefinition]:
        # One snapshot: a reload that swaps the rituals mid-way does not disturb this loop.
        rituals = self._rituals
        return iter([rituals[ritual_id].definition for ritual_id in sorted(rituals)])

    def __len__(self) -> int:
        return len(self._rituals)

    def __contains__(self, ritual_id: object) -> bool:
        return ritual_id in self._rituals

    def __repr__(self) -> str:
        return f"RitualLibrary({self.ids()})"


def parse_rituals_path(value: str | None) -> list[Path]:
    """Split a ``RITUALS_PATH`` value (folders separated by ``os.pathsep``) into paths."""
    return [Path(part) for part in (value or "").split(os.pathsep) if part.strip()]


def load_library(
    extra_paths: Sequence[Path] = (),
    *,
    check_templates: bool = True,
    contributions: Sequence[DigestContribution] = (),
    objective_ids: Collection[str] | None = None,
) -> RitualLibrary:
    """The built-in library, then each extra folder (or file) in order, later ids replacing earlier.

    Raises :class:`InvalidRituals` listing every problem in every file, templates included.
    With `objective_ids`, a `key_results` field naming an objective not among them is one too.
    """
    rituals: dict[str, LoadedRitual] = {}
    problems: list[Problem] = []
    for group in [BUILTIN_LIBRARY, *extra_paths]:
        loaded, found = _load_group(
            group, check_templates=check_templates, contributions=contributions, objective_ids=objective_ids
        )
        problems += found
        rituals.update((ritual.definition.id, ritual) for ritual in loaded)
    if problems:
        raise InvalidRituals(problems)
    return RitualLibrary(rituals.values())


def validate_paths(
    paths: Sequence[Path],
    contributions: Sequence[DigestContribution] = (),
    objective_ids: Collection[str] | None = None,
) -> list[Problem]:
    """Every problem in the given ritual files and folders (templates included), sorted.

    Each argument is checked on its own: duplicate ids are reported within a folder, not across
    arguments (across folders a later id overrides an earlier one).
    """
    problems: list[Problem] = []
    for path in paths:
        problems += _load_group(
            path, check_templates=True, contributions=contributions, objective_ids=objective_ids
        )[1]
    return sorted(problems)


def load_file(
    path: Path, *, check_templates: bool = True, contributions: Sequence[DigestContribution] = ()
) -> tuple[LoadedRitual | None, list[Problem]]:
    """Read and validate one ritual file; the ritual is None when there is any problem."""
    document, problems = read_document(path)
    if document is None:
        return None, problems
    return load_document(document, check_templates=check_templates, contributions=contributions)


def load_document(
    document: ConfigDocument,
    *,
    check_templates: bool = True,
    contributions: Sequence[DigestContribution] = (),
    objective_ids: Collection[str] | None = None,
) -> tuple[LoadedRitual | None, list[Problem]]:
    """Validate one parsed ritual; the ritual is None when there is any problem."""
    path, lines = document.path, document.lines
    try:
        definition = RitualDefinition.model_validate(document.data, context={DEFER_CROSS_CHECKS: True})
    except ValidationError as exc:
        # Everything else that can be judged from the data goes in the same report, so fixing
        # one problem never uncovers the next.
        problems = validation_problems(path, lines, exc, RitualDefinition)
        problems += _located(path, lines, cross_check(document.data))
        if check_templates:
            problems += _template_file_problems(document)
        return None, sorted(set(problems))
    problems = _located(path, lines, cross_check(definition))
    if check_templates:
        problems += _template_problems(definition, path, lines, contributions)
    if objective_ids is not None:
        problems += _objective_problems(definition, path, lines, objective_ids)
    if problems:
        return None, problems
    return LoadedRitual(definition, path, lines.line(("id",)), lines), []


def _load_group(
    path: Path,
    *,
    check_templates: bool,
    contributions: Sequence[DigestContribution],
    objective_ids: Collection[str] | None = None,
) -> tuple[list[LoadedRitual], list[Problem]]:
    """Load a folder's ritual files (or one file), rejecting an id defined twice in it."""
    files, problems = config_files(path)
    loaded: list[LoadedRitual] = []
    first: dict[str, LoadedRitual] = {}
    for file in files:
        document, found = read_document(file)
        problems += found
        if document is None or document.kind is not ConfigKind.RITUAL:
            continue  # unreadable (reported), or the research registry's or objectives' file
        ritual, found = load_document(
            document,
            check_templates=check_templates,
            contributions=contributions,
            objective_ids=objective_ids,
        )
        problems += found
        if ritual is None:
            continue
        ritual_id = ritual.definition.id
        if ritual_id in first:
            other = first[ritual_id]
            problems.append(
                Problem(
                    file,
                    ritual.id_line,
                    f"id: duplicate ritual id {ritual_id!r} "
                    f"(also defined in {other.path.name}:{other.id_line})",
                )
            )
            continue
        first[ritual_id] = ritual
        loaded.append(ritual)
    return loaded, problems


def _template_problems(
    definition: RitualDefinition, path: Path, lines: LineMap, contributions: Sequence[DigestContribution]
) -> list[Problem]:
    env = template_environment(template_search_path(path))
    problems = []
    for index, audience in enumerate(definition.audiences):
        message = check_template(env, definition, audience, contributions)
        if message is not None:
            loc: Loc = ("audiences", index, "template") if audience.template else ("audiences", index)
            problems.append(Problem(path, lines.line(loc), f"{format_loc(loc)}: {message}"))
    return problems


def _located(path: Path, lines: LineMap, findings: Sequence[tuple[Loc, str]]) -> list[Problem]:
    return [Problem(path, lines.line(loc), f"{format_loc(loc)}: {message}") for loc, message in findings]


def _template_file_problems(document: ConfigDocument) -> list[Problem]:
    """Audiences whose template is missing or does not compile, read from the raw document."""
    env = template_environment(template_search_path(document.path))
    audiences = document.data.get("audiences")
    problems = []
    for index, audience in enumerate(audiences if isinstance(audiences, list) else []):
        if not isinstance(audience, dict) or not isinstance(audience.get("name"), str):
            continue
        given = audience.get("template")
        if given is not None and not isinstance(given, str):
            continue
        message = template_file_problem(env, given or f"{audience['name']}.md.j2", given=given is not None)
        if message is not None:
            loc: Loc = ("audiences", index, "template") if given else ("audiences", index)
            problems.append(Problem(document.path, document.lines.line(loc), f"{format_loc(loc)}: {message}"))
    return problems


def _objective_problems(
    definition: RitualDefinition, path: Path, lines: LineMap, known: Collection[str]
) -> list[Problem]:
    """A key_results field naming an objective that no objectives file defines."""
    problems = []
    for index, form_field in enumerate(definition.form):
        for position, objective in enumerate(form_field.objectives or []):
            if objective in known:
                continue
            close = difflib.get_close_matches(objective, list(known), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            loc: Loc = ("form", index, "objectives", position)
            message = f"{format_loc(loc)}: no objective {objective!r} is defined{hint}"
            problems.append(Problem(path, lines.line(loc), message))
    return problems
