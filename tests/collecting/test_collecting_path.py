"""The whole path of collecting inputs, through signed requests into the bot's real endpoint:
a run opens, every participant gets exactly one prompt, a PM opens the modal, gets an inline
error, submits and edits, another skips with a reason, a reminder reaches only the one who has
not answered, a late answer follows the policy, and a non-owner cannot close the run."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION, SKIP_ACTION
from storage.models import DeliveryState, ParticipantState, RunState

from .conftest import (
    ANA,
    BEN,
    CHLOE,
    CLOSES,
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
    text_of,
    wait,
)

# Over the real HTTP endpoint: this one path proves the whole stack end to end.
pytestmark = pytest.mark.e2e


def test_the_whole_path(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver

    # --- a run opens; everyone gets exactly one prompt, in their own time zone -----------------
    run = open_run(sandbox, clock)
    assert run.state is RunState.OPEN
    sandbox.app.tick()  # a second tick (or replica) sends nothing twice
    for user in (ANA, BEN, CHLOE):
        [prompt] = dms(sandbox, user)
        assert "Team check-in" in prompt.text
        assert prompt.channel.startswith("D")
    assert "Wed 20 Jan, 17:00 EST" in text_of(prompt_of(sandbox, ANA))
    assert "Wed 20 Jan, 14:00 PST" in text_of(prompt_of(sandbox, BEN))
    assert "Wed 20 Jan, 22:00 GMT" in text_of(prompt_of(sandbox, CHLOE))
    assert "Overall status · Roadmap items · Confidence (%) · Risks" in text_of(prompt_of(sandbox, ANA))
    posts = [c for c in ws.calls("chat.postMessage") if c.ok]
    assert sorted(c.params["channel"] for c in posts) == sorted([ANA, BEN, CHLOE])

    # --- Ana opens the modal from her prompt --------------------------------------------------
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    assert form.title == "Team check-in"
    assert row_ids(form) == []

    # She adds a roadmap item in its own modal; a bad link is answered inline.
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    item_values = {"title": "Payments API <!channel>", "horizon": "Now", "status": "In progress"}
    answer = driver.submit_view(ANA, item, {**item_values, "link": "https://pay ments.example"})
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"link": "Enter a web address starting with https:// (or http://)."}
    assert ws.last_modal(ANA) is item  # still open, with what she typed
    assert fresh(sandbox, item).state["title"]["value"]["value"] == "Payments API <!channel>"
    assert (
        driver.submit_view(ANA, item, {"link": "https://payments.example/spec", "shareable": ["yes"]}) == {}
    )
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)
    [row] = row_ids(form)
    assert ws.last_modal(ANA).id == form.id

    # A required field left empty (a client that did not check) is answered inline too, and
    # nothing typed is lost.
    answer = driver.submit_view(ANA, form, {"confidence": 70, "status": None}, enforce_required=False)
    assert answer == {"response_action": "errors", "errors": {"status": "This is required."}}
    assert fresh(sandbox, form).state["confidence"]["value"]["value"] == "70"
    assert answers(sandbox, ANA) == []

    assert driver.submit_view(ANA, form, {"status": "At risk"}) == {}
    assert ws.last_modal(ANA) is None
    [first] = answers(sandbox, ANA)
    assert first.version == 1
    assert first.late is False
    assert first.values["status"] == "At risk"
    assert first.values["confidence"] == 70
    assert first.values["risks"] is None
    assert first.values["roadmap"] == [
        {
            "title": "Payments API <!channel>",
            "horizon": "Now",
            "status": "In progress",
            "target_date": None,
            "link": "https://payments.example/spec",
            "shareable": True,
        }
    ]

    # Slack delivers the submission again: no second version, no second copy.
    driver.replay_last(retry_num=1)
    assert len(answers(sandbox, ANA)) == 1

    # After the tick: a copy of her answer in the DM (escaped), and the prompt says answered.
    sandbox.app.tick()
    copies = [m for m in dms(sandbox, ANA) if "copy of your answer" in m.text + str(m.blocks)]
    assert len(copies) == 1
    assert "&lt;!channel&gt;" in text_of(copies[0])
    assert "<!channel>" not in text_of(copies[0])
    prompt = prompt_of(sandbox, ANA)
    assert "you answered" in prompt.text
    assert "Edit answer" in text_of(prompt)
    assert prompt.edit_count == 1

    # --- she edits: the modal is prefilled with her answer; a new version is kept beside it ----
    driver.click(ANA, prompt, FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    status_block = form.block("status")
    assert status_block is not None
    assert status_block["element"]["initial_option"]["value"] == "At risk"
    [row] = row_ids(form)
    assert driver.submit_view(ANA, form, {"status": "On track", row: {"status": "Shipped"}}) == {}
    versions = answers(sandbox, ANA)
    assert [a.version for a in versions] == [1, 2]
    assert versions[0].values["status"] == "At risk"
    assert versions[1].values["status"] == "On track"
    assert versions[1].values["roadmap"][0]["status"] == "Shipped"

    # --- Ben skips with a reason ---------------------------------------------------------------
    driver.click(BEN, prompt_of(sandbox, BEN), SKIP_ACTION)
    skip = modal(sandbox, BEN, "prompt_skip_view")
    assert driver.submit_view(BEN, skip, {"reason": "out_of_office", "detail": "back on the 25th"}) == {}
    ben = participant(sandbox, run.id, BEN)
    assert ben.state is ParticipantState.SKIPPED
    assert ben.skip_reason == "Out of office: back on the 25th"
    sandbox.app.tick()
    assert "you are skipping this one (Out of office: back on the 25th)" in prompt_of(sandbox, BEN).text

    # --- a reminder reaches only Chloe, and not in her night ------------------------------------
    clock.set(CLOSES - timedelta(hours=24) + timedelta(minutes=1))  # 22:01 in London
    sandbox.app.tick()
    assert deliveries(sandbox, "reminder") == []
    clock.set(CLOSES - timedelta(hours=14) + timedelta(minutes=1))  # 08:01 in London
    sandbox.app.tick()
    sandbox.app.tick()
    [reminder] = deliveries(sandbox, "reminder")
    assert reminder.target == CHLOE
    assert reminder.state is DeliveryState.SENT
    assert [m for m in dms(sandbox, CHLOE) if "reminder" in m.text.lower()]
    for user in (ANA, BEN):
        assert not [m for m in dms(sandbox, user) if "reminder" in m.text.lower()]
    assert participant(sandbox, run.id, CHLOE).reminders_sent == 1

    # --- a PM cannot close the run ----------------------------------------------------------------
    driver.slash_command(ANA, "/ritual", "close team-checkin")
    refusal = wait(sandbox, lambda: [r for r in ws.responses if r.user == ANA])
    assert "Only the owners of Team check-in" in str(refusal[-1].body)
    assert runs(sandbox)[0].state is RunState.OPEN

    # --- the deadline passes: prompts say closed; Chloe's late answer is accepted, marked late --
    clock.set(CLOSES + timedelta(minutes=1))
    sandbox.app.tick()
    assert runs(sandbox)[0].state is RunState.CLOSED
    assert "closed" in prompt_of(sandbox, ANA).text
    chloe_prompt = prompt_of(sandbox, CHLOE)
    assert "late answers are still taken" in chloe_prompt.text
    driver.click(CHLOE, chloe_prompt, FILL_ACTION)
    form = modal(sandbox, CHLOE, ANSWER_CALLBACK)
    assert "late" in str(form.blocks[0])
    # The roadmap is required: an answer without items is sent back, marked, with what she typed.
    answer = driver.submit_view(CHLOE, form, {"status": "On track", "confidence": 55})
    assert answer["response_action"] == "update"
    assert "Add at least one item." in str(answer["view"]["blocks"])
    assert answers(sandbox, CHLOE) == []
    form = fresh(sandbox, form)
    driver.click_in_view(CHLOE, form, ADD_ITEM_ACTION)
    item = modal(sandbox, CHLOE, ITEM_CALLBACK)
    assert driver.submit_view(CHLOE, item, {"title": "Search", "horizon": "Next", "status": "Planned"}) == {}
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)
    assert driver.submit_view(CHLOE, form) == {}
    [late] = answers(sandbox, CHLOE)
    assert late.values["status"] == "On track"
    # The leaders' digest posted at the close is updated in place with the late answer.
    [digest] = [m for m in ws.messages_in("product-leads") if not m.is_reply]
    assert "Search" not in text_of(digest)
    sandbox.app.tick()
    digest = ws.find_message("product-leads", digest.ts)
    assert "Search" in text_of(digest)
    assert digest.edit_count >= 1
    assert late.late is True
    assert [m for m in dms(sandbox, CHLOE) if "added as a *late* answer" in text_of(m)]
    assert participant(sandbox, run.id, CHLOE).state is ParticipantState.ANSWERED
    # Who answered in time has no button left on the closed prompt.
    assert "prompt_fill" not in text_of(prompt_of(sandbox, ANA))
    assert len(answers(sandbox, ANA)) == 2
