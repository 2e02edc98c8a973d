"""The tick opens each occurrence once, catches up after downtime, and records what it missed."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.runs.materialize import decide
from rituals.runs.tick import Tick
from rituals.schedule.occurrences import occurrences_between
from storage.database import create_database_engine, create_session_factory
from storage.models import Delivery, Participant, RitualState, RunOrigin, RunState

from .conftest import OPENS, RITUAL, runs_of

PMS = {f"U0PM0000{n}" for n in range(1, 9)}


def test_nothing_opens_before_the_occurrence(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.app.tick()
    assert runs_of(sandbox) == []


def test_occurrence_opens_once_with_participants_resolved(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.app.tick()
    clock.set(OPENS + timedelta(seconds=20))
    report = sandbox.app.tick()
    [run] = runs_of(sandbox)
    assert run.state is RunState.OPEN
    assert run.origin is RunOrigin.SCHEDULE
    assert run.occurrence_key == "2027-02-01T10:00"
    assert run.scheduled_for == OPENS
    # Three days later at 17:00 New York time (EST, UTC-5).
    assert run.closes_at is not None
    assert run.closes_at.isoformat() == "2027-02-04T22:00:00+00:00"
    assert report.opened == [run.id]
    with Session(sandbox.engine) as session:
        participants = {
            p.user_id: p for p in session.scalars(select(Participant).where(Participant.run_id == run.id))
        }
    assert set(participants) == PMS
    assert participants["U0PM00006"].timezone == "Australia/Sydney"
    # The user group was resolved through the Web API, not read from anywhere else.
    assert sandbox.workspace.calls("usergroups.users.list")

    clock.advance(timedelta(seconds=20))
    assert sandbox.app.tick().opened == []
    assert len(runs_of(sandbox)) == 1


def test_two_replicas_ticking_at_once_open_one_run(
    sandbox: Sandbox, clock: FrozenClock, database_url: str
) -> None:
    # A second replica: its own engine and connection pool, the same database and workspace.
    other_engine = create_database_engine(database_url)
    other = create_app(
        sandbox.settings,
        client=sandbox.client,
        session_factory=create_session_factory(other_engine),
        clock=clock,
        library=sandbox.library,
    )
    clock.set(OPENS + timedelta(seconds=5))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def tick(app_tick: object) -> None:
        try:
            barrier.wait()
            app_tick()  # type: ignore[operator]
        except BaseException as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=tick, args=(t,)) for t in (sandbox.app.tick, other.tick)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    other_engine.dispose()
    assert errors == []
    [run] = runs_of(sandbox)
    assert run.state is RunState.OPEN
    with Session(sandbox.engine) as session:
        count = session.scalar(
            select(func.count()).select_from(Participant).where(Participant.run_id == run.id)
        )
    assert count == len(PMS)


def test_restart_within_catch_up_opens_late(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.app.tick()  # the bot saw 09:50, then went down
    clock.set(OPENS + timedelta(hours=3))  # back at 13:00, inside the 6-hour catch-up window
    sandbox.app.tick()
    [run] = runs_of(sandbox)
    assert run.state is RunState.OPEN
    assert run.origin is RunOrigin.CATCH_UP
    assert run.opened_at == OPENS + timedelta(hours=3)


def test_restart_after_catch_up_records_a_miss_and_tells_the_owners(
    sandbox: Sandbox, clock: FrozenClock
) -> None:
    sandbox.app.tick()
    clock.set(OPENS + timedelta(hours=7))  # past the 6-hour catch-up window
    report = sandbox.app.tick()
    [run] = runs_of(sandbox)
    assert run.state is RunState.MISSED
    assert report.missed == [f"{RITUAL} 2027-02-01T10:00"]
    with Session(sandbox.engine) as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0
    [notice] = sandbox.workspace.dm_messages("U0PRODOPS")
    assert "did not open" in notice.text or "missed" in notice.text
    # Nothing runs twice: a later tick neither reopens nor re-notifies.
    clock.advance(timedelta(minutes=1))
    sandbox.app.tick()
    assert len(sandbox.workspace.dm_messages("U0PRODOPS")) == 1
    assert runs_of(sandbox)[0].state is RunState.MISSED


def test_owner_opens_a_missed_run_from_the_notice(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.app.tick()
    clock.set(OPENS + timedelta(hours=7))
    sandbox.app.tick()
    [notice] = sandbox.workspace.dm_messages("U0PRODOPS")
    sandbox.driver.click("U0PRODOPS", notice, "missed_run_now")
    _wait_for(lambda: any(r.state is RunState.OPEN for r in runs_of(sandbox)))
    opened = [r for r in runs_of(sandbox) if r.state is RunState.OPEN]
    assert opened[0].origin is RunOrigin.MANUAL


def test_a_newer_due_occurrence_supersedes_an_older_one(sandbox: Sandbox, clock: FrozenClock) -> None:
    # Weekly launch update (Thursdays 14:00 New York, 4-hour catch-up): down across two of them,
    # back 3 hours after the second. The first is missed; the second opens.
    launch = "launch-update"
    clock.set(OPENS)
    sandbox.app.tick()
    first = OPENS.replace(day=4, hour=19)  # Thu 4 Feb 14:00 EST
    clock.set(first + timedelta(days=7, hours=3))
    sandbox.app.tick()
    states = [(r.occurrence_key, r.state) for r in runs_of(sandbox, launch)]
    assert states == [("2027-02-04T14:00", RunState.MISSED), ("2027-02-11T14:00", RunState.OPEN)]


def test_downtime_across_several_occurrences_makes_one_notice(sandbox: Sandbox, clock: FrozenClock) -> None:
    # Weekly launch update (Thursdays 14:00 New York, 4-hour catch-up): down across three of
    # them and back 5 hours after the third, so all three are missed; the owner gets one DM.
    launch = "launch-update"
    clock.set(OPENS)
    sandbox.app.tick()
    first = OPENS.replace(day=4, hour=19)  # Thu 4 Feb 14:00 EST
    clock.set(first + timedelta(days=14, hours=5))
    sandbox.app.tick()
    assert [r.state for r in runs_of(sandbox, launch)] == [RunState.MISSED] * 3

    def notices() -> list[str]:
        return [m.text for m in sandbox.workspace.dm_messages("U0PRODOPS") if "Launch update" in m.text]

    [notice] = notices()
    assert "Launch update missed 3 openings" in notice
    assert "from Thu 04 Feb 2027 14:00 EST to Thu 18 Feb 2027 14:00 EST" in notice
    clock.advance(timedelta(minutes=1))
    sandbox.app.tick()
    assert len(notices()) == 1


def test_late_occurrences_within_catch_up_do_not_burst(sandbox: Sandbox) -> None:
    # With windows longer than the period, two occurrences can both still be catchable after
    # downtime: only the newer opens, the older is superseded rather than sent late in a burst.
    weekly = sandbox.library.get("launch-update")
    long = weekly.model_copy(
        update={
            "catch_up": timedelta(days=30),
            "window": weekly.window.model_copy(update={"closes_after": timedelta(days=30)}),
        }
    )
    two = occurrences_between(long, OPENS, OPENS + timedelta(days=12))
    assert [o.key for o in two] == ["2027-02-04T14:00", "2027-02-11T14:00"]
    state = RitualState(ritual_id=long.id, paused=False)
    decisions = decide(long, two, state, two[1].opens_at + timedelta(minutes=1))
    assert [d.state for d in decisions] == [RunState.SUPERSEDED, RunState.PENDING]


def test_paused_ritual_records_skips_and_resumes(sandbox: Sandbox, clock: FrozenClock) -> None:
    reply = sandbox.driver.slash_command("U0PRODOPS", "/ritual", f"pause {RITUAL}")
    assert "Paused" in reply.json["text"]
    clock.set(OPENS + timedelta(minutes=1))
    sandbox.app.tick()
    [run] = runs_of(sandbox)
    assert (run.state, run.note) == (RunState.SKIPPED, "paused")
    assert "Resumed" in sandbox.driver.slash_command("U0PRODOPS", "/ritual", f"resume {RITUAL}").json["text"]
    clock.set(OPENS.replace(month=3) + timedelta(minutes=1))  # Monday 1 March 2027, 10:01 EST
    sandbox.app.tick()
    assert [r.state for r in runs_of(sandbox)] == [RunState.SKIPPED, RunState.OPEN]


def test_skip_next_skips_only_the_next_occurrence(sandbox: Sandbox, clock: FrozenClock) -> None:
    reply = sandbox.driver.slash_command("U0PRODOPS", "/ritual", f"skip-next {RITUAL}")
    assert "will skip its opening on Mon 01 Feb 2027 10:00 EST" in reply.json["text"]
    clock.set(OPENS + timedelta(minutes=1))
    sandbox.app.tick()
    clock.set(OPENS.replace(month=3) + timedelta(minutes=1))
    sandbox.app.tick()
    assert [(r.state, r.note) for r in runs_of(sandbox)] == [
        (RunState.SKIPPED, "skipped by an owner"),
        (RunState.OPEN, None),
    ]


def test_only_owners_manage_a_ritual(sandbox: Sandbox, clock: FrozenClock) -> None:
    for subcommand in ("pause", "resume", "skip-next"):
        reply = sandbox.driver.slash_command("U0PM00001", "/ritual", f"{subcommand} {RITUAL}")
        assert reply.json["response_type"] == "ephemeral"
        assert "Only the owners of Monthly roadmap check-in" in reply.json["text"]
    reply = sandbox.driver.slash_command("U0PM00001", "/ritual", f"trigger {RITUAL}")
    _wait_for(lambda: bool(sandbox.workspace.responses))
    assert "Only the owners" in sandbox.workspace.responses[-1].body.get("text", "")
    assert runs_of(sandbox) == []


def test_owner_triggers_a_run_now(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.driver.slash_command("U0PRODOPS", "/ritual", f"trigger {RITUAL}")
    _wait_for(lambda: bool(sandbox.workspace.responses))
    assert (
        "Opened *Monthly roadmap check-in* for 8 participants" in sandbox.workspace.responses[-1].body["text"]
    )
    [run] = runs_of(sandbox)
    assert (run.state, run.origin) == (RunState.OPEN, RunOrigin.MANUAL)


def test_unknown_ritual_gets_a_clear_answer(sandbox: Sandbox) -> None:
    reply = sandbox.driver.slash_command("U0PRODOPS", "/ritual", "pause no-such-ritual")
    assert "no-such-ritual" in reply.json["text"]
    assert "monthly-roadmap-checkin" in reply.json["text"]


def test_sent_notices_are_outbox_rows(sandbox: Sandbox, clock: FrozenClock) -> None:
    sandbox.app.tick()
    clock.set(OPENS + timedelta(hours=7))
    sandbox.app.tick()
    with Session(sandbox.engine) as session:
        [delivery] = session.scalars(select(Delivery).where(Delivery.kind == "missed-notice"))
    assert delivery.state.value == "sent"
    assert delivery.message_ts is not None


def _wait_for(condition: object, seconds: float = 5.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


BROKEN_GROUP = """\
id: ghost-checkin
name: Ghost check-in
owners: [U0PRODOPS]
schedule: {cron: "0 10 * * mon#1", timezone: America/New_York}
participants: {usergroup: no-such-group}
form:
  - {id: status, type: select, label: Status, options: [ok]}
