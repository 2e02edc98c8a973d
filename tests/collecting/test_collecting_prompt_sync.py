"""Prompt redraws come in short transactions, each a batch, so a deadline's submissions are not
kept waiting for the database's write lock while hundreds of prompts are redrawn."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.prompt_sync import PromptSync
from rituals.runs.participants import change_participants
from storage.models import Delivery, DeliveryState, Participant, Run
from tests.collecting.conftest import ANA, BEN, CHLOE, deliveries, open_run


def _bump_every_prompt(sandbox: Sandbox, run: Run) -> None:
    with Session(sandbox.engine) as session, session.begin():
        change_participants(session, Participant.run_id == run.id)


def _updated(sandbox: Sandbox) -> list[str]:
    return sorted(delivery.target for delivery in deliveries(sandbox, "prompt-update"))


def test_every_stale_prompt_is_redrawn_in_batches_of_one_call(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_run(sandbox, clock)
    _bump_every_prompt(sandbox, run)
    sync = PromptSync(sandbox.session_factory, sandbox.library, batch=1, per_tick=10)
    assert sync(clock.now()) == 3
    assert _updated(sandbox) == [ANA, BEN, CHLOE]
    assert sync(clock.now()) == 0  # in step now: nothing left to do


def test_one_tick_takes_its_share_and_the_next_the_rest(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_run(sandbox, clock)
    _bump_every_prompt(sandbox, run)
    sync = PromptSync(sandbox.session_factory, sandbox.library, batch=1, per_tick=2)
    assert sync(clock.now()) == 2
    assert _updated(sandbox) == [ANA, BEN]
    assert sync(clock.now()) == 1
    assert _updated(sandbox) == [ANA, BEN, CHLOE]


def test_a_prompt_being_posted_is_left_for_later_without_stopping_the_rest(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    run = open_run(sandbox, clock)
    _bump_every_prompt(sandbox, run)
    with Session(sandbox.engine) as session, session.begin():
        # Ana's prompt is being posted right now (its ts is not known yet).
        ana_prompt = session.query(Delivery).filter_by(kind="prompt", target=ANA).one()
        ana_prompt.state = DeliveryState.SENDING
    sync = PromptSync(sandbox.session_factory, sandbox.library, batch=1, per_tick=10)
    assert sync(clock.now()) == 2
    assert _updated(sandbox) == [BEN, CHLOE]
