"""Time off: people away for a run are not prompted or chased, and the digest says "away"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.away.time_off_views import AWAY_CALLBACK, HOME_AWAY_ACTION, HOME_BACK_ACTION
from rituals.collect.prompts import FILL_ACTION
from rituals.runs.opening import create_manual_run
from storage.models import Participant, ParticipantState, TimeOff

from .conftest import ANA, response_text

RITUAL = "monthly-roadmap-checkin"
KENJI = "U0PM00008"


def _open_run(sandbox: Sandbox, clock: FrozenClock) -> int:
    services = sandbox.app.services
    with services.session_factory.begin() as session:
        run = create_manual_run(session, services.library.get(RITUAL), clock.now(), note="test")
    assert services.opener.open(run, clock.now()) is not None
    return run.id


def _states(sandbox: Sandbox, run_id: int) -> dict[str, ParticipantState]:
    with Session(sandbox.engine) as session:
        return {
            p.user_id: p.state
            for p in session.scalars(select(Participant).where(Participant.run_id == run_id))
        }


def _prompted(sandbox: Sandbox, user: str) -> bool:
    return any(FILL_ACTION in json.dumps(m.blocks) for m in sandbox.workspace.dm_messages(user))


def test_away_until_a_date_means_no_prompt_no_reminder_and_away_in_the_digest(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    sandbox.driver.slash_command(ANA, "/ritual", "away until 2027-01-20 parental leave")
    assert "you are away from Wed 13 Jan until Wed 20 Jan 2027" in response_text(sandbox)
    run_id = _open_run(sandbox, clock)
    assert _states(sandbox, run_id)[ANA] is ParticipantState.AWAY
    for _ in range(4 * 24):  # past the close, a tick an hour
        clock.advance(timedelta(hours=1))
        sandbox.app.tick()
    assert not sandbox.workspace.dm_messages(ANA)  # neither prompted nor reminded
    assert _prompted(sandbox, KENJI)
    parents = sandbox.workspace.messages_in("product-leads", include_replies=False)
    (digest,) = [m for m in parents if "Monthly roadmap" in m.text]
    lines = "\n".join(b["text"]["text"] for b in digest.blocks if b["type"] == "section").splitlines()
    assert "Away: <@U0PM00001>" in lines
    (no_answer,) = [line for line in lines if line.startswith("No answer from")]
    assert "<@U0PM00001>" not in no_answer
    assert "<@U0PM00008>" in no_answer


def test_a_status_that_says_vacation_counts_as_away(sandbox: Sandbox, clock: FrozenClock) -> None:
    ana = sandbox.workspace.roster.user(ANA)
    kenji = sandbox.workspace.roster.user(KENJI)
    assert ana is not None
    assert kenji is not None
    ana.status_text, ana.status_emoji = "Vacation", ":palm_tree:"
    # Back before the run closes: still asked.
    kenji.status_text, kenji.status_emoji = "OOO", ":calendar:"
    kenji.status_expiration = int((clock.now() + timedelta(days=1)).timestamp())
    run_id = _open_run(sandbox, clock)
    states = _states(sandbox, run_id)
    assert states[ANA] is ParticipantState.AWAY
    assert states[KENJI] is ParticipantState.PENDING


def test_back_early_brings_the_prompt(sandbox: Sandbox, clock: FrozenClock) -> None:
    run_id = _open_run(sandbox, clock)
    sandbox.app.tick()
    assert _prompted(sandbox, ANA)
    sandbox.driver.slash_command(ANA, "/ritual", "away until 2027-01-31")
    assert "I will not chase you for *Monthly roadmap check-in*" in response_text(sandbox)
    assert _states(sandbox, run_id)[ANA] is ParticipantState.AWAY
    sandbox.app.tick()
    prompt = sandbox.workspace.dm_messages(ANA)[0]
    assert "you are away" in prompt.text  # the prompt was updated in place
    sandbox.driver.slash_command(ANA, "/ritual", "away off")
    assert sandbox.workspace.wait_for(
        lambda: any("Welcome back" in r.body.get("text", "") for r in sandbox.workspace.responses) or None
    )
    assert _states(sandbox, run_id)[ANA] is ParticipantState.PENDING
    with Session(sandbox.engine) as session:  # away and back the same day: nothing to keep
        assert session.scalars(select(TimeOff).where(TimeOff.user_id == ANA)).all() == []


def test_bad_dates_get_a_clear_answer(sandbox: Sandbox) -> None:
    sandbox.driver.slash_command(ANA, "/ritual", "away until next week")
    assert "`next` is not a date" in response_text(sandbox)


def test_time_off_from_the_home_tab(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    driver.open_home(ANA)
    home = ws.wait_for(lambda: ws.home_view(ANA))
    assert "Mark me away" in json.dumps(home.blocks)
    driver.click_home(ANA, HOME_AWAY_ACTION)
    form = ws.wait_for(lambda: (v := ws.last_modal(ANA)) and v.callback_id == AWAY_CALLBACK and v)
    answer = driver.submit_view(ANA, form, {"away_first": "2027-01-25", "away_last": "2027-01-22"})
    assert answer["errors"] == {"away_last": "The last day comes before the first one."}
    driver.submit_view(
        ANA, form, {"away_first": "2027-01-25", "away_last": "2027-02-05", "away_note": "Skiing"}
    )
    ws.wait_for(
        lambda: (
            "Away from Mon 25 Jan until Fri 05 Feb 2027 (Skiing)" in json.dumps(ws.home_view(ANA).blocks)
            or None
        )
    )
    driver.click_home(ANA, HOME_BACK_ACTION)
    ws.wait_for(lambda: "Welcome back" in json.dumps(ws.home_view(ANA).blocks) or None)
    assert clock.now() < datetime(2027, 1, 25, tzinfo=UTC)


def _reminded(sandbox: Sandbox, user: str) -> int:
    return sum("A reminder" in m.text for m in sandbox.workspace.dm_messages(user))


def test_a_status_set_after_the_prompt_stops_the_reminders(sandbox: Sandbox, clock: FrozenClock) -> None:
    run_id = _open_run(sandbox, clock)
    sandbox.app.tick()
    assert _prompted(sandbox, ANA)
    assert _prompted(sandbox, KENJI)
    # Ana leaves on holiday after the prompt reached her; Kenji's status lapses before the close.
    ana = sandbox.workspace.roster.user(ANA)
    kenji = sandbox.workspace.roster.user(KENJI)
    assert ana is not None
    assert kenji is not None
    ana.status_text, ana.status_emoji = "On holiday", ":palm_tree:"
    kenji.status_text, kenji.status_emoji = "Vacation", ":palm_tree:"
    kenji.status_expiration = int((clock.now() + timedelta(hours=30)).timestamp())
    for _ in range(4 * 24):  # past the close, a tick an hour
        clock.advance(timedelta(hours=1))
        sandbox.app.tick()
    assert _reminded(sandbox, ANA) == 0
    assert _reminded(sandbox, KENJI) >= 1
    assert _states(sandbox, run_id)[ANA] is ParticipantState.AWAY
    assert "You were away for this one" in sandbox.workspace.dm_messages(ANA)[0].text  # her prompt says so
    parents = sandbox.workspace.messages_in("product-leads", include_replies=False)
    (digest,) = [m for m in parents if "Monthly roadmap" in m.text]
    lines = "\n".join(b["text"]["text"] for b in digest.blocks if b["type"] == "section").splitlines()
    assert "Away: <@U0PM00001>" in lines


def test_reminders_still_go_out_when_slack_cannot_say_who_is_away(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    _open_run(sandbox, clock)
    sandbox.app.tick()
    sandbox.workspace.faults.error_next("users.info", "internal_error", times=1000)
    for _ in range(3 * 24):
        clock.advance(timedelta(hours=1))
        sandbox.app.tick()
    assert _reminded(sandbox, ANA) >= 1
