"""Helpers for the ritual-definition tests: build definitions in code and write ritual files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rituals.definition.schema import RitualDefinition

MakeRitual = Callable[..., RitualDefinition]
WriteFile = Callable[..., Path]


def minimal_ritual(**overrides: Any) -> dict[str, Any]:
    """The smallest valid ritual as data; keys given as overrides replace the defaults."""
    data: dict[str, Any] = {
        "id": "test-ritual",
        "name": "Test ritual",
        "owners": ["U0OWNER1"],
        "schedule": {"cron": "0 10 * * mon", "timezone": "America/New_York"},
        "participants": {"users": ["U0PM0001"]},
        "form": [{"id": "status", "type": "text", "label": "Status"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def ritual_data() -> Callable[..., dict[str, Any]]:
    """:func:`minimal_ritual`, for tests that validate raw data themselves."""
    return minimal_ritual


@pytest.fixture
def make_ritual() -> MakeRitual:
    """Build a validated RitualDefinition; ``cron``/``timezone``/``deliver`` are shortcuts."""

    def make(
        cron: str = "0 10 * * mon",
        timezone: str = "America/New_York",
        deliver: str = "ritual_time",
        **overrides: Any,
    ) -> RitualDefinition:
        schedule = {"cron": cron, "timezone": timezone, "deliver": deliver}
        return RitualDefinition.model_validate(minimal_ritual(schedule=schedule, **overrides))

    return make


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write dedented text to ``tmp_path / name`` (folders created) and return the path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
