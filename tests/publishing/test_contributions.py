"""Other domains' parts of a digest: added under their own name, checked by `validate`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rituals.definition.loading import load_library, validate_paths
from rituals.definition.schema import Audience, RitualDefinition
from rituals.publish.digest import RunData
from rituals.publish.publisher import render
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
