"""Owners and admins: list, status, history, nudge, close (command and Home tab), and the
refusals everyone else gets; the Home tab for PMs."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ANSWER_CALLBACK
from rituals.collect.prompts import FILL_ACTION, HANDOFF_ACTION, SKIP_ACTION
from rituals.home_section import HOME_CLOSE_ACTION, HOME_NUDGE_ACTION
from storage.models import DeliveryState, ParticipantState, RunState

from .conftest import (
    ADMIN,
    ANA,
    BEN,
    CHLOE,
    CLOSES,
    OPENS,
    OUTSIDER,
    OWNER,
    STRICT,
    answers,
    deliveries,
    dms,
    modal,
    open_run,
    participant,
    prompt_of,
    runs,
    text_of,
    wait,
)

DIETER = "U0PM00004"


def command(sandbox: Sandbox, user: str, text: str) -> str:
    return json.dumps(sandbox.driver.slash_command(user, "/ritual", text).json, ensure_ascii=False)


def home(sandbox: Sandbox, user: str, *, changed_from: str | None = None) -> str:
    ws = sandbox.workspace
    if changed_from is None:
        sandbox.driver.open_home(user)
    view = wait(sandbox, lambda: (v := ws.home_view(user)) and v.hash != changed_from and v)
    return json.dumps(view.blocks, ensure_ascii=False)


def hash_of(sandbox: Sandbox, user: str) -> str:
    view = sandbox.workspace.home_view(user)
    assert view is not None
    return view.hash


def test_status_history_and_list(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_run(sandbox, clock)
    driver = sandbox.driver
    driver.click(BEN, prompt_of(sandbox, BEN), SKIP_ACTION)
    skip = modal(sandbox, BEN, "prompt_skip_view")
    driver.submit_view(BEN, skip, {"reason": "other", "detail": "<!here> on a <b>trip</b>"})

    listing = command(sandbox, ANA, "list")
    assert (
        "*Team check-in* (`team-checkin`): open until Wed 20 Jan, 17:00 EST; *your answer is needed*."
        in listing
    )
    assert "*Strict check-in* (`strict-checkin`): next opens Tue 19 Jan, 10:00 EST." in listing

    for user in (ANA, OUTSIDER):
        refused = command(sandbox, user, "status team-checkin")
        assert "Only the owners of Team check-in (<@U0PRODOPS>) or an admin can do that." in refused
        assert "Only the owners" in command(sandbox, user, "history team-checkin")
    for user in (OWNER, ADMIN):
        status = command(sandbox, user, "status team-checkin")
        assert "0 of 3 answered, 1 skipped, 2 missing." in status
        assert f"*Skipped:* <@{BEN}> (&lt;!here&gt; on a &lt;b&gt;trip&lt;/b&gt;)" in status
        assert f"*Missing:* <@{ANA}> <@{CHLOE}>" in status
    assert participant(sandbox, run.id, BEN).skip_reason == "<!here> on a <b>trip</b>"

    history = command(sandbox, OWNER, "history team-checkin")
    assert "`2027-01-18T10:00` · *open* · 0/3 answered, 1 skipped, 2 missing" in history
    help_text = command(sandbox, OWNER, "help")
    for usage in (
        "list",
        "status RITUAL",
        "close RITUAL",
        "history RITUAL",
        "nudge RITUAL",
        "skip-next RITUAL",
    ):
        assert f"/ritual {usage}" in help_text


def test_owner_nudges_now_but_not_twice_and_not_at_night(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_run(sandbox, clock)  # Monday 10:00 in New York, 07:00 in Los Angeles
    assert "Only the owners" in command(sandbox, ANA, "nudge team-checkin")
    reply = command(sandbox, OWNER, "nudge team-checkin")
    assert f"Nudged 3 on *Team check-in*: <@{ANA}> <@{BEN}> <@{CHLOE}>" in reply
    nudges = {d.target: d for d in deliveries(sandbox, "nudge")}
    assert nudges[ANA].not_before == OPENS + timedelta(seconds=30)
    assert nudges[BEN].not_before == OPENS + timedelta(hours=1)  # 08:00 in Los Angeles
    assert "were reminded in the last few minutes" in command(sandbox, OWNER, "nudge team-checkin")
    assert len(deliveries(sandbox, "nudge")) == 3
    sandbox.app.tick()
    assert "asked me to nudge you" in dms(sandbox, ANA)[-1].text
    assert len(dms(sandbox, BEN)) == 1  # still night in Los Angeles
    clock.set(OPENS + timedelta(hours=1, minutes=1))
    sandbox.app.tick()
    assert "asked me to nudge you" in dms(sandbox, BEN)[-1].text

    # A second nudge later counts too: with max_reminders 2 reached, the scheduled reminder is not sent.
    clock.set(OPENS + timedelta(hours=2))
    command(sandbox, OWNER, "nudge team-checkin")
    assert participant(sandbox, run.id, ANA).reminders_sent == 2
    clock.set(CLOSES - timedelta(hours=24) + timedelta(minutes=1))
    sandbox.app.tick()
    assert [d.target for d in deliveries(sandbox, "reminder")] == []


def test_close_from_the_command_and_refusals(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws = sandbox.workspace
    open_run(sandbox, clock)
    sandbox.driver.slash_command(OUTSIDER, "/ritual", "close team-checkin")
    refusal = wait(sandbox, lambda: [r for r in ws.responses if r.user == OUTSIDER])
    assert refusal[0].body["response_type"] == "ephemeral"
    assert "Only the owners of Team check-in" in refusal[0].body["text"]
    assert runs(sandbox)[0].state is RunState.OPEN
    sandbox.driver.slash_command(ADMIN, "/ritual", "close team-checkin")
    done = wait(sandbox, lambda: [r for r in ws.responses if r.user == ADMIN])
    assert "Closed *Team check-in* (2027-01-18T10:00) now: 0 of 3 answered" in done[0].body["text"]
    assert runs(sandbox)[0].state is RunState.CLOSED
    sandbox.app.tick()
    assert "closed" in prompt_of(sandbox, ANA).text


def test_home_for_a_pm_and_for_the_owner(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    run = open_run(sandbox, clock)
    mine = home(sandbox, ANA)
    assert "Open for you" in mine
    assert "*your answer is needed* by Wed 20 Jan, 17:00 EST" in mine
    assert "Runs you own" not in mine

    # She answers from the Home tab's button.
    driver.click_home(ANA, FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    assert driver.submit_view(ANA, form, {"status": "On track", "confidence": 90}) != {}  # roadmap required
    assert answers(sandbox, ANA) == []
    driver.click(BEN, prompt_of(sandbox, BEN), SKIP_ACTION)
    driver.submit_view(BEN, modal(sandbox, BEN, "prompt_skip_view"), {"reason": "out_of_office"})

    owner = home(sandbox, OWNER)
    assert "Runs you own" in owner
    assert "0 of 3 answered, 1 skipped, 2 missing." in owner
    assert f"<@{BEN}> (Out of office)" in owner
    before = hash_of(sandbox, OWNER)
    driver.click_home(OWNER, HOME_NUDGE_ACTION)
    owner = home(sandbox, OWNER, changed_from=before)
    assert "Nudged 2 on *Team check-in*" in owner

    # A PM who gets hold of the owner's buttons is refused, and nothing closes.
    owner_view = ws.home_view(OWNER)
    assert owner_view is not None
    ana_before = hash_of(sandbox, ANA)
    driver.click_in_view(ANA, owner_view, HOME_CLOSE_ACTION)
    refused = home(sandbox, ANA, changed_from=ana_before)
    assert "Only the owners of Team check-in" in refused
    assert runs(sandbox)[0].state is RunState.OPEN

    before = hash_of(sandbox, OWNER)
    driver.click_home(OWNER, HOME_CLOSE_ACTION)
    owner = home(sandbox, OWNER, changed_from=before)
    assert "Closed *Team check-in*" in owner
    assert runs(sandbox)[0].state is RunState.CLOSED
    assert participant(sandbox, run.id, CHLOE).state is ParticipantState.PENDING


def test_hand_off_to_someone_else(sandbox: Sandbox, clock: FrozenClock) -> None:
    driver = sandbox.driver
    run = open_run(sandbox, clock)
    driver.click(CHLOE, prompt_of(sandbox, CHLOE), HANDOFF_ACTION)
    form = modal(sandbox, CHLOE, "prompt_handoff_view")
    for who, error in (
        (CHLOE, "Pick someone other than yourself."),
        ("U0BOT0001", "Pick a person who is still in the workspace (not a bot or a former member)."),
        (ANA, "ana is already asked for this one. Pick someone else, or skip it."),
    ):
        assert driver.submit_view(CHLOE, form, {"person": who}) == {
            "response_action": "errors",
            "errors": {"person": error},
        }
    assert driver.submit_view(CHLOE, form, {"person": DIETER}) == {}
    chloe = participant(sandbox, run.id, CHLOE)
    assert chloe.state is ParticipantState.DELEGATED
    assert chloe.delegated_to == DIETER
    dieter = participant(sandbox, run.id, DIETER)
    assert dieter.delegated_by == CHLOE
    assert dieter.timezone == "Europe/Berlin"
    sandbox.app.tick()
    [prompt] = dms(sandbox, DIETER)
    assert f"<@{CHLOE}> handed this one to you." in text_of(prompt)
    assert "Wed 20 Jan, 23:00 CET" in text_of(prompt)
    assert f"you handed this one to <@{DIETER}>" in prompt_of(sandbox, CHLOE).text
    assert "prompt_fill" not in text_of(prompt_of(sandbox, CHLOE))
    status = command(sandbox, OWNER, "status team-checkin")
    assert f"*Handed over:* <@{CHLOE}> → <@{DIETER}>" in status
    assert "0 of 3 answered" in status


def test_late_answers_refused_by_a_strict_ritual(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    run = open_run(sandbox, clock, STRICT)
    stale_prompt = copy.deepcopy(prompt_of(sandbox, ANA, run.id))
    driver.click(ANA, prompt_of(sandbox, ANA, run.id), FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    clock.set(run.closes_at + timedelta(minutes=1))  # type: ignore[operator]
    sandbox.app.tick()
    assert runs(sandbox, STRICT)[0].state is RunState.CLOSED
    answer = driver.submit_view(ANA, form, {"status": "On track", "confidence": 10})
    assert answer == {
        "response_action": "errors",
        "errors": {"status": "Strict check-in has closed, and this check-in does not take late answers."},
    }
    assert answers(sandbox, ANA) == []
    assert "does not take late answers" in prompt_of(sandbox, ANA, run.id).text
    assert "prompt_fill" not in text_of(prompt_of(sandbox, ANA, run.id))
    # An old button from before the close gets a clear refusal too.
    driver.click(ANA, stale_prompt, FILL_ACTION)
    refusal = wait(sandbox, lambda: [r for r in ws.responses if r.user == ANA])
    assert "does not take late answers" in refusal[-1].body["text"]
    assert not [d for d in deliveries(sandbox, "answer-copy")]
    assert all(d.state is not DeliveryState.FAILED for d in deliveries(sandbox, "prompt-update"))
