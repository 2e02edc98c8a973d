"""The configuration folders: which YAML file holds what, and how its problems are reported.

The built-in library and every `RITUALS_PATH` folder hold YAML files of three kinds, told apart
by their top-level keys: a ritual (`id`, `schedule`, `form`, ...), the research registry's
rules (`research:`), and objectives and metrics (`objectives:` and/or `metrics:`). Each domain
loads only its own kind, and every finding, whatever the domain, is a `Problem` that prints as
`path:line: message`, the line `ritualbot validate` shows.
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.yaml_source import LineMap, YamlError, load_yaml

CONFIG_SUFFIXES = (".yml", ".yaml")

#: A key path into a YAML document, as pydantic reports it: ("form", 2, "options").
Loc = tuple[int | str, ...]


class ConfigKind(enum.StrEnum):
    RITUAL = "ritual"
    RESEARCH = "research"
    INSIGHTS = "insights"


RESEARCH_KEYS = frozenset({"research"})
INSIGHTS_KEYS = frozenset({"objectives", "metrics"})


@dataclass(frozen=True, order=True)
class Problem:
    """One finding in a configuration file; `str()` gives `path:line: message`."""

    path: Path
    # 0 when the finding is about the path itself (a folder that does not exist): no line.
    line: int
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class InvalidFiles(Exception):
    """Configuration files have problems; the bot must not start with them. Each domain's loader
    raises its own kind (rituals, research rules, objectives), every problem listed, sorted."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ConfigDocument:
    """One parsed YAML file: its values, where each key came from, and what kind it is."""

    path: Path
    data: dict[str, Any]
    lines: LineMap
    kind: ConfigKind


def kind_of(data: Mapping[str, Any]) -> ConfigKind:
    """What a document is, from its top-level keys (a ritual unless it says otherwise)."""
    keys = set(data)
    if keys & RESEARCH_KEYS:
        return ConfigKind.RESEARCH
    if keys & INSIGHTS_KEYS:
        return ConfigKind.INSIGHTS
    return ConfigKind.RITUAL


def config_files(path: Path) -> tuple[list[Path], list[Problem]]:
    """The YAML files of a folder (not hidden, in name order), or the file itself."""
    if path.is_dir():
        files = sorted(
            child
            for child in path.iterdir()
            if child.suffix in CONFIG_SUFFIXES and child.is_file() and not child.name.startswith(".")
        )
        return files, []
    if path.is_file():
        return [path], []
    missing = "no such file" if path.suffix in CONFIG_SUFFIXES else "no such folder"
    return [], [Problem(path, 0, missing)]


def read_document(path: Path) -> tuple[ConfigDocument | None, list[Problem]]:
    """Read and parse one file; None with the problems when it is not a YAML mapping."""
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
        return None, [
            Problem(
                path,
                lines.line(()),
                f"expected a ritual, research rules or objectives (a mapping of keys), found {found}",
            )
        ]
    return ConfigDocument(path, data, lines, kind_of(data)), []


def documents_of(paths: list[Path], kind: ConfigKind) -> tuple[list[ConfigDocument], list[Problem]]:
    """The documents of one kind in the given folders and files, with every reading problem.

    A file that cannot be read or parsed is reported under every kind, since nobody can tell
    which it meant to be; `validate` removes the repeats.
    """
    documents: list[ConfigDocument] = []
    problems: list[Problem] = []
    for path in paths:
        files, found = config_files(path)
        problems += found
        for file in files:
            document, found = read_document(file)
            problems += found
            if document is not None and document.kind is kind:
                documents.append(document)
    return documents, problems


def format_loc(loc: Loc) -> str:
    """A key path as the YAML author wrote it: `form[2].options`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def validation_problems(
    path: Path, lines: LineMap, error: ValidationError, root: type[BaseModel], prefix: Loc = ()
) -> list[Problem]:
    """pydantic's errors in the words of the YAML author, each at the line of its key.

    `prefix` is where `root` sits in the document (`("research",)` for a nested section).
    """
    return [
        Problem(path, lines.line(prefix + tuple(item["loc"])), _message(item, root, prefix))
        for item in error.errors()
    ]


def _message(error: Any, root: type[BaseModel], prefix: Loc) -> str:
    loc: Loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        parent, key = loc[:-1], loc[-1]
        allowed = _allowed_keys(root, parent)
        close = difflib.get_close_matches(str(key), allowed, n=1)
        if close:
            hint = f"; did you mean {close[0]!r}?"
        else:
            hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        where = f"{format_loc(prefix + parent)}: " if prefix + parent else ""
        return f"{where}unknown key {key!r}{hint}"
    if kind == "missing":
        parent, key = loc[:-1], loc[-1]
        where = f"{format_loc(prefix + parent)}: " if prefix + parent else ""
        return f"{where}missing required key {key!r}"
    message = str(error["msg"])
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(noise)
    full = prefix + loc
    return f"{format_loc(full)}: {message}" if full else message


def _allowed_keys(root: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the model at `loc` accepts (for "did you mean"), or [] if not a model."""
    model: Any = root
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
    """The BaseModel inside `list[X]`, `X | None` or `Annotated[X, ...]`, if any."""
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
