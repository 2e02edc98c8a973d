"""Compiled ritual data for leaders, as files: CSV to pivot, JSON to script against, Markdown to read.

The data is what the digests are compiled from (`rituals.publish.digest.load_run_data`: each person's
latest answer version, hydrated), read for every open or closed run of a ritual, newest first.
Every run becomes a :class:`RunExport`, a plain snapshot taken inside the session, and the
formatters are pure functions of those snapshots.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.document_text import csv_safe
from core.errors import UserFacingError
from rituals.collect.forms.key_result_inputs import entry_text
from rituals.definition.schema import FormField, RitualDefinition
from rituals.export.markdown import to_markdown
from rituals.publish.digest import Response, RunData, load_run_data
from storage.models import Participant, ParticipantState, Run, RunState

__all__ = [
    "EXPORTABLE_STATES",
    "EXPORT_CSV_ACTION",
    "FORMATS",
    "ExportFormat",
    "PersonRecord",
    "RunExport",
    "RunSelection",
    "csv_columns",
    "csv_safe",
    "export_button",
    "export_run",
    "load_exports",
    "parse_export_value",
    "render",
    "select_runs",
    "to_csv",
    "to_json",
]

ExportFormat = Literal["csv", "json", "md"]
PersonState = Literal["answered", "late", "skipped", "delegated", "missing"]

#: Runs that have participants and answers; pending, missed, skipped and superseded ones have none.
EXPORTABLE_STATES = (RunState.OPEN, RunState.CLOSED)

#: The "Export CSV" button's action id; its value is ``ritual_id`` or ``ritual_id|run_id``.
EXPORT_CSV_ACTION = "export_csv"

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


# --- which runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSelection:
    """Which runs to export: one occurrence key, one run id, and/or those opening on or after a date
    (in the ritual's zone). Nothing set means every open or closed run."""

    key: str | None = None
    run_id: int | None = None
    since: date | None = None


def select_runs(session: Session, definition: RitualDefinition, selection: RunSelection) -> list[Run]:
    """Open and closed runs of the ritual matching `selection`, newest first.

    Asking for one run (by key or id) that does not exist, or that never opened, is an error with
    a message for the person; an empty selection otherwise is just an empty list.
    """
    query = select(Run).where(Run.ritual_id == definition.id)
    if selection.key is not None:
        query = query.where(Run.occurrence_key == selection.key)
    if selection.run_id is not None:
        query = query.where(Run.id == selection.run_id)
    if selection.since is not None:
        # "Since 1 March" means from midnight of 1 March where the ritual runs, not in UTC.
        query = query.where(Run.scheduled_for >= datetime.combine(selection.since, time(), definition.zone))
    runs = list(session.scalars(query.order_by(Run.scheduled_for.desc(), Run.id.desc())))
    wanted_one = selection.key is not None or selection.run_id is not None
    exportable = [run for run in runs if run.state in EXPORTABLE_STATES]
    if wanted_one and not exportable:
        what = f"occurrence {selection.key}" if selection.key is not None else f"run {selection.run_id}"
        if runs:
            raise UserFacingError(
                f"{definition.name} {what} is {runs[0].state.value}: it has no answers to export."
            )
        raise UserFacingError(f"{definition.name} has no {what}.")
    return exportable


# --- the snapshot --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRecord:
    """One participant of one run, whatever they did."""

    user: str
    name: str
    state: PersonState
    reason: str = ""
    version: int | None = None
    delegated_to: str | None = None
    # Hydrated answers (dates as `date`), every form field present; empty when no answer.
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunExport:
    ritual_id: str
    ritual_name: str
    key: str
    state: str
    opens_at: datetime
    closes_at: datetime | None
    people: tuple[PersonRecord, ...]

    def with_state(self, state: PersonState) -> list[PersonRecord]:
        return [person for person in self.people if person.state == state]

    @property
    def responses(self) -> list[PersonRecord]:
        """Everyone who answered, late or not."""
        return [person for person in self.people if person.state in ("answered", "late")]

    @property
    def counts(self) -> dict[str, int]:
        """As in the digests' context: `answered` includes the `late` ones."""
        return {
            "participants": len(self.people),
            "answered": len(self.responses),
            **{state: len(self.with_state(state)) for state in ("late", "skipped", "delegated", "missing")},
        }


def _responded(response: Response) -> PersonRecord:
    state: PersonState = "late" if response.late else "answered"
    return PersonRecord(
        response.user, response.name, state, version=response.version, answers=response.answers
    )


def export_run(definition: RitualDefinition, data: RunData, participants: Sequence[Participant]) -> RunExport:
    """A run's compiled data and its participant rows as one snapshot, people in name order."""
    responses = {response.user: response for response in data.responses}
    skipped = {entry["user"]: entry["reason"] for entry in data.skipped}
    people: list[PersonRecord] = []
    for participant in participants:
        user, name = participant.user_id, participant.display_name
        response = responses.pop(user, None)
        if response is not None:
            people.append(_responded(response))
        elif user in skipped:
            people.append(PersonRecord(user, name, "skipped", reason=skipped[user]))
        elif participant.state is ParticipantState.DELEGATED:
            people.append(PersonRecord(user, name, "delegated", delegated_to=participant.delegated_to))
        else:
            # Pending, or marked answered without an answer row: either way nothing to show.
            people.append(PersonRecord(user, name, "missing"))
    # An answer from someone who is not (or no longer) a participant row still counts.
    people += [_responded(response) for response in responses.values()]
    people.sort(key=lambda person: (person.name.casefold(), person.user))
    run, zone = data.run, definition.zone
    return RunExport(
        ritual_id=definition.id,
        ritual_name=definition.name,
        key=run.occurrence_key,
        state=run.state.value,
        opens_at=run.scheduled_for.astimezone(zone),
        closes_at=run.closes_at.astimezone(zone) if run.closes_at else None,
        people=tuple(people),
    )


def load_exports(
    session: Session, definition: RitualDefinition, selection: RunSelection | None = None
) -> list[RunExport]:
    """Snapshots of the selected runs, newest first, read in `session` (which may be read-only)."""
    exports = []
    for run in select_runs(session, definition, selection or RunSelection()):
        participants = session.scalars(
            select(Participant).where(Participant.run_id == run.id).order_by(Participant.id)
        ).all()
        exports.append(export_run(definition, load_run_data(session, definition, run), participants))
    return exports


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


# --- all formats ---------------------------------------------------------------------------------


FORMATS: dict[str, Callable[[RitualDefinition, Sequence[RunExport]], str]] = {
    "csv": to_csv,
    "json": to_json,
    "md": to_markdown,
}


def render(definition: RitualDefinition, runs: Sequence[RunExport], output_format: ExportFormat) -> str:
    return FORMATS[output_format](definition, runs)


# --- the button ----------------------------------------------------------------------------------


def export_button(ritual_id: str, run_id: int | None = None) -> dict[str, Any]:
    """An actions block with an "Export CSV" button, for the Home tab and digest posts.

    Without `run_id` the file holds every run of the ritual; with it, that run only.
    """
    value = ritual_id if run_id is None else f"{ritual_id}|{run_id}"
    return {
        "type": "actions",
        # Unique per ritual and run, so a Home tab may carry one button per ritual.
        "block_id": f"{EXPORT_CSV_ACTION}:{value}",
        "elements": [
            {
                "type": "button",
                "action_id": EXPORT_CSV_ACTION,
                "text": {"type": "plain_text", "text": "Export CSV"},
                "value": value,
            }
        ],
    }


def parse_export_value(value: str) -> tuple[str, int | None]:
    """``ritual_id`` or ``ritual_id|run_id`` from the button, back into its parts."""
    ritual_id, _, run_part = value.partition("|")
    if not ritual_id or (run_part and not run_part.isdigit()):
        raise UserFacingError("That export button is broken; ask the ritual's owner for a new one.")
    return ritual_id, int(run_part) if run_part else None
