"""The items editor: a PM with eight roadmap items updates them in a few clicks.

Last month's answer prefills the modal; choices are changed right in the rows, the text of an
item in its own stacked modal, and items are added, moved and removed, all without losing
anything typed elsewhere in the form."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import (
    ADD_ITEM_ACTION,
    ANSWER_CALLBACK,
    EDIT_ITEM_ACTION,
    ITEM_CALLBACK,
    ITEM_MENU_ACTION,
)
from rituals.collect.prompts import FILL_ACTION
from simulator import ViewRecord
from storage.models import Answer, Run, RunOrigin, RunState

from .conftest import ANA, OPENS, RITUAL, answers, fresh, modal, open_run, prompt_of, row_ids, wait

LAST_MONTH = [
    {
        "title": f"Item {n}",
        "horizon": ["Now", "Next", "Later"][n % 3],
        "status": "Planned",
        "target_date": f"2027-0{n % 9 + 1}-15",
        "link": f"https://roadmap.example/{n}",
        "shareable": n % 2 == 0,
    }
    for n in range(1, 9)
]


def seed_last_answer(sandbox: Sandbox) -> None:
    """Ana's answer to the previous run of the ritual, a week before this one."""
    earlier = OPENS - timedelta(days=7)
    with Session(sandbox.engine) as session, session.begin():
        run = Run(
            ritual_id=RITUAL,
            occurrence_key="2027-01-11T10:00",
            scheduled_for=earlier,
            state=RunState.CLOSED,
            origin=RunOrigin.SCHEDULE,
            opened_at=earlier,
            closes_at=earlier + timedelta(days=2),
            closed_at=earlier + timedelta(days=2),
            created_at=earlier,
        )
        session.add(run)
        session.flush()
        session.add(
            Answer(
                run_id=run.id,
                ritual_id=RITUAL,
                user_id=ANA,
                version=1,
                values={"status": "On track", "roadmap": LAST_MONTH, "confidence": 60, "risks": "Hiring"},
                late=False,
                submitted_at=earlier + timedelta(hours=3),
            )
        )


def test_eight_items_updated_in_a_few_clicks(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    seed_last_answer(sandbox)
    run = open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)

    # Prefilled: every item is a row showing its choices; the other fields carry last answers.
    rows = row_ids(form)
    assert len(rows) == 8
    assert len(form.blocks) <= 100
    assert "Prefilled from your answer of Mon 11 Jan" in str(form.blocks[0])
    first = form.block(rows[0])
    assert first is not None
    assert first["elements"][0]["text"]["text"] == "✎ Item 1 · 🔗"
    assert [e.get("initial_option", {}).get("value") for e in first["elements"][1:3]] == ["Next", "Planned"]
    assert first["elements"][3]["initial_date"] == "2027-02-15"
    risks = form.block("risks")
    assert risks is not None
    assert risks["element"]["initial_value"] == "Hiring"

    # She types her risks first, then edits item 3's title: the item modal shows the status she
    # just picked in its row, and her risks are still there when she comes back.
    reply = driver.click_in_view(ANA, form, "status", value="In progress")  # a row choice: only acked
    assert reply.status == 200
    # What Slack's client holds while she works (the driver fills state only on submission).
    with ws.state.lock:
        form.state[rows[2]] = {"status": _selected("In progress")}
        form.state["risks"] = {"value": {"type": "plain_text_input", "value": "Hiring; a vendor slipped"}}
    _click_in_row(sandbox, form, rows[2], EDIT_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert item.block("status")["element"]["initial_option"]["value"] == "In progress"  # type: ignore[index]
    assert driver.submit_view(ANA, item, {"title": "Item 3, renamed"}) == {}
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and v.updates >= 1 and v)
    assert ws.last_modal(ANA).id == form.id
    assert form.state["risks"]["value"]["value"] == "Hiring; a vendor slipped"  # kept across the update
    rows = row_ids(form)
    assert rows[2].endswith(".1")  # the edited row has a new revision: it shows the saved values

    # Remove item 8, move item 2 up, add a new one.
    _click_in_row(sandbox, form, rows[7], ITEM_MENU_ACTION, f"remove|{rows[7].rsplit('.', 1)[0]}")
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and len(row_ids(v)) == 7 and v)
    second = row_ids(form)[1]
    _click_in_row(sandbox, form, second, ITEM_MENU_ACTION, f"up|{second.rsplit('.', 1)[0]}")
    form = wait(
        sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v)[0].startswith("roadmap.p1.") and v
    )
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert driver.submit_view(ANA, item, {"title": "New bet", "horizon": "Later", "status": "Planned"}) == {}
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and len(row_ids(v)) == 8 and v)

    # Item 5 moved on too: two choices right in its row, then send.
    by_uid = {row.split(".")[1]: row for row in row_ids(form)}
    assert (
        driver.submit_view(
            ANA, form, {by_uid["p4"]: {"status": "Shipped", "horizon": "Now"}, "confidence": 65}
        )
        == {}
    )
    [saved] = answers(sandbox, ANA)[1:]
    assert saved.run_id == run.id
    items = saved.values["roadmap"]
    assert [i["title"] for i in items] == [
        "Item 2",
        "Item 1",
        "Item 3, renamed",
        "Item 4",
        "Item 5",
        "Item 6",
        "Item 7",
        "New bet",
    ]
    assert items[2]["status"] == "In progress"
    assert items[2]["link"] == "https://roadmap.example/3"
    assert items[4]["status"] == "Shipped"
    assert items[4]["horizon"] == "Now"
    assert items[7]["shareable"] is False
    assert saved.values["risks"] == "Hiring; a vendor slipped"
    assert saved.values["confidence"] == 65
    # The previous month's answer is untouched.
    assert answers(sandbox, ANA)[0].values["roadmap"] == LAST_MONTH


