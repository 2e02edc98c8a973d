"""`SlackDriver`: plays Slack's part towards the bot's HTTP endpoint.

It sends real, signed HTTP requests (slash commands, button clicks, view submissions, events)
to `<bot_url>/slack/events`, signs them with `slack_sdk.signature.SignatureVerifier`, mints the
trigger_ids and response_urls the bot will use against the simulated Web API, and applies the
bot's answers the way Slack's client would. Like Slack, it gives the bot three seconds to ack.

Where the HTTP hop adds nothing to a test, a `Transport` hands the same signed bytes and
headers to the app in the same process instead (`bot.sandbox` does it with Bolt's `dispatch`);
everything else (payloads, signatures, the three seconds, applying answers) stays the same.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

import simulator.payloads as payloads
from simulator.answers import apply_command_ack, apply_suggestions, apply_view_answer, parse_answer
from simulator.errors import ACK_TIMEOUT, AckTimeoutError, SimulatorError
from simulator.methods.views import clear_stack, close_top, view_api
from simulator.records import EphemeralMessage, Message, ViewRecord
from simulator.view_state import build_state
from simulator.workspace import SimulatedWorkspace


@dataclass
class BotReply:
    """The bot's HTTP answer to one delivery."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


@dataclass
class _Delivery:
    body: bytes
    content_type: str


#: Delivers a signed request to the bot some other way than HTTP: (body, headers) → its answer.
Transport = Callable[[bytes, Mapping[str, str]], BotReply]


