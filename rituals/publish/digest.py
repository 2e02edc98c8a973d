"""Compile a run's answers into the one context every audience's template renders.

The context (see `rituals/templating.py` for the filters that read it):

    ritual:        {id, name, title, description}
    occurrence:    {key, opens_at, closes_at}             aware datetimes in the ritual's zone
    audience:      {name, only}
    fields:        the fields this audience may see
    responses:     [{user, name, late, version, answers}]  latest version per person, in name order
    skipped:       [{user, name, reason}]
    missing:       [user ids that neither answered nor skipped]
    away:          [user ids away for the run (time off): not chased, not missing]
    counts:        {participants, answered, skipped, missing, away, late}
    items:         {field id: {"by_horizon": {horizon: [row]}, "by_status": {status: [row]}}}
    changes:       {field id: {new, moved, slipped, shipped, dropped: [row]}}  against the previous run
    attention:     {field id: [row]}   items whose status is at risk, blocked, off track, slipped, delayed
    tallies:       {select field id: [(option, count)]}   how many chose each option, in form order
    decisions:     [{by, name, field, value}]   answers to fields with the id asks, decisions,
                   decisions_needed or help_needed
    full_answers:  whether the whole compiled answers follow in the post's thread (a canvas or file)

    row:           {item: {sub-field id: value}, by: user id, name, was: the earlier value or None}

`answers` are filtered per audience by `RitualDefinition.answers_for` (sales sees only
shareable fields and ticked items), and JSON-stored values are turned back into their types
(dates become `date`), so templates never see the storage format.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rituals.definition.schema import Audience, FormField, RitualDefinition
from storage.models import Answer, Participant, ParticipantState, Run
from storage.queries import previous_closed_run

HORIZON_SUBFIELD = "horizon"
#: The items sub-field holding an internal status (templates show it only when asked).
STATUS_SUBFIELD = "status"
DONE_STATUSES = frozenset({"shipped", "done", "launched", "complete", "completed"})
# Statuses that make an item (or a person's overall status) something leaders should look at.
RISK_STATUSES = frozenset({"at risk", "blocked", "off track", "slipped", "delayed"})
# Fields whose answers are decisions or help a PM asks leaders for.
DECISION_FIELDS = frozenset({"asks", "decisions", "decisions_needed", "help_needed"})


@dataclass(frozen=True)
class Response:
    user: str
    name: str
    late: bool
    version: int
    answers: dict[str, Any]


@dataclass(frozen=True)
class RunData:
    """Everything about one run a digest needs, read in one go."""

    run: Run
    responses: list[Response]
    skipped: list[dict[str, str]]
    missing: list[str]
    participants: int
    previous: list[Response] = field(default_factory=list)
    # Away for the run (time off): not chased, and not counted as missing.
    away: list[str] = field(default_factory=list)


def latest_answers(session: Session, run_id: int) -> dict[str, Answer]:
    """Each participant's newest answer version in the run."""
    newest = (
        select(Answer.user_id, func.max(Answer.version).label("version"))
        .where(Answer.run_id == run_id)
        .group_by(Answer.user_id)
        .subquery()
    )
    rows = session.scalars(
        select(Answer)
        .join(
            newest,
            (Answer.user_id == newest.c.user_id) & (Answer.version == newest.c.version),
        )
        .where(Answer.run_id == run_id)
    )
    return {answer.user_id: answer for answer in rows}


def _responses(
    definition: RitualDefinition, answers: Mapping[str, Answer], names: Mapping[str, str]
) -> list[Response]:
    ordered = sorted(answers.values(), key=lambda a: (names.get(a.user_id, a.user_id).lower(), a.user_id))
    return [
        Response(
            user=answer.user_id,
            name=names.get(answer.user_id, answer.user_id),
            late=answer.late,
            version=answer.version,
            answers=hydrate(definition, answer.values),
        )
        for answer in ordered
    ]


def load_run_data(session: Session, definition: RitualDefinition, run: Run) -> RunData:
    participants = list(session.scalars(select(Participant).where(Participant.run_id == run.id)))
    names = {p.user_id: p.display_name for p in participants}
    answers = latest_answers(session, run.id)
    skipped = [
        {"user": p.user_id, "name": p.display_name, "reason": p.skip_reason or ""}
        for p in sorted(participants, key=lambda p: p.display_name.lower())
        if p.state is ParticipantState.SKIPPED and p.user_id not in answers
    ]
    missing = [
        p.user_id
        for p in sorted(participants, key=lambda p: p.display_name.lower())
        if p.user_id not in answers and p.state in (ParticipantState.PENDING,)
    ]
    away = [
        p.user_id
        for p in sorted(participants, key=lambda p: p.display_name.lower())
        if p.user_id not in answers and p.state is ParticipantState.AWAY
    ]
    previous_run = previous_closed_run(session, run)
    previous = _responses(definition, latest_answers(session, previous_run.id), names) if previous_run else []
    return RunData(
        run=run,
        responses=_responses(definition, answers, names),
        skipped=skipped,
        missing=missing,
        participants=len(participants),
        previous=previous,
        away=away,
    )


