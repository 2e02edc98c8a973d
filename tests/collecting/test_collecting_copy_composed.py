"""A submission queues the copy of the answer by the answer's id and lays nothing out while
Slack waits; the outbox sender lays the copy out when it sends it, and a copy whose answer is
gone fails with the reason instead of posting something else."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import delete

import rituals.collect.answer_copy as answer_copy_module
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from messaging.layout import SplitPost
from rituals.collect.answer_copy import ANSWER_COPY
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION
from storage.models import Answer, DeliveryState

from .conftest import ANA, answers, deliveries, dms, fresh, modal, open_run, prompt_of, row_ids, text_of, wait

pytestmark = pytest.mark.e2e


def _answer(sandbox: Sandbox) -> None:
    driver = sandbox.driver
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert (
        driver.submit_view(ANA, item, {"title": "Search <!here>", "horizon": "Now", "status": "Planned"})
        == {}
    )
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)
    assert driver.submit_view(ANA, form, {"status": "At risk", "confidence": 60}) == {}


def test_the_copy_is_laid_out_by_the_sender_not_the_submission(
    sandbox: Sandbox, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    laid_out: list[str] = []
    lay_out = answer_copy_module.answer_copy

    def recorded(*args: Any) -> SplitPost:
        laid_out.append(threading.current_thread().name)
        return lay_out(*args)

    monkeypatch.setattr(answer_copy_module, "answer_copy", recorded)
    open_run(sandbox, clock)
    _answer(sandbox)
    [saved] = answers(sandbox, ANA)
    [queued] = deliveries(sandbox, ANSWER_COPY)
    assert queued.payload == {"composed": {"composer": ANSWER_COPY, "source": saved.id}}
    assert laid_out == []  # the submission was acknowledged without laying the copy out

    sandbox.app.tick()
    [copy] = [m for m in dms(sandbox, ANA) if "copy of your answer" in text_of(m)]
    assert "Search &lt;!here&gt;" in text_of(copy)
    assert len(laid_out) == 1


def test_a_copy_whose_answer_is_gone_fails_with_the_reason(sandbox: Sandbox, clock: FrozenClock) -> None:
    open_run(sandbox, clock)
    _answer(sandbox)
    with sandbox.session_factory.begin() as session:
        session.execute(delete(Answer))
    sandbox.app.tick()
    [failed] = deliveries(sandbox, ANSWER_COPY)
    assert failed.state is DeliveryState.FAILED
    assert failed.error is not None
    assert failed.error.startswith("cannot compose: answer ")
    assert not [m for m in dms(sandbox, ANA) if "copy of your answer" in text_of(m)]
