"""Doing the work of an interaction after acknowledging it, and telling the person if it fails.

Bolt drops an acknowledgement already given when the listener raises afterwards (see
`handlers/failures.py`), so listeners that ack first report failures themselves: in a modal by
stacking a small error view on it, on a message through its `response_url`, and otherwise in
the person's DM with the bot.

`views.open`/`views.push` refuse a trigger used before (`exchanged_trigger_id`): that is what a
click delivered twice looks like, and the first delivery already opened the view, so it is
ignored. A trigger that expired (the 3 seconds ran out) is worth telling the person about.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.failures import describe_failure

log = logging.getLogger(__name__)

RETRIED_TRIGGER = "exchanged_trigger_id"
STALE_VIEW_ERRORS = frozenset({"hash_conflict", "not_found"})


def slack_error(error: BaseException) -> str | None:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or "")
    return None


def _error_view(text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Not now"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


def tell(body: dict[str, Any], client: WebClient, respond: Respond | None, text: str) -> None:
    user = (body.get("user") or {}).get("id") or body.get("user_id")
    try:
        if (body.get("container") or {}).get("type") == "view" and body.get("trigger_id"):
            in_modal = (body.get("view") or {}).get("type") == "modal"
            try:
                # On a modal, a small view stacked on top (what is underneath stays as typed);
                # from the Home tab, a modal of its own.
                if in_modal:
                    client.views_push(trigger_id=body["trigger_id"], view=_error_view(text))
                else:
                    client.views_open(trigger_id=body["trigger_id"], view=_error_view(text))
                return
            except SlackApiError:
                pass  # the trigger is gone or the stack is full: fall back to the DM
        if respond is not None and body.get("response_url"):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif user:
            client.chat_postMessage(channel=user, text=text)
    except SlackApiError:
        log.exception("could not tell %s: %s", user, text)


def after_ack(
    body: dict[str, Any], client: WebClient, respond: Respond | None, context: str, work: Callable[[], object]
) -> None:
    """Run ``work``; a failure is logged and told to the person instead of raised."""
    try:
        work()
    except SlackApiError as error:
        code = slack_error(error)
        if code == RETRIED_TRIGGER:
            log.info("%s: the trigger was used already (a retried delivery); nothing to do", context)
            return
        if code == "expired_trigger_id":
            tell(body, client, respond, "Slack gave up waiting for me there. Please click again.")
            return
        tell(body, client, respond, describe_failure(error, context, log))
    except Exception as error:  # every failure becomes a message; the log keeps the details
        tell(body, client, respond, describe_failure(error, context, log))


def update_view(client: WebClient, view_id: str, view_hash: str | None, view: dict[str, Any]) -> bool:
    """``views.update`` guarded by the hash; False when the view moved on or closed meanwhile
    (a second delivery of the same click, or the person closed the modal)."""
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:
        if slack_error(error) in STALE_VIEW_ERRORS:
            log.info("view %s changed or closed meanwhile (%s); left as it is", view_id, slack_error(error))
            return False
        raise
    return True
