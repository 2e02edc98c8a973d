"""A digest leaders read: at 1,000 answers the post leads with what needs them and fits one
message; every answer is one click away in a canvas for the run, or a file where there is none."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from messaging.limits import MESSAGE_BLOCKS, MESSAGE_TEXT_BUDGET
from rituals.runs.opening import create_manual_run
from storage.models import Answer, Participant, ParticipantState

RITUAL = "monthly-roadmap-checkin"
PEOPLE = 1000


def _closed_run_with_answers(sandbox: Sandbox, clock: FrozenClock) -> None:
    services = sandbox.app.services
    definition = services.library.get(RITUAL)
    with services.session_factory.begin() as session:
        run = create_manual_run(session, definition, clock.now(), note="test")
        run.state = run.state.OPEN
        for n in range(PEOPLE):
            user = f"U1K{n:05d}"
            session.add(
                Participant(
                    run_id=run.id,
                    user_id=user,
                    display_name=f"pm {n:04d}",
                    timezone="UTC",
                    state=ParticipantState.ANSWERED,
                    reminders_sent=0,
                )
            )
            items = [
                {
                    "title": f"Item {n}-{i} with a reasonably descriptive title",
                    "horizon": ["Now", "Next", "Later"][i],
                    "status": ["Planned", "At risk", "Blocked", "In progress"][(n + i) % 4],
                    "shareable": i == 0,
                }
                for i in range(3)
            ]
            values = {"status": ["On track", "At risk"][n % 2], "roadmap": items, "risks": f"Risk {n} " * 5}
            if n % 25 == 0:
                values["asks"] = f"Decide the pricing of item {n}"
            session.add(
                Answer(
                    run_id=run.id,
                    ritual_id=RITUAL,
                    user_id=user,
                    version=1,
                    values=values,
                    late=False,
                    submitted_at=clock.now(),
                )
            )
        run_id = run.id
    clock.advance(timedelta(minutes=5))
    assert services.closer.close(run_id, clock.now(), note="closed by test")
    for _ in range(20):  # the outbox, then the document, then its link
        clock.advance(timedelta(seconds=3))
        sandbox.app.tick()


def _text(message: object) -> str:
    return json.dumps(message.blocks)  # type: ignore[attr-defined]


def test_a_thousand_answers_make_one_message_and_a_canvas(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws = sandbox.workspace
    _closed_run_with_answers(sandbox, clock)
    (digest,) = ws.messages_in("product-leads", include_replies=False)
    assert len(digest.blocks) <= MESSAGE_BLOCKS
    body = "\n".join(b["text"]["text"] for b in digest.blocks if b["type"] == "section")
    assert len(body) <= MESSAGE_TEXT_BUDGET
    assert body.startswith(f"*{PEOPLE}* of {PEOPLE} answered")
    assert "*Overall status of your area:* On track *500* · At risk *500*" in body
    assert "*Needs attention: Roadmap items* (1500)" in body
    assert "_…and 1492 more._" in body
    assert "*Decisions and help asked for* (40)" in body
    assert "Risk 17" not in body  # the long answers are in the canvas, not in the channel
    (canvas,) = ws.canvases
    assert canvas.readers == {"C0LEADS01": "read"}
    assert "Risk 17 Risk 17" in canvas.markdown
    assert "Item 999-2 with a reasonably descriptive title" in canvas.markdown
    replies = [m for m in ws.thread("product-leads", digest.ts) if m.ts != digest.ts]
    assert len(replies) == 1
    assert f"/docs/T0SIM0001/{canvas.id}|" in replies[0].text
    # More ticks make nothing twice.
    for _ in range(3):
        sandbox.app.tick()
    assert len(ws.canvases) == 1
    assert len([m for m in ws.thread("product-leads", digest.ts) if m.ts != digest.ts]) == 1


def test_without_canvases_the_answers_go_as_a_markdown_file(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws = sandbox.workspace
    ws.state.plan = "canvases_disabled"
    _closed_run_with_answers(sandbox, clock)
    assert ws.canvases == []
    (digest,) = ws.messages_in("product-leads", include_replies=False)
    (shared,) = [f for f in ws.files if f.filename.startswith(f"{RITUAL}-")]
    assert shared.filename.endswith("-leaders-run1.md")
    assert shared.content is not None
    assert b"Item 999-2 with a reasonably descriptive title" in shared.content
    assert "C0LEADS01" in shared.channels
    in_thread = [m for m in ws.thread("product-leads", digest.ts) if m.files]
    assert len(in_thread) == 1
