"""Every objective, key result and metric the bot knows, read from the configuration folders.

The objectives files sit beside the rituals (the built-in library and `RITUALS_PATH`) and are
told apart by their top-level keys (`core.config_files`). Objective, key result and metric ids
are each one namespace across all files, because check-ins and readings are stored under them:
an id used twice is a problem at the line of its second use, naming the first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from core.config_files import ConfigDocument, ConfigKind, InvalidFiles, Loc, Problem, documents_of, format_loc
from core.config_files import validation_problems as pydantic_problems
from insights.config import KeyResult, Metric, Objective, ObjectivesFile

__all__ = ["Catalog", "InvalidObjectives", "load_catalog", "read_catalog"]


class InvalidObjectives(InvalidFiles):
    """Objectives files have problems; the bot must not start with them."""


@dataclass(frozen=True)
class Catalog:
    """Objectives (in file order) and metrics, with lookups by id."""

    objectives: tuple[Objective, ...] = ()
    metrics: tuple[Metric, ...] = ()

    def key_results(self, objectives: Collection[str] | None = None) -> list[tuple[Objective, KeyResult]]:
        """Every key result with its objective, limited to some objectives when given."""
        return [
            (objective, key_result)
            for objective in self.objectives
            if objectives is None or objective.id in objectives
            for key_result in objective.key_results
        ]

    def key_result(self, key_result_id: str) -> tuple[Objective, KeyResult] | None:
        return next(((o, kr) for o, kr in self.key_results() if kr.id == key_result_id), None)

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)

    def metric(self, metric_id: str) -> Metric | None:
        return next((m for m in self.metrics if m.id == metric_id), None)

    @property
    def objective_ids(self) -> frozenset[str]:
        return frozenset(objective.id for objective in self.objectives)


def read_catalog(paths: Sequence[Path]) -> tuple[Catalog, list[Problem]]:
    """The catalog from the objectives files in `paths`, and every problem found in them."""
    documents, problems = documents_of(list(paths), ConfigKind.INSIGHTS)
    parsed: list[tuple[ConfigDocument, ObjectivesFile]] = []
    for document in documents:
        try:
            parsed.append((document, ObjectivesFile.model_validate(document.data)))
        except ValidationError as error:
            problems += pydantic_problems(document.path, document.lines, error, ObjectivesFile)
    problems += _duplicates(parsed)
    catalog = Catalog(
        objectives=tuple(o for _, file in parsed for o in file.objectives),
        metrics=tuple(m for _, file in parsed for m in file.metrics),
    )
    return catalog, sorted(problems)


def load_catalog(paths: Sequence[Path]) -> Catalog:
    """The catalog; `InvalidObjectives` listing every problem when there is any."""
    catalog, problems = read_catalog(paths)
    if problems:
        raise InvalidObjectives(problems)
    return catalog


def _ids(file: ObjectivesFile) -> Iterable[tuple[str, str, Loc]]:
    for i, objective in enumerate(file.objectives):
        yield "objective", objective.id, ("objectives", i, "id")
        for j, key_result in enumerate(objective.key_results):
            yield "key result", key_result.id, ("objectives", i, "key_results", j, "id")
    for i, metric in enumerate(file.metrics):
        yield "metric", metric.id, ("metrics", i, "id")


def _duplicates(parsed: Sequence[tuple[ConfigDocument, ObjectivesFile]]) -> list[Problem]:
    first: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for document, file in parsed:
        for kind, ident, loc in _ids(file):
            line = document.lines.line(loc)
            if (kind, ident) in first:
                message = f"{format_loc(loc)}: {kind} id {ident!r} is already used at {first[(kind, ident)]}"
                problems.append(Problem(document.path, line, message))
            else:
                first[(kind, ident)] = f"{document.path.name}:{line}"
    return problems
