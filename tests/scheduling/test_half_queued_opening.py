"""Prompts are queued in chunks after a run opens, so the first DMs leave early; a process killed
between chunks leaves the run half-queued, and the next tick queues the prompts nobody got,
never prompting anyone twice."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.prompts import PROMPT_KIND, queue_prompt_chunk
from rituals.definition.schema import RitualDefinition
from rituals.runs.opening import QueuedChunk, QueuePrompts, RunOpener, create_manual_run
from rituals.runs.participants import change_participants
from simulator.bot_process import prompts_by_person
from storage.models import Delivery, Participant, ParticipantState, Run, RunState

from .conftest import RITUAL

PMS = 8  # the default roster's product managers


class Killed(BaseException):
    """The process dies here: like a SIGKILL, nothing of the opener's own handling runs."""


def dies_after(chunks: int) -> QueuePrompts:
    """`queue_prompt_chunk` for `chunks` chunks, then a death before the next one is queued."""
    done = 0

    def queue(
        session: Session, run: Run, definition: RitualDefinition, now: datetime, after: int, limit: int
    ) -> QueuedChunk:
        nonlocal done
        if done == chunks:
            raise Killed
        done += 1
        return queue_prompt_chunk(session, run, definition, now, after, limit)

    return queue


def opener(sandbox: Sandbox, prompts: QueuePrompts = queue_prompt_chunk) -> RunOpener:
    # Small chunks, so eight PMs take four transactions: 2, 3, 3 and the last (empty) one.
    return RunOpener(
        sandbox.session_factory,
        sandbox.library,
        sandbox.app.services.gateway,
        prompts=prompts,
        first_chunk=2,
        chunk=3,
    )


def manual_run(sandbox: Sandbox, now: datetime) -> Run:
    with sandbox.session_factory.begin() as session:
        return create_manual_run(session, sandbox.library.get(RITUAL), now, note="test")


def queued_prompts(sandbox: Sandbox, run_id: int) -> Counter[str]:
    with Session(sandbox.engine) as session:
        targets = session.scalars(
            select(Delivery.target).where(Delivery.run_id == run_id, Delivery.kind == PROMPT_KIND)
        )
        return Counter(targets)


def the_run(sandbox: Sandbox, run_id: int) -> Run:
    with Session(sandbox.engine) as session:
        run = session.get(Run, run_id)
        assert run is not None
        return run


def test_every_prompt_is_queued_once_in_chunks(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = manual_run(sandbox, clock.now())
    opened = opener(sandbox).open(run, clock.now())
    assert opened is not None
    assert len(opened.participants) == PMS
    prompts = queued_prompts(sandbox, run.id)
    assert len(prompts) == PMS
    assert set(prompts.values()) == {1}
    assert the_run(sandbox, run.id).prompts_queued


@pytest.mark.parametrize("chunks", [1, 2])
def test_a_death_between_chunks_is_finished_by_the_next_tick(
    sandbox: Sandbox, clock: FrozenClock, chunks: int
) -> None:
    run = manual_run(sandbox, clock.now())
    with pytest.raises(Killed):
        opener(sandbox, dies_after(chunks)).open(run, clock.now())
    half = the_run(sandbox, run.id)
    assert half.state is RunState.OPEN
    assert not half.prompts_queued
    first = queued_prompts(sandbox, run.id)
    assert 0 < len(first) < PMS
    # The process restarted (or a replica) ticks: it queues the rest and sends every prompt.
    sandbox.app.tick()
    prompts = queued_prompts(sandbox, run.id)
    assert len(prompts) == PMS
    assert set(prompts.values()) == {1}
    assert the_run(sandbox, run.id).prompts_queued
    posted = prompts_by_person(sandbox.workspace)
    assert len(posted) == PMS
    assert set(posted.values()) == {1}
    sandbox.app.tick()  # nothing left to do: nobody is prompted again
    assert prompts_by_person(sandbox.workspace) == posted


def test_a_death_in_the_opening_transaction_leaves_the_run_pending(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    run = manual_run(sandbox, clock.now())
    with pytest.raises(Killed):
        opener(sandbox, dies_after(0)).open(run, clock.now())
    assert the_run(sandbox, run.id).state is RunState.PENDING
    assert not queued_prompts(sandbox, run.id)
    sandbox.app.tick()  # the process restarted, or another replica
    assert the_run(sandbox, run.id).prompts_queued
    posted = prompts_by_person(sandbox.workspace)
    assert len(posted) == PMS
    assert set(posted.values()) == {1}


def test_a_half_queued_run_closed_asks_nobody_more(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = manual_run(sandbox, clock.now())
    with pytest.raises(Killed):
        opener(sandbox, dies_after(1)).open(run, clock.now())
    prompted = set(queued_prompts(sandbox, run.id))
    assert sandbox.app.services.closer.close(run.id, clock.now())
    sandbox.app.tick()
    assert set(queued_prompts(sandbox, run.id)) == prompted
    assert the_run(sandbox, run.id).state is RunState.CLOSED


def test_someone_who_answered_before_their_prompt_was_queued_gets_none(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    run = manual_run(sandbox, clock.now())
    with pytest.raises(Killed):
        opener(sandbox, dies_after(1)).open(run, clock.now())
    prompted = set(queued_prompts(sandbox, run.id))
    with sandbox.session_factory.begin() as session:
        late = session.scalars(
            select(Participant)
            .where(Participant.run_id == run.id, Participant.user_id.not_in(prompted))
            .order_by(Participant.id)
        ).first()
        assert late is not None
        # As a skip from the Home tab does: the participant row is the truth.
        change_participants(
            session, Participant.id == late.id, state=ParticipantState.SKIPPED, skip_reason="on leave"
        )
        skipped = late.user_id
    sandbox.app.tick()
    prompts = queued_prompts(sandbox, run.id)
    assert skipped not in prompts
    assert len(prompts) == PMS - 1
    assert set(prompts.values()) == {1}


def test_the_tick_leaves_a_run_being_triggered_to_its_request(sandbox: Sandbox, clock: FrozenClock) -> None:
    opener = sandbox.app.services.opener
    with opener.triggering(RITUAL):
        run = manual_run(sandbox, clock.now())
        sandbox.app.tick()  # meanwhile, the tick of the same process
        assert the_run(sandbox, run.id).state is RunState.PENDING
    sandbox.app.tick()  # the request never opened it (it failed, say): the tick does
    assert the_run(sandbox, run.id).state is RunState.OPEN
