"""Key results elsewhere in Slack, through the bot's real endpoint: `/ritual okrs`, each person's
own key results on the Home tab, and metrics in the monthly roadmap digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.demo.numbers_source import NumbersServer
from bot.sandbox import Sandbox
from core.clock import FrozenClock

from .conftest import ANA, BEN, FIRST_OPENS, check_in, open_okr_run, text_of, tick_at

CHLOE = "U0PM00003"
ROADMAP_OPENS = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)  # the first Monday, 10:00 New York
ROADMAP_CLOSES = datetime(2027, 2, 4, 22, 0, tzinfo=UTC)  # Thursday 17:00 New York


def _last_ephemeral(sandbox: Sandbox, user: str) -> str:
    message = sandbox.workspace.ephemeral_for(user)[-1]
    return message.text + " " + json.dumps(message.blocks, ensure_ascii=False)


def test_slash_okrs_shows_where_every_key_result_stands(sandbox: Sandbox, clock: FrozenClock) -> None:
    run = open_okr_run(sandbox, clock, FIRST_OPENS)
    check_in(sandbox, ANA, run, {"activated-teams": {"confidence": "at_risk", "comment": "slow <!here>"}})
    check_in(sandbox, BEN, run, {"paid-conversion": {"value": "2.5", "confidence": "on_track"}})

    sandbox.driver.slash_command(CHLOE, "/ritual", "okrs")
    shown = _last_ephemeral(sandbox, CHLOE)
    assert "2 key results*: 1 at risk · 1 on track" in shown
    assert "Weekly activated teams*: 42 teams, target 100 teams" in shown
    assert "<@U0PM00001>" in shown
    assert "<@U0PM00002>" in shown  # Ben owns his by email; Slack said which user that is
    assert "⚠ source unavailable: HTTP 503 (after 3 tries)" in shown
    assert "slow &lt;!here&gt;" in shown
    assert shown.index("Weekly activated teams") < shown.index("Paid conversion")  # at risk first

    sandbox.driver.slash_command(CHLOE, "/ritual", "okrs grow-activatoin")
    assert "No objective `grow-activatoin`. Did you mean `grow-activation`?" in _last_ephemeral(
        sandbox, CHLOE
    )

    sandbox.driver.slash_command(CHLOE, "/ritual", "help")
    assert "/ritual okrs [OBJECTIVE]" in _last_ephemeral(sandbox, CHLOE)


def test_the_home_tab_shows_a_persons_own_key_results(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws = sandbox.workspace
    run = open_okr_run(sandbox, clock, FIRST_OPENS)
    check_in(sandbox, BEN, run, {"paid-conversion": {"value": "2.5", "confidence": "on_track"}})
    for user in (BEN, CHLOE):
        sandbox.driver.open_home(user)
    ben = json.dumps(ws.wait_for(lambda: ws.home_view(BEN)).blocks, ensure_ascii=False)
    assert "*Your key results*" in ben
    assert "Paid conversion*: 2.5%, target 5%" in ben
    assert "Weekly activated teams" not in ben
    chloe = json.dumps(ws.wait_for(lambda: ws.home_view(CHLOE)).blocks, ensure_ascii=False)
    assert "Your key results" not in chloe  # she owns none: no section at all


def test_the_roadmap_digest_shows_metrics_and_their_change(
    sandbox: Sandbox, clock: FrozenClock, numbers: NumbersServer
) -> None:
    def roadmap_digests() -> list[str]:
        return [
            text_of(m)
            for m in sandbox.workspace.messages_in("product-leads", include_replies=False)
            if "Monthly roadmap check-in" in m.text
        ]

    for opens, closes in (
        (ROADMAP_OPENS, ROADMAP_CLOSES),
        (ROADMAP_OPENS + timedelta(days=28), ROADMAP_CLOSES + timedelta(days=28)),
    ):
        tick_at(sandbox, clock, opens - timedelta(minutes=5))
        tick_at(sandbox, clock, opens + timedelta(seconds=30))
        assert numbers.requests["weekly-active"] == len(roadmap_digests())  # read at closing only
        tick_at(sandbox, clock, closes + timedelta(seconds=30))
        for _ in range(3):
            tick_at(sandbox, clock, clock.now() + timedelta(seconds=5))
        numbers.serve("weekly-active", 1450)
    february, march = roadmap_digests()
    assert "Weekly active users: *1,200*" in february
    assert "Weekly active users: *1,450* (▲ 250 since 1 Feb)" in march
