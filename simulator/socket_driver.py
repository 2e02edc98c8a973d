"""`SocketModeDriver`: plays Slack's part towards a bot connected over Socket Mode.

What `SlackDriver` POSTs to `/slack/events`, this sends as envelopes over the bot's WebSocket,
built by the same `payloads` functions so both paths carry identical payloads: a slash
command's form fields become the envelope's payload object, an interaction's JSON `payload`
field is the payload itself, an Events API callback travels whole. The bot's ack payload
plays the part of the HTTP answer and is applied the same way (ephemeral reply, modal update).

    ws.socket_mode.wait_until_connected()
    answer = ws.socket_mode.send_slash_command("U0PM00001", "/ritual", "help")
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

import simulator.payloads as payloads
from core.types import JsonDict
from simulator.answers import apply_command_ack, apply_suggestions, apply_view_answer
from simulator.errors import SimulatorError
from simulator.methods.views import view_api
from simulator.records import EphemeralMessage, Message, ViewRecord
from simulator.socket_mode import SocketAck, SocketModeServer
from simulator.state import WorkspaceState
from simulator.view_state import build_state


class Workspace(Protocol):
    """What the driver needs of the workspace that created it (`SimulatedWorkspace`)."""

    state: WorkspaceState

    def mint_trigger(self, user_id: str, view_id: str | None = None) -> str: ...

    def mint_response_url(
        self, user_id: str, channel_id: str, message_ts: str | None = None, *, ephemeral: bool = False
    ) -> str: ...

    def slash_command_fields(
        self, user_id: str, command: str, text: str, channel_id: str | None = None
    ) -> tuple[str, dict[str, str]]: ...

    def dm_channel(self, user_id: str) -> str: ...

    def last_modal(self, user_id: str) -> ViewRecord | None: ...

    def home_view(self, user_id: str) -> ViewRecord | None: ...


# Slack lets the app answer these with a payload (the modal's response_action, the options);
# clicks and events are acked empty.
RESPONDING_INTERACTIONS = ("view_submission", "block_suggestion")


class SocketModeDriver:
    """Sends what Slack would send, over the Socket Mode connection the bot opened."""

    def __init__(self, workspace: Workspace, server: SocketModeServer) -> None:
        self.workspace = workspace
        self.server = server

    # --- the connection -----------------------------------------------------------------
    @property
    def connection_count(self) -> int:
        return self.server.connection_count

    def wait_until_connected(self, count: int = 1, timeout: float = 10.0) -> int:
        return self.server.wait_for_connections(count, timeout)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the bot to reconnect, as Slack does before it recycles a connection."""
        self.server.disconnect(reason)

    def deliver(
        self,
        kind: str,
        payload: JsonDict,
        *,
        accepts_response_payload: bool,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> SocketAck:
        """Send one raw envelope and wait for its ack (AckTimeoutError after three seconds)."""
        return self.server.deliver(
            kind,
            payload,
            accepts_response_payload=accepts_response_payload,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )

    # --- what users do ------------------------------------------------------------------
    def send_slash_command(
        self, user_id: str, command: str, text: str = "", *, channel_id: str | None = None
    ) -> JsonDict | None:
        """Run `/command text` (default: in the user's DM); returns the ack's payload, if any."""
        ws = self.workspace
        channel, fields = ws.slash_command_fields(user_id, command, text, channel_id)
        ack = self.deliver("slash_commands", dict(fields), accepts_response_payload=True)
        if ack.payload:
            apply_command_ack(ws.state, user_id, channel, json.dumps(ack.payload))
        return ack.payload

    def send_interaction(self, payload: JsonDict) -> JsonDict | None:
        """Deliver an interaction payload (block_actions, view_submission, ...); returns the ack's."""
        accepts = payload.get("type") in RESPONDING_INTERACTIONS
        return self.deliver("interactive", payload, accepts_response_payload=accepts).payload

    def click(
        self, user_id: str, message: Message | EphemeralMessage, action_id: str, *, value: Any = None
    ) -> JsonDict | None:
        """Click a button (or pick `value` in a select) in a message."""
        ws = self.workspace
        if isinstance(message, EphemeralMessage) and message.user != user_id:
            raise SimulatorError(f"{user_id} cannot see an ephemeral message meant for {message.user}")
        block, element = payloads.find_element(message.blocks, action_id)
        action = payloads.action_obj(ws.state, block, element, value)
        ephemeral = isinstance(message, EphemeralMessage)
        response_url = ws.mint_response_url(user_id, message.channel, message.ts, ephemeral=ephemeral)
        return self.send_interaction(
            payloads.message_action(
                ws.state, user_id, message, action, ws.mint_trigger(user_id), response_url
            )
        )

    def suggest(self, user_id: str, view: ViewRecord, action_id: str, typed: str) -> list[JsonDict]:
        """Type into an external select: the bot's options for `typed` (see `SlackDriver.suggest`)."""
        ws = self.workspace
        found = payloads.suggestion_request(ws.state, user_id, view, action_id, typed)
        if found is None:
            return []
        return apply_suggestions(ws.state, view, action_id, self.send_interaction(found) or {})

    def message_shortcut(self, user_id: str, message: Message, callback_id: str) -> JsonDict | None:
        """Pick the app's shortcut `callback_id` in a message's "More actions" menu."""
        ws = self.workspace
        response_url = ws.mint_response_url(user_id, message.channel, message.ts)
        return self.send_interaction(
            payloads.message_shortcut(
                ws.state, user_id, message, callback_id, ws.mint_trigger(user_id), response_url
            )
        )

    def submit_view(
        self, user_id: str, view: ViewRecord | None = None, values: Mapping[str, Any] | None = None
    ) -> JsonDict:
        """Fill the open modal with `values` (by block_id) and submit; returns the bot's answer."""
        ws = self.workspace
        view = view or ws.last_modal(user_id)
        if view is None or view.closed or view.type != "modal":
            raise SimulatorError(f"{user_id} has no open modal")
        state = build_state(view, values or {}, enforce_required=True)
        with ws.state.lock:
            view.state = state
        payload = payloads.view_submission(ws.state, user_id, view, ws.mint_trigger(user_id, view.id))
        answer = self.send_interaction(payload) or {}
        apply_view_answer(ws.state, user_id, view, answer)
        return answer

    # --- events -------------------------------------------------------------------------
    def send_event(
        self, event: JsonDict, *, event_id: str | None = None, retry_attempt: int = 0, retry_reason: str = ""
    ) -> JsonDict | None:
        """Deliver an Events API `event_callback` around `event`; events are acked empty."""
        body = payloads.event_callback(self.workspace.state, dict(event), event_id)
        ack = self.deliver(
            "events_api",
            body,
            accepts_response_payload=False,
            retry_attempt=retry_attempt,
            retry_reason=retry_reason,
        )
        return ack.payload

    def open_home(self, user_id: str) -> JsonDict | None:
        """The user opens the app's Home tab (`app_home_opened`)."""
        ws = self.workspace
        event: JsonDict = {"type": "app_home_opened", "user": user_id, "channel": ws.dm_channel(user_id)}
        event["tab"] = "home"
        home = ws.home_view(user_id)
        if home is not None:
            event["view"] = view_api(ws.state, home)
        return self.send_event(event)
