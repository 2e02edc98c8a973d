"""Answering in the modal: open it prefilled, edit items, submit with inline errors.

The Slack side (ack, views.open/push/update) is the handler's; this module decides what the
views show and what is stored. Each function runs its own short transaction and does no Slack
I/O inside it.

Retries are harmless at every step: a submission is saved once per view (see
:mod:`rituals.collect.answers`), an item saved twice from the same item modal is one item, and a row
menu click carries the draft revision its modal showed, so a repeated click finds the draft has
moved on and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotAllowed, UserFacingError
from core.request_record import RequestRecord, SeenBefore
from core.types import JsonDict
from messaging.local_time import local_date, local_time, zone
from messaging.mrkdwn import without_bold
from rituals.collect.answers import (
    NOT_ASKED,
    SavedAnswer,
    check_may_answer,
    latest_answer,
    previous_answer,
    require_participant,
    save_answer,
    store_answer,
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
from rituals.collect.forms.ids import ROW_BLOCK, AnswerMeta, ItemMeta, parse_item_ref
from rituals.collect.forms.key_result_inputs import KeyResultEntry, KeyResultsAsked, read_key_results
from rituals.collect.forms.modal import Attention, answer_view, item_view
from rituals.collect.forms.reading import input_value, row_values
from rituals.collect.forms.validation import Invalid, clean, clean_item
from rituals.collect.key_results import asked_of, asks_key_results
from rituals.collect.submitting import PersonFacts, RunFacts, read_for_submission
from rituals.definition.loading import UnknownRitual
from rituals.definition.schema import FormField, RitualDefinition
from rituals.services import Services
from storage.idle_ping import once_more_if_dropped
from storage.models import Answer, Participant, Run, RunState

log = logging.getLogger(__name__)

KEY_RESULTS_CHANGED = "⚠ Your key results changed while this form was open; check them and send it again."
DRAFT_OF_ANOTHER_RUN = (
    "This form was opened for another check-in than the one it now names, so nothing was saved. "
    "Please open the form again from your reminder or the Home tab."
)


@dataclass(frozen=True)
class ViewUpdate:
    """Replace the answer modal (``views.update`` guarded by the hash it had)."""

    view_id: str
    hash: str | None
    view: JsonDict


@dataclass(frozen=True)
class SubmitOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    # Shown instead of the submitted view (response_action "update"): items need attention.
    view: JsonDict | None = None
    saved: SavedAnswer | None = None


@dataclass(frozen=True)
class ItemOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    parent: ViewUpdate | None = None


def _run(session: Session, run_id: int) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise UserFacingError("That check-in no longer exists.")
    return run


def _definition(services: Services, run: Run | RunFacts) -> RitualDefinition:
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


def _parent(
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
        run = _run(session, run_id)
        definition = _definition(services, run)
        person = require_participant(session, run, user_id)
        check_may_answer(definition, run, person, now)
        base = latest_answer(session, run.id, user_id) or previous_answer(
            session, run.ritual_id, user_id, before_run=run.id
        )
        draft = FormDraft.from_answer(definition, base.values if base else None)
        stored = start_draft(session, run.id, user_id, draft, now)
        return _parent(services, session, definition, run, user_id, stored, now)


# --- items ---------------------------------------------------------------------------------------


def _view_meta(view: Mapping[str, Any]) -> AnswerMeta:
    try:
        return AnswerMeta.decode(str(view.get("private_metadata") or ""))
    except (ValueError, KeyError, TypeError):
        raise DraftExpired() from None


def item_form(
    services: Services, user_id: str, parent_view: Mapping[str, Any], ref: str | None, field_id: str
) -> JsonDict:
    """The item modal to stack on the answer modal: an existing item (``ref``) or a new one."""
    meta = _view_meta(parent_view)
    with services.session_factory.begin() as session:
        stored = load_draft(session, meta.token, user_id, lock=True)
        definition = _definition(services, _run(session, stored.run_id))
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
        run = _run(session, stored.run_id)
        definition = _definition(services, run)
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
        parent = _parent(services, session, definition, run, user_id, stored, now)
    return ItemOutcome(parent=ViewUpdate(meta.parent_view_id, meta.parent_hash, parent))


def change_items(
    services: Services, user_id: str, parent_view: Mapping[str, Any], verb: str, ref: str
) -> ViewUpdate | None:
    """Move or remove an item from the row menu; None when there is nothing to show anew."""
    meta = _view_meta(parent_view)
    field_id, uid = parse_item_ref(ref)
    now = services.clock.now()
    with services.session_factory.begin() as session:
        stored = load_draft(session, meta.token, user_id, lock=True)
        run = _run(session, stored.run_id)
        definition = _definition(services, run)
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
        view = _parent(services, session, definition, run, user_id, stored, now)
    return ViewUpdate(str(parent_view.get("id")), parent_view.get("hash"), view)


# --- submitting --------------------------------------------------------------------------------


@dataclass
class _Judged:
    """A submitted answer modal: values to store, errors by input block, attention by item,
    each key result's entry, and whether the key results asked have changed since it opened."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    attention: dict[tuple[str, str], str] = field(default_factory=dict)
    key_results: list[KeyResultEntry] = field(default_factory=list)
    stale: bool = False


