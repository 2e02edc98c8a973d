"""Answering in the modal: open it prefilled and edit its items; submitting it is
`rituals.collect.answer_submission`.

The Slack side (ack, views.open/push/update) is the handler's; this module decides what the
views show and what is stored. Each function runs its own short transaction and does no Slack
I/O inside it.

Retries are harmless at every step: a submission is saved once per view (see
:mod:`rituals.collect.answers`), an item saved twice from the same item modal is one item, and a row
menu click carries the draft revision its modal showed, so a repeated click finds the draft has
moved on and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.local_time import local_date, local_time, zone
from rituals.collect.answers import (
    check_may_answer,
    latest_answer,
    previous_answer,
    require_participant,
)
from rituals.collect.draft_store import (
    DraftExpired,
    StoredDraft,
    keep_rows,
    load_draft,
    save_draft,
    start_draft,
)
from rituals.collect.forms.draft import FormDraft
from rituals.collect.forms.ids import AnswerMeta, ItemMeta, parse_item_ref
from rituals.collect.forms.modal import Attention, answer_view, item_view
from rituals.collect.forms.reading import input_value, row_values
from rituals.collect.forms.validation import clean_item
from rituals.collect.key_results import asked_of
from rituals.collect.submitting import RunFacts
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import FormField, RitualDefinition
from rituals.services import Services
from storage.models import Run


@dataclass(frozen=True)
class ViewUpdate:
    """Replace the answer modal (``views.update`` guarded by the hash it had)."""

    view_id: str
    hash: str | None
    view: JsonDict


@dataclass(frozen=True)
class ItemOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    parent: ViewUpdate | None = None


def find_run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise UserFacingError("That check-in no longer exists.")
    return run


def definition_of(services: Services, run: Run | RunFacts) -> RitualDefinition:
    try:
        return services.library.get(run.ritual_id)
    except UnknownRitual as error:
        raise UserFacingError("That ritual has been retired, so it takes no more answers.") from error


def _items_field(definition: RitualDefinition, field_id: str) -> FormField:
    try:
        form_field = definition.field(field_id)
    except KeyError:
        raise UserFacingError("That part of the form no longer exists; please open the form again.") from None
    if form_field.type != "items":
        raise UserFacingError("That part of the form no longer exists; please open the form again.")
    return form_field


def modal_for_draft(
    services: Services,
    session: Session,
    definition: RitualDefinition,
    run: Run,
    user_id: str,
    stored: StoredDraft,
    now: datetime,
    *,
    attention: Attention | None = None,
    extra_note: str | None = None,
) -> JsonDict:
    """The answer modal for a stored draft, with the notes on top worked out afresh."""
    person = require_participant(session, run, user_id)
    late = check_may_answer(definition, run, person, now)
    current = latest_answer(session, run.id, user_id)
    base = current or previous_answer(session, run.ritual_id, user_id, before_run=run.id)
    tz = zone(person.timezone)
    notes = []
    if late:
        notes.append("⚠ This check-in has closed; what you send now is added as a *late* answer.")
    elif run.closes_at is not None:
        notes.append(
            f"Due *{local_time(run.closes_at, tz)}* (your time). You can edit your answer until then."
        )
    if current is not None:
        notes.append(
            f"You answered on {local_date(current.submitted_at, tz)} (version {current.version}); "
            "saving keeps that version and adds a new one."
        )
    elif base is not None:
        notes.append(f"Prefilled from your answer of {local_date(base.submitted_at, tz)}: change what moved.")
    if extra_note:
        notes.append(extra_note)
    submit = "Save changes" if current is not None else ("Send late answer" if late else "Submit")
    meta = AnswerMeta(run_id=run.id, token=stored.token, revision=stored.revision)
    asked = asked_of(services.key_results, session, definition, run, person)
    return answer_view(
        definition, stored.draft, meta, notes=notes, attention=attention, submit=submit, key_results=asked
    )


# --- opening ------------------------------------------------------------------------------------


def open_answer_form(services: Services, run_id: int, user_id: str) -> JsonDict:
    """The modal to open for a person, prefilled from their answer (this run's, else the last one)."""
    now = services.clock.now()
    with services.session_factory.begin() as session:
        run = find_run(session, run_id)
        definition = definition_of(services, run)
        person = require_participant(session, run, user_id)
        check_may_answer(definition, run, person, now)
        base = latest_answer(session, run.id, user_id) or previous_answer(
            session, run.ritual_id, user_id, before_run=run.id
        )
        draft = FormDraft.from_answer(definition, base.values if base else None)
        stored = start_draft(session, run.id, user_id, draft, now)
        return modal_for_draft(services, session, definition, run, user_id, stored, now)


# --- items ---------------------------------------------------------------------------------------


def answer_meta(view: Mapping[str, Any]) -> AnswerMeta:
    try:
        return AnswerMeta.decode(str(view.get("private_metadata") or ""))
    except (ValueError, KeyError, TypeError):
        raise DraftExpired() from None


def item_form(
    services: Services, user_id: str, parent_view: Mapping[str, Any], ref: str | None, field_id: str
) -> JsonDict:
    """The item modal to stack on the answer modal: an existing item (``ref``) or a new one."""
    meta = answer_meta(parent_view)
    with services.session_factory.begin() as session:
        stored = load_draft(session, meta.token, user_id, lock=True)
        definition = definition_of(services, find_run(session, stored.run_id))
        # The rows show choices made since the draft was saved: keep them, so the answer modal
        # drawn again after this item is saved shows them whatever Slack keeps of its state.
        if stored.draft.take_rows(row_values((parent_view.get("state") or {}).get("values") or {})):
            keep_rows(session, stored, stored.draft, services.clock.now())
    values: dict[str, Any] = {}
    uid = None
    if ref is not None:
        field_id, uid = parse_item_ref(ref)
        item = stored.draft.find(field_id, uid)
        if item is None:
            raise UserFacingError("That item was removed. Pick another one.")
        values = dict(item.values)
    items_field = _items_field(definition, field_id)
    item_meta = ItemMeta(
        token=meta.token,
        field_id=field_id,
        uid=uid,
        parent_view_id=str(parent_view.get("id")),
        parent_hash=parent_view.get("hash"),
    )
    return item_view(items_field, values, item_meta, new=uid is None)


def save_item(services: Services, user_id: str, view: Mapping[str, Any]) -> ItemOutcome:
    """Save the item modal into the draft, and the answer modal to show underneath."""
    try:
        meta = ItemMeta.decode(str(view.get("private_metadata") or ""))
    except (ValueError, KeyError, TypeError):
        raise DraftExpired() from None
    state = (view.get("state") or {}).get("values") or {}
    now = services.clock.now()
    with services.session_factory.begin() as session:
        stored = load_draft(session, meta.token, user_id, lock=True)
        run = find_run(session, stored.run_id)
        definition = definition_of(services, run)
        items_field = _items_field(definition, meta.field_id)
        raw = {sub.id: input_value(state, sub.id)[1] for sub in items_field.item or []}
        result = clean_item(items_field, raw)
        if result.errors:
            return ItemOutcome(errors=result.errors)
        if result.blank:
            first = (items_field.item or [])[0]
            return ItemOutcome(errors={first.id: "Fill in this item, or press Back to leave it out."})
        # A new item is named after its own modal, so a retried save updates the same item.
        uid = meta.uid or f"n{view.get('id')}"
        if meta.uid is not None and stored.draft.find(meta.field_id, meta.uid) is None:
            raise UserFacingError("That item was removed meanwhile, so there is nothing to save.")
        if stored.draft.put_item(meta.field_id, uid, result.values):
            saved = save_draft(session, stored, stored.draft, now)
            if saved is None:
                raise DraftExpired()
            stored = saved
        parent = modal_for_draft(services, session, definition, run, user_id, stored, now)
    return ItemOutcome(parent=ViewUpdate(meta.parent_view_id, meta.parent_hash, parent))


def change_items(
    services: Services, user_id: str, parent_view: Mapping[str, Any], verb: str, ref: str
) -> ViewUpdate | None:
    """Move or remove an item from the row menu; None when there is nothing to show anew."""
    meta = answer_meta(parent_view)
    field_id, uid = parse_item_ref(ref)
    now = services.clock.now()
    with services.session_factory.begin() as session:
        stored = load_draft(session, meta.token, user_id, lock=True)
        run = find_run(session, stored.run_id)
        definition = definition_of(services, run)
        if stored.revision == meta.revision:
            # Keep the choices made in every row, then apply the change.
            stored.draft.take_rows(row_values((parent_view.get("state") or {}).get("values") or {}))
            if verb == "remove":
                changed = stored.draft.remove(field_id, uid)
            elif verb in ("up", "down"):
                changed = stored.draft.move(field_id, uid, -1 if verb == "up" else 1)
            else:
                raise UserFacingError(f"Unknown item action {verb!r}.")
            if changed:
                stored = save_draft(session, stored, stored.draft, now) or stored
        # Otherwise the modal shows an older revision (a repeated click): show the draft as it is;
        # the hash check makes a stale update a no-op.
        view = modal_for_draft(services, session, definition, run, user_id, stored, now)
    return ViewUpdate(str(parent_view.get("id")), parent_view.get("hash"), view)