def test_the_item_modal_answers_inline_and_back_keeps_the_form(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    assert [v.id for v in ws.open_views(ANA)] == [form.id, item.id]
    answer = driver.submit_view(
        ANA, item, {"title": "x" * 10, "horizon": "Now", "status": "Planned", "link": "https://"}
    )
    assert answer["errors"] == {"link": "Enter a web address starting with https:// (or http://)."}
    driver.close_view(ANA, item)
    assert ws.last_modal(ANA).id == form.id
    assert row_ids(fresh(sandbox, form)) == []


def test_a_full_items_field_offers_no_more_items(sandbox: Sandbox, clock: FrozenClock) -> None:
    seed_last_answer(sandbox)
    open_run(sandbox, clock)
    driver = sandbox.driver
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    assert form.block("_add.roadmap") is None  # max_items is 8, and last month had 8
    assert "most this form takes (8)" in str(form.block("_head.roadmap"))


def _selected(value: str) -> dict[str, object]:
    option = {"text": {"type": "plain_text", "text": value, "emoji": True}, "value": value}
    return {"type": "static_select", "selected_option": option}


def _click_in_row(
    sandbox: Sandbox, form: ViewRecord, row: str, action_id: str, value: str | None = None
) -> None:
    """Click an element of one row. The driver finds an element by its action id, and every row
    has the same ones, so it is shown a copy of the view holding only that row (same id, hash
    and state, so the payload is what Slack would send)."""
    view = sandbox.workspace.view(form.id)
    block = view.block(row)
    assert block is not None
    single = replace(view, definition={**view.definition, "blocks": [block]})
    sandbox.driver.click_in_view(ANA, single, action_id, value=value)


def test_a_click_on_an_item_removed_meanwhile_is_explained_in_the_modal(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    seed_last_answer(sandbox)
    open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    stale = replace(form, definition=dict(form.definition))  # what a second device still shows
    first = row_ids(form)[0]
    _click_in_row(sandbox, form, first, ITEM_MENU_ACTION, f"remove|{first.rsplit('.', 1)[0]}")
    wait(sandbox, lambda: len(row_ids(fresh(sandbox, form))) == 7)
    single = replace(stale, definition={**stale.definition, "blocks": [stale.block(first)]})
    driver.click_in_view(ANA, single, EDIT_ITEM_ACTION)
    error = wait(sandbox, lambda: (v := ws.last_modal(ANA)) and v.title == "Not now" and v)
    assert "That item was removed" in str(error.blocks)
    assert [v.id for v in ws.open_views(ANA)] == [form.id, error.id]


def test_send_right_after_saving_an_item_sends_it(sandbox: Sandbox, clock: FrozenClock) -> None:
    """Slack refreshes the answer modal only after the item modal's save was acknowledged; a PM
    who presses Send before that sends the form as drawn, and the saved item goes with it."""
    driver = sandbox.driver
    run = open_run(sandbox, clock)
    driver.click(ANA, prompt_of(sandbox, ANA), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    as_drawn = replace(form, definition=dict(form.definition))  # before the refresh arrives
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    driver.submit_view(ANA, item, {"title": "Self-serve SSO", "horizon": "Now", "status": "Planned"})
    reply = driver.submit_view(ANA, as_drawn, {"status": "On track", "confidence": "70"})
    assert reply.get("response_action") is None, reply
    saved = wait(sandbox, lambda: answers(sandbox, ANA))
    assert saved[-1].run_id == run.id
    assert [item["title"] for item in saved[-1].values["roadmap"]] == ["Self-serve SSO"]
