"""A run's sources: read once per phase, kept, failures told to their owner once per run, and
only what the run asks or shows; on a real database, with httpx's MockTransport as the systems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

import httpx
import pytest
from sqlalchemy import select

from core.clock import FrozenClock
from insights.catalog import Catalog
from insights.config import KeyResult, Metric, Objective, Source
from insights.fetching import FetchPolicy, SourceFetcher
from insights.owners import Owners
from insights.sources import RunSources
from messaging.gateway import Person, Rejected, SlackGateway
from messaging.people import PeopleDirectory, cache_key
from storage.database import SessionFactory
from storage.models import (
    Delivery,
    KeyResultScope,
    PersonRef,
    ReadingPhase,
    RunState,
    SourceReading,
)

from .conftest import add_run

ANA, BEN, OWNER = "U0PM00001", "U0PM00002", "U0PRODOPS"
OPENS = datetime(2027, 1, 29, 15, tzinfo=UTC)

CATALOG = Catalog(
    objectives=(
        Objective(
            id="grow",
            title="Grow",
            period="2027-Q1",
            key_results=[
                KeyResult(
                    id="teams",
                    title="Teams",
                    owner=ANA,
                    start=0,
                    target=10,
                    source=Source(url="https://m.example/teams", value="v"),
                ),
                KeyResult(
                    id="conversion",
                    title="Conversion",
                    owner="ben@example.com",
                    start=1,
                    target=2,
                    source=Source(url="https://m.example/conversion", value="v"),
                ),
            ],
        ),
        Objective(
            id="keep",
            title="Keep",
            period="2027-Q1",
            key_results=[
                KeyResult(
                    id="churn",
                    title="Churn",
                    owner=ANA,
                    start=3,
                    target=1,
                    source=Source(url="https://m.example/churn", value="v"),
                )
            ],
        ),
    ),
    metrics=(Metric(id="wau", title="WAU", source=Source(url="https://m.example/wau", value="v")),),
)


@dataclass(frozen=True)
class Needs:
    run_id: int
    ritual_id: str = "okr-checkin"
    ritual_name: str = "OKR check-in"
    owners: Sequence[str] = (OWNER,)
    asks_key_results: bool = True
    objectives: Collection[str] | None = None
    reads: frozenset[str] | None = frozenset({"key_results", "metrics"})

    def shows(self, name: str) -> bool:
        return self.reads is None or name in self.reads


@dataclass
class Directory:
    """Slack's users.lookupByEmail, as far as these tests need it (the people directory asks it)."""

    users: dict[str, str] = field(default_factory=lambda: {"ben@example.com": BEN})
    asked: list[str] = field(default_factory=list)

    def person_by_email(self, email: str) -> Person:
        self.asked.append(email)
        if email == "broken@example.com":
            raise Rejected("ratelimited")
        if email not in self.users:
            raise Rejected("users_not_found")
        return Person(id=self.users[email], name=email, timezone="UTC", email=email)

    def everyone(self) -> list[Person]:
        return []


def _owners(session_factory: SessionFactory, directory: Directory) -> Owners:
    return Owners(PeopleDirectory(cast(SlackGateway, directory), FrozenClock(OPENS), session_factory))


def _known(session_factory: SessionFactory, email: str) -> PersonRef | None:
    with session_factory() as session:
        return session.get(PersonRef, cache_key(email))


class Systems:
    """The internal systems: every path answers a number, except those set to fail."""

    def __init__(self) -> None:
        self.values = {"teams": 4.0, "conversion": 1.4, "churn": 2.5, "wau": 1200.0}
        self.failing: set[str] = set()
        self.calls: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.strip("/")
        self.calls[name] += 1
        if name in self.failing:
            return httpx.Response(503, json={})
        return httpx.Response(200, json={"v": self.values[name]})


@pytest.fixture
def systems() -> Systems:
    return Systems()


@pytest.fixture
def directory() -> Directory:
    return Directory()


@pytest.fixture
def sources(session_factory: SessionFactory, systems: Systems, directory: Directory) -> RunSources:
    fetcher = SourceFetcher(
        FetchPolicy(first_backoff=0), transport=httpx.MockTransport(systems), sleep=lambda _: None
    )
    return RunSources(session_factory, CATALOG, fetcher, _owners(session_factory, directory))


@pytest.fixture
def run_id(session_factory: SessionFactory) -> int:
    with session_factory.begin() as session:
        return add_run(session, OPENS, state=RunState.PENDING).id


def _readings(
    session_factory: SessionFactory,
) -> dict[tuple[str, ReadingPhase], tuple[float | None, str | None]]:
    with session_factory() as session:
        rows = session.scalars(select(SourceReading)).all()
        return {(r.source, r.phase): (r.value, r.error) for r in rows}


def _notices(session_factory: SessionFactory) -> list[Delivery]:
    with session_factory() as session:
        return list(session.scalars(select(Delivery).where(Delivery.kind == "source-unavailable")))


