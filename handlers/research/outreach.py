"""Going ahead with outreach that a research rule advises against: the button under a plan, and
the modal that asks for the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from core.errors import UserFacingError
from handlers.after_ack import after_ack
from handlers.payloads import BlockActions, ViewSubmission, parse
from research import outreach
from research.services import ResearchServices
from research.views import (
    GO_AHEAD_REASON,
    GO_AHEAD_VALUE,
    go_ahead_subject,
    go_ahead_view,
    went_ahead_view,
)


def go_ahead_clicked(
    research: ResearchServices, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond
) -> None:
    ack()
    click = parse(BlockActions, body)
    view = go_ahead_view(click.action.choice, outreach.REASON_MAX)
    after_ack(
        body, client, respond, "asking why", lambda: client.views_open(trigger_id=click.trigger_id, view=view)
    )


def go_ahead_submitted(research: ResearchServices, ack: Ack, body: dict[str, Any]) -> None:
    submission = parse(ViewSubmission, body)
    view = submission.view
    label = view.metadata(go_ahead_subject)
    reason = str(view.state.values.get(GO_AHEAD_REASON, {}).get(GO_AHEAD_VALUE, {}).get("value") or "")
    try:
        went = outreach.go_ahead(research, submission.user_id, label, reason, f"plan:{view.id}")
    except UserFacingError as error:
        ack(response_action="errors", errors={GO_AHEAD_REASON: error.message})
        return
    ack(response_action="update", view=went_ahead_view(went.subject.label, went.overridden))
