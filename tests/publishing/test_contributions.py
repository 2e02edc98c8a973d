"""Other domains' parts of a digest: added under their own name, checked by `validate`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from messaging.gateway import FileUpload
from rituals.definition.loading import load_library, validate_paths
from rituals.definition.schema import Audience, RitualDefinition
from rituals.publish.digest import RunData
from rituals.publish.publisher import Publisher, render
from rituals.publish.templating import template_environment, template_reads
from rituals.runs.closing import RunCloser
from rituals.runs.opening import create_manual_run
from storage.models import Run

RITUAL = """\
id: with-weather
name: With weather
owners: [U0PRODOPS]
schedule: {cron: "0 10 * * mon", timezone: UTC}
participants: {users: [U0PM00001]}
form:
  - {id: status, type: text, label: Status}
audiences:
  - {name: leaders, to: ["#product-leads"], template: weather.md.j2}
"""


class Weather:
    name = "weather"

    def context(self, session: Session, definition: RitualDefinition, run: Run, audience: Audience) -> object:
        return {"forecast": f"sunny for {run.occurrence_key}"}

    def sample(self, definition: RitualDefinition, audience: Audience) -> object:
        return {"forecast": "cloudy"}


class Clashing(Weather):
    name = "responses"


def _folder(tmp_path: Path, template: str) -> Path:
    (tmp_path / "with-weather.yml").write_text(RITUAL, encoding="utf-8")
    (tmp_path / "weather.md.j2").write_text(template, encoding="utf-8")
    return tmp_path


def test_validate_checks_templates_against_the_contributions_samples(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "Forecast: {{ weather.forecast }}\n")
    assert validate_paths([folder], [Weather()]) == []
    [problem] = validate_paths([folder])  # without the contribution, `weather` is undefined
    assert "'weather' is undefined" in problem.message
    folder = _folder(tmp_path, "Forecast: {{ weather.rain }}\n")
    [problem] = validate_paths([folder], [Weather()])
    assert "rain" in problem.message


def test_a_contribution_renders_under_its_name_and_may_not_hide_the_compiled_context(tmp_path: Path) -> None:
    folder = _folder(tmp_path, "Forecast: {{ weather.forecast }} ({{ counts.participants }} asked)\n")
    library = load_library([folder], contributions=[Weather()])
    definition = library.get("with-weather")
    run = Run(
        id=1,
        ritual_id=definition.id,
        occurrence_key="2027-02-01T10:00",
        scheduled_for=datetime(2027, 2, 1, 10, tzinfo=UTC),
    )
    data = RunData(run=run, responses=[], skipped=[], missing=["U0PM00001"], participants=1)
    audience = definition.audiences[0]
    with Session() as session:  # unbound: the contributions here read nothing
        rendered = render(library, definition, data, audience, [Weather()], session)
        assert rendered.body == "Forecast: sunny for 2027-02-01T10:00 (1 asked)"
        with pytest.raises(ValueError, match="would hide the compiled 'responses'"):
            render(library, definition, data, audience, [Clashing()], session)


# --- what a template reads, and files that go with a contribution ---------------------------------

# The same ritual with a second audience, whose template does not read `weather`.
TWO_AUDIENCES = RITUAL + '  - {name: sales, to: ["#sales-roadmap"], template: plain.md.j2}\n'


class Counted(Weather):
    def __init__(self) -> None:
        self.computed = 0

    def context(self, session: Session, definition: RitualDefinition, run: Run, audience: Audience) -> object:
        self.computed += 1
        return super().context(session, definition, run, audience)


class Charts:
    name = "weather"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def files(
        self, session: Session, definition: RitualDefinition, run: Run, audience: Audience
    ) -> list[FileUpload]:
        self.asked.append(audience.name)
        return [
            FileUpload(f"weather-{run.occurrence_key}.png", b"\x89PNG chart", "Weather", alt_text="Sunny")
        ]


def test_template_reads_follows_includes_and_knows_when_it_cannot_tell(tmp_path: Path) -> None:
    library = load_library()
    roadmap = library.loaded("monthly-roadmap-checkin")
    reads = roadmap.reads(roadmap.definition.audience("leaders"))
    assert reads is not None
    assert {"metrics", "counts", "responses"} <= reads
    assert "key_results" not in reads
    okr = library.loaded("okr-checkin")
    assert {"key_results", "metrics"} <= (okr.reads_any() or set())
    (tmp_path / "dynamic.md.j2").write_text('{% include audience.name ~ ".md.j2" %}', encoding="utf-8")
    assert template_reads(template_environment((tmp_path,)), "dynamic.md.j2") is None


def test_files_go_once_into_the_thread_of_the_posts_that_show_their_contribution(
    engine: Engine, database_url: str, clock: FrozenClock, tmp_path: Path
) -> None:
    (tmp_path / "with-weather.yml").write_text(TWO_AUDIENCES, encoding="utf-8")
    (tmp_path / "weather.md.j2").write_text("Forecast: {{ weather.forecast }}\n", encoding="utf-8")
    (tmp_path / "plain.md.j2").write_text("{{ counts.participants }} asked\n", encoding="utf-8")
    weather, charts = Counted(), Charts()
    library = load_library([tmp_path], contributions=[weather])
    with Sandbox(database_url, clock, library=library, migrate=False) as sandbox:
        publisher = Publisher(sandbox.library, [weather], [charts])
        closer = RunCloser(sandbox.session_factory, on_close=[publisher.on_close])
        definition = sandbox.library.get("with-weather")
        with sandbox.session_factory.begin() as session:
            run = create_manual_run(session, definition, clock.now(), note="test")
        assert sandbox.app.services.opener.open(run, clock.now()) is not None
        assert closer.close(run.id, clock.now())
        # Only the leaders' template reads `weather`: computed and charted for it alone.
        assert (weather.computed, charts.asked) == (1, ["leaders"])
        with sandbox.session_factory.begin() as session:
            publisher.refresh(session, run, "a late answer", clock.now())  # same text: nothing new
        for _ in range(5):
            clock.advance(timedelta(seconds=3))
            sandbox.app.tick()
        ws = sandbox.workspace
        [digest] = ws.messages_in("product-leads", include_replies=False)
        [shared] = [m for m in ws.thread("product-leads", digest.ts) if m.files]
        assert shared.thread_ts == digest.ts
        [chart] = [f for f in ws.files if f.id in shared.files]
        assert (chart.filename, chart.alt_txt) == (f"weather-{run.occurrence_key}.png", "Sunny")
        assert not [m for m in ws.messages_in("sales-roadmap") if m.files]
        assert charts.asked == ["leaders"]
