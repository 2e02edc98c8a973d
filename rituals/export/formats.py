"""The export formats by name, as `ritualbot export --format` offers them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from rituals.definition.schema import RitualDefinition
from rituals.export.markdown import to_markdown
from rituals.export.snapshot import RunExport
from rituals.export.tables import to_csv, to_json

ExportFormat = Literal["csv", "json", "md"]


FORMATS: dict[str, Callable[[RitualDefinition, Sequence[RunExport]], str]] = {
    "csv": to_csv,
    "json": to_json,
    "md": to_markdown,
}


def render(definition: RitualDefinition, runs: Sequence[RunExport], output_format: ExportFormat) -> str:
    return FORMATS[output_format](definition, runs)