def test_opening_reads_the_key_results_asked_about_once(
    sources: RunSources, session_factory: SessionFactory, systems: Systems, directory: Directory, run_id: int
) -> None:
    sources.fetch(Needs(run_id, objectives={"grow"}), "open", OPENS)
    assert _readings(session_factory) == {
        ("kr:teams", ReadingPhase.OPEN): (4.0, None),
        ("kr:conversion", ReadingPhase.OPEN): (1.4, None),
    }
    assert systems.calls == {"teams": 1, "conversion": 1}  # not churn (another objective), not metrics
    with session_factory() as session:
        scope = session.get(KeyResultScope, run_id)
        assert scope is not None
        assert scope.objectives == ["grow"]
    assert _known(session_factory, "ben@example.com") is not None
    assert directory.asked == ["ben@example.com"]
    # A second replica, or the next tick: nothing is read twice, nobody is asked twice.
    sources.fetch(Needs(run_id, objectives={"grow"}), "open", OPENS + timedelta(seconds=20))
    assert systems.calls == {"teams": 1, "conversion": 1}
    assert directory.asked == ["ben@example.com"]


def test_closing_reads_them_again_and_the_metrics_the_digest_shows(
    sources: RunSources, session_factory: SessionFactory, systems: Systems, run_id: int
) -> None:
    sources.fetch(Needs(run_id), "open", OPENS)
    systems.values["teams"] = 6.0
    sources.fetch(Needs(run_id), "close", OPENS + timedelta(days=7))
    readings = _readings(session_factory)
    assert readings[("kr:teams", ReadingPhase.OPEN)] == (4.0, None)
    assert readings[("kr:teams", ReadingPhase.CLOSE)] == (6.0, None)
    assert readings[("metric:wau", ReadingPhase.CLOSE)] == (1200.0, None)
    assert ("metric:wau", ReadingPhase.OPEN) not in readings
    assert systems.calls == {"teams": 2, "conversion": 2, "churn": 2, "wau": 1}


def test_a_failing_source_is_kept_with_its_reason_and_told_once_per_run(
    sources: RunSources, session_factory: SessionFactory, systems: Systems, run_id: int
) -> None:
    systems.failing |= {"conversion", "wau"}
    sources.fetch(Needs(run_id), "open", OPENS)
    sources.fetch(Needs(run_id), "close", OPENS + timedelta(days=7))
    readings = _readings(session_factory)
    assert readings[("kr:conversion", ReadingPhase.OPEN)] == (None, "HTTP 503 (after 3 tries)")
    assert readings[("kr:conversion", ReadingPhase.CLOSE)] == (None, "HTTP 503 (after 3 tries)")
    notices = _notices(session_factory)
    # Ben (matched by email) hears about his key result once; the metric has no owner, so the
    # ritual's owner hears about it.
    assert sorted(n.target for n in notices) == [BEN, OWNER]
    ben = next(n for n in notices if n.target == BEN)
    assert (
        "*Conversion, a key result of Grow* is unavailable: HTTP 503 (after 3 tries)" in ben.payload["text"]
    )
    assert "opened anyway" in ben.payload["text"]
    owner = next(n for n in notices if n.target == OWNER)
    assert "the metric WAU" in owner.payload["text"]
    assert "closed anyway; its digest says the source is unavailable" in owner.payload["text"]


def test_an_owner_nobody_has_is_not_told_and_slack_trouble_is_survived(
    session_factory: SessionFactory, systems: Systems, run_id: int
) -> None:
    catalog = Catalog(
        objectives=(
            Objective(
                id="grow",
                title="Grow",
                period="2027-Q1",
                key_results=[
                    KeyResult(
                        id="conversion",
                        title="Conversion",
                        owner="gone@example.com",
                        start=1,
                        target=2,
                        source=Source(url="https://m.example/conversion", value="v"),
                    ),
                    KeyResult(id="teams", title="Teams", owner="broken@example.com", start=0, target=10),
                ],
            ),
        )
    )
    systems.failing.add("conversion")
    directory = Directory()
    fetcher = SourceFetcher(
        FetchPolicy(first_backoff=0), transport=httpx.MockTransport(systems), sleep=lambda _: None
    )
    owners = _owners(session_factory, directory)
    RunSources(session_factory, catalog, fetcher, owners).fetch(Needs(run_id), "open", OPENS)
    assert _notices(session_factory) == []
    assert _readings(session_factory)[("kr:conversion", ReadingPhase.OPEN)][1] == "HTTP 503 (after 3 tries)"
    gone = _known(session_factory, "gone@example.com")
    assert gone is not None
    assert gone.user_id is None  # nobody has it: asked again a day later
    assert _known(session_factory, "broken@example.com") is None  # Slack failed: asked next time


def test_a_ritual_that_neither_asks_nor_shows_key_results_reads_nothing(
    sources: RunSources, session_factory: SessionFactory, systems: Systems, run_id: int
) -> None:
    quiet = Needs(run_id, asks_key_results=False, reads=frozenset({"responses"}))
    sources.fetch(quiet, "open", OPENS)
    sources.fetch(quiet, "close", OPENS)
    assert systems.calls == {}
    with session_factory() as session:
        assert session.get(KeyResultScope, run_id) is None
    # A digest that shows metrics but asks nothing reads only the metrics, at closing.
    sources.fetch(Needs(run_id, asks_key_results=False, reads=frozenset({"metrics"})), "close", OPENS)
    assert systems.calls == {"wau": 1}
