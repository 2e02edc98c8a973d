"""One error handler: people get a short readable message, never a stack trace or a 500."""

from __future__ import annotations

import json
import logging
import re

import pytest
from slack_bolt import Ack

from bot.sandbox import Sandbox
from core.errors import UserFacingError

pytestmark = pytest.mark.e2e

PM = "U0PM00001"


@pytest.fixture
def failing(sandbox: Sandbox) -> Sandbox:
    """Listeners that fail on purpose, registered on the real app like any other."""
    bolt = sandbox.app.bolt

    @bolt.command("/boom")
    def boom(ack: Ack) -> None:
        raise RuntimeError("database exploded")

    @bolt.command("/refuse")
    def refuse(ack: Ack) -> None:
        raise UserFacingError("You cannot do that here.")

    @bolt.view("boom_view")
    def boom_view(ack: Ack) -> None:
        raise RuntimeError("submission exploded")

    return sandbox


def test_unexpected_error_in_a_command_is_a_short_ephemeral_with_an_id(
    failing: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR):
        reply = failing.driver.slash_command(PM, "/boom")
    assert reply.status == 200
    body = reply.json
    assert body["response_type"] == "ephemeral"
    match = re.search(r"error id ([0-9a-f]{8})", body["text"])
    assert match, body["text"]
    assert "Traceback" not in body["text"]
    assert "exploded" not in body["text"]
    # The log has the whole story under the same id.
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None


def test_user_facing_error_is_shown_as_written(failing: Sandbox) -> None:
    body = failing.driver.slash_command(PM, "/refuse").json
    assert body == {"response_type": "ephemeral", "text": "You cannot do that here."}


def test_failed_submission_pushes_a_message_and_keeps_the_modal(failing: Sandbox) -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": PM, "username": "ana", "name": "ana", "team_id": "T0SIM0001"},
        "team": {"id": "T0SIM0001", "domain": "sim"},
        "api_app_id": "A0SIM0001",
        "token": "simulated-verification-token",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V0000001",
            "type": "modal",
            "callback_id": "boom_view",
            "private_metadata": "",
            "hash": "1.abc",
            "state": {"values": {}},
            "blocks": [],
            "title": {"type": "plain_text", "text": "Boom"},
        },
    }
    from urllib.parse import urlencode

    reply = failing.driver.post(
        urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded"
    )
    assert reply.status == 200
    body = reply.json
    assert body["response_action"] == "push"
    assert "error id" in json.dumps(body["view"])
