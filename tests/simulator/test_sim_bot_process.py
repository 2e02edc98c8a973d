"""The environment bot processes get in trials: the built-in rituals are there but switched off."""

from __future__ import annotations

import os
from pathlib import Path

from rituals.definition.loading import BUILTIN_LIBRARY, load_library
from simulator import SimulatedWorkspace
from simulator.bot_process import bot_environment, builtin_rituals_switched_off
from tests.e2e.conftest import write_trial_ritual


def test_every_built_in_ritual_is_loaded_but_none_is_scheduled() -> None:
    library = load_library([builtin_rituals_switched_off()])
    built_in = sorted(path.stem for path in BUILTIN_LIBRARY.glob("*.yml"))
    assert library.ids() == built_in
    assert library.enabled() == []


def test_the_trials_own_rituals_come_after_and_stay_scheduled(tmp_path: Path) -> None:
    trial = write_trial_ritual(tmp_path / "trial", "trial-check-in")
    with SimulatedWorkspace() as workspace:
        env = bot_environment(workspace, "sqlite://", rituals_path=[trial])
    folders = [Path(folder) for folder in env["RITUALS_PATH"].split(os.pathsep)]
    assert folders == [builtin_rituals_switched_off(), trial]
    assert [definition.id for definition in load_library(folders).enabled()] == ["trial-check-in"]
