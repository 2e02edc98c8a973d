"""The payloads Slack sends to an app, built from the simulated workspace's records.

Shapes follow what Slack delivers (and what Bolt reads: `user.id`, `team.id`, `channel.id`,
`container`, `view.state.values`, `actions[0]`), with a fresh `trigger_id` for every
interaction and a `response_url` pointing back at the simulator where Slack would send one.
"""

from __future__ import annotations

import secrets
from typing import Any

from core.types import JsonDict
from simulator.methods.views import view_api
from simulator.records import EphemeralMessage, Message, ViewRecord
from simulator.state import WorkspaceState
from simulator.view_state import (
    MANY_OPTIONS,
    MULTI_KEYS,
    NOT_STATEFUL,
    ONE_OPTION,
    SINGLE_KEYS,
    element_state,
)

# Slack still sends the deprecated verification token; a fake one for a fake workspace.
VERIFICATION_TOKEN = "simulated-verification-token"  # noqa: S105


def user_obj(ws: WorkspaceState, user_id: str) -> JsonDict:
    user = ws.roster.user(user_id)
    name = user.name if user else user_id
    return {"id": user_id, "username": name, "name": name, "team_id": ws.identity.team_id}


def team_obj(ws: WorkspaceState) -> JsonDict:
    return {"id": ws.identity.team_id, "domain": ws.identity.team_domain}


def _base(ws: WorkspaceState, kind: str, user_id: str) -> JsonDict:
    return {
        "type": kind,
        "user": user_obj(ws, user_id),
        "api_app_id": ws.identity.app_id,
        "token": VERIFICATION_TOKEN,
        "team": team_obj(ws),
        "enterprise": None,
        "is_enterprise_install": False,
    }


def find_element(blocks: list[JsonDict], action_id: str) -> tuple[JsonDict, JsonDict]:
    """The (block, element) carrying `action_id`, wherever Slack allows interactive elements."""
    for block in blocks:
        candidates: list[Any] = []
        if block.get("type") == "actions":
            candidates = block.get("elements", [])
        elif block.get("type") == "section":
            candidates = [block.get("accessory")]
        elif block.get("type") == "input":
            candidates = [block.get("element")]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
    raise ValueError(f"no element with action_id {action_id!r}")


def action_obj(
    ws: WorkspaceState,
    block: JsonDict,
    element: JsonDict,
    value: Any,
    suggested: list[JsonDict] | None = None,
) -> JsonDict:
    """One entry of `actions`: a button's value, or the selection made in a select/picker
    (for an external select, among the options the app `suggested`)."""
    kind = element["type"]
    out: JsonDict = {"action_id": element["action_id"], "block_id": block["block_id"], "type": kind}
    out["action_ts"] = f"{ws.now().timestamp():.6f}"
    if kind == "button":
        out["text"] = element.get("text")
        if "value" in element:
            out["value"] = element["value"]
        if "style" in element:
            out["style"] = element["style"]
        return out
    if value is None:
        raise ValueError(f"choose a value for the {kind} element {element['action_id']!r}")
    state = element_state(element, value, element["action_id"], suggested)
    if kind in ONE_OPTION or kind in MANY_OPTIONS:
        out.update({k: v for k, v in state.items() if k.startswith("selected_")})
    elif kind in SINGLE_KEYS or kind in MULTI_KEYS:
        out.update({k: v for k, v in state.items() if k != "type"})
    else:
        out["value"] = state.get("value")
    return out


def message_action(
    ws: WorkspaceState,
    user_id: str,
    msg: Message | EphemeralMessage,
    action: JsonDict,
    trigger_id: str,
    response_url: str,
) -> JsonDict:
    """A click in a message. Slack leaves `message` out for ephemeral messages."""
    channel = ws.roster.channel_by_id(msg.channel)
    ephemeral = isinstance(msg, EphemeralMessage)
    container: JsonDict = {
        "type": "message",
        "message_ts": msg.ts,
        "channel_id": msg.channel,
        "is_ephemeral": ephemeral,
    }
    if msg.thread_ts is not None:
        container["thread_ts"] = msg.thread_ts
    body = _base(ws, "block_actions", user_id)
    body.update(
        {
            "container": container,
            "trigger_id": trigger_id,
            "channel": {"id": msg.channel, "name": channel.name if channel else "directmessage"},
            "state": {"values": {}},
            "response_url": response_url,
            "actions": [action],
        }
    )
    if isinstance(msg, Message):
        body["message"] = msg.to_api(team_id=ws.identity.team_id, app_id=ws.identity.app_id)
    return body


