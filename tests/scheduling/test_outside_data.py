"""What a run reads from outside systems is fetched before it opens and closes, for the rituals
that ask or show it, and a failure there never stops the run."""

from __future__ import annotations

from datetime import datetime

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from rituals.runs.closing import RunCloser
from rituals.runs.opening import RunOpener, create_manual_run
from rituals.runs.outside_data import OutsideDataHooks, Phase, RunNeeds, needs_of
from storage.models import Run, RunState

from .conftest import runs_of


def test_what_each_built_in_ritual_asks_and_shows(sandbox: Sandbox) -> None:
    library = sandbox.library
    needs = {ritual: needs_of(library, library.get(ritual), Run(id=1)) for ritual in library.ids()}
    okr = needs["okr-checkin"]
    assert (okr.asks_key_results, okr.objectives, okr.owners) == (True, None, ("U0PRODOPS",))
    assert okr.shows("key_results")
    assert okr.shows("metrics")
    roadmap = needs["monthly-roadmap-checkin"]
    assert not roadmap.asks_key_results
    assert roadmap.shows("metrics")  # through the template it includes
    assert not roadmap.shows("key_results")
    assert not needs["launch-update"].shows("metrics")


def test_a_failure_out_there_never_stops_a_run(sandbox: Sandbox, clock: FrozenClock) -> None:
    phases: list[Phase] = []

    class Broken:
        def fetch(self, needs: RunNeeds, phase: Phase, now: datetime) -> None:
            phases.append(phase)
            raise RuntimeError("the metrics system is on fire")

    library, gateway = sandbox.library, sandbox.app.services.gateway
    hooks = OutsideDataHooks(library, [Broken()])
    opener = RunOpener(sandbox.session_factory, library, gateway, before_open=[hooks.before_open])
    closer = RunCloser(sandbox.session_factory, before_close=[hooks.before_close])
    now = clock.now()
    with sandbox.session_factory.begin() as session:
        run = create_manual_run(session, library.get("monthly-roadmap-checkin"), now, note="test")
    assert opener.open(run, now) is not None
    assert closer.close(run.id, now)
    assert not closer.close(run.id, now)  # closed already: nothing fetched for it again
    assert phases == ["open", "close"]
    assert [r.state for r in runs_of(sandbox)] == [RunState.CLOSED]
