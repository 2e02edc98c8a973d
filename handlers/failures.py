"""Telling a person that something failed: the one path every Slack request takes.

A failure is either the person's (a `UserFacingError`: no permission, a closed check-in), shown
as written, or ours: the person sees a short apology with an error id, and the log has the
whole story under the same id. Nobody in Slack ever sees a stack trace or a 500.

Where the person hears of it depends on where they are and on whether Slack still waits:

* Slack still waits for the acknowledgement (Bolt's error handler gets a `response`): a slash
  command answers ephemerally in it, a modal submission with a notice pushed on top of the
  modal (what they typed stays underneath). A body without Slack's shape (`MalformedPayload`)
  gets HTTP 400 and one log line; nobody in Slack waits for it.
* Already acknowledged (listeners ack first, then work, through `after_ack`): on a modal a
  notice is stacked on it, from the Home tab a notice opens, on a message the answer goes
  through its `response_url`, and otherwise to the person's DM with the app.

Bolt hands an error raised after `ack()` to the error handler but then drops the acknowledgement
it already had, which is why listeners that ack first run their work through `after_ack`
instead of raising. `bot/errors.py` only adapts Bolt's error-handler signature to `answer_failure`.

`views.open`/`views.push` refuse a trigger used before (`exchanged_trigger_id`): that is what a
click delivered twice looks like, and the first delivery already opened the view, so it is
ignored. A trigger that expired (the 3 seconds ran out) is worth telling the person about.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from core.errors import UserFacingError
from core.request_record import ALREADY_HANDLED, SeenBefore
from handlers.after_ack import later
from handlers.payloads import MalformedPayload, Origin
from messaging.replies import notice_modal

log = logging.getLogger("ritualbot.errors")

RETRIED_TRIGGER = "exchanged_trigger_id"
EXPIRED_TRIGGER = "expired_trigger_id"
# A trigger Slack no longer (or never) knows: the person can only click again.
STALE_TRIGGERS = frozenset({EXPIRED_TRIGGER, "invalid_trigger_id"})
CLICK_AGAIN = "Slack gave up waiting for me there. Please click again."
SUBMISSION_FAILED_TITLE = "Something went wrong"
DATABASE_UNREACHABLE = (
    "ritualbot cannot reach its database right now, so nothing was done. Please try again in a few minutes."
)
# Failures that mean the database could not be reached (refused, dropped, no connection left in
# the pool), as opposed to a query that is wrong.
_UNREACHABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def _database_unreachable(error: BaseException) -> bool:
    return isinstance(error, _UNREACHABLE) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def slack_error(error: BaseException) -> str | None:
    """Slack's error code (`channel_not_found`, ...) when `error` is a Web API refusal."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "")
    return None


def describe_failure(error: Exception, context: str, logger: logging.Logger | None = None) -> str:
    """Log `error` (with an id unless the person caused it) and return the text to show them."""
    logger = logger or log
    if isinstance(error, UserFacingError):
        logger.info("refused %s: %s", context, error.message)
        return error.message
    error_id = secrets.token_hex(4)
    if _database_unreachable(error):
        # An outage, not a bug: one line each time (the health check reports it too), and the
        # person learns that nothing happened rather than a vague apology.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        logger.warning("%s: database unreachable [error id %s]: %s", context, error_id, first_line)
        return f"{DATABASE_UNREACHABLE} (error id {error_id})"
    logger.error("failed %s [error id %s]", context, error_id, exc_info=error)
    return f"Sorry, something went wrong on our side. Nothing you entered was lost. (error id {error_id})"


def tell(
    origin: Origin,
    client: WebClient,
    respond: Respond | None,
    text: str,
    logger: logging.Logger | None = None,
) -> None:
    """Tell the person behind an acknowledged request, where they are (see the module's docstring)."""
    logger = logger or log
    try:
        if origin.in_view and origin.trigger_id:
            try:
                if origin.in_modal:
                    client.views_push(trigger_id=origin.trigger_id, view=notice_modal(text))
                else:
                    client.views_open(trigger_id=origin.trigger_id, view=notice_modal(text))
                return
            except SlackApiError:
                pass  # the trigger is gone or the stack is full: fall back to the DM
        if respond is not None and origin.response_url:
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif origin.person:
            client.chat_postMessage(channel=origin.person, text=text)
    except SlackApiError:
        logger.exception("could not tell %s: %s", origin.person, text)


def after_ack(
    body: Mapping[str, Any],
    client: WebClient,
    respond: Respond | None,
    context: str,
    work: Callable[[], object],
) -> None:
    """Run the work of an acknowledged request once Slack has the acknowledgement
    (`handlers.after_ack`); a failure is logged and told, never raised."""

    def reporting_failures() -> None:
        try:
            work()
        except SlackApiError as error:
            code = slack_error(error)
            if code == RETRIED_TRIGGER:
                log.info("%s: the trigger was used already (a retried delivery); nothing to do", context)
                return
            text = CLICK_AGAIN if code in STALE_TRIGGERS else describe_failure(error, context)
            tell(Origin.of(body), client, respond, text)
        except Exception as error:  # every failure becomes a message; the log keeps the details
            tell(Origin.of(body), client, respond, describe_failure(error, context))

    later(reporting_failures)


def refuse_malformed(error: MalformedPayload, logger: logging.Logger | None = None) -> BoltResponse:
    """Not Slack's shape: a forged or broken request. One line, no traceback, and a 400; nobody
    in Slack is waiting for an answer to it."""
    (logger or log).warning("refused a malformed payload: %s", error)
    return BoltResponse(status=400, body="")


def refuse_replay(error: SeenBefore, logger: logging.Logger | None = None) -> BoltResponse:
    """A request handled before, found by the listener that writes its own replay record
    (`core.request_record`), before it acknowledged: refused as the request edge refuses one."""
    (logger or log).warning("refused a replayed request: %s", error)
    return _json_response({"error": ALREADY_HANDLED}, status=409)


def _json_response(body: Mapping[str, Any], status: int = 200) -> BoltResponse:
    return BoltResponse(status=status, body=json.dumps(body), headers={"content-type": "application/json"})


def answer_failure(
    error: Exception,
    body: Mapping[str, Any],
    response: BoltResponse | None,
    respond: Respond | None,
    client: WebClient,
    logger: logging.Logger,
) -> BoltResponse | None:
    """What Bolt's error handler does: answer in the acknowledgement while Slack waits, else tell."""
    if isinstance(error, MalformedPayload):
        refused = refuse_malformed(error, logger)
        return refused if response is not None else None
    if isinstance(error, SeenBefore):
        return refuse_replay(error, logger)
    origin = Origin.of(body)
    text = describe_failure(error, origin.kind, logger)
    # `response` is set while Slack is still waiting for our acknowledgement: answer in it.
    if response is not None:
        if origin.type == "view_submission":
            return _json_response(
                {"response_action": "push", "view": notice_modal(text, SUBMISSION_FAILED_TITLE)}
            )
        if origin.command:
            return _json_response({"response_type": "ephemeral", "text": text})
        response.status = 200
        response.body = ""
    tell(origin, client, respond, text, logger)
    return None
