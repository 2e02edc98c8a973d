"""What happens when the bot POSTs to a `response_url` (Bolt's `respond()`).

A response_url minted by the driver remembers the user, the channel and, for a button on a
message, that message. Like Slack's, it works at most five times within thirty minutes.
`replace_original` edits the message, `delete_original` removes it, `response_type:
in_channel` posts a visible message, and anything else is an ephemeral reply to the user.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from simulator.errors import ApiError
from simulator.methods.chat import post_message_into, record_ephemeral
from simulator.records import EphemeralMessage, Message, ResponseTarget, ResponseUrlPost
from simulator.state import WorkspaceState
from simulator.validation import validate_message_blocks

RESPONSE_URL_TTL = timedelta(minutes=30)
RESPONSE_URL_USES = 5


def _apply(ws: WorkspaceState, target: ResponseTarget, body: dict[str, Any]) -> str:
    """Carry out one response and say what it did."""
    original: Message | EphemeralMessage | None = None
    if target.message_ts is not None and target.ephemeral:
        original = next((e for e in ws.ephemeral if e.ts == target.message_ts and not e.deleted), None)
    elif target.message_ts is not None:
        original = next((m for m in ws.channel_messages(target.channel) if m.ts == target.message_ts), None)
    if body.get("delete_original"):
        if original is not None:
            original.deleted = True
        return "deleted"
    text = body.get("text")
    blocks = validate_message_blocks(body["blocks"]) if body.get("blocks") else None
    if not text and not blocks:
        raise ApiError("no_text")
    if body.get("replace_original") and original is not None:
        original.text = str(text or "")
        original.blocks = blocks or []
        original.edit_count += 1
        if isinstance(original, Message):
            original.edited = {"user": ws.bot_user.id, "ts": ws.next_ts()}
        return "replaced"
    if body.get("response_type") == "in_channel":
        thread_ts = body.get("thread_ts")
        post_message_into(ws, target.channel, text=str(text or ""), blocks=blocks, thread_ts=thread_ts)
        return "in_channel"
    record_ephemeral(ws, target.channel, target.user, str(text or ""), blocks or [], "response_url")
    return "ephemeral"


def receive_response(ws: WorkspaceState, token: str, url: str, raw: bytes) -> tuple[int, str]:
    """Handle one POST to a response_url: (HTTP status, body text). Call under `ws.lock`."""
    target = ws.response_targets.get(token)
    if target is None:
        return 404, "invalid_url"
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        body = None
    status, answer, outcome = 200, '{"ok":true}', "rejected"
    if not isinstance(body, dict):
        status, answer, body = 400, "invalid_payload", {"raw": raw.decode("utf-8", "replace")}
    elif ws.now() - target.created > RESPONSE_URL_TTL:
        status, answer = 404, "expired_url"
    elif target.uses >= RESPONSE_URL_USES:
        status, answer = 404, "used_url"
    else:
        try:
            outcome = _apply(ws, target, body)
            target.uses += 1
        except ApiError as exc:
            status, answer = 400, exc.error
    ws.responses.append(ResponseUrlPost(url, target.user, target.channel, body, ws.now(), status, outcome))
    return status, answer
