"""Where each key result stands: its value, progress, trend and confidence, from the database.

A key result's history is one point per run that covered it, in the order the runs opened. A
point's value is what the owner reported in that run (their newest answer version counts);
without a report, what the source gave at closing, else at opening. A run's standing compares
its own point with the one before; the standing "now" (Home tab, `okrs status`) compares the
newest point with the one before that. Confidence and comment come from the owner's check-ins
only: a source says how much, not how likely.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from insights.catalog import Catalog
from insights.config import KeyResult, Objective
from insights.owners import slack_users
from insights.progress import Trend, rank, share, trend
from storage.models import Confidence, KeyResultCheckin, KeyResultScope, ReadingPhase, Run, SourceReading


def source_key(kind: str, ident: str) -> str:
    """How readings name a source: `kr:<key result id>` or `metric:<metric id>`."""
    return f"{kind}:{ident}"


@dataclass(frozen=True)
class SourceRead:
    value: float | None
    error: str | None
    fetched_at: datetime


@dataclass(frozen=True)
class Point:
    """A key result in one run: the owner's newest check-in there, or what its source gave."""

    run_id: int
    opened: datetime
    value: float | None
    confidence: Confidence | None = None
    comment: str | None = None
    # Who checked in (None: no check-in, the value is the source's).
    user_id: str | None = None


@dataclass(frozen=True)
class Standing:
    objective: Objective
    key_result: KeyResult
    # The owner's Slack user id (None: an email nobody in the workspace has, as far as known).
    owner_user: str | None
    current: Point | None
    previous: Point | None
    # The run's readings of the source (for a run's standing), or the newest reading (now).
    at_open: SourceRead | None = None
    at_close: SourceRead | None = None

    @property
    def value(self) -> float | None:
        return self.current.value if self.current is not None else None

    @property
    def share(self) -> float | None:
        return share(self.key_result.start, self.key_result.target, self.value)

    @property
    def trend(self) -> Trend | None:
        before = self.previous.value if self.previous is not None else None
        return trend(self.value, before, self.key_result.bring_down)

    @property
    def checked_in(self) -> bool:
        return self.current is not None and self.current.user_id is not None

    @property
    def confidence(self) -> Confidence | None:
        return self.current.confidence if self.current is not None else None

    @property
    def confidence_was(self) -> Confidence | None:
        return self.previous.confidence if self.previous is not None else None

    @property
    def unavailable(self) -> str | None:
        """Why the source gave no number at its latest reading here, if it failed."""
        read = self.at_close or self.at_open
        return read.error if read is not None and read.value is None else None


def run_scope(session: Session, run_id: int) -> frozenset[str] | None:
    """The objectives a run covers (None: every objective)."""
    scope = session.get(KeyResultScope, run_id)
    return None if scope is None or scope.objectives is None else frozenset(scope.objectives)


def histories(session: Session, key_results: Collection[str]) -> dict[str, list[Point]]:
    """Each key result's points, one per run, in the order the runs opened."""
    ids = list(key_results)
    checkins: dict[str, dict[int, Point]] = defaultdict(dict)
    rows = session.execute(
        select(KeyResultCheckin, Run.scheduled_for)
        .join(Run, Run.id == KeyResultCheckin.run_id)
        .where(KeyResultCheckin.key_result.in_(ids))
        .order_by(KeyResultCheckin.submitted_at, KeyResultCheckin.version)
    ).all()
    for checkin, opened in rows:  # later versions overwrite earlier ones
        checkins[checkin.key_result][checkin.run_id] = Point(
            checkin.run_id, opened, checkin.value, checkin.confidence, checkin.comment, checkin.user_id
        )
    sourced: dict[str, dict[int, Point]] = defaultdict(dict)
    readings = session.execute(
        select(SourceReading, Run.scheduled_for)
        .join(Run, Run.id == SourceReading.run_id)
        .where(SourceReading.source.in_([source_key("kr", i) for i in ids]), SourceReading.value.is_not(None))
    ).all()
    for reading, opened in readings:
        runs = sourced[reading.source.removeprefix("kr:")]
        if reading.phase is ReadingPhase.CLOSE or reading.run_id not in runs:  # closing readings win
            runs[reading.run_id] = Point(reading.run_id, opened, reading.value)
    points: dict[str, list[Point]] = {}
    for kr in ids:
        merged = dict(sourced.get(kr, {}))
        for run_id, point in checkins.get(kr, {}).items():
            read = merged.get(run_id)
            value = point.value if point.value is not None or read is None else read.value
            merged[run_id] = Point(
                run_id, point.opened, value, point.confidence, point.comment, point.user_id
            )
        points[kr] = sorted(merged.values(), key=lambda p: (p.opened, p.run_id))
    return points


