"""The one error handler: a short readable message for the person, the full story in the log.

Slack must never see a stack trace or a 500: a failed slash command answers ephemerally, a
failed modal submission answers with a small modal pushed on top (so everything the person
typed is still there underneath), and a failed click answers ephemerally through its
`response_url`. Each unexpected error gets an id that appears both in Slack and in the log.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.failures import describe_failure
from handlers.payloads import MalformedPayload


def _error_modal(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Something went wrong"[:24]},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def _json_response(body: dict[str, Any]) -> BoltResponse:
    return BoltResponse(status=200, body=json.dumps(body), headers={"content-type": "application/json"})


def handle_listener_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
    client: WebClient,
    logger: logging.Logger,
) -> BoltResponse | None:
    if isinstance(error, MalformedPayload):
        # Not Slack's shape: a forged or broken request. One line, no traceback, and a 400
        # while the request is still open; nobody in Slack is waiting for an answer to it.
        logger.warning("refused a malformed payload: %s", error)
        if response is not None:
            response.status = 400
            response.body = ""
        return response
    text = describe_failure(error, str(body.get("type") or body.get("command") or "request"), logger)

    # `response` is set while Slack is still waiting for our acknowledgement: answer in it.
    if response is not None:
        if body.get("type") == "view_submission":
            return _json_response({"response_action": "push", "view": _error_modal(text)})
        if body.get("command"):
            return _json_response({"response_type": "ephemeral", "text": text})
        response.status = 200
        response.body = ""

    # Already acknowledged (or a click): tell the person through the cheapest channel they see.
    try:
        if respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif (user := (body.get("user") or {}).get("id") or body.get("user_id")) is not None:
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError:
        logger.exception("could not tell the user about an error")
    return None
