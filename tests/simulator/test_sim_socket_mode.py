"""Socket Mode in the simulated workspace, against slack_sdk's own built-in SocketModeClient.

The client is the one Bolt's `SocketModeHandler` uses, so what it accepts here (handshake,
hello, envelopes, acks, disconnect) is what `ritualbot run` will accept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from simulator import AckTimeoutError, SimulatedWorkspace, SimulatorError
from simulator.workspace import DEFAULT_APP_TOKEN
from tests.simulator.sim_bolt_app import button, option, picker_view, text_input

ANA = "U0PM00001"
TOKEN = "xoxb-test-token"  # the bot token of the `workspace` fixture


class Recorder:
    """What the app saw, and how it answers: ack with `answer(request)` unless told to stay silent."""

    def __init__(self) -> None:
        self.requests: list[SocketModeRequest] = []
        self.seen = threading.Event()
        self.silent = False

    def answer(self, request: SocketModeRequest) -> dict[str, Any] | None:
        if request.type == "slash_commands":
            return {"response_type": "ephemeral", "text": f"you said {request.payload['text']}"}
        if request.payload.get("type") == "view_submission":
            return {"response_action": "errors", "errors": {"status": "Say a little more"}}
        if request.payload.get("type") == "block_suggestion":
            return {"options": [option(f"{request.payload['value']}ville")]}
        return None

    def __call__(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        self.requests.append(request)
        self.seen.set()
        if not self.silent:
            client.send_socket_mode_response(SocketModeResponse(request.envelope_id, self.answer(request)))


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app_client(workspace: SimulatedWorkspace, recorder: Recorder) -> Iterator[SocketModeClient]:
    web = WebClient(token=TOKEN, base_url=workspace.api_url, timeout=5)
    # No reconnecting when the server goes away at teardown (a `disconnect` message still
    # reconnects: the client always obeys those).
    client = SocketModeClient(app_token=DEFAULT_APP_TOKEN, web_client=web, auto_reconnect_enabled=False)
    client.socket_mode_request_listeners.append(recorder)
    client.connect()
    try:
        workspace.socket_mode.wait_until_connected(timeout=5)
        yield client
    finally:
        # Server first: the client's own close() waits out its 3 s socket read, the close frame
        # ends that read at once. Its message loop waits up to a second on its queue: a None
        # (which it skips) wakes it to see the client closed.
        workspace.socket_mode.server.stop()
        client.closed = True
        client.message_queue.put(None)
        client.close()


def test_apps_connections_open_hands_out_a_websocket_link(workspace: SimulatedWorkspace) -> None:
    response = WebClient(base_url=workspace.api_url).apps_connections_open(app_token=DEFAULT_APP_TOKEN)
    assert response["ok"] is True
    assert response["url"].startswith("ws://127.0.0.1:")
    assert "/link/?ticket=" in response["url"]
    [call] = workspace.calls("apps.connections.open")
    assert call.ok


@pytest.mark.parametrize(
    ("token", "error"),
    [(TOKEN, "not_allowed_token_type"), ("xapp-someone-elses", "invalid_auth")],
)
def test_apps_connections_open_wants_this_apps_app_level_token(
    workspace: SimulatedWorkspace, token: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=workspace.api_url).apps_connections_open(app_token=token)
    assert refused.value.response["error"] == error


def test_the_app_level_token_cannot_call_bot_methods(workspace: SimulatedWorkspace) -> None:
    with_app_token = WebClient(token=DEFAULT_APP_TOKEN, base_url=workspace.api_url)
    with pytest.raises(SlackApiError) as refused:
        with_app_token.chat_postMessage(channel=ANA, text="hi")
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert workspace.dm_messages(ANA) == []


def test_a_workspace_without_an_app_token_has_no_socket_mode() -> None:
    with SimulatedWorkspace(app_token=None) as ws, pytest.raises(SlackApiError) as refused:
        WebClient(base_url=ws.api_url).apps_connections_open(app_token=DEFAULT_APP_TOKEN)
    assert refused.value.response["error"] == "invalid_auth"


def test_a_link_connects_once_and_only_at_its_path(workspace: SimulatedWorkspace) -> None:
    url = WebClient(base_url=workspace.api_url).apps_connections_open(app_token=DEFAULT_APP_TOKEN)["url"]
    with connect(url, open_timeout=2, close_timeout=1) as first:
        hello = first.recv(timeout=2)
    assert '"type": "hello"' in str(hello)
    with pytest.raises(InvalidStatus) as reused:
        connect(url, open_timeout=2)
    assert reused.value.response.status_code == 401
    with pytest.raises(InvalidStatus) as elsewhere:
        connect(url.replace("/link/", "/other/"), open_timeout=2)
    assert elsewhere.value.response.status_code == 404


def test_slash_command_envelope_and_its_ack_payload(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    answer = workspace.socket_mode.send_slash_command(ANA, "/ritual", "help")

    assert answer == {"response_type": "ephemeral", "text": "you said help"}
    [request] = recorder.requests
    assert request.type == "slash_commands"
    assert request.accepts_response_payload is True
    # The payload is the HTTP path's form fields, as an object.
    assert request.payload["command"] == "/ritual"
    assert request.payload["user_id"] == ANA
    assert request.payload["channel_id"] == workspace.dm_channel(ANA)
    assert request.payload["response_url"].startswith(workspace.base_url)
    # The ack payload is applied as Slack's client would: an ephemeral reply.
    [eph] = workspace.ephemeral_for(ANA)
    assert eph.text == "you said help"
    [delivery] = workspace.socket_mode.server.deliveries
    assert delivery.ack is not None
    assert delivery.ack.elapsed < 3


def test_events_are_acked_empty_and_carry_retry_fields(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    assert workspace.socket_mode.open_home(ANA) is None

    [request] = recorder.requests
    assert request.type == "events_api"
    assert request.accepts_response_payload is False
    assert (request.retry_attempt, request.retry_reason) == (0, "")
    assert request.payload["type"] == "event_callback"
    assert request.payload["event"]["type"] == "app_home_opened"


def test_interactions_carry_the_payload_object(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    workspace.socket_mode.send_interaction({"type": "block_actions", "actions": [{"action_id": "a"}]})

    [request] = recorder.requests
    assert request.type == "interactive"
    assert request.accepts_response_payload is False
    assert request.payload["actions"] == [{"action_id": "a"}]


def test_a_click_in_a_message_arrives_as_block_actions(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    blocks = [{"type": "actions", "block_id": "menu", "elements": [button("pick", "Pick", "7")]}]
    bot = WebClient(token=TOKEN, base_url=workspace.api_url)
    bot.chat_postMessage(channel=ANA, text="menu", blocks=blocks)
    [message] = workspace.dm_messages(ANA)

    assert workspace.socket_mode.click(ANA, message, "pick") is None

    [request] = recorder.requests
    assert request.payload["type"] == "block_actions"
    assert request.payload["actions"][0]["value"] == "7"
    assert request.payload["container"]["message_ts"] == message.ts


def test_a_view_submission_answer_comes_back_in_the_ack(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    view = {
        "type": "modal",
        "callback_id": "checkin",
        "title": {"type": "plain_text", "text": "Check-in"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [text_input("status")],
    }
    bot = WebClient(token=TOKEN, base_url=workspace.api_url)
    bot.views_open(trigger_id=workspace.mint_trigger(ANA), view=view)

    answer = workspace.socket_mode.submit_view(ANA, values={"status": "ok"})

    assert answer == {"response_action": "errors", "errors": {"status": "Say a little more"}}
    [request] = recorder.requests
    assert request.accepts_response_payload is True
    assert request.payload["view"]["state"]["values"]["status"]["value"]["value"] == "ok"
    # Applied as Slack would: the modal stays open, showing the error.
    modal = workspace.last_modal(ANA)
    assert modal is not None
    assert modal.errors == {"status": "Say a little more"}


def test_no_ack_within_the_deadline_is_an_ack_timeout(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    recorder.silent = True
    with pytest.raises(AckTimeoutError):
        workspace.socket_mode.server.deliver(
            "events_api", {"type": "event_callback"}, accepts_response_payload=False, timeout=0.3
        )
    assert recorder.seen.wait(2)


def test_nothing_to_deliver_to_without_a_connection(workspace: SimulatedWorkspace) -> None:
    with pytest.raises(SimulatorError, match="no app is connected"):
        workspace.socket_mode.send_slash_command(ANA, "/ritual", "help")


def test_disconnect_makes_the_client_reconnect_through_a_fresh_link(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    first = app_client.session_id()
    workspace.socket_mode.disconnect()

    workspace.wait_for(lambda: len(workspace.calls("apps.connections.open")) == 2, timeout=5)
    workspace.wait_for(lambda: app_client.session_id() != first and app_client.is_connected(), timeout=5)
    # The old connection goes away; the new one takes the envelopes.
    workspace.wait_for(lambda: workspace.socket_mode.connection_count == 1, timeout=5)
    assert workspace.socket_mode.send_slash_command(ANA, "/ritual", "again") == {
        "response_type": "ephemeral",
        "text": "you said again",
    }


def test_menus_and_message_shortcuts_over_the_socket(
    workspace: SimulatedWorkspace, app_client: SocketModeClient, recorder: Recorder
) -> None:
    web = WebClient(token=TOKEN, base_url=workspace.api_url)
    web.views_open(trigger_id=workspace.mint_trigger(ANA), view=picker_view())
    view = workspace.last_modal(ANA)
    assert view is not None
    options = workspace.socket_mode.suggest(ANA, view, "city", "Spring")
    assert [entry["value"] for entry in options] == ["Springville"]
    assert recorder.requests[-1].payload["type"] == "block_suggestion"
    posted = web.chat_postMessage(channel="C0GENERAL", text="Note this")
    workspace.socket_mode.message_shortcut(ANA, workspace.find_message("C0GENERAL", posted["ts"]), "save")
    shortcut = recorder.requests[-1].payload
    assert (shortcut["type"], shortcut["callback_id"], shortcut["message"]["text"]) == (
        "message_action",
        "save",
        "Note this",
    )
