"""The key results domain and the rituals meet only through protocols wired by `bot/`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> dict[str, set[str]]:
    """Every top-level module each file of `package` imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("insights", ("rituals", "handlers", "bot", "simulator", "slack_bolt", "slack_sdk")),
        ("rituals", ("insights",)),
    ],
)
def test_no_domain_imports_the_other_or_the_outer_layers(package: str, forbidden: tuple[str, ...]) -> None:
    wrong = {
        file: sorted(name for name in names if name.split(".")[0] in forbidden)
        for file, names in _imports(package).items()
    }
    assert {file: names for file, names in wrong.items() if names} == {}
