"""Check-ins kept per key result, prefills, standings, digest contexts and charts, on a real database."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from insights.catalog import Catalog
from insights.checkins import KeyResultCheckins
from insights.config import KeyResult, Metric, Objective, Source
from insights.digest import KeyResultCharts, KeyResultsDigest, MetricsDigest
from insights.standing import current_standings, histories, run_standings
from messaging.people import cache_key
from storage.database import SessionFactory
from storage.models import (
    Confidence,
    KeyResultScope,
    PersonRef,
    ReadingPhase,
    Run,
    SourceReading,
)

from .conftest import Answered, add_run

ANA, BEN, CHLOE = "U0PM00001", "U0PM00002", "U0PM00003"
JAN, FEB, MAR = (datetime(2027, month, 26, 15, tzinfo=UTC) for month in (1, 2, 3))

CATALOG = Catalog(
    objectives=(
        Objective(
            id="grow",
            title="Grow <!channel>",
            period="2027-Q1",
            key_results=[
                KeyResult(
                    id="teams",
                    title="Activated teams",
                    owner=ANA,
                    start=10,
                    target=100,
                    unit="teams",
                    source=Source(url="https://m.example/teams", value="v"),
                ),
                KeyResult(id="incidents", title="Incidents", owner="ben@example.com", start=30, target=10),
            ],
        ),
        Objective(
            id="keep",
            title="Keep customers",
            period="2027-Q1",
            key_results=[KeyResult(id="churn", title="Churn", owner=CHLOE, start=3, target=1, unit="%")],
        ),
    ),
    metrics=(
        Metric(id="wau", title="Weekly active users", source=Source(url="https://m.example/w", value="v")),
    ),
)


def _read(
    session: Session,
    run: Run,
    source: str,
    phase: ReadingPhase,
    value: float | None,
    error: str | None = None,
) -> None:
    session.add(
        SourceReading(
            run_id=run.id,
            ritual_id=run.ritual_id,
            phase=phase,
            source=source,
            value=value,
            error=error,
            fetched_at=run.scheduled_for,
        )
    )


def _check_in(session: Session, run: Run, user: str, version: int, *answers: Answered) -> None:
    KeyResultCheckins(CATALOG).record(
        session, run, user, version, answers, run.scheduled_for + timedelta(hours=version)
    )


def test_prefill_prefers_this_runs_answer_then_the_source_then_the_last_check_in(
    session_factory: SessionFactory,
) -> None:
    checkins = KeyResultCheckins(CATALOG)
    with session_factory.begin() as session:
        jan, feb = add_run(session, JAN), add_run(session, FEB)
        _check_in(session, jan, ANA, 1, Answered("teams", 30, "at_risk", "slow start"))
        _check_in(session, jan, BEN, 1, Answered("incidents", 25, "on_track"))
        # February: the teams source read 42 at opening; the incidents source failed.
        _read(session, feb, "kr:teams", ReadingPhase.OPEN, 42)
        _read(session, feb, "kr:incidents", ReadingPhase.OPEN, None, "HTTP 503 (after 3 tries)")

        [teams] = checkins.prompts(session, feb, [ANA], None)
        assert (teams.id, teams.value, teams.confidence, teams.comment) == ("teams", 42, "at_risk", None)
        assert teams.note == "Value from its source when this check-in opened."
        assert teams.objective == "Grow <!channel>"

        # Ben's email is matched to him only once Slack said so.
        assert checkins.prompts(session, feb, [BEN], None) == []
        session.add(PersonRef(ref=cache_key("ben@example.com"), user_id=BEN, resolved_at=FEB))
        session.flush()
        [incidents] = checkins.prompts(session, feb, [BEN], None)
        assert (incidents.value, incidents.confidence) == (25, "on_track")
        assert (
            incidents.note
            == "Its source is unavailable (HTTP 503 (after 3 tries)). Value from your last check-in."
        )

        # Chloe handed her part to Ana: Ana answers for Chloe's key results too.
        assert [p.id for p in checkins.prompts(session, feb, [ANA, CHLOE], None)] == ["teams", "churn"]
        assert [p.id for p in checkins.prompts(session, feb, [ANA, CHLOE], {"keep"})] == ["churn"]

        # Once Ana answered in February, editing shows her answer.
        _check_in(session, feb, ANA, 1, Answered("teams", 44, "on_track", "better"))
        _check_in(session, feb, ANA, 2, Answered("teams", 45, "on_track", "even better"))
        [teams] = checkins.prompts(session, feb, [ANA], None)
        assert (teams.value, teams.confidence, teams.comment) == (45, "on_track", "even better")
        assert teams.note == "As you answered earlier in this check-in."


def test_check_ins_are_kept_per_key_result_and_version(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        jan = add_run(session, JAN)
        _check_in(session, jan, ANA, 1, Answered("teams", 30, "at_risk"), Answered("churn", 2.5, "on_track"))
        _check_in(
            session, jan, ANA, 1, Answered("teams", 30, "at_risk")
        )  # a replayed submission: nothing new
        _check_in(session, jan, ANA, 2, Answered("teams", 31, "bogus"), Answered("removed-kr", 1, None))
        points = histories(session, ["teams", "churn"])
    # One point per run: the newest version wins; an unknown confidence is kept as none.
    assert [(p.value, p.confidence) for p in points["teams"]] == [(31, None)]
    assert [(p.value, p.confidence) for p in points["churn"]] == [(2.5, Confidence.ON_TRACK)]


def test_a_run_standing_compares_with_the_run_before_it(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        jan, feb, mar = add_run(session, JAN), add_run(session, FEB), add_run(session, MAR)
        session.add(
            KeyResultScope(run_id=feb.id, ritual_id=feb.ritual_id, objectives=["grow"], created_at=FEB)
        )
        _check_in(session, jan, ANA, 1, Answered("teams", 30, "on_track"))
        _check_in(session, jan, CHLOE, 1, Answered("churn", 2.8, "on_track"))
        # February: Ana reported 44 and is worried; the source said 47 at closing.
        _check_in(session, feb, ANA, 1, Answered("teams", 44, "at_risk", "two teams churned"))
        _read(session, feb, "kr:teams", ReadingPhase.CLOSE, 47)
        # March: nobody checked in, the source says 60.
        _read(session, mar, "kr:teams", ReadingPhase.CLOSE, 60)
        standings = run_standings(session, CATALOG, feb)
        assert [s.key_result.id for s in standings] == ["teams", "incidents"]  # only the run's objectives
        teams = standings[0]
        assert (teams.value, teams.previous and teams.previous.value) == (44, 30)
        assert teams.trend is not None
        assert teams.trend.text == "▲ 14"
        assert (teams.confidence_was, teams.confidence) == (Confidence.ON_TRACK, Confidence.AT_RISK)
        assert teams.at_close is not None
        assert teams.at_close.value == 47
        # March compares the source's 60 with February's 44; every objective (no scope recorded).
        march = {s.key_result.id: s for s in run_standings(session, CATALOG, mar)}
        assert march["teams"].trend is not None
        assert march["teams"].trend.text == "▲ 16"
        assert march["teams"].confidence is None
        assert not march["teams"].checked_in
        assert [s.key_result.id for s in run_standings(session, CATALOG, mar)] == [
            "teams",
            "incidents",
            "churn",
        ]
        # Now: the newest point against the one before.
        now = {s.key_result.id: s for s in current_standings(session, CATALOG)}
        assert (now["teams"].value, now["teams"].previous and now["teams"].previous.value) == (60, 44)
        assert now["churn"].value == 2.8
        assert now["churn"].previous is None
        assert now["incidents"].value is None


def test_the_key_results_context_groups_by_objective_at_risk_first(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        jan, feb = add_run(session, JAN), add_run(session, FEB)
        _check_in(session, jan, ANA, 1, Answered("teams", 30, "on_track"))
        _check_in(session, feb, ANA, 1, Answered("teams", 37, "on_track"))
        _check_in(session, feb, CHLOE, 1, Answered("churn", 2.9, "off_track", "pricing change <@U0X>"))
        _read(session, feb, "kr:teams", ReadingPhase.CLOSE, None, "timed out after 5 s (after 3 tries)")
        context = KeyResultsDigest(CATALOG).context(session, object(), feb, object())
    assert isinstance(context, dict)
    assert [o["id"] for o in context["objectives"]] == ["keep", "grow"]
    assert context["objectives"][0]["worst"] == "Off track"
    assert context["counts"] == {"total": 3, "on_track": 1, "at_risk": 0, "off_track": 1, "no_checkin": 1}
    teams = next(kr for kr in context["all"] if kr["id"] == "teams")
    assert teams["value_text"] == "37 teams"
    assert (teams["percent"], teams["bar"]) == (30, "▓▓▓░░░░░░░")
    assert (teams["trend"], teams["improving"]) == ("▲ 7", True)
    assert teams["source"] == {
        "configured": True,
        "status": "unavailable",
        "reason": "timed out after 5 s (after 3 tries)",
        "at_open": None,
        "at_close": None,
    }
    assert [kr["id"] for kr in context["unavailable"]] == ["teams"]
    churn = next(kr for kr in context["all"] if kr["id"] == "churn")
    assert (churn["direction"], churn["comment"], churn["checked_in_by"]) == (
        "down",
        "pricing change <@U0X>",
        CHLOE,
    )
    incidents = next(kr for kr in context["all"] if kr["id"] == "incidents")
    assert (incidents["owner"], incidents["confidence_label"], incidents["bar"]) == (
        "ben@example.com",
        "No check-in",
        "░" * 10,
    )


def test_metrics_change_since_the_rituals_previous_close(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        jan, feb = (
            add_run(session, JAN, "monthly-roadmap-checkin"),
            add_run(session, FEB, "monthly-roadmap-checkin"),
        )
        other = add_run(session, FEB - timedelta(days=3), "launch-update")
        _read(session, jan, "metric:wau", ReadingPhase.CLOSE, 1200)
        _read(session, other, "metric:wau", ReadingPhase.CLOSE, 9999)  # another ritual's: not compared
        _read(session, feb, "metric:wau", ReadingPhase.CLOSE, 1450)
        context = MetricsDigest(CATALOG).context(session, object(), feb, object())
        first = MetricsDigest(CATALOG).context(session, object(), jan, object())
    assert isinstance(context, dict)
    assert isinstance(first, dict)
    assert context["wau"]["value_text"] == "1,450"
    assert context["wau"]["change_text"] == "▲ 250 since 26 Jan"
    assert (first["wau"]["value"], first["wau"]["change_text"]) == (1200, "")


def test_charts_one_per_objective_with_points(session_factory: SessionFactory) -> None:
    with session_factory.begin() as session:
        jan, feb = add_run(session, JAN), add_run(session, FEB)
        _check_in(session, jan, ANA, 1, Answered("teams", 30, "on_track"))
        _check_in(session, feb, ANA, 1, Answered("teams", 55, "on_track"))
        uploads = KeyResultCharts(CATALOG).files(session, object(), feb, object())
    [chart] = uploads  # "keep" has no points yet: no empty chart
    assert chart.filename == "key-results-grow-2027-02-26T1500.png"
    assert chart.content.startswith(b"\x89PNG")
    assert chart.title == "Grow <!channel> · 2027-Q1"
    assert chart.alt_text is not None
    assert "Activated teams: 22% on 26 Jan, 50% on 26 Feb." in chart.alt_text


def test_charts_alt_text_fits_slacks_limit(session_factory: SessionFactory) -> None:
    many = Catalog(
        objectives=(
            Objective(
                id="wide",
                title="Wide",
                period="2027",
                key_results=[
                    KeyResult(
                        id=f"kr{n}", title="A long key result title " * 3, owner=ANA, start=0, target=10
                    )
                    for n in range(20)
                ],
            ),
        )
    )
    with session_factory.begin() as session:
        run = add_run(session, JAN)
        KeyResultCheckins(many).record(
            session, run, ANA, 1, [Answered(f"kr{n}", n, "on_track") for n in range(20)], JAN
        )
        [chart] = KeyResultCharts(many).files(session, object(), run, object())
    assert chart.alt_text is not None
    assert len(chart.alt_text) == 1000
    assert chart.alt_text.endswith("…")


@pytest.mark.parametrize("module", ["bot.cli", "bot.app", "insights.digest"])
def test_matplotlib_is_imported_only_to_draw(module: str) -> None:
    code = f"import sys, {module}; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
