"""Compiled ritual data as tables: CSV to pivot in a spreadsheet, JSON to script against.

The CSV is a tidy table (see :func:`csv_columns`): one row per item of an ``items`` field, the
person's columns repeated on each, so a spreadsheet pivot can count items by horizon or status
per team without unnesting anything. A person with no items (skipped, missing, an empty answer)
still gets one row with blank item columns, so nobody disappears from participation counts.
PM text is untrusted and the file is opened in spreadsheets, so text cells that a spreadsheet
would read as a formula get a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from core.document_text import csv_safe
from rituals.collect.forms.key_result_inputs import entry_text
from rituals.definition.schema import FormField, RitualDefinition
from rituals.export.snapshot import RunExport

#: Joins the values of multi_select and users answers in one cell.
MULTI_SEPARATOR = "; "

# The person's columns, repeated on each of their item rows.
BASE_COLUMNS = (
    "ritual",
    "occurrence",
    "opens_at",
    "run_state",
    "user_id",
    "name",
    "state",
    "skip_reason",
    "version",
)


# --- CSV -----------------------------------------------------------------------------------------


def _number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(value: Any) -> str:
    """One value as CSV text: no Slack escaping (it is a file), dates ISO, lists joined."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return _number(value)  # our own rendering of a number: a leading "-" is a sign, not a formula
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple):
        return csv_safe(MULTI_SEPARATOR.join(_cell(item) for item in value if item is not None))
    return csv_safe(str(value))


def _field_cell(form_field: FormField, value: Any) -> str:
    if form_field.type == "key_results" and isinstance(value, list):
        return _cell([entry_text(entry) for entry in value if isinstance(entry, Mapping)])
    return _cell(value)


def _items_fields(definition: RitualDefinition) -> list[FormField]:
    return [form_field for form_field in definition.form if form_field.type == "items"]


def _scalar_columns(definition: RitualDefinition) -> list[tuple[FormField, str]]:
    # A field id may be one of the fixed column names ("name", "state"); those get a prefix.
    return [
        (form_field, f"answer.{form_field.id}" if form_field.id in BASE_COLUMNS else form_field.id)
        for form_field in definition.form
        if form_field.type != "items"
    ]


def csv_columns(definition: RitualDefinition) -> list[str]:
    """The header: the person's columns, the scalar fields by id, then for forms with ``items``
    fields ``item_field`` (only when there are several), ``item_no`` and ``<field>.<sub-field>``."""
    columns = [*BASE_COLUMNS, *(name for _, name in _scalar_columns(definition))]
    items_fields = _items_fields(definition)
    if len(items_fields) > 1:
        columns.append("item_field")
    if items_fields:
        columns.append("item_no")
        columns += [
            f"{form_field.id}.{sub.id}" for form_field in items_fields for sub in form_field.item or []
        ]
    return columns


def _csv_rows(definition: RitualDefinition, run: RunExport) -> Iterator[dict[str, str]]:
    items_fields = _items_fields(definition)
    for person in run.people:
        row = {
            "ritual": run.ritual_id,
            "occurrence": run.key,
            "opens_at": run.opens_at.isoformat(),
            "run_state": run.state,
            "user_id": person.user,
            "name": csv_safe(person.name),  # display names are typed by people too
            "state": person.state,
            "skip_reason": csv_safe(person.reason),
            "version": "" if person.version is None else str(person.version),
        } | {
            name: _field_cell(form_field, person.answers.get(form_field.id))
            for form_field, name in _scalar_columns(definition)
        }
        emitted = False
        for form_field in items_fields:
            for number, item in enumerate(person.answers.get(form_field.id) or [], start=1):
                emitted = True
                yield (
                    row
                    | {"item_field": form_field.id, "item_no": str(number)}
                    | {f"{form_field.id}.{sub.id}": _cell(item.get(sub.id)) for sub in form_field.item or []}
                )
        if not emitted:
            yield row


def to_csv(definition: RitualDefinition, runs: Sequence[RunExport]) -> str:
    """The tidy table (header only when there are no runs). Plain UTF-8; add a BOM for Excel."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=csv_columns(definition), extrasaction="ignore", restval="")
    writer.writeheader()
    for run in runs:
        writer.writerows(_csv_rows(definition, run))
    return out.getvalue()


# --- JSON ----------------------------------------------------------------------------------------


def _json_default(value: object) -> str:
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"cannot export {type(value).__name__} as JSON")


def run_document(run: RunExport) -> dict[str, Any]:
    """One run as a JSON-ready dict (dates still `date`; :func:`to_json` writes them ISO)."""
    return {
        "ritual": {"id": run.ritual_id, "name": run.ritual_name},
        "occurrence": {"key": run.key, "opens_at": run.opens_at, "closes_at": run.closes_at},
        "state": run.state,
        "counts": run.counts,
        "participants": [
            {"user": p.user, "name": p.name, "state": p.state}
            | ({"delegated_to": p.delegated_to} if p.delegated_to else {})
            for p in run.people
        ],
        "responses": [
            {
                "user": p.user,
                "name": p.name,
                "late": p.state == "late",
                "version": p.version,
                "answers": dict(p.answers),
            }
            for p in run.responses
        ],
        "skipped": [{"user": p.user, "name": p.name, "reason": p.reason} for p in run.with_state("skipped")],
        "missing": [{"user": p.user, "name": p.name} for p in run.with_state("missing")],
    }


def to_json(definition: RitualDefinition, runs: Sequence[RunExport]) -> str:
    """A JSON list of runs, newest first (``[]`` when there are none)."""
    documents = [run_document(run) for run in runs]
    return json.dumps(documents, indent=2, ensure_ascii=False, default=_json_default) + "\n"