def _judge(
    definition: RitualDefinition, draft: FormDraft, state: Mapping[str, Any], asked: KeyResultsAsked
) -> _Judged:
    judged = _Judged()
    values, errors, attention = judged.values, judged.errors, judged.attention
    for form_field in definition.form:
        if form_field.type == "key_results":
            prompts = asked.prompts.get(form_field.id, ())
            read = read_key_results(form_field, prompts, asked.levels, state)
            errors.update(read.errors)
            judged.stale |= read.stale
            judged.key_results += read.entries
            values[form_field.id] = read.stored(prompts, asked.levels)
            continue
        if form_field.type != "items":
            _found, raw = input_value(state, form_field.id)
            try:
                values[form_field.id] = clean(form_field, raw)
            except Invalid as error:
                errors[form_field.id] = error.message
            continue
        kept = []
        for item in draft.entries(form_field.id):
            result = clean_item(form_field, item.values)
            if result.blank:
                continue
            if result.errors:
                labels = [sub.label for sub in form_field.item or [] if sub.id in result.errors]
                attention[(form_field.id, item.uid)] = "check " + ", ".join(labels)
            else:
                kept.append(result.values)
        if len(kept) > form_field.max_items:
            attention[(form_field.id, "")] = f"This takes at most {form_field.max_items} items."
        elif not form_field.optional and not kept and not attention:
            attention[(form_field.id, "")] = "Add at least one item."
        values[form_field.id] = kept
    return judged


def _first_input(definition: RitualDefinition) -> str | None:
    return next((f.id for f in definition.form if f.type != "items"), None)


def _rows_as_drawn_for_the_draft(
    stored: StoredDraft, drawn_revision: int, state: Mapping[str, Any]
) -> dict[tuple[str, str], Any]:
    """The choices in the submitted item rows that still describe the draft's items.

    Every change to a draft comes from the same modal stack (its token is this modal's), so a
    draft newer than the submitted view is the person's own latest change: an item saved in the
    stacked modal, which Slack shows underneath only after that save was acknowledged. A quick
    Submit must send that, not bounce. The row of an item edited since it was drawn shows the
    item's older values, so only rows drawn for the item's current revision count.
    """
    rows = row_values(state)
    if stored.revision == drawn_revision:
        return rows
    current: set[tuple[str, str]] = set()
    for block_id in state:
        match = ROW_BLOCK.match(block_id)
        item = stored.draft.find(match["field"], match["uid"]) if match else None
        if match and item is not None and item.rev == int(match["rev"]):
            current.add((match["field"], match["uid"]))
    return {key: values for key, values in rows.items() if key in current}


def _inline(definition: RitualDefinition, message: str) -> SubmitOutcome:
    """``message`` under the form's first input, where the person sees it with what they typed
    still in the modal; a form with no such input gets it as a message instead."""
    target = _first_input(definition)
    if target is None:
        raise UserFacingError(message)
    return SubmitOutcome(errors={target: without_bold(message)})


def submit_answer(
    services: Services, user_id: str, view: Mapping[str, Any], *, record: RequestRecord | None = None
) -> SubmitOutcome:
    """Judge and save a submitted answer modal in one short transaction, so it is acknowledged
    quickly at a deadline; the copy for the DM and the prompt's redraw are queued in it and go
    out after the acknowledgement. The request's replay `record`, when the caller hands it over,
    is written in the same transaction: `SeenBefore` if it was handled already, nothing done."""
    # Over HTTP this transaction is the request's first use of the database (the edge left the
    # replay record to it), so it meets a pooled connection that a database restart dropped:
    # once more then, on a fresh one, as the edge's own record does. The first attempt rolled
    # back with its connection.
    return once_more_if_dropped(lambda: _submit(services, user_id, view, record), "saving the answer")


