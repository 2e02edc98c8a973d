"""Key results and metrics in the rituals' digests, and the charts that go with them.

Each is a digest contribution (`rituals.publish.contributions`), wired by the app factory: a
ritual's templates read `key_results` and `metrics` from their context, computed from what the
database holds for the run (so rendering again after a late answer gives the same figures), and
checked by `ritualbot validate` against a sample of the same shape. The template context:

    key_results:
      objectives:  [objective], the one with the worst key result first
      all:         [key result], worst confidence first (off track, at risk, no check-in, on track)
      counts:      {total, on_track, at_risk, off_track, no_checkin}
      unavailable: [key result] whose source failed for this run
    objective:     {id, title, period, worst (confidence label), key_results: [key result]}
    key result:    {id, title, objective, objective_id, owner, unit, direction ("up" | "down"),
                    start, target, start_text, target_text, value, value_text,
                    progress (share of the way, 0.0 = start, 1.0 = target), percent, bar,
                    previous, previous_text, delta, trend ("▲ 20", "▼ 5", "= no change", ""),
                    improving, confidence, confidence_label, confidence_was, confidence_change,
                    comment, checked_in, checked_in_by,
                    source: {configured, status ("ok" | "unavailable" | "none"), reason,
                             at_open, at_close}}
    metrics:       {metric id: {id, title, unit, value, value_text, previous, previous_text,
                    change, change_text ("▲ 1,200 since 2 Jan" or ""), available, reason}}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.types import JsonDict
from insights.catalog import Catalog
from insights.charts import draw, series_of
from insights.config import KeyResult, Metric, Objective, Source
from insights.progress import bar, confidence_change, confidence_label, percent, trend, with_unit
from insights.standing import (
    Point,
    SourceRead,
    Standing,
    by_objective,
    confidence_counts,
    histories,
    run_standings,
    source_key,
)
from messaging.gateway import FileUpload
from storage.models import Confidence, ReadingPhase, Run, SourceReading


def key_result_context(standing: Standing) -> JsonDict:
    kr = standing.key_result
    moved = standing.trend
    previous = standing.previous.value if standing.previous is not None else None
    current = standing.current
    return {
        "id": kr.id,
        "title": kr.title,
        "objective": standing.objective.title,
        "objective_id": standing.objective.id,
        "owner": standing.owner_user or kr.owner,
        "unit": kr.unit,
        "direction": "down" if kr.bring_down else "up",
        "start": kr.start,
        "target": kr.target,
        "start_text": with_unit(kr.start, kr.unit),
        "target_text": with_unit(kr.target, kr.unit),
        "value": standing.value,
        "value_text": with_unit(standing.value, kr.unit),
        "progress": standing.share,
        "percent": percent(standing.share),
        "bar": bar(standing.share),
        "previous": previous,
        "previous_text": with_unit(previous, kr.unit),
        "delta": moved.delta if moved else None,
        "trend": moved.text if moved else "",
        "improving": moved.improving if moved else None,
        "confidence": standing.confidence.value if standing.confidence else None,
        "confidence_label": confidence_label(standing.confidence),
        "confidence_was": standing.confidence_was.label if standing.confidence_was else None,
        "confidence_change": confidence_change(standing.confidence_was, standing.confidence),
        "comment": current.comment if current is not None else None,
        "checked_in": standing.checked_in,
        "checked_in_by": current.user_id if current is not None else None,
        "source": _source_context(kr, standing.at_open, standing.at_close),
    }


def _source_context(kr: KeyResult, at_open: SourceRead | None, at_close: SourceRead | None) -> JsonDict:
    latest = at_close or at_open
    status = (
        "none" if kr.source is None else "ok" if latest is None or latest.value is not None else "unavailable"
    )
    return {
        "configured": kr.source is not None,
        "status": status,
        "reason": latest.error if latest is not None and latest.value is None else None,
        "at_open": at_open.value if at_open else None,
        "at_close": at_close.value if at_close else None,
    }


def key_results_context(standings: Sequence[Standing]) -> JsonDict:
    rows = {standing.key_result.id: key_result_context(standing) for standing in standings}
    objectives = [
        {
            "id": objective.id,
            "title": objective.title,
            "period": objective.period_label,
            "worst": confidence_label(group[0].confidence),
            "key_results": [rows[s.key_result.id] for s in group],
        }
        for objective, group in by_objective(standings)
    ]
    return {
        "objectives": objectives,
        "all": list(rows.values()),
        "counts": confidence_counts(standings),
        "unavailable": [row for row in rows.values() if row["source"]["status"] == "unavailable"],
    }


class KeyResultsDigest:
    """`key_results` in a digest: the run's key results, as they stood when it closed."""

    name = "key_results"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def context(self, session: Session, definition: object, run: Run, audience: object) -> object:
        return key_results_context(run_standings(session, self._catalog, run))

    def sample(self, definition: object, audience: object) -> object:
        return key_results_context(sample_standings(self._catalog))


