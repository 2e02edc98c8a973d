"""The README's two commands are the ones CI and people actually run."""

from __future__ import annotations

import re
from pathlib import Path


def test_ci_runs_the_readme_test_command(repo_root: Path) -> None:
    ci = (repo_root / ".ci" / "run").read_text()
    match = re.search(r'^TEST_COMMAND="(.+)"$', ci, re.MULTILINE)
    assert match, ".ci/run must define TEST_COMMAND"
    assert match.group(1) in (repo_root / "README.md").read_text()


def test_readme_run_command_starts_the_demo(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    assert "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/ritualbot demo" in readme
