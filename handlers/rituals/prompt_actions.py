"""The prompt's buttons: fill in (the answer modal), skip this time, hand off; and their modals.

The same buttons appear on reminders and on the Home tab. Every one acknowledges first and
then opens its modal with the click's trigger, which Slack honours for about three seconds:
nothing slow happens before `views.open`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from core.types import JsonDict
from handlers.failures import after_ack
from handlers.payloads import BlockActions, ViewSubmission, parse
from handlers.registry import ListenerSpec
from handlers.responses import ack_submission
from rituals.collect import skip_and_handoff
from rituals.collect.answer_modal import open_answer_form
from rituals.collect.prompts import FILL_ACTION, HANDOFF_ACTION, SKIP_ACTION
from rituals.collect.skip_and_handoff_views import HANDOFF_VIEW, SKIP_VIEW, run_of_metadata
from rituals.services import Services


def _open_for_run(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: str,
    view_for: Callable[[int, str], JsonDict],
) -> None:
    """A prompt button (its value: the run): open the modal `view_for(run, person)` gives."""
    click = parse(BlockActions, body)
    run_id, trigger = click.action.decoded(int), click.trigger()
    ack()
    after_ack(
        body,
        client,
        respond,
        context,
        lambda: client.views_open(trigger_id=trigger, view=view_for(run_id, click.user_id)),
    )


def fill_in(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services) -> None:
    _open_for_run(ack, body, client, respond, "opening the answer form", partial(open_answer_form, services))


def open_skip(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    _open_for_run(
        ack, body, client, respond, "opening the skip form", partial(skip_and_handoff.skip_form, services)
    )


def open_handoff(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, services: Services
) -> None:
    _open_for_run(
        ack,
        body,
        client,
        respond,
        "opening the hand-off form",
        partial(skip_and_handoff.handoff_form, services),
    )


def submit_skip(ack: Ack, body: dict[str, Any], services: Services) -> None:
    submission = parse(ViewSubmission, body)
    run_id = submission.view.metadata(run_of_metadata)
    values = submission.view.state.values
    ack_submission(ack, skip_and_handoff.submit_skip(services, run_id, submission.user_id, values))


def submit_handoff(ack: Ack, body: dict[str, Any], services: Services) -> None:
    submission = parse(ViewSubmission, body)
    run_id = submission.view.metadata(run_of_metadata)
    values = submission.view.state.values
    ack_submission(ack, skip_and_handoff.submit_handoff(services, run_id, submission.user_id, values))


def register(app: App) -> list[ListenerSpec]:
    app.action(FILL_ACTION)(fill_in)
    app.action(SKIP_ACTION)(open_skip)
    app.action(HANDOFF_ACTION)(open_handoff)
    app.view(SKIP_VIEW)(submit_skip)
    app.view(HANDOFF_VIEW)(submit_handoff)
    return [
        ListenerSpec("action", FILL_ACTION),
        ListenerSpec("action", SKIP_ACTION),
        ListenerSpec("action", HANDOFF_ACTION),
        ListenerSpec("view", SKIP_VIEW),
        ListenerSpec("view", HANDOFF_VIEW, frozenset({"users:read"})),
    ]
