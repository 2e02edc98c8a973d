"""Going ahead with outreach that a research rule advises against: the button under a plan, and
the modal that asks for the reason."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.errors import UserFacingError
from handlers.failures import after_ack
from handlers.payloads import BlockActions, ViewSubmission, parse
from handlers.registry import ListenerSpec
from handlers.responses import ack_submission
from research import outreach
from research.services import ResearchServices
from research.views import (
    GO_AHEAD_CALLBACK,
    GO_AHEAD_REASON,
    GO_AHEAD_VALUE,
    PLAN_OVERRIDE_ACTION,
    go_ahead_subject,
    go_ahead_view,
    went_ahead_view,
)


def go_ahead_clicked(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    click = parse(BlockActions, body)
    trigger = click.trigger()
    ack()
    view = go_ahead_view(click.action.choice, outreach.REASON_MAX)
    after_ack(body, client, respond, "asking why", lambda: client.views_open(trigger_id=trigger, view=view))


def go_ahead_submitted(ack: Ack, body: dict[str, Any], research: ResearchServices) -> None:
    submission = parse(ViewSubmission, body)
    view = submission.view
    label = view.metadata(go_ahead_subject)
    reason = str(view.state.values.get(GO_AHEAD_REASON, {}).get(GO_AHEAD_VALUE, {}).get("value") or "")
    try:
        went = outreach.go_ahead(research, submission.user_id, label, reason, f"plan:{view.id}")
    except UserFacingError as error:
        ack_submission(ack, {GO_AHEAD_REASON: error.message})
        return
    ack(response_action="update", view=went_ahead_view(went.subject.label, went.overridden))


def register(app: App) -> list[ListenerSpec]:
    app.action(PLAN_OVERRIDE_ACTION)(go_ahead_clicked)
    app.view(GO_AHEAD_CALLBACK)(go_ahead_submitted)
    return [ListenerSpec("action", PLAN_OVERRIDE_ACTION), ListenerSpec("view", GO_AHEAD_CALLBACK)]