class SlackDriver:
    """Sends what Slack would send. `bot_url` is the bot's base URL (or its full events URL)."""

    def __init__(
        self,
        workspace: SimulatedWorkspace,
        bot_url: str,
        *,
        signing_secret: str | None = None,
        ack_timeout: float = ACK_TIMEOUT,
        path: str = "/slack/events",
        transport: Transport | None = None,
    ) -> None:
        self.workspace = workspace
        base = bot_url.rstrip("/")
        self.url = base if base.endswith(path) else base + path
        self.verifier = SignatureVerifier(signing_secret or workspace.signing_secret)
        self.ack_timeout = ack_timeout
        self.http = httpx.Client(timeout=ack_timeout)
        self.transport = transport
        self.last: _Delivery | None = None

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- raw delivery -------------------------------------------------------------------
    def post(
        self,
        body: bytes | str,
        headers: Mapping[str, str] | None = None,
        *,
        signed: bool = True,
        timestamp: int | None = None,
        content_type: str = "application/json",
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> BotReply:
        """POST exactly `body`; `timestamp` lets a test sign as of another time (stale requests)."""
        raw = body.encode() if isinstance(body, str) else body
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            ts = str(timestamp if timestamp is not None else int(time.time()))
            sent["X-Slack-Request-Timestamp"] = ts
            sent["X-Slack-Signature"] = self.verifier.generate_signature(timestamp=ts, body=raw) or ""
        if retry_num is not None:
            sent["X-Slack-Retry-Num"] = str(retry_num)
            sent["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        self.last = _Delivery(raw, content_type)
        if self.transport is not None:
            reply = self.transport(raw, sent)
            if reply.elapsed > self.ack_timeout:
                raise AckTimeoutError(f"the bot answered after {reply.elapsed:.1f} s, later than Slack waits")
            return reply
        started = time.monotonic()
        try:
            response = self.http.post(self.url, content=raw, headers=sent)
        except httpx.TimeoutException as exc:
            raise AckTimeoutError(f"no answer from {self.url} within {self.http.timeout.read} s") from exc
        return BotReply(
            response.status_code, response.text, dict(response.headers), time.monotonic() - started
        )

    def replay_last(self, retry_num: int = 1, retry_reason: str = "http_timeout") -> BotReply:
        """Deliver the previous request again as a Slack retry (freshly signed, retry headers)."""
        if self.last is None:
            raise SimulatorError("nothing has been delivered yet")
        last = self.last
        return self.post(
            last.body, content_type=last.content_type, retry_num=retry_num, retry_reason=retry_reason
        )

    def _form(self, fields: Mapping[str, str]) -> BotReply:
        return self._checked(self.post(urlencode(fields), content_type="application/x-www-form-urlencoded"))

    def _interaction(self, payload: dict[str, Any]) -> BotReply:
        return self._form({"payload": json.dumps(payload)})

    @staticmethod
    def _checked(reply: BotReply) -> BotReply:
        if reply.status != 200:
            raise SimulatorError(f"the bot answered HTTP {reply.status}: {reply.body[:300]}")
        return reply

    # --- what users do ------------------------------------------------------------------
    def slash_command(
        self, user_id: str, command: str, text: str = "", *, channel_id: str | None = None
    ) -> BotReply:
        """Run `/command text` from a channel (default: the user's DM with the bot)."""
        ws = self.workspace
        channel, fields = ws.slash_command_fields(user_id, command, text, channel_id)
        reply = self._form(fields)
        apply_command_ack(ws.state, user_id, channel, reply.body)
        return reply

    def click(
        self, user_id: str, message: Message | EphemeralMessage, action_id: str, *, value: Any = None
    ) -> BotReply:
        """Click a button (or pick `value` in a select) in a message, ephemeral ones included."""
        ws = self.workspace
        if isinstance(message, EphemeralMessage) and message.user != user_id:
            raise SimulatorError(f"{user_id} cannot see an ephemeral message meant for {message.user}")
        block, element = payloads.find_element(message.blocks, action_id)
        action = payloads.action_obj(ws.state, block, element, value)
        trigger = ws.mint_trigger(user_id)
        ephemeral = isinstance(message, EphemeralMessage)
        response_url = ws.mint_response_url(user_id, message.channel, message.ts, ephemeral=ephemeral)
        return self._interaction(
            payloads.message_action(ws.state, user_id, message, action, trigger, response_url)
        )

    def click_in_view(self, user_id: str, view: ViewRecord, action_id: str, *, value: Any = None) -> BotReply:
        """Click a button (or pick `value`, which then stays in the view's state) in a modal or a Home tab."""
        ws = self.workspace
        action = payloads.pick_in_view(ws.state, view, action_id, value)
        trigger = ws.mint_trigger(user_id, view.id)
        return self._interaction(payloads.view_action(ws.state, user_id, view, action, trigger))

    def pick(self, user_id: str, view: ViewRecord, action_id: str, value: Any) -> BotReply | None:
        """Choose `value` in a view's input or menu, as a person does: it stays in the view's
        state, and Slack tells the app (block_actions) only if the input dispatches actions."""
        block, _ = payloads.find_element(view.blocks, action_id)
        if block.get("type") == "input" and not block.get("dispatch_action"):
            payloads.pick_in_view(self.workspace.state, view, action_id, value)
            return None
        return self.click_in_view(user_id, view, action_id, value=value)

    def suggest(self, user_id: str, view: ViewRecord, action_id: str, typed: str) -> list[dict[str, Any]]:
        """Type `typed` into an external select: Slack asks the bot for options (`block_suggestion`)
        once `min_query_length` characters are typed, and shows what it answers; returns that."""
        ws = self.workspace
        found = payloads.suggestion_request(ws.state, user_id, view, action_id, typed)
        if found is None:
            return []
        answer = parse_answer(self._interaction(found).body)
        return apply_suggestions(ws.state, view, action_id, answer)

    def message_shortcut(self, user_id: str, message: Message, callback_id: str) -> BotReply:
        """Pick the app's shortcut `callback_id` in a message's "More actions" menu."""
        ws = self.workspace
        trigger = ws.mint_trigger(user_id)
        response_url = ws.mint_response_url(user_id, message.channel, message.ts)
        return self._interaction(
            payloads.message_shortcut(ws.state, user_id, message, callback_id, trigger, response_url)
        )

    def click_home(self, user_id: str, action_id: str, *, value: Any = None) -> BotReply:
        view = self.workspace.home_view(user_id)
        if view is None:
            raise SimulatorError(f"no Home tab has been published for {user_id}")
        return self.click_in_view(user_id, view, action_id, value=value)

    def _modal(self, user_id: str, view: ViewRecord | None) -> ViewRecord:
        view = view or self.workspace.last_modal(user_id)
        if view is None or view.closed or view.type != "modal":
            raise SimulatorError(f"{user_id} has no open modal")
        return view

    def submit_view(
        self,
        user_id: str,
        view: ViewRecord | None = None,
        values: Mapping[str, Any] | None = None,
        *,
        enforce_required: bool = True,
    ) -> dict[str, Any]:
        """Fill the modal with `values` (by block_id) and press Submit; returns the bot's answer."""
        ws = self.workspace
        view = self._modal(user_id, view)
        state = build_state(view, values or {}, enforce_required=enforce_required)
        with ws.state.lock:
            view.state = state
        payload = payloads.view_submission(ws.state, user_id, view, ws.mint_trigger(user_id, view.id))
        answer = parse_answer(self._interaction(payload).body)
        apply_view_answer(ws.state, user_id, view, answer)
        return answer

    def close_view(self, user_id: str, view: ViewRecord | None = None) -> BotReply | None:
        """Press the modal's Close; the bot hears of it only if the view has notify_on_close."""
        ws = self.workspace
        view = self._modal(user_id, view)
        cleared = bool(view.definition.get("clear_on_close"))
        with ws.state.lock:
            if cleared:
                clear_stack(ws.state, user_id)
            else:
                close_top(ws.state, user_id)
        if not view.definition.get("notify_on_close"):
            return None
        return self._interaction(payloads.view_closed(ws.state, user_id, view, is_cleared=cleared))

    # --- events -------------------------------------------------------------------------
    def send_event(self, event: dict[str, Any], *, event_id: str | None = None) -> BotReply:
        """Deliver an Events API `event_callback` around `event`."""
        body = payloads.event_callback(self.workspace.state, dict(event), event_id)
        return self._checked(self.post(json.dumps(body)))

    def open_home(self, user_id: str) -> BotReply:
        """The user opens the app's Home tab (`app_home_opened`)."""
        ws = self.workspace
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": ws.dm_channel(user_id),
        }
        event["tab"] = "home"
        home = ws.home_view(user_id)
        if home is not None:
            event["view"] = view_api(ws.state, home)
        return self.send_event(event)

    def user_says(self, user_id: str, text: str) -> BotReply:
        """The user writes to the bot in their DM (a `message` event with `channel_type: im`)."""
        ws = self.workspace
        channel = ws.dm_channel(user_id)
        with ws.state.lock:
            msg = Message(channel=channel, ts=ws.state.next_ts(), text=text, user=user_id)
            ws.state.messages.setdefault(channel, []).append(msg)
        event = {"type": "message", "channel_type": "im", "channel": channel, "user": user_id, "text": text}
        return self.send_event({**event, "ts": msg.ts})