def _submit(
    services: Services, user_id: str, view: Mapping[str, Any], record: RequestRecord | None
) -> SubmitOutcome:
    source_id = f"view:{view.get('id')}"
    now = services.clock.now()
    meta = _view_meta(view)
    state = (view.get("state") or {}).get("values") or {}
    with services.session_factory.begin() as session:
        plain = read_for_submission(session, meta.token, user_id, source_id)
        # Before anything is judged or written, whatever the outcome (saved, inline errors,
        # drawn again): the same request sent again is refused, as the edge refuses it.
        if record is not None and not record.first_time(session.connection()):
            raise SeenBefore()
        run: Run | RunFacts
        person: Participant | PersonFacts
        if plain is not None:
            stored, run, person = plain.stored, plain.run, plain.person
        else:
            earlier = session.scalar(select(Answer).where(Answer.source_id == source_id))
            if earlier is not None:  # this submission was delivered before: it is saved already
                return SubmitOutcome(saved=SavedAnswer(earlier, replay=True))
            stored = load_draft(session, meta.token, user_id)
            run = _run(session, stored.run_id)
            person = require_participant(session, run, user_id)
        definition = _definition(services, run)
        if stored.run_id != meta.run_id:
            # The draft was opened for another run than the modal now names: saving it there
            # would file one check-in's answer under another. Nothing is stored; the draft stays.
            log.warning(
                "refused a submission by %s: its draft is for run %s, the modal names run %s",
                user_id,
                stored.run_id,
                meta.run_id,
            )
            return _inline(definition, DRAFT_OF_ANOTHER_RUN)
        try:
            late = check_may_answer(definition, run, person, now)
        except UserFacingError as error:
            return _inline(definition, error.message)
        stored.draft.take_rows(_rows_as_drawn_for_the_draft(stored, meta.revision, state))
        asked = KeyResultsAsked()
        if asks_key_results(definition):
            asked = asked_of(
                services.key_results, session, definition, _loaded(session, run), _person(session, person)
            )
        judged = _judge(definition, stored.draft, state, asked)

        def drawn_again(
            *, attention: Attention | None = None, extra_note: str | None = None
        ) -> SubmitOutcome:
            """The answer modal drawn again in place of the submitted one, nothing saved."""
            view = _parent(
                services,
                session,
                definition,
                _loaded(session, run),
                user_id,
                stored,
                now,
                attention=attention,
                extra_note=extra_note,
            )
            return SubmitOutcome(view=view)

        if judged.stale:
            return drawn_again(extra_note=KEY_RESULTS_CHANGED)
        if judged.errors:
            return SubmitOutcome(errors=judged.errors)
        if judged.attention:
            return drawn_again(attention=judged.attention)
        if plain is not None:
            # The participant's row is locked and the latest version read under that lock.
            version = plain.latest_version + 1
            answer = store_answer(
                session,
                run,
                person,
                judged.values,
                version=version,
                late=late,
                source_id=source_id,
                now=now,
            )
            saved = SavedAnswer(answer, replay=False)
        else:
            saved = save_answer(
                session,
                definition,
                _loaded(session, run),
                user_id,
                judged.values,
                source_id=source_id,
                now=now,
            )
        if not saved.replay and services.key_results is not None and judged.key_results:
            services.key_results.record(
                session, _loaded(session, run), user_id, saved.answer.version, judged.key_results, now
            )
        if saved.answer.late and run.state is RunState.CLOSED:
            # The run's posts were compiled at the close: a late answer taken by the ritual's
            # policy goes into them now (re-rendered, through approval where the audience has it).
            services.publisher.refresh(session, _loaded(session, run), f"late answer from <@{user_id}>", now)
    return SubmitOutcome(saved=saved)


def _loaded(session: Session, run: Run | RunFacts) -> Run:
    """The run itself, for the rarer steps that need more of it than the plain read took."""
    return run if isinstance(run, Run) else _run(session, run.id)


def _person(session: Session, person: Participant | PersonFacts) -> Participant:
    """The participant itself, for the rarer steps that need more of it than the plain read took."""
    found = person if isinstance(person, Participant) else session.get(Participant, person.id)
    if found is None:  # the row is locked by this transaction: it cannot have gone
        raise NotAllowed(NOT_ASKED)
    return found
