"""Bolt's error handler: its signature, adapted to the one failure path in `handlers.failures`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient

from handlers.failures import answer_failure


def handle_listener_error(
    error: Exception,
    body: dict[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
    client: WebClient,
    logger: logging.Logger,
) -> BoltResponse | None:
    return answer_failure(error, body, response, respond, client, logger)
