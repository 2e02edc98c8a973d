"""Bodies without Slack's shape, signed and sent to the bot's real endpoint: each gets HTTP 400
and one warning line in the log, never a traceback, and nothing happens in Slack."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from urllib.parse import urlencode

import pytest

import simulator.payloads as payloads
from bot.sandbox import Sandbox
from core.types import JsonDict
from rituals.collect.forms.ids import ANSWER_CALLBACK
from rituals.collect.prompts import FILL_ACTION, button
from rituals.collect.skip_and_handoff_views import SKIP_VIEW
from simulator import BotReply, Message

pytestmark = pytest.mark.e2e

PM = "U0PM00001"


def prompt_like(sandbox: Sandbox) -> Message:
    """A message carrying the prompt's Fill in button (its value: a run id)."""
    posted = sandbox.client.chat_postMessage(
        channel=PM,
        text="prompt",
        blocks=[{"type": "actions", "elements": [button(FILL_ACTION, "Fill in", 7)]}],
    )
    return sandbox.workspace.find_message(posted["channel"], posted["ts"])


def click_payload(sandbox: Sandbox) -> JsonDict:
    """What Slack sends for a click on that button, to be broken by each test."""
    ws = sandbox.workspace
    message = prompt_like(sandbox)
    block, element = payloads.find_element(message.blocks, FILL_ACTION)
    action = payloads.action_obj(ws.state, block, element, None)
    return payloads.message_action(
        ws.state,
        PM,
        message,
        action,
        ws.mint_trigger(PM),
        ws.mint_response_url(PM, message.channel, message.ts),
    )


def submission_payload(callback_id: str, metadata: str) -> JsonDict:
    return {
        "type": "view_submission",
        "user": {"id": PM, "username": "ana", "name": "ana", "team_id": "T0SIM0001"},
        "team": {"id": "T0SIM0001", "domain": "sim"},
        "api_app_id": "A0SIM0001",
        "trigger_id": "1.2.3",
        "view": {
            "id": "V0000001",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "hash": "1.abc",
            "state": {"values": {}},
        },
    }


def slack_calls(sandbox: Sandbox) -> list[str]:
    """The Web API calls so far, but Bolt's own `auth.test` on the first request."""
    return [call.method for call in sandbox.workspace.calls() if call.method != "auth.test"]


def send(sandbox: Sandbox, payload: JsonDict) -> BotReply:
    body = urlencode({"payload": json.dumps(payload)})
    return sandbox.driver.post(body, content_type="application/x-www-form-urlencoded")


def no_actions(sandbox: Sandbox) -> JsonDict:
    return click_payload(sandbox) | {"actions": []}


def junk_button_value(sandbox: Sandbox) -> JsonDict:
    payload = click_payload(sandbox)
    payload["actions"][0]["value"] = "not-a-run"
    return payload


def null_view(_sandbox: Sandbox) -> JsonDict:
    return submission_payload(SKIP_VIEW, "{}") | {"view": None}


def junk_skip_metadata(_sandbox: Sandbox) -> JsonDict:
    return submission_payload(SKIP_VIEW, "<not json>")


def junk_answer_metadata(_sandbox: Sandbox) -> JsonDict:
    return submission_payload(ANSWER_CALLBACK, '{"r": "x"}')


@pytest.mark.parametrize(
    "broken", [no_actions, junk_button_value, null_view, junk_skip_metadata, junk_answer_metadata]
)
def test_a_malformed_body_is_a_400_and_one_warning_line(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture, broken: Callable[[Sandbox], JsonDict]
) -> None:
    payload = broken(sandbox)
    calls_before = slack_calls(sandbox)
    with caplog.at_level(logging.INFO):
        reply = send(sandbox, payload)
    assert (reply.status, reply.body) == (400, "")
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage().split(":")[0] for r in warnings] == ["refused a malformed payload"]
    assert "\n" not in warnings[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text
    assert slack_calls(sandbox) == calls_before  # nobody in Slack was told anything


def test_a_slash_command_without_a_user_is_a_400(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        reply = sandbox.driver.post(
            urlencode({"command": "/ritual", "text": "help", "channel_id": "C1"}),
            content_type="application/x-www-form-urlencoded",
        )
    assert reply.status == 400
    assert "Traceback" not in caplog.text


def test_the_same_click_well_formed_is_answered(sandbox: Sandbox) -> None:
    """The control: the unbroken payload gets through (and the person hears the run is gone)."""
    assert send(sandbox, click_payload(sandbox)).status == 200
    [post] = sandbox.workspace.wait_for(lambda: sandbox.workspace.responses)
    assert "no longer exists" in str(post.body["text"])
