"""The compiled context: participation, grouping, and what changed since the previous run."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.publish.digest import compile_context, load_run_data
from rituals.runs.opening import create_manual_run
from storage.models import Participant, ParticipantState, Run

from .conftest import RITUAL, AnswerFn, answer_values, close, roadmap


def test_changes_since_the_previous_run(
    sandbox: Sandbox, clock: FrozenClock, open_run: Run, answer: AnswerFn
) -> None:
    answer(
        "U0PM00001",
        answer_values(
            roadmap("SSO", "Now", "In progress", target_date="2027-03-01"),
            roadmap("Billing", "Next", "Planned"),
            roadmap("Audit log", "Now", "In progress"),
            roadmap("Legacy API", "Later", "Planned"),
        ),
    )
    close(sandbox, clock, open_run)

    clock.advance(timedelta(days=28))
    definition = sandbox.library.get(RITUAL)
    with sandbox.session_factory.begin() as session:
        second = create_manual_run(session, definition, clock.now(), note="test")
    opened = sandbox.app.services.opener.open(second, clock.now())
    assert opened is not None
    answer(
        "U0PM00001",
        answer_values(
            roadmap("sso", "Now", "In progress", target_date="2027-04-15"),  # slipped (title case ignored)
            roadmap("Billing", "Now", "In progress"),  # moved Next → Now
            roadmap("Audit log", "Now", "Shipped"),  # shipped
            roadmap("Mobile app", "Later", "Planned"),  # new; Legacy API dropped
        ),
        run=opened.run,
    )
    with sandbox.session_factory.begin() as session:
        skipper = session.scalar(
            select(Participant).where(Participant.run_id == opened.run.id, Participant.user_id == "U0PM00002")
        )
        assert skipper is not None
        skipper.state, skipper.skip_reason = ParticipantState.SKIPPED, "Out of office"
    with sandbox.session_factory() as session:
        run = session.get(Run, opened.run.id)
        assert run is not None
        data = load_run_data(session, definition, run)
    context = compile_context(definition, data, definition.audience("leaders"))
    changes = context["changes"]["roadmap"]
    assert [row["item"]["title"] for row in changes["new"]] == ["Mobile app"]
    assert [(row["item"]["title"], row["was"]) for row in changes["moved"]] == [("Billing", "Next")]
    assert [(row["item"]["title"], row["was"]) for row in changes["slipped"]] == [("sso", date(2027, 3, 1))]
    assert [row["item"]["title"] for row in changes["shipped"]] == ["Audit log"]
    assert [row["item"]["title"] for row in changes["dropped"]] == ["Legacy API"]
    assert list(context["items"]["roadmap"]["by_horizon"]) == ["Now", "Later"]
    assert context["counts"] == {
        "participants": 8,
        "answered": 1,
        "skipped": 1,
        "missing": 6,
        "away": 0,
        "late": 0,
    }
    assert context["skipped"] == [{"user": "U0PM00002", "name": "ben", "reason": "Out of office"}]
    # Sales sees neither skip reasons nor non-shareable items.
    sales = compile_context(definition, data, definition.audience("sales"))
    assert sales["skipped"] == []
    assert sales["items"]["roadmap"]["by_horizon"] == {}
