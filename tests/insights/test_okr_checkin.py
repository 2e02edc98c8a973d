"""The issue's "done when", through the bot's real endpoint and a real local metrics server:

* a key result whose source serves 42 prefills 42 in its owner's modal;
* with a source down the run still opens and closes, the owner hears of it once, and the digest
  says the key result's source is unavailable;
* the chart is uploaded once into the leaders' digest thread, even when Slack fails after taking it;
* a second check-in shows the trend against the first.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo.numbers_source import NumbersServer
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from storage.models import KeyResultCheckin, ReadingPhase, RunState, SourceReading

from .conftest import (
    ANA,
    BEN,
    FIRST_CLOSES,
    FIRST_OPENS,
    SECOND_CLOSES,
    SECOND_OPENS,
    TOKEN,
    block,
    blocks_text,
    check_in,
    close_okr_run,
    digest_thread,
    kr_input,
    okr_runs,
    open_form,
    open_okr_run,
    text_of,
)


def _first_month(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_okr_run(sandbox, clock, FIRST_OPENS)
    assert run.state is RunState.OPEN
    check_in(
        sandbox,
        ANA,
        run,
        {"activated-teams": {"confidence": "on_track", "comment": "Onboarding revamp <!channel>"}},
    )
    check_in(sandbox, BEN, run, {"paid-conversion": {"value": "2.5", "confidence": "at_risk"}})
    close_okr_run(sandbox, clock, FIRST_CLOSES)


def test_a_source_prefills_the_modal_and_a_source_down_never_stops_the_run(
    sandbox: Sandbox, clock: FrozenClock, numbers: NumbersServer
) -> None:
    ws = sandbox.workspace
    run = open_okr_run(sandbox, clock, FIRST_OPENS)
    assert run.state is RunState.OPEN
    # Each source was read once when the run opened; the token came from the environment.
    assert numbers.requests["activated-teams"] == 1
    assert numbers.headers["activated-teams"]["Authorization"] == f"Bearer {TOKEN}"
    assert numbers.requests["conversion"] == 3  # the first try and two retries
    assert numbers.requests["weekly-active"] == 0  # metrics are read for digests, at closing

    # Ana owns "Weekly activated teams" (by user id): its source serves 42, so her modal says 42.
    form = open_form(sandbox, ANA, run)
    value = block(form, kr_input("activated-teams", "value"))
    assert value["element"]["type"] == "number_input"
    assert value["element"]["initial_value"] == "42"
    assert "Value from its source when this check-in opened." in blocks_text(form)
    assert not any(b.get("block_id", "").startswith("key_results:paid-conversion") for b in form.blocks)
    sandbox.driver.close_view(ANA, form)

    # Ben owns "Paid conversion" by email; its source is down, so he is told why, and the form
    # asks him without a prefilled number.
    form = open_form(sandbox, BEN, run)
    assert "initial_value" not in block(form, kr_input("paid-conversion", "value"))["element"]
    assert "Its source is unavailable (HTTP 503 (after 3 tries))" in blocks_text(form)
    sandbox.driver.close_view(BEN, form)
    notices = [m for m in ws.dm_messages(BEN) if "unavailable" in m.text]
    assert len(notices) == 1
    assert "Paid conversion" in notices[0].text
    assert "HTTP 503 (after 3 tries)" in notices[0].text

    # A required value left empty is answered inline, and nothing is saved.
    form = open_form(sandbox, BEN, run)
    answer = sandbox.driver.submit_view(
        BEN, form, {kr_input("paid-conversion", "confidence"): "at_risk"}, enforce_required=False
    )
    assert answer == {
        "response_action": "errors",
        "errors": {kr_input("paid-conversion", "value"): "This is required."},
    }
    assert sandbox.driver.submit_view(BEN, form, {kr_input("paid-conversion", "value"): "2.5"}) == {}
    check_in(
        sandbox, ANA, run, {"activated-teams": {"confidence": "on_track", "comment": "Revamp <!channel>"}}
    )
    sandbox.app.tick()
    [copy] = [m for m in ws.dm_messages(ANA) if "copy of your answer" in text_of(m)]
    assert "*Weekly activated teams*: 42 teams · On track — Revamp &lt;!channel&gt;" in text_of(copy)
    with Session(sandbox.engine) as session:
        rows = session.scalars(select(KeyResultCheckin).order_by(KeyResultCheckin.key_result)).all()
        assert [(r.key_result, r.user_id, r.value, r.confidence) for r in rows] == [
            ("activated-teams", ANA, 42, "on_track"),
            ("paid-conversion", BEN, 2.5, "at_risk"),
        ]

    # The deadline: the run closes although the source is still down.
    close_okr_run(sandbox, clock, FIRST_CLOSES)
    assert okr_runs(sandbox)[-1].state is RunState.CLOSED
    assert numbers.requests["activated-teams"] == 2  # once more, for the digest
    assert numbers.requests["weekly-active"] == 1
    parent, replies = digest_thread(sandbox)
    digest = " ".join(text_of(m) for m in [parent, *replies])
    assert "Weekly activated teams" in digest
    assert "42 teams, target 100 teams" in digest
    assert "Paid conversion" in digest
    assert "Source unavailable: HTTP 503 (after 3 tries)" in digest
    assert "Weekly active users" in digest
    assert "1,200" in digest
    assert "&lt;!channel&gt;" in digest
    assert "<!channel>" not in digest
    # Ben heard about his source once in the whole run, though it failed at opening and closing.
    assert len([m for m in ws.dm_messages(BEN) if "unavailable" in m.text]) == 1
    with Session(sandbox.engine) as session:
        phases = session.scalars(
            select(SourceReading.phase).where(SourceReading.source == "kr:paid-conversion")
        ).all()
        assert sorted(phases) == [ReadingPhase.CLOSE, ReadingPhase.OPEN]


def test_the_chart_is_uploaded_once_into_the_digest_thread(
    sandbox: Sandbox, clock: FrozenClock, numbers: NumbersServer
) -> None:
    ws = sandbox.workspace
    # Slack takes the chart, then the answer is lost: the outbox finds it rather than upload again.
    ws.faults.server_error_next("files.completeUploadExternal", times=1, status=502, after_processing=True)
    _first_month(sandbox, clock)
    _parent, replies = digest_thread(sandbox)
    charts = [m for m in replies if m.files]
    assert len(charts) == 1
    [chart] = [f for f in ws.files if f.id in charts[0].files]
    assert chart.filename.startswith("key-results-grow-activation-")
    assert chart.filename.endswith(".png")
    assert chart.content is not None
    assert chart.content.startswith(b"\x89PNG")
    assert chart.alt_txt is not None
    assert "Weekly activated teams" in chart.alt_txt
    assert len(chart.alt_txt) <= 1000
    # More ticks, or a retried close, upload nothing more.
    close_okr_run(sandbox, clock, FIRST_CLOSES)
    assert len([f for f in ws.files if f.completed]) == 1


def test_a_second_check_in_shows_the_trend_against_the_first(
    sandbox: Sandbox, clock: FrozenClock, numbers: NumbersServer
) -> None:
    _first_month(sandbox, clock)
    numbers.serve("activated-teams", 57)
    numbers.serve("conversion", 3.1)
    numbers.serve("weekly-active", 1450)
    run = open_okr_run(sandbox, clock, SECOND_OPENS)

    # Ben's source is back: his value comes from it, his confidence from last time.
    form = open_form(sandbox, BEN, run)
    assert block(form, kr_input("paid-conversion", "value"))["element"]["initial_value"] == "3.1"
    confidence = block(form, kr_input("paid-conversion", "confidence"))["element"]
    assert confidence["initial_option"]["value"] == "at_risk"
    sandbox.driver.close_view(BEN, form)

    check_in(
        sandbox, ANA, run, {"activated-teams": {"confidence": "at_risk", "comment": "Two teams churned"}}
    )
    check_in(sandbox, BEN, run, {"paid-conversion": {"confidence": "on_track"}})
    close_okr_run(sandbox, clock, SECOND_CLOSES)

    parent, replies = digest_thread(sandbox)
    digest = " ".join(text_of(m) for m in [parent, *replies])
    assert "57 teams, target 100 teams" in digest
    assert "▲ 15 since the last check-in" in digest
    assert "On track → At risk" in digest
    assert "▲ 0.6 since the last check-in" in digest
    assert "At risk → On track" in digest
    assert "Weekly active users: *1,450* (▲ 250 since 29 Jan)" in digest
    # At risk comes first: Ana's key result is listed before Ben's.
    assert digest.index("Weekly activated teams") < digest.index("Paid conversion")
    # A chart for each month's digest, each in its own thread.
    assert len([m for m in replies if m.files]) == 1


def test_a_key_result_the_open_form_did_not_show_draws_the_form_again(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    # Ana's form was drawn before "Weekly activated teams" was hers (its blocks are not in what
    # she submits): nothing is saved, and the form is drawn again with it, saying why.
    run = open_okr_run(sandbox, clock, FIRST_OPENS)
    form = open_form(sandbox, ANA, run)
    with sandbox.workspace.state.lock:
        form.definition["blocks"] = [
            b for b in form.blocks if not str(b.get("block_id", "")).startswith("key_results:activated-teams")
        ]
    answer = sandbox.driver.submit_view(ANA, form)
    assert answer["response_action"] == "update"
    redrawn = json.dumps(answer["view"]["blocks"], ensure_ascii=False)
    assert "Your key results changed while this form was open" in redrawn
    assert kr_input("activated-teams", "value") in redrawn
    with Session(sandbox.engine) as session:
        assert session.scalars(select(KeyResultCheckin)).all() == []
    # Sent again from the form drawn again, it is saved.
    check_in(sandbox, ANA, run, {"activated-teams": {"confidence": "on_track"}})
    with Session(sandbox.engine) as session:
        assert len(session.scalars(select(KeyResultCheckin)).all()) == 1