class KeyResultCharts:
    """One chart per objective under the posts that show `key_results`."""

    name = "key_results"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def files(self, session: Session, definition: object, run: Run, audience: object) -> list[FileUpload]:
        standings = run_standings(session, self._catalog, run)
        history = histories(session, [s.key_result.id for s in standings])
        stamp = run.occurrence_key.replace(":", "")
        uploads = []
        for objective, group in by_objective(standings):
            series = series_of(objective, group, history, run.scheduled_for.date())
            if not series:
                continue
            chart = draw(objective, series, f"key-results-{objective.id}-{stamp}.png")
            uploads.append(FileUpload(chart.filename, chart.png, chart.title, alt_text=chart.alt_text))
        return uploads


# --- metrics -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Figure:
    metric: Metric
    read: SourceRead | None
    previous: tuple[float, datetime] | None


def metric_context(figure: _Figure) -> JsonDict:
    metric, read = figure.metric, figure.read
    value = read.value if read is not None else None
    before = figure.previous[0] if figure.previous else None
    moved = trend(value, before, bring_down=False)
    since = f" since {figure.previous[1].day} {figure.previous[1]:%b}" if figure.previous else ""
    return {
        "id": metric.id,
        "title": metric.title,
        "unit": metric.unit,
        "value": value,
        "value_text": with_unit(value, metric.unit),
        "previous": before,
        "previous_text": with_unit(before, metric.unit),
        "change": moved.delta if moved else None,
        "change_text": moved.text + since if moved else "",
        "available": value is not None,
        "reason": read.error
        if read is not None and value is None
        else ("not read" if read is None else None),
    }


def metric_figures(session: Session, catalog: Catalog, run: Run) -> list[_Figure]:
    """Each metric as read when the run closed, and its reading at the ritual's previous close."""
    keys = [source_key("metric", metric.id) for metric in catalog.metrics]
    rows = session.execute(
        select(SourceReading, Run.scheduled_for)
        .join(Run, Run.id == SourceReading.run_id)
        .where(
            SourceReading.source.in_(keys),
            SourceReading.phase == ReadingPhase.CLOSE,
            Run.ritual_id == run.ritual_id,
            Run.scheduled_for <= run.scheduled_for,
        )
        .order_by(Run.scheduled_for)
    ).all()
    now: dict[str, SourceRead] = {}
    earlier: dict[str, tuple[float, datetime]] = {}
    for reading, opened in rows:
        if reading.run_id == run.id:
            now[reading.source] = SourceRead(reading.value, reading.error, reading.fetched_at)
        elif reading.value is not None:
            earlier[reading.source] = (reading.value, opened)
    return [
        _Figure(
            metric, now.get(source_key("metric", metric.id)), earlier.get(source_key("metric", metric.id))
        )
        for metric in catalog.metrics
    ]


class MetricsDigest:
    """`metrics` in a digest: every metric as read at the run's close, and its change since the
    ritual's previous close."""

    name = "metrics"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def context(self, session: Session, definition: object, run: Run, audience: object) -> object:
        return {f.metric.id: metric_context(f) for f in metric_figures(session, self._catalog, run)}

    def sample(self, definition: object, audience: object) -> object:
        opened = datetime(2027, 1, 4, 15, tzinfo=UTC)
        return {
            metric.id: metric_context(_Figure(metric, SourceRead(1250.0, None, opened), (1180.0, opened)))
            for metric in self._catalog.metrics
        }


# --- samples, for `validate` ---------------------------------------------------------------------

_SAMPLE_OBJECTIVE = Objective(
    id="sample-objective",
    title="Sample objective",
    period="2027-Q1",
    key_results=[
        KeyResult(
            id="sample-key-result",
            title="Sample key result",
            owner="U0SAMPLE1",
            start=100,
            target=400,
            unit="teams",
            source=Source(url="https://metrics.example/sample", value="data.value"),
        )
    ],
)


def sample_standings(catalog: Catalog) -> list[Standing]:
    """Standings of the catalog's key results (or a made-up one): one at risk with a comment
    that tries to ping everyone, one whose source failed, the others on track."""
    pairs = catalog.key_results() or [(_SAMPLE_OBJECTIVE, _SAMPLE_OBJECTIVE.key_results[0])]
    opened = datetime(2027, 1, 29, 15, tzinfo=UTC)
    standings = []
    for index, (objective, kr) in enumerate(pairs):
        middle = kr.start + (kr.target - kr.start) * 0.4
        confidence = Confidence.AT_RISK if index == 0 else Confidence.ON_TRACK
        failed = SourceRead(None, "HTTP 503 (after 3 tries)", opened) if index == 1 else None
        standings.append(
            Standing(
                objective,
                kr,
                "U0SAMPLE1",
                Point(2, opened, middle, confidence, "Two teams churned <!channel>", "U0SAMPLE1"),
                Point(1, opened, kr.start, Confidence.ON_TRACK, None, "U0SAMPLE1"),
                at_close=failed,
            )
        )
    return standings
