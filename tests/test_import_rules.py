"""The layout's import rules, read from every module's imports with `ast`.

bot → handlers → domains (rituals, research, insights) → messaging → storage; core may be used by
all. A rule broken here fails CI with the module, the line and the rule, instead of eroding the
layout one convenient import at a time. Imports inside functions and under `TYPE_CHECKING`
count too: they couple modules just the same.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = ("rituals", "research", "insights")
PACKAGES = ("bot", "core", "handlers", "messaging", "simulator", "storage", *DOMAINS)
# What each package may import of ours (a domain also imports itself, never another domain).
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset({"core"}),
    "storage": frozenset({"storage", "core"}),
    "messaging": frozenset({"messaging", "storage", "core"}),
    **{domain: frozenset({domain, "messaging", "storage", "core"}) for domain in DOMAINS},
    "handlers": frozenset({"handlers", *DOMAINS, "messaging", "core"}),
    # The simulated workspace stands in for Slack: it shares Slack's limits and our clock only.
    "simulator": frozenset({"simulator", "messaging", "core"}),
    "bot": frozenset(PACKAGES),
}
# Who may import the simulated workspace besides itself (tests and benchmarks are not scanned).
SIMULATOR_USERS = ("bot.sandbox", "bot.demo")
# What a domain may take from Slack's SDKs: block models to validate Block Kit, never a client.
SLACK_SDK_ALLOWED = "slack_sdk.models"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module, dotted
    line: int

    def __str__(self) -> str:
        return f"{self.module.replace('.', '/')}.py:{self.line}: imports {self.target}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def first_party_modules() -> frozenset[str]:
    return frozenset(_module_name(path) for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def _targets(module: str, is_package: bool, node: ast.AST) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        base = _resolve(module, is_package, node)
        for alias in node.names:
            # `from package import module` imports that module; `from module import name` the module.
            candidate = f"{base}.{alias.name}"
            yield candidate if candidate in first_party_modules() else base


@cache
def all_imports() -> tuple[Import, ...]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = _module_name(path)
            is_package = path.name == "__init__.py"
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                for target in _targets(module, is_package, node):
                    found.append(Import(module, target, getattr(node, "lineno", 0)))
    return tuple(found)


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def _violations(rule: str) -> list[str]:
    return [str(found) for found in all_imports() if _breaks(rule, found)]


def _breaks(rule: str, found: Import) -> bool:
    source, target = _top(found.module), _top(found.target)
    if rule == "layers":
        return target in PACKAGES and target not in ALLOWED[source]
    if rule == "slack clients in domains":
        return (
            source in DOMAINS
            and target in ("slack_bolt", "slack_sdk")
            and not (found.target == SLACK_SDK_ALLOWED or found.target.startswith(SLACK_SDK_ALLOWED + "."))
        )
    if rule == "simulator users":
        return (
            target == "simulator"
            and source != "simulator"
            and not any(
                found.module == user or found.module.startswith(user + ".") for user in SIMULATOR_USERS
            )
        )
    raise AssertionError(rule)


def test_the_scan_sees_the_whole_layout() -> None:
    """A scan that found nothing would pass every rule: make sure it reads what it should."""
    modules = {found.module for found in all_imports()}
    assert {
        "bot.app",
        "handlers.wiring",
        "rituals.runs.tick",
        "messaging.outbox",
        "storage.queries",
    } <= modules
    assert Import("handlers.wiring", "rituals.services", 0).target in {f.target for f in all_imports()}


def test_handlers_never_import_storage() -> None:
    assert [v for v in _violations("layers") if v.startswith("handlers/") and "imports storage" in v] == []


def test_every_package_imports_only_the_layers_below_it() -> None:
    """Domains never import each other, handlers or bot; core, messaging and storage import no
    domain, handlers or bot; storage imports only storage and core."""
    assert _violations("layers") == []


def test_domains_reach_slack_only_through_the_gateway() -> None:
    assert _violations("slack clients in domains") == []


def test_only_the_sandbox_and_the_demo_import_the_simulator() -> None:
    assert _violations("simulator users") == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle between modules, if there is any (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def test_no_import_cycles_between_modules() -> None:
    modules = first_party_modules()
    graph: dict[str, set[str]] = {}
    for found in all_imports():
        # A package's __init__ importing its own modules is how packages re-export; a module
        # importing its own package's __init__ is part of importing the module itself.
        target = found.target
        if target in modules and target != found.module and not found.module.startswith(target + "."):
            graph.setdefault(found.module, set()).add(target)
    assert _cycle(graph) is None, " → ".join(_cycle(graph) or [])


@pytest.mark.parametrize(
    ("rule", "source", "target", "broken"),
    [
        ("layers", "handlers.rituals.approval", "storage.models", True),
        ("layers", "rituals.home_section", "research.registry", True),
        ("layers", "messaging.outbox", "rituals.services", True),
        ("layers", "storage.models", "messaging.gateway", True),
        ("layers", "core.clock", "messaging.limits", True),
        ("layers", "rituals.home_section", "messaging.layout", False),
        ("slack clients in domains", "rituals.runs.opening", "slack_sdk", True),
        ("slack clients in domains", "insights.charts", "slack_bolt", True),
        ("slack clients in domains", "rituals.publish.digest", "slack_sdk.models.blocks", False),
        ("simulator users", "bot.app", "simulator.workspace", True),
        ("simulator users", "bot.demo.story", "simulator", False),
    ],
)
def test_each_rule_catches_what_it_should(rule: str, source: str, target: str, broken: bool) -> None:
    assert _breaks(rule, Import(source, target, 1)) is broken


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


if __name__ == "__main__":  # pragma: no cover - a quick listing while reorganising
    for rule in ("layers", "slack clients in domains", "simulator users"):
        print(rule, *_violations(rule), sep="\n  ", file=sys.stderr)
