"""Submitting the answer modal: judged against the form, saved as the PM's next version, or
sent back with inline errors or drawn again, in one short transaction.

A deadline brings every PM's submission within minutes while Slack waits three seconds for each
acknowledgement, so the common case takes the plain path: one transaction on a bare connection,
its statements as driver SQL (`storage.driver_sql`). Anything else (the modal to draw again, key
results, a closed run's posts to refresh, a retried delivery, a draft gone) takes the careful
path in a session, which says why when it refuses.
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
from messaging.mrkdwn import without_bold
from messaging.outbox import announce
from rituals.collect.answer_modal import answer_meta, definition_of, find_run, modal_for_draft
from rituals.collect.answers import (
    NOT_ASKED,
    SavedAnswer,
    check_may_answer,
    require_participant,
    save_answer,
    store_answer,
)
from rituals.collect.draft_store import StoredDraft, load_draft
from rituals.collect.forms.draft import FormDraft
from rituals.collect.forms.ids import ROW_BLOCK, AnswerMeta
from rituals.collect.forms.key_result_inputs import KeyResultEntry, KeyResultsAsked, read_key_results
from rituals.collect.forms.modal import Attention
from rituals.collect.forms.reading import input_value, row_values
from rituals.collect.forms.validation import Invalid, clean, clean_item
from rituals.collect.key_results import asked_of, asks_key_results
from rituals.collect.submitting import PersonFacts, RunFacts, read_for_submission
from rituals.definition.schema import RitualDefinition
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
class SubmitOutcome:
    errors: dict[str, str] = field(default_factory=dict)
    # Shown instead of the submitted view (response_action "update"): items need attention.
    view: JsonDict | None = None
    saved: SavedAnswer | None = None


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


@dataclass(frozen=True)
class _Submission:
    user_id: str
    meta: AnswerMeta
    state: Mapping[str, Any]
    # The submission's identity (the modal's view id): a second delivery finds the first saved.
    source_id: str
    now: datetime


class _NotPlain(Exception):
    """The submission needs more than the plain path does; nothing of it was written."""


def _submit(
    services: Services, user_id: str, view: Mapping[str, Any], record: RequestRecord | None
) -> SubmitOutcome:
    submission = _Submission(
        user_id,
        answer_meta(view),
        (view.get("state") or {}).get("values") or {},
        f"view:{view.get('id')}",
        services.clock.now(),
    )
    try:
        return _submit_plain(services, submission, record)
    except _NotPlain:
        return _submit_carefully(services, submission, record)


def _submit_plain(services: Services, submission: _Submission, record: RequestRecord | None) -> SubmitOutcome:
    """The common case at a deadline, on a bare connection rather than a session, its statements
    as driver SQL: a PM's first or next answer to an open run, saved, or sent back with inline
    errors. What needs more (the modal drawn again, key results, a closed run's posts
    refreshed, a submission saved before, a draft gone) raises `_NotPlain` before anything is
    written, and the careful path takes it.
    """
    meta, now = submission.meta, submission.now
    with services.engine.begin() as connection:
        plain = read_for_submission(connection, meta.token, submission.user_id, submission.source_id)
        if plain is None:
            raise _NotPlain
        # As on the careful path, before anything is judged: the same request sent again is refused.
        if record is not None and not record.first_time(connection):
            raise SeenBefore()
        stored, run, person = plain.stored, plain.run, plain.person
        definition = definition_of(services, run)
        if stored.run_id != meta.run_id or asks_key_results(definition):
            raise _NotPlain
        try:
            late = check_may_answer(definition, run, person, now)
        except UserFacingError as error:
            return _inline(definition, error.message)
        if late and run.state is RunState.CLOSED:
            raise _NotPlain
        stored.draft.take_rows(_rows_as_drawn_for_the_draft(stored, meta.revision, submission.state))
        judged = _judge(definition, stored.draft, submission.state, KeyResultsAsked())
        if judged.errors:
            return SubmitOutcome(errors=judged.errors)
        if judged.attention:
            raise _NotPlain
        # The participant's row is locked and the latest version read under that lock.
        stored_answer = store_answer(
            connection,
            run,
            person,
            judged.values,
            version=plain.latest_version + 1,
            late=late,
            source_id=submission.source_id,
            now=now,
        )
    if stored_answer.queued:
        services.outbox_bell.ring()
    return SubmitOutcome(saved=stored_answer.answer)


def _submit_carefully(
    services: Services, submission: _Submission, record: RequestRecord | None
) -> SubmitOutcome:
    user_id, meta, state = submission.user_id, submission.meta, submission.state
    source_id, now = submission.source_id, submission.now
    with services.session_factory.begin() as session:
        plain = read_for_submission(session.connection(), meta.token, user_id, source_id)
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
                return SubmitOutcome(saved=SavedAnswer.earlier(earlier))
            stored = load_draft(session, meta.token, user_id)
            run = find_run(session, stored.run_id)
            person = require_participant(session, run, user_id)
        definition = definition_of(services, run)
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
            view = modal_for_draft(
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
            stored_answer = store_answer(
                session.connection(),
                run,
                person,
                judged.values,
                version=plain.latest_version + 1,
                late=late,
                source_id=source_id,
                now=now,
            )
            if stored_answer.queued:
                announce(session)
            saved = stored_answer.answer
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
                session, _loaded(session, run), user_id, saved.version, judged.key_results, now
            )
        if saved.late and run.state is RunState.CLOSED:
            # The run's posts were compiled at the close: a late answer taken by the ritual's
            # policy goes into them now (re-rendered, through approval where the audience has it).
            services.publisher.refresh(session, _loaded(session, run), f"late answer from <@{user_id}>", now)
    return SubmitOutcome(saved=saved)


def _loaded(session: Session, run: Run | RunFacts) -> Run:
    """The run itself, for the rarer steps that need more of it than the plain read took."""
    return run if isinstance(run, Run) else find_run(session, run.id)


def _person(session: Session, person: Participant | PersonFacts) -> Participant:
    """The participant itself, for the rarer steps that need more of it than the plain read took."""
    found = person if isinstance(person, Participant) else session.get(Participant, person.id)
    if found is None:  # the row is locked by this transaction: it cannot have gone
        raise NotAllowed(NOT_ASKED)
    return found
