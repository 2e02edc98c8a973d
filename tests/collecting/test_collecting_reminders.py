"""Reminder timing and prompt timing in people's own time zones.

Here the ritual delivers at 10:00 in each participant's own zone (London before New York) and
reminds twice ("1d after open", "24h before close")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.collect.forms.ids import ADD_ITEM_ACTION, ANSWER_CALLBACK, ITEM_CALLBACK
from rituals.collect.prompts import FILL_ACTION
from storage.models import DeliveryState

from .conftest import (
    ANA,
    CHLOE,
    FORM,
    OWNER,
    deliveries,
    dms,
    fresh,
    modal,
    participant,
    prompt_of,
    row_ids,
    runs,
    wait,
)

LOCAL = "local-checkin"
LONDON_TEN = datetime(2027, 1, 18, 10, 0, tzinfo=UTC)
NEW_YORK_TEN = datetime(2027, 1, 18, 15, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2027, 1, 17, 9, 0, tzinfo=UTC))


@pytest.fixture
def rituals_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "rituals"
    folder.mkdir()
    (folder / f"{LOCAL}.yml").write_text(
        f"""
id: {LOCAL}
name: Local check-in
owners: [{OWNER}]
schedule: {{cron: "0 10 * * mon", timezone: America/New_York, deliver: participant_local_time}}
window:
  closes_after: 2d
  closes_at: "17:00"
  reminders: ["1d after open", "24h before close"]
  max_reminders: 3
participants:
  users: [{ANA}, {CHLOE}]
{FORM}
"""
    )
    return folder


def test_prompts_at_local_ten_and_an_early_answer_needs_no_edit(sandbox: Sandbox, clock: FrozenClock) -> None:
    ws, driver = sandbox.workspace, sandbox.driver
    sandbox.app.tick()
    clock.set(LONDON_TEN + timedelta(seconds=30))
    sandbox.app.tick()
    [run] = runs(sandbox, LOCAL)
    assert len(dms(sandbox, CHLOE)) == 1
    assert dms(sandbox, ANA) == []
    [waiting] = [d for d in deliveries(sandbox, "prompt") if d.target == ANA]
    assert waiting.state is DeliveryState.PENDING
    assert waiting.not_before == NEW_YORK_TEN

    # Ana answers from the Home tab before her prompt is due.
    driver.open_home(ANA)
    wait(sandbox, lambda: ws.home_view(ANA))
    driver.click_home(ANA, FILL_ACTION)
    form = modal(sandbox, ANA, ANSWER_CALLBACK)
    driver.click_in_view(ANA, form, ADD_ITEM_ACTION)
    item = modal(sandbox, ANA, ITEM_CALLBACK)
    driver.submit_view(ANA, item, {"title": "Early", "horizon": "Now", "status": "Planned"})
    form = wait(sandbox, lambda: (v := fresh(sandbox, form)) and row_ids(v) and v)
    assert driver.submit_view(ANA, form, {"status": "On track", "confidence": 50}) == {}
    sandbox.app.tick()
    clock.set(NEW_YORK_TEN + timedelta(seconds=30))
    sandbox.app.tick()
    prompt = prompt_of(sandbox, ANA)
    assert "you answered" in prompt.text  # posted already up to date, not posted then edited
    assert prompt.edit_count == 0
    assert deliveries(sandbox, "prompt-update") == []
    assert participant(sandbox, run.id, ANA).reminders_sent == 0


def test_after_downtime_only_the_latest_reminder_goes_out(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.app.tick()
    clock.set(LONDON_TEN + timedelta(seconds=30))
    sandbox.app.tick()
    clock.set(NEW_YORK_TEN + timedelta(seconds=30))
    sandbox.app.tick()
    [run] = runs(sandbox, LOCAL)
    # The bot was down from Monday until Wednesday 09:00 in London: both reminder times passed.
    clock.set(datetime(2027, 1, 20, 9, 0, tzinfo=UTC))
    sandbox.app.tick()
    sandbox.app.tick()
    reminders = deliveries(sandbox, "reminder")
    assert [(d.target, d.dedupe_key) for d in reminders] == [(CHLOE, f"run:{run.id}:reminder:1:{CHLOE}")]
    # New York's "24h before close" (Tuesday 17:00) also passed, but it is 04:00 there: wait.
    assert participant(sandbox, run.id, ANA).reminders_sent == 0
    clock.set(datetime(2027, 1, 20, 13, 1, tzinfo=UTC))  # 08:01 in New York
    sandbox.app.tick()
    assert sorted(d.target for d in deliveries(sandbox, "reminder")) == [ANA, CHLOE]
    assert participant(sandbox, run.id, ANA).reminders_sent == 1
    assert participant(sandbox, run.id, CHLOE).reminders_sent == 1
