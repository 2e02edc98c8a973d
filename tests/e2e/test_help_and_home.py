"""The first surfaces, through the real endpoint with signed requests."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from bot.sandbox import Sandbox

pytestmark = pytest.mark.e2e

PM = "U0PM00001"


def test_signed_help_gets_the_help_text(sandbox: Sandbox) -> None:
    reply = sandbox.driver.slash_command(PM, "/ritual", "help")
    assert reply.status == 200
    body = reply.json
    assert body["response_type"] == "ephemeral"
    text = json.dumps(body["blocks"])
    assert "/ritual help" in text
    assert "/ritual trigger RITUAL" in text


def test_empty_and_unknown_subcommands_answer_with_help(sandbox: Sandbox) -> None:
    assert "/ritual help" in json.dumps(sandbox.driver.slash_command(PM, "/ritual", "").json)
    body = sandbox.driver.slash_command(PM, "/ritual", "frobnicate now").json
    assert body["response_type"] == "ephemeral"
    assert "I don't know `/ritual frobnicate`" in json.dumps(body)


def _command_body() -> str:
    return "command=%2Fritual&text=help&user_id=U0PM00001&channel_id=D1&team_id=T1&trigger_id=1.2.3"


def test_unsigned_request_is_refused_and_changes_nothing(sandbox: Sandbox) -> None:
    calls_before = len(sandbox.workspace.calls())
    reply = sandbox.driver.post(
        _command_body(), signed=False, content_type="application/x-www-form-urlencoded"
    )
    assert reply.status == 401
    assert len(sandbox.workspace.calls()) == calls_before


def test_stale_request_is_refused(sandbox: Sandbox) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    reply = sandbox.driver.post(
        _command_body(), timestamp=six_minutes_ago, content_type="application/x-www-form-urlencoded"
    )
    assert reply.status == 401


def test_opening_home_publishes_a_home_view(sandbox: Sandbox) -> None:
    sandbox.driver.open_home(PM)
    deadline = time.monotonic() + 5
    while sandbox.workspace.home_view(PM) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    home = sandbox.workspace.home_view(PM)
    assert home is not None
    assert "ritualbot" in json.dumps(home.blocks if hasattr(home, "blocks") else home)


def test_health_check_reports_the_database(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + "/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok"}
