"""How a listener answers Slack besides `ack()`: a submission's inline errors, a guarded update.

`views.update` carries the hash the view had, so a second delivery of the same click, or a modal
that changed or closed meanwhile, updates nothing: Slack answers `hash_conflict` or `not_found`,
and that is an outcome, not a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from core.types import JsonDict
from handlers.failures import slack_error

log = logging.getLogger(__name__)

STALE_VIEW_ERRORS = frozenset({"hash_conflict", "not_found"})


def ack_submission(ack: Ack, errors: Mapping[str, str]) -> None:
    """Close the submitted modal, or keep it open with an error under each input that needs one."""
    if errors:
        ack(response_action="errors", errors=dict(errors))
    else:
        ack()


def update_view(client: WebClient, view_id: str, view_hash: str | None, view: JsonDict) -> bool:
    """``views.update`` guarded by the hash; False when the view moved on or closed meanwhile."""
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=view)
    except SlackApiError as error:
        if slack_error(error) in STALE_VIEW_ERRORS:
            log.info("view %s changed or closed meanwhile (%s); left as it is", view_id, slack_error(error))
            return False
        raise
    return True