def hydrate(definition: RitualDefinition, values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON values back into their types (dates as `date`)."""
    return {form_field.id: _typed(form_field, values.get(form_field.id)) for form_field in definition.form}


def _typed(form_field: FormField, value: Any) -> Any:
    if value is None:
        return None
    if form_field.type == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if form_field.type == "items" and isinstance(value, list):
        subs = form_field.item or []
        return [
            {sub.id: _typed(sub, item.get(sub.id)) for sub in subs}
            for item in value
            if isinstance(item, Mapping)
        ]
    return value


# --- what changed since the previous run ---------------------------------------------------------


def _title_of(form_field: FormField) -> str | None:
    for sub in form_field.item or []:
        if sub.type == "text":
            return sub.id
    return None


def _date_of(form_field: FormField) -> str | None:
    for sub in form_field.item or []:
        if sub.type == "date":
            return sub.id
    return None


def _row(item: Mapping[str, Any], response: Response, was: Any = None) -> dict[str, Any]:
    return {"item": dict(item), "by": response.user, "name": response.name, "was": was}


def _keyed_items(
    responses: Iterable[Response], form_field: FormField
) -> dict[tuple[str, str], tuple[Mapping[str, Any], Response]]:
    title = _title_of(form_field)
    keyed: dict[tuple[str, str], tuple[Mapping[str, Any], Response]] = {}
    if title is None:
        return keyed
    for response in responses:
        for item in response.answers.get(form_field.id) or []:
            name = str(item.get(title) or "").strip()
            if name:
                keyed[(response.user, name.casefold())] = (item, response)
    return keyed


def _is_done(item: Mapping[str, Any]) -> bool:
    return str(item.get(STATUS_SUBFIELD) or "").casefold() in DONE_STATUSES


def item_changes(
    form_field: FormField, current: Sequence[Response], previous: Sequence[Response]
) -> dict[str, Any]:
    """New, moved (horizon), slipped (later date), shipped and dropped items, matched by
    person and title (case-insensitive)."""
    now_items, before_items = _keyed_items(current, form_field), _keyed_items(previous, form_field)
    date_id = _date_of(form_field)
    changes: dict[str, list[dict[str, Any]]] = {
        "new": [],
        "moved": [],
        "slipped": [],
        "shipped": [],
        "dropped": [],
    }
    if not previous:
        return changes  # the first run: everything would be "new", which says nothing
    for key, (item, response) in now_items.items():
        if key not in before_items:
            changes["new"].append(_row(item, response))
            continue
        before = before_items[key][0]
        if _is_done(item) and not _is_done(before):
            changes["shipped"].append(_row(item, response))
        if item.get(HORIZON_SUBFIELD) != before.get(HORIZON_SUBFIELD) and before.get(HORIZON_SUBFIELD):
            changes["moved"].append(_row(item, response, before.get(HORIZON_SUBFIELD)))
        was, now = (before.get(date_id), item.get(date_id)) if date_id else (None, None)
        if isinstance(was, date) and isinstance(now, date) and now > was:
            changes["slipped"].append(_row(item, response, was))
    for key, (before, response) in before_items.items():
        if key not in now_items and not _is_done(before):
            changes["dropped"].append(_row(before, response))
    return changes


def _has_sub(form_field: FormField, sub_id: str) -> bool:
    return any(sub.id == sub_id for sub in form_field.item or [])


def _grouped_items(
    form_field: FormField, responses: Sequence[Response]
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Items by horizon and by status; empty for a form without that sub-field (no "Unsorted")."""
    by_horizon: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_status: dict[str, list[dict[str, Any]]] = defaultdict(list)
    horizons, statuses = _has_sub(form_field, HORIZON_SUBFIELD), _has_sub(form_field, STATUS_SUBFIELD)
    for response in responses:
        for item in response.answers.get(form_field.id) or []:
            row = _row(item, response)
            if horizons:
                by_horizon[str(item.get(HORIZON_SUBFIELD) or "Unsorted")].append(row)
            if statuses:
                by_status[str(item.get(STATUS_SUBFIELD) or "Unknown")].append(row)
    return {
        "by_horizon": _ordered(form_field, HORIZON_SUBFIELD, by_horizon),
        "by_status": _ordered(form_field, STATUS_SUBFIELD, by_status),
    }


def is_at_risk(value: object) -> bool:
    return str(value or "").casefold() in RISK_STATUSES


def _needs_attention(form_field: FormField, responses: Sequence[Response]) -> list[dict[str, Any]]:
    """Items whose status says they are in trouble (at risk, blocked, ...), in answer order."""
    return [
        _row(item, response)
        for response in responses
        for item in response.answers.get(form_field.id) or []
        if is_at_risk(item.get(STATUS_SUBFIELD))
    ]


def _tally(form_field: FormField, responses: Sequence[Response]) -> list[tuple[str, int]]:
    """How many chose each option of a select field, in the form's order (chosen ones only)."""
    counts: dict[str, int] = defaultdict(int)
    for response in responses:
        value = response.answers.get(form_field.id)
        if value not in (None, ""):
            counts[str(value)] += 1
    order = {option: index for index, option in enumerate(form_field.options or [])}
    return sorted(counts.items(), key=lambda pair: (order.get(pair[0], len(order)), pair[0]))


def _decisions(fields: Sequence[FormField], responses: Sequence[Response]) -> list[dict[str, Any]]:
    """Answers to the fields that ask for decisions or help (by their id), person by person."""
    asked = [f for f in fields if f.id in DECISION_FIELDS and f.type in ("text", "long_text")]
    return [
        {"by": response.user, "name": response.name, "field": f.label, "value": response.answers[f.id]}
        for response in responses
        for f in asked
        if response.answers.get(f.id) not in (None, "")
    ]


def _ordered(
    form_field: FormField, sub_id: str, groups: dict[str, list[dict[str, Any]]]
) -> dict[str, list[dict[str, Any]]]:
    """Groups in the order the form lists the options (Now, Next, Later), others after."""
    options = next((sub.options or [] for sub in form_field.item or [] if sub.id == sub_id), [])
    order = {option: index for index, option in enumerate(options)}
    return dict(sorted(groups.items(), key=lambda pair: (order.get(pair[0], len(order)), pair[0])))


# --- the context ---------------------------------------------------------------------------------


def compile_context(definition: RitualDefinition, data: RunData, audience: Audience) -> dict[str, Any]:
    zone = definition.zone
    visible = definition.visible_fields(audience)
    responses = [
        Response(r.user, r.name, r.late, r.version, definition.answers_for(audience, r.answers))
        for r in data.responses
    ]
    previous = [
        Response(r.user, r.name, r.late, r.version, definition.answers_for(audience, r.answers))
        for r in data.previous
    ]
    items_fields = [f for f in visible if f.type == "items"]
    run = data.run
    return {
        "ritual": {
            "id": definition.id,
            "name": definition.name,
            "title": definition.title,
            "description": definition.description,
        },
        "occurrence": {
            "key": run.occurrence_key,
            "opens_at": run.scheduled_for.astimezone(zone),
            "closes_at": (run.closes_at or run.scheduled_for).astimezone(zone),
        },
        "audience": {"name": audience.name, "only": audience.only},
        "fields": [field_context(f) for f in visible],
        "responses": [
            {"user": r.user, "name": r.name, "late": r.late, "version": r.version, "answers": r.answers}
            for r in responses
        ],
        # Skip reasons are internal: an audience that sees only shareable content gets none.
        "skipped": [] if audience.only else data.skipped,
        "missing": data.missing,
        "away": data.away,
        "counts": {
            "participants": data.participants,
            "answered": len(data.responses),
            "skipped": len(data.skipped),
            "missing": len(data.missing),
            "away": len(data.away),
            "late": sum(1 for r in data.responses if r.late),
        },
        "items": {f.id: _grouped_items(f, responses) for f in items_fields},
        "changes": {f.id: item_changes(f, responses, previous) for f in items_fields},
        "attention": {f.id: _needs_attention(f, responses) for f in items_fields},
        "tallies": {f.id: _tally(f, responses) for f in visible if f.type == "select"},
        "decisions": _decisions(visible, responses),
        # Whether the whole compiled answers go with this post (a canvas or a file in its thread).
        "full_answers": audience.full_answers != "none",
    }


def field_context(form_field: FormField) -> dict[str, Any]:
    """A form field as templates see it: what it is called and how it is shaped."""
    return form_field.model_dump(
        include={"id", "label", "type", "options", "item", "shareable", "shareable_flag"}, exclude_none=True
    ) | {"item": [field_context(sub) for sub in form_field.item or []]}
