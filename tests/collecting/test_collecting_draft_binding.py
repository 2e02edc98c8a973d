"""A draft belongs to one person's answer to one run: a submission whose modal names another run
than its draft's is refused, inline, with nothing saved and nothing lost."""

from __future__ import annotations

import json
import logging

import pytest

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.answer_submission import DRAFT_OF_ANOTHER_RUN
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION
from simulator import ViewRecord

from .conftest import ANA, STRICT, answers, fresh, modal, open_run, prompt_of, row_ids, wait


def _name_run(sandbox: Sandbox, view: ViewRecord, run_id: int) -> None:
    """Change the run id in the modal's private_metadata, as a tampering client could."""
    with sandbox.workspace.state.lock:
        meta = json.loads(view.definition["private_metadata"])
        meta["r"] = run_id
        view.definition["private_metadata"] = json.dumps(meta)


@pytest.mark.e2e
@pytest.mark.fault
def test_a_submission_naming_another_run_than_its_draft_is_refused(
    sandbox: Sandbox, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    driver = sandbox.driver
    team = open_run(sandbox, clock)  # Monday's team check-in, still open on Tuesday
    strict = open_run(sandbox, clock, STRICT)  # Tuesday's: Ana is asked in both
    driver.click(ANA, prompt_of(sandbox, ANA, team.id), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert driver.submit_view(ANA, item, {"title": "Search", "horizon": "Now", "status": "Planned"}) == {}
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)

    original = form.definition["private_metadata"]
    _name_run(sandbox, form, strict.id)
    with caplog.at_level(logging.WARNING, logger="rituals.collect.answer_submission"):
        answer = driver.submit_view(ANA, form, {"status": "At risk", "confidence": 60})
    assert answer == {"response_action": "errors", "errors": {"status": DRAFT_OF_ANOTHER_RUN}}
    assert answers(sandbox, ANA) == []
    assert sandbox.workspace.last_modal(ANA) is form  # still open, with what she typed
    [warning] = [r for r in caplog.records if "draft is for run" in r.getMessage()]
    assert f"draft is for run {team.id}, the modal names run {strict.id}" in warning.getMessage()

    # Nothing was lost: the same modal, naming its own run again, saves into that run.
    with sandbox.workspace.state.lock:
        form.definition["private_metadata"] = original
    assert driver.submit_view(ANA, form, {"status": "At risk", "confidence": 60}) == {}
    [saved] = answers(sandbox, ANA)
    assert saved.run_id == team.id
    assert saved.values["roadmap"][0]["title"] == "Search"