def view_action(
    ws: WorkspaceState, user_id: str, view: ViewRecord, action: JsonDict, trigger_id: str
) -> JsonDict:
    body = _base(ws, "block_actions", user_id)
    body.update(
        {
            "container": {"type": "view", "view_id": view.id},
            "trigger_id": trigger_id,
            "view": view_api(ws, view),
            "actions": [action],
        }
    )
    return body


def pick_in_view(ws: WorkspaceState, view: ViewRecord, action_id: str, value: Any) -> JsonDict:
    """The `actions` entry for clicking or picking in a view; a pick stays in the view's state,
    as Slack's client keeps it (and sends it in the payload)."""
    block, element = find_element(view.blocks, action_id)
    action = action_obj(ws, block, element, value, view.suggested.get(action_id))
    if value is not None and element["type"] not in NOT_STATEFUL:
        state = element_state(element, value, action_id, view.suggested.get(action_id))
        with ws.lock:
            view.state.setdefault(block["block_id"], {})[action_id] = state
    return action


# Slack's default `min_query_length` for external selects.
MIN_QUERY_LENGTH = 3


def suggestion_request(
    ws: WorkspaceState, user_id: str, view: ViewRecord, action_id: str, typed: str
) -> JsonDict | None:
    """The block_suggestion Slack sends for `typed` in an external select, or None while fewer
    characters than its `min_query_length` are typed (Slack waits)."""
    block, element = find_element(view.blocks, action_id)
    if not str(element.get("type", "")).endswith("external_select"):
        raise ValueError(f"{action_id!r} is a {element.get('type')}, not an external select")
    if len(typed) < int(element.get("min_query_length", MIN_QUERY_LENGTH)):
        return None
    return block_suggestion(ws, user_id, view, block, element, typed)


def block_suggestion(
    ws: WorkspaceState, user_id: str, view: ViewRecord, block: JsonDict, element: JsonDict, typed: str
) -> JsonDict:
    """Slack asking the app for an external select's options while the person types in a view."""
    body = _base(ws, "block_suggestion", user_id)
    body.update(
        {
            "container": {"type": "view", "view_id": view.id},
            "action_id": element["action_id"],
            "block_id": block["block_id"],
            "value": typed,
            "view": view_api(ws, view),
        }
    )
    return body


def message_shortcut(
    ws: WorkspaceState, user_id: str, msg: Message, callback_id: str, trigger_id: str, response_url: str
) -> JsonDict:
    """A message shortcut: the person picked the app's item in a message's "More actions" menu."""
    channel = ws.roster.channel_by_id(msg.channel)
    body = _base(ws, "message_action", user_id)
    body.update(
        {
            "callback_id": callback_id,
            "trigger_id": trigger_id,
            "response_url": response_url,
            "action_ts": f"{ws.now().timestamp():.6f}",
            "message_ts": msg.ts,
            "channel": {"id": msg.channel, "name": channel.name if channel else "directmessage"},
            "message": msg.to_api(team_id=ws.identity.team_id, app_id=ws.identity.app_id),
        }
    )
    return body


def view_submission(ws: WorkspaceState, user_id: str, view: ViewRecord, trigger_id: str) -> JsonDict:
    body = _base(ws, "view_submission", user_id)
    body.update({"trigger_id": trigger_id, "view": view_api(ws, view), "response_urls": []})
    return body


def view_closed(ws: WorkspaceState, user_id: str, view: ViewRecord, *, is_cleared: bool) -> JsonDict:
    body = _base(ws, "view_closed", user_id)
    body.update({"view": view_api(ws, view), "is_cleared": is_cleared})
    return body


def slash_command(
    ws: WorkspaceState,
    user_id: str,
    command: str,
    text: str,
    channel_id: str,
    trigger_id: str,
    response_url: str,
) -> dict[str, str]:
    """The form fields of a slash command request."""
    channel = ws.roster.channel_by_id(channel_id)
    user = ws.roster.user(user_id)
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.identity.team_id,
        "team_domain": ws.identity.team_domain,
        "channel_id": channel_id,
        "channel_name": channel.name if channel else "directmessage",
        "user_id": user_id,
        "user_name": user.name if user else user_id,
        "command": command,
        "text": text,
        "api_app_id": ws.identity.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def event_callback(ws: WorkspaceState, event: JsonDict, event_id: str | None = None) -> JsonDict:
    """An Events API envelope around `event`."""
    now = ws.now()
    event.setdefault("event_ts", f"{now.timestamp():.6f}")
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": ws.identity.team_id,
        "api_app_id": ws.identity.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(now.timestamp()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": ws.identity.team_id,
                "user_id": ws.bot_user.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(12)}",
    }
