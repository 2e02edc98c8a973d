"""Slack delivers some requests twice (its retries carry X-Slack-Retry-Num): the second delivery
of a click, a submission or a command must have no second effect. The effects are guarded in the
database (unique keys, compare-and-set updates), not by remembering requests."""

from __future__ import annotations

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK, ITEM_MENU_ACTION
from rituals.collect.prompts import FILL_ACTION, HANDOFF_ACTION, SKIP_ACTION
from storage.models import ParticipantState

from .conftest import (
    ANA,
    BEN,
    CHLOE,
    OWNER,
    answers,
    deliveries,
    dms,
    fresh,
    modal,
    open_run,
    participant,
    prompt_of,
    row_ids,
    runs,
    wait,
)


def refused(sandbox: Sandbox, method: str, error: str, count: int = 1) -> None:
    """Wait until Slack has refused the retried delivery's call (its listener is done)."""
    wait(sandbox, lambda: len([c for c in sandbox.workspace.calls(method) if c.error == error]) >= count)


def test_a_retried_click_opens_no_second_modal_and_reports_nothing(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    first = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.replay_last(retry_num=1)
    refused(sandbox, "views.open", "exchanged_trigger_id")
    assert ws.last_modal(ANA) is first
    assert [c.error for c in ws.calls("views.open")] == [None, "exchanged_trigger_id"]
    assert len(dms(sandbox, ANA)) == 1  # no "something went wrong" message
    assert ws.ephemeral_for(ANA) == []


def test_a_retried_submission_saves_one_version_and_one_copy(sandbox: Sandbox, clock: FrozenClock) -> None:
    driver = sandbox.driver
    open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert driver.submit_view(ANA, item, {"title": "Search", "horizon": "Now", "status": "Planned"}) == {}
    # The item modal's save delivered again: still one item.
    driver.replay_last(retry_num=1)
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)
    refused(sandbox, "views.update", "hash_conflict")
    assert len(row_ids(fresh(sandbox, form))) == 1
    assert driver.submit_view(ANA, form, {"status": "On track", "confidence": 80}) == {}
    for retry in (1, 2):
        reply = driver.replay_last(retry_num=retry)
        assert reply.status == 200
    assert len(answers(sandbox, ANA)) == 1
    sandbox.app.tick()
    assert len(deliveries(sandbox, "answer-copy")) == 1
    assert len(deliveries(sandbox, "prompt-update")) == 1
    assert participant(sandbox, runs(sandbox)[0].id, ANA).prompt_version == 1


def test_a_retried_item_menu_click_removes_one_item(sandbox: Sandbox, clock: FrozenClock) -> None:
    driver = sandbox.driver
    open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    for title in ("One", "Two", "Three"):
        driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
        item = modal(sandbox, ANA, ITEM_CALLBACK)
        before = len(row_ids(fresh(sandbox, form)))
        assert driver.submit_view(ANA, item, {"title": title, "horizon": "Now", "status": "Planned"}) == {}
        form = wait(
            sandbox, lambda n=before, f=form: (v := fresh(sandbox, f)) and len(row_ids(v)) == n + 1 and v
        )
    first = row_ids(form)[0]
    ref = first.rsplit(".", 1)[0]
    driver.click_in_view(ANA, form, ITEM_MENU_ACTION, value=f"remove|{ref}")  # the first row's menu
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and len(row_ids(v)) == 2 and v)
    driver.replay_last(retry_num=1)
    refused(sandbox, "views.update", "hash_conflict")
    form = fresh(sandbox, form)
    assert len(row_ids(form)) == 2
    assert driver.submit_view(ANA, form, {"status": "On track", "confidence": 80}) == {}
    [saved] = answers(sandbox, ANA)
    assert [i["title"] for i in saved.values["roadmap"]] == ["Two", "Three"]


def test_retried_skip_and_hand_off_change_things_once(sandbox: Sandbox, clock: FrozenClock) -> None:
    driver = sandbox.driver
    run = open_run(sandbox, clock)
    driver.click(BEN, prompt_of(sandbox, BEN), SKIP_ACTION)
    skip = modal(sandbox, BEN, "prompt_skip_view")
    assert driver.submit_view(BEN, skip, {"reason": "nothing_to_report"}) == {}
    driver.replay_last(retry_num=1)
    assert participant(sandbox, run.id, BEN).prompt_version == 1

    driver.click(CHLOE, prompt_of(sandbox, CHLOE), HANDOFF_ACTION)
    handoff = modal(sandbox, CHLOE, "prompt_handoff_view")
    assert driver.submit_view(CHLOE, handoff, {"person": "U0PM00004"}) == {}
    reply = driver.replay_last(retry_num=1)
    assert reply.status == 200
    assert reply.json is None  # acknowledged as done, not an error
    assert participant(sandbox, run.id, CHLOE).prompt_version == 1
    sandbox.app.tick()
    assert len(dms(sandbox, "U0PM00004")) == 1
    assert participant(sandbox, run.id, "U0PM00004").state is ParticipantState.PENDING


def test_a_retried_close_command_closes_once(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    open_run(sandbox, clock)
    driver.slash_command(OWNER, "/ritual", "close team-checkin")
    wait(sandbox, lambda: [r for r in ws.responses if r.user == OWNER])
    driver.replay_last(retry_num=1)
    replies = wait(
        sandbox, lambda: (found := [r for r in ws.responses if r.user == OWNER]) and len(found) == 2 and found
    )
    assert "Closed *Team check-in*" in str(replies[0].body)
    assert "has no open run" in str(replies[1].body)
    assert len(runs(sandbox)) == 1
