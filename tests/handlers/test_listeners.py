"""Listeners driven through `App.dispatch` with signed bodies (the sandbox's in-process transport):
every listener is a named module-level function, and a failure after the acknowledgement takes
the one path to the person: a notice on their modal or Home tab, or an ephemeral reply."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from slack_bolt import Ack, BoltRequest, BoltResponse, Respond
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.sandbox import Sandbox
from core.clock import FrozenClock
from handlers.failures import CLICK_AGAIN, after_ack
from handlers.payloads import BlockActions, parse
from simulator import ViewRecord

PM = "U0PM00001"
BOOM = "test_boom"
LATE_MODAL = "test_late_modal"


def boom(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """Acknowledges, then fails: what a use case that breaks looks like to the person."""
    parse(BlockActions, body)
    ack()
    after_ack(body, client, respond, "testing a failure", lambda: 1 / 0)


def late_modal(ack: Ack, body: dict[str, Any], client: WebClient, clock: FrozenClock) -> None:
    """Opens a modal after Slack's three seconds ran out (the clock moves instead of waiting)."""
    trigger = parse(BlockActions, body).trigger()
    ack()

    def work() -> None:
        clock.advance(timedelta(seconds=5))
        client.views_open(
            trigger_id=trigger, view={"type": "modal", "title": {"type": "plain_text", "text": "x"}}
        )

    after_ack(body, client, None, "opening too late", work)


class ProvideClock(Middleware):
    """Hands the test's clock to `late_modal`, the way the app hands its listeners services."""

    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        req.context["clock"] = self.clock
        return next()


@pytest.fixture
def failing(sandbox: Sandbox, clock: FrozenClock) -> Sandbox:
    bolt = sandbox.app.bolt
    bolt.action(BOOM)(boom)
    bolt.action(LATE_MODAL)(late_modal)
    bolt.use(ProvideClock(clock))
    return sandbox


def actions(*action_ids: str) -> list[dict[str, Any]]:
    elements = [
        {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": action_id}}
        for action_id in action_ids
    ]
    return [{"type": "actions", "elements": elements}]


def modal_with_buttons(sandbox: Sandbox) -> ViewRecord:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Test"},
        "blocks": actions(BOOM, LATE_MODAL),
    }
    sandbox.client.views_open(trigger_id=sandbox.workspace.mint_trigger(PM), view=view)
    modal = sandbox.workspace.last_modal(PM)
    assert modal is not None
    return modal


def error_id(text: str) -> str:
    match = re.search(r"error id ([0-9a-f]{8})", text)
    assert match, text
    return match.group(1)


def test_every_listener_is_a_named_module_level_function_of_handlers(sandbox: Sandbox) -> None:
    functions = [listener.ack_function for listener in sandbox.app.bolt._listeners]
    assert len(functions) == len(sandbox.app.listeners)
    for function in functions:
        assert function.__module__.startswith("handlers."), function
        assert function.__qualname__ == function.__name__, f"{function.__qualname__} is not module-level"
        assert not function.__name__.startswith("<"), function


def test_a_failure_in_a_modal_stacks_a_notice_on_it(
    failing: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    modal = modal_with_buttons(failing)
    assert failing.driver.click_in_view(PM, modal, BOOM).status == 200
    notice = failing.workspace.wait_for(
        lambda: (top := failing.workspace.last_modal(PM)) and top.id != modal.id and top
    )
    text = json.dumps(notice.blocks)
    assert "Nothing you entered was lost" in text
    assert error_id(text) in caplog.text  # the log has the story under the same id
    assert failing.workspace.open_views(PM)[0].id == modal.id  # still underneath


def test_a_failure_on_the_home_tab_opens_a_notice(failing: Sandbox) -> None:
    failing.client.views_publish(user_id=PM, view={"type": "home", "blocks": actions(BOOM)})
    failing.driver.click_home(PM, BOOM)
    notice = failing.workspace.wait_for(lambda: failing.workspace.last_modal(PM))
    assert "error id" in json.dumps(notice.blocks)


def test_a_failure_on_a_message_answers_ephemerally(failing: Sandbox) -> None:
    posted = failing.client.chat_postMessage(channel=PM, text="buttons", blocks=actions(BOOM))
    message = failing.workspace.find_message(posted["channel"], posted["ts"])
    failing.driver.click(PM, message, BOOM)
    [reply] = failing.workspace.wait_for(lambda: failing.workspace.responses)
    assert reply.body["response_type"] == "ephemeral"
    assert "error id" in str(reply.body["text"])


def test_a_trigger_that_expired_asks_for_another_click(failing: Sandbox) -> None:
    modal = modal_with_buttons(failing)
    failing.driver.click_in_view(PM, modal, LATE_MODAL)
    # The expired trigger cannot stack a notice either, so the person hears it in their DM.
    [message] = failing.workspace.wait_for(lambda: failing.workspace.dm_messages(PM))
    assert message.text == CLICK_AGAIN
