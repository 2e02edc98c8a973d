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
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ValidationError

from core.yaml_source import LineMap, YamlError, load_yaml
from rituals.definition.schema import DEFER_CROSS_CHECKS, Loc, RitualDefinition, cross_check, format_loc
from rituals.library import BUILTIN_LIBRARY
from rituals.publish.templating import check_template, template_environment, template_search_path

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

#: The built-in rituals shipped with the bot.
RITUAL_SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in a ritual file; ``str()`` gives ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class InvalidRituals(Exception):
    """Ritual files have problems; the bot must not start with them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


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

    @property
    def templates(self) -> SandboxedEnvironment:
        """The template environment for this ritual's audiences."""
        return template_environment(template_search_path(self.path))


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

    def enabled(self) -> list[RitualDefinition]:
        """The definitions the scheduler should run (``enabled: true``)."""
        return [definition for definition in self if definition.enabled]

    def __iter__(self) -> Iterator[RitualDefinition]:
        return (self._rituals[ritual_id].definition for ritual_id in self.ids())

    def __len__(self) -> int:
        return len(self._rituals)

    def __contains__(self, ritual_id: object) -> bool:
        return ritual_id in self._rituals

    def __repr__(self) -> str:
        return f"RitualLibrary({self.ids()})"


def parse_rituals_path(value: str | None) -> list[Path]:
    """Split a ``RITUALS_PATH`` value (folders separated by ``os.pathsep``) into paths."""
    return [Path(part) for part in (value or "").split(os.pathsep) if part.strip()]


def load_library(extra_paths: Sequence[Path] = (), *, check_templates: bool = True) -> RitualLibrary:
    """The built-in library, then each extra folder (or file) in order, later ids replacing earlier.

    Raises :class:`InvalidRituals` listing every problem in every file, templates included.
    """
    rituals: dict[str, LoadedRitual] = {}
    problems: list[Problem] = []
    for group in [BUILTIN_LIBRARY, *extra_paths]:
        loaded, found = _load_group(group, check_templates=check_templates)
        problems += found
        rituals.update((ritual.definition.id, ritual) for ritual in loaded)
    if problems:
        raise InvalidRituals(problems)
    return RitualLibrary(rituals.values())


def validate_paths(paths: Sequence[Path]) -> list[Problem]:
    """Every problem in the given ritual files and folders (templates included), sorted.

    Each argument is checked on its own: duplicate ids are reported within a folder, not across
    arguments (across folders a later id overrides an earlier one).
    """
    problems: list[Problem] = []
    for path in paths:
        problems += _load_group(path, check_templates=True)[1]
    return sorted(problems)


def load_file(path: Path, *, check_templates: bool = True) -> tuple[LoadedRitual | None, list[Problem]]:
    """Read and validate one ritual file; the ritual is None when there is any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, f"not UTF-8 text: {exc.reason}")]
    except OSError as exc:
        return None, [Problem(path, 1, f"cannot read: {exc.strerror or exc}")]
    try:
        data, lines = load_yaml(text)
    except YamlError as exc:
        return None, [Problem(path, exc.line, exc.message)]
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        return None, [Problem(path, lines.line(()), f"expected a ritual (a mapping of keys), found {found}")]
    try:
        definition = RitualDefinition.model_validate(data, context={DEFER_CROSS_CHECKS: True})
    except ValidationError as exc:
        return None, [Problem(path, lines.line(error["loc"]), _message(error)) for error in exc.errors()]
    problems = [
        Problem(path, lines.line(loc), f"{format_loc(loc)}: {message}")
        for loc, message in cross_check(definition)
    ]
    if check_templates:
        problems += _template_problems(definition, path, lines)
    if problems:
        return None, problems
    return LoadedRitual(definition, path, lines.line(("id",))), []


def _load_group(path: Path, *, check_templates: bool) -> tuple[list[LoadedRitual], list[Problem]]:
    """Load a folder's ritual files (or one file), rejecting an id defined twice in it."""
    if path.is_dir():
        files = sorted(
            child
            for child in path.iterdir()
            if child.suffix in RITUAL_SUFFIXES and child.is_file() and not child.name.startswith(".")
        )
    elif path.is_file():
        files = [path]
    else:
        return [], [Problem(path, 1, "no such ritual file or folder")]
    loaded: list[LoadedRitual] = []
    problems: list[Problem] = []
    first: dict[str, LoadedRitual] = {}
    for file in files:
        ritual, found = load_file(file, check_templates=check_templates)
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


def _template_problems(definition: RitualDefinition, path: Path, lines: LineMap) -> list[Problem]:
    env = template_environment(template_search_path(path))
    problems = []
    for index, audience in enumerate(definition.audiences):
        message = check_template(env, definition, audience)
        if message is not None:
            loc: Loc = ("audiences", index, "template") if audience.template else ("audiences", index)
            problems.append(Problem(path, lines.line(loc), f"{format_loc(loc)}: {message}"))
    return problems


def _message(error: Any) -> str:
    """A pydantic error in the words of the YAML author, prefixed by the key path."""
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        allowed = _allowed_keys(parent)
        close = difflib.get_close_matches(str(key), allowed, n=1)
        if close:
            hint = f"; did you mean {close[0]!r}?"
        else:
            hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        where = f"{format_loc(parent)}: " if parent else ""
        return f"{where}unknown key {key!r}{hint}"
    if kind == "missing":
        parent, key = loc[:-1], loc[-1]
        where = f"{format_loc(parent)}: " if parent else ""
        return f"{where}missing required key {key!r}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return f"{format_loc(loc)}: {message}" if loc else message


def _allowed_keys(loc: Loc) -> list[str]:
    """The keys the model at ``loc`` accepts (for "did you mean"), or [] if not a model."""
    model: Any = RitualDefinition
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return []
        model = _model_in(model.model_fields[part].annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    """The BaseModel inside ``list[X]``, ``X | None`` or ``Annotated[X, ...]``, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return _model_in(origin)
    return None
