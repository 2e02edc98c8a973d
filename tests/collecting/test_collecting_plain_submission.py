"""The common submission (a first answer to an open run, or inline errors) takes the plain path:
one transaction on a bare connection, and the outbox sender woken by the bell once it commits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.answer_copy import ANSWER_COPY
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION
from simulator import ViewRecord
from storage.models import Answer, ParticipantState, SeenRequest

from .conftest import (
    ANA,
    STRICT,
    answers,
    deliveries,
    fresh,
    modal,
    open_run,
    participant,
    prompt_of,
    row_ids,
    wait,
)

# Over the bot's real endpoint: the request edge hands the replay record to the listener.
pytestmark = pytest.mark.e2e


def _form_with_an_item(sandbox: Sandbox, run_id: int) -> ViewRecord:
    driver = sandbox.driver
    driver.click(ANA, prompt_of(sandbox, ANA, run_id), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert driver.submit_view(ANA, item, {"title": "Search", "horizon": "Now", "status": "Planned"}) == {}
    return wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)


def _committed_answers(sandbox: Sandbox) -> int:
    # A connection of its own: it sees only what has been committed.
    with sandbox.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Answer)) or 0)


def test_a_plain_answer_is_saved_and_the_bell_rings_after_the_commit(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    run = open_run(sandbox, clock)
    form = _form_with_an_item(sandbox, run.id)
    rung_with: list[int] = []
    sandbox.app.services.outbox_bell.listen(lambda: rung_with.append(_committed_answers(sandbox)))
    records_before = _count(sandbox, SeenRequest)

    assert sandbox.driver.submit_view(ANA, form, {"status": "At risk", "confidence": 60}) == {}

    assert rung_with == [1]  # once, with the answer already committed
    [answer] = answers(sandbox, ANA)
    assert (answer.values["status"], answer.values["confidence"]) == ("At risk", 60)
    assert [item["title"] for item in answer.values["roadmap"]] == ["Search"]
    assert (answer.version, answer.late, answer.submitted_at) == (1, False, clock.now())
    assert participant(sandbox, run.id, ANA).state is ParticipantState.ANSWERED
    [copy] = deliveries(sandbox, ANSWER_COPY)
    assert copy.payload == {"composed": {"composer": ANSWER_COPY, "source": answer.id}}
    # The submission's replay record was written in the same transaction.
    assert _count(sandbox, SeenRequest) == records_before + 1


def test_an_inline_error_saves_nothing_and_rings_nothing(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_run(sandbox, clock, STRICT)
    form = _form_with_an_item(sandbox, run.id)
    rings: list[None] = []
    sandbox.app.services.outbox_bell.listen(lambda: rings.append(None))
    records_before = _count(sandbox, SeenRequest)
    assert run.closes_at is not None
    clock.set(run.closes_at)  # its close, and this ritual takes no late answers

    reply = sandbox.driver.submit_view(ANA, form, {"status": "At risk", "confidence": 60})

    assert reply["response_action"] == "errors"
    errors = reply["errors"]
    assert list(errors) == ["status"]  # under the form's first input
    assert "does not take late answers" in errors["status"]
    assert rings == []
    assert answers(sandbox, ANA) == []
    assert participant(sandbox, run.id, ANA).state is not ParticipantState.ANSWERED
    assert deliveries(sandbox, ANSWER_COPY) == []
    # Refused or not, the request is recorded: the same bytes sent again are refused as a replay.
    assert _count(sandbox, SeenRequest) == records_before + 1


def _count(sandbox: Sandbox, model: type[SeenRequest]) -> int:
    with sandbox.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(model)) or 0)