"""


def test_a_run_that_cannot_resolve_its_group_tells_the_owners_once(
    engine: object, database_url: str, clock: FrozenClock, tmp_path: object
) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    (folder / "ghost.yml").write_text(BROKEN_GROUP)
    with Sandbox(database_url, clock, migrate=False, rituals_path=[folder]) as ghost:
        clock.set(OPENS + timedelta(seconds=10))
        ghost.app.tick()
        clock.advance(timedelta(minutes=1))
        ghost.app.tick()
        [run] = runs_of(ghost, "ghost-checkin")
        assert run.state is RunState.PENDING  # kept, to open once the group exists
        notices = [m for m in ghost.workspace.dm_messages("U0PRODOPS") if "Ghost check-in" in m.text]
        assert len(notices) == 1
        assert "no user group with the handle @no-such-group" in json.dumps(notices[0].blocks)


def test_the_tick_makes_way_before_each_step_that_can_wait(sandbox: Sandbox) -> None:
    """A process serving Slack lets the requests in flight go first (`Tick.make_way_with`)."""
    order: list[str] = []
    services = sandbox.app.services
    tick = Tick(
        services,
        services.opener,
        services.closer,
        sandbox.app.sender,
        extra_steps=[lambda _now: order.append("reminders"), lambda _now: order.append("prompts")],
    )
    tick.make_way_with(lambda: order.append("way"))
    tick()
    assert order == ["way", "reminders", "way", "prompts"]
