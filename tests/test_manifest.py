"""manifest.yml is valid for Slack, and it and the listeners agree both ways."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.sandbox import Sandbox
from handlers.registry import ListenerSpec

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "slack" / "manifest.schema.json"


@pytest.fixture
def manifest(repo_root: Path) -> dict[str, Any]:
    return yaml.safe_load((repo_root / "manifest.yml").read_text())


@pytest.fixture
def listeners(sandbox: Sandbox) -> list[ListenerSpec]:
    return sandbox.app.listeners


def test_manifest_matches_slack_schema(manifest: dict[str, Any]) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not beside the repository ({SCHEMA.name})")
    jsonschema.validate(manifest, json.loads(SCHEMA.read_text()))


def test_socket_mode_on_and_interactivity_enabled(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_every_slash_command_has_a_listener_and_back(
    manifest: dict[str, Any], listeners: list[ListenerSpec]
) -> None:
    declared = {command["command"] for command in manifest["features"]["slash_commands"]}
    handled = {spec.key for spec in listeners if spec.kind == "command"}
    assert declared == handled


def test_every_event_has_a_listener_and_back(manifest: dict[str, Any], listeners: list[ListenerSpec]) -> None:
    declared = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    handled = {spec.key for spec in listeners if spec.kind == "event"}
    assert declared == handled


def test_interactive_listeners_need_interactivity(
    manifest: dict[str, Any], listeners: list[ListenerSpec]
) -> None:
    if any(spec.kind in ("action", "view", "shortcut") for spec in listeners):
        assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_every_scope_a_listener_needs_is_declared(
    manifest: dict[str, Any], listeners: list[ListenerSpec]
) -> None:
    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = set().union(*(spec.scopes for spec in listeners))
    assert needed <= declared, f"missing scopes: {sorted(needed - declared)}"


def test_scopes_cover_the_web_api_methods_the_bot_calls(manifest: dict[str, Any], sandbox: Sandbox) -> None:
    """Every Web API method the code calls needs its scope in the manifest."""
    from bot.slack_scopes import METHOD_SCOPES, methods_called

    declared = set(manifest["oauth_config"]["scopes"]["bot"])
    called = methods_called()
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add these methods to bot/slack_scopes.py: {sorted(unknown)}"
    for method in sorted(called):
        assert METHOD_SCOPES[method] <= declared, f"{method} needs {sorted(METHOD_SCOPES[method] - declared)}"


def test_every_shortcut_has_a_listener_and_back(
    manifest: dict[str, Any], listeners: list[ListenerSpec]
) -> None:
    declared = {shortcut["callback_id"] for shortcut in manifest["features"].get("shortcuts", [])}
    handled = {spec.key for spec in listeners if spec.kind == "shortcut"}
    assert declared == handled


def test_menus_loading_options_need_interactivity_and_say_where_in_http_mode(
    manifest: dict[str, Any], listeners: list[ListenerSpec], repo_root: Path
) -> None:
    if any(spec.kind == "options" for spec in listeners):
        assert manifest["settings"]["interactivity"]["is_enabled"] is True
        # Socket Mode needs no URL; the comment tells HTTP deployments where options load from.
        assert "message_menu_options_url" in (repo_root / "manifest.yml").read_text()
