"""The research part of rituals' digests, and the built-in weekly research digest end to end."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from research.config import ResearchRules
from research.digest import ResearchDigest
from research.outreach import go_ahead
from research.services import ResearchServices
from rituals.runs.opening import create_manual_run
from storage.database import SessionFactory
from storage.models import Run, RunOrigin, RunState, TouchKind

from .conftest import Registry

DIGEST = "weekly-research-digest"
# Monday 18 January 2027, 09:00 in New York.
MONDAY = datetime(2027, 1, 18, 14, 0, tzinfo=UTC)


def run(ritual: str, scheduled: datetime, closed: datetime | None, state: RunState = RunState.CLOSED) -> Run:
    return Run(
        ritual_id=ritual,
        occurrence_key=scheduled.isoformat(),
        scheduled_for=scheduled,
        state=state,
        origin=RunOrigin.SCHEDULE,
        closes_at=closed,
        closed_at=closed,
        created_at=scheduled,
    )


def test_the_period_runs_from_the_previous_close_and_counts_days_in_the_rules_zone(
    session_factory: SessionFactory, rules: ResearchRules, registry: Registry
) -> None:
    acme = registry.account("acme.com", "Acme")
    globex = registry.account("globex.com", "Globex")
    registry.touch(acme, date(2027, 1, 10), topic="Too early")
    registry.touch(acme, date(2027, 1, 11), topic="First day", tags=("pricing",), link="https://n.example/1")
    registry.touch(globex, date(2027, 1, 13), topic="Middle", tags=("pricing", "sso"))
    registry.touch(acme, date(2027, 1, 17), topic="Last day", kind=TouchKind.CALL, by="pm@ours.example")
    registry.touch(acme, date(2027, 1, 18), topic="Next period")
    for day in (3, 4):
        registry.touch(acme, date(2027, 1, day), topic="Earlier this quarter")
    with session_factory.begin() as session:
        session.add(
            run(DIGEST, MONDAY - timedelta(days=7), MONDAY - timedelta(days=7) + timedelta(minutes=5))
        )
        this = run(DIGEST, MONDAY, MONDAY + timedelta(minutes=5))
        session.add(this)
        session.flush()
        context = ResearchDigest(rules).context(session, None, this, None)
    assert context["period"] == {"start": date(2027, 1, 11), "end": date(2027, 1, 17)}
    assert [touch["topic"] for touch in context["touches"]] == ["Last day", "Middle", "First day"]
    assert [(group["account"], group["count"]) for group in context["by_account"]] == [
        ("Acme", 2),
        ("Globex", 1),
    ]
    assert context["tags"] == [{"tag": "pricing", "count": 2}, {"tag": "sso", "count": 1}]
    [usage] = context["near_limit"]  # Acme: 6 of 4 this quarter (the 18th counts: it is today)
    assert (usage["account"], usage["used"], usage["limit"], usage["at_limit"]) == ("Acme", 6, 4, True)
    assert usage["resets_on"] == date(2027, 4, 1)


def test_the_first_run_looks_back_a_week_and_lists_overrides(
    research: ResearchServices, session_factory: SessionFactory, registry: Registry, clock: FrozenClock
) -> None:
    go_ahead(research, "U0PM00001", "ceo@acme.com", "The CEO invited us", "plan:V1")
    with session_factory.begin() as session:
        this = run(
            "monthly-roadmap-checkin", clock.now() - timedelta(days=3), clock.now() + timedelta(days=1)
        )
        session.add(this)
        session.flush()
        context = ResearchDigest(research.rules).context(session, None, this, None)
    [override] = context["overrides"]
    assert (override["by"], override["account"], override["reason"]) == (
        "U0PM00001",
        "acme.com",
        "The CEO invited us",
    )
    assert override["rules"] == ["on the do-not-contact list (ceo@acme.com)"]
    assert context["period"]["end"] - context["period"]["start"] == timedelta(days=6)


def test_the_sample_has_the_shape_of_the_context(
    session_factory: SessionFactory, rules: ResearchRules
) -> None:
    digest = ResearchDigest(rules)
    with session_factory.begin() as session:
        this = run(DIGEST, MONDAY, MONDAY + timedelta(minutes=5))
        session.add(this)
        session.flush()
        empty = digest.context(session, None, this, None)
    sample = digest.sample(None, None)
    assert set(sample) == set(empty)
    assert set(sample["by_account"][0]) == {"account", "domain", "count", "touches"}
    assert set(sample["touches"][0]) <= set(sample["by_account"][0]["touches"][0])


def test_the_weekly_digest_posts_the_week_escaped(slack: Sandbox, clock: FrozenClock) -> None:
    sandbox = slack
    clock.set(MONDAY)
    registry = Registry(sandbox.session_factory)
    acme = registry.account("acme.com", "Acme <!channel>")
    registry.touch(acme, date(2027, 1, 12), topic="Renewal & <@U0SMUGGLED>", link="https://notes.example/r")
    definition = sandbox.library.get(DIGEST)
    assert definition.participants is None
    assert definition.form == []
    assert not definition.enabled
    now = sandbox.clock.now()
    with sandbox.session_factory.begin() as session:
        pending = create_manual_run(session, definition, now, note="test")
    opened = sandbox.app.services.opener.open(pending, now)
    assert opened is not None
    assert opened.participants == []
    assert isinstance(sandbox.clock, FrozenClock)
    sandbox.clock.advance(timedelta(minutes=6))
    report = sandbox.app.tick()
    assert report.closed == [opened.run.id]
    [post] = sandbox.workspace.messages_in("research-ops")
    text = json.dumps(post.blocks)
    assert "*1* customer touch with *1* account" in text
    assert "Acme &lt;!channel&gt;" in text
    assert "Renewal &amp; &lt;@U0SMUGGLED&gt;" in text
    assert "<https://notes.example/r|notes>" in text
    assert "<!channel>" not in text
    assert "<@U0SMUGGLED>" not in text