def _reads(session: Session, run_id: int) -> dict[tuple[str, ReadingPhase], SourceRead]:
    return {
        (reading.source, reading.phase): SourceRead(reading.value, reading.error, reading.fetched_at)
        for reading in session.scalars(select(SourceReading).where(SourceReading.run_id == run_id))
    }


def latest_reads(session: Session, sources: Collection[str]) -> dict[str, SourceRead]:
    """The newest reading of each source, whatever the run."""
    found: dict[str, SourceRead] = {}
    rows = session.scalars(
        select(SourceReading)
        .where(SourceReading.source.in_(list(sources)))
        .order_by(SourceReading.fetched_at)
    )
    for reading in rows:
        found[reading.source] = SourceRead(reading.value, reading.error, reading.fetched_at)
    return found


def _ordered(standings: list[Standing]) -> list[Standing]:
    """Worst confidence first (off track, at risk, no check-in, on track), then file order."""
    return sorted(standings, key=lambda s: rank(s.confidence))


def run_standings(session: Session, catalog: Catalog, run: Run) -> list[Standing]:
    """The key results a run covers, as they stood when it closed (or stand, while it is open)."""
    pairs = catalog.key_results(run_scope(session, run.id))
    history = histories(session, [kr.id for _, kr in pairs])
    reads = _reads(session, run.id)
    users = slack_users(session, {kr.owner for _, kr in pairs})
    standings = []
    for objective, key_result in pairs:
        points = history.get(key_result.id, [])
        current = next((p for p in points if p.run_id == run.id), None)
        earlier = [p for p in points if p.run_id != run.id and p.opened < run.scheduled_for]
        key = source_key("kr", key_result.id)
        standings.append(
            Standing(
                objective,
                key_result,
                users.get(key_result.owner),
                current,
                earlier[-1] if earlier else None,
                at_open=reads.get((key, ReadingPhase.OPEN)),
                at_close=reads.get((key, ReadingPhase.CLOSE)),
            )
        )
    return _ordered(standings)


def current_standings(
    session: Session, catalog: Catalog, objectives: Collection[str] | None = None
) -> list[Standing]:
    """Every key result as it stands now: its newest point against the one before."""
    pairs = catalog.key_results(objectives)
    history = histories(session, [kr.id for _, kr in pairs])
    reads = latest_reads(session, [source_key("kr", kr.id) for _, kr in pairs])
    users = slack_users(session, {kr.owner for _, kr in pairs})
    standings = []
    for objective, key_result in pairs:
        points = history.get(key_result.id, [])
        standings.append(
            Standing(
                objective,
                key_result,
                users.get(key_result.owner),
                points[-1] if points else None,
                points[-2] if len(points) > 1 else None,
                at_close=reads.get(source_key("kr", key_result.id)),
            )
        )
    return _ordered(standings)


def by_objective(standings: Sequence[Standing]) -> list[tuple[Objective, list[Standing]]]:
    """Standings grouped by objective, the objective with the worst key result first."""
    groups: dict[str, tuple[Objective, list[Standing]]] = {}
    for standing in standings:  # already worst first, so each group's first is its worst
        groups.setdefault(standing.objective.id, (standing.objective, []))[1].append(standing)
    return list(groups.values())


def confidence_counts(standings: Sequence[Standing]) -> dict[str, int]:
    """{total, on_track, at_risk, off_track, no_checkin}."""
    confidences = [standing.confidence for standing in standings]
    return {
        "total": len(standings),
        "on_track": confidences.count(Confidence.ON_TRACK),
        "at_risk": confidences.count(Confidence.AT_RISK),
        "off_track": confidences.count(Confidence.OFF_TRACK),
        "no_checkin": confidences.count(None),
    }
