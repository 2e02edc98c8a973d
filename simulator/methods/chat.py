"""chat.* — posting, updating, deleting, ephemeral messages and permalinks.

Strict where our bot can get it wrong: `chat.postMessage` accepts a user id (it posts into that
user's DM and answers with the `D…` id) but `chat.update`/`chat.delete` need the conversation
id; `thread_ts` must name a parent in the same channel; blocks and metadata are validated.
"""

from __future__ import annotations

from core.types import JsonDict
from messaging.limits import MESSAGE_TEXT
from simulator.errors import ApiError
from simulator.methods.common import Handler, Params
from simulator.records import EphemeralMessage, Message
from simulator.state import WorkspaceState
from simulator.validation import decode_json_field, validate_message_blocks


def _blocks(p: Params) -> list[JsonDict] | None:
    raw = p.raw("blocks")
    return None if raw is None or raw == "" else validate_message_blocks(raw)


def _attachments(p: Params) -> list[JsonDict] | None:
    raw = p.raw("attachments")
    if raw is None or raw == "":
        return None
    value = decode_json_field(raw, "attachments", "invalid_attachments")
    if not isinstance(value, list) or not all(isinstance(a, dict) for a in value):
        raise ApiError("invalid_attachments", "[ERROR] attachments must be an array of objects")
    return value


def _metadata(p: Params) -> JsonDict | None:
    """Message metadata must be `{"event_type": str, "event_payload": object}`."""
    raw = p.raw("metadata")
    if raw is None or raw == "":
        return None
    value = decode_json_field(raw, "metadata", "invalid_metadata_format")
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format", "[ERROR] metadata must be an object")
    if not isinstance(value.get("event_type"), str) or not isinstance(value.get("event_payload"), dict):
        raise ApiError(
            "invalid_metadata_schema",
            "[ERROR] metadata needs a string event_type and an object event_payload",
        )
    return {"event_type": value["event_type"], "event_payload": value["event_payload"]}


def _text(p: Params, *, has_other_content: bool) -> tuple[str | None, list[str]]:
    """The message text (possibly truncated, like Slack) and any warnings to answer with."""
    text = p.opt("text")
    markdown = p.opt("markdown_text")
    if markdown is not None:
        if text is not None or p.raw("blocks"):
            raise ApiError(
                "markdown_text_conflict", "[ERROR] markdown_text cannot be combined with text or blocks"
            )
        text = markdown
    if text is None and not has_other_content:
        raise ApiError("no_text")
    if text is not None and len(text) > MESSAGE_TEXT:
        return text[:MESSAGE_TEXT], ["message_truncated"]
    return text, []


def _parent(ws: WorkspaceState, channel_id: str, thread_ts: str | None) -> Message | None:
    if thread_ts is None:
        return None
    for msg in ws.channel_messages(channel_id):
        if msg.ts == thread_ts:
            if msg.is_reply:
                raise ApiError("thread_not_found", "[ERROR] thread_ts names a reply; use its parent's ts")
            return msg
    raise ApiError("thread_not_found", "[ERROR] no message with that ts in this channel")


def _with_warnings(out: JsonDict, warnings: list[str]) -> JsonDict:
    if warnings:
        out["warning"] = ",".join(warnings)
        out["response_metadata"] = {"warnings": warnings}
    return out


def post_message_into(
    ws: WorkspaceState,
    channel_id: str,
    *,
    text: str,
    blocks: list[JsonDict] | None = None,
    thread_ts: str | None = None,
    metadata: JsonDict | None = None,
    attachments: list[JsonDict] | None = None,
    files: list[str] | None = None,
) -> Message:
    """Store a bot message; also used by response_url replies and file shares."""
    parent = _parent(ws, channel_id, thread_ts)
    msg = Message(
        channel=channel_id,
        ts=ws.next_ts(),
        text=text,
        user=ws.bot_user.id,
        bot_id=ws.identity.bot_id,
        blocks=blocks or [],
        attachments=attachments or [],
        thread_ts=thread_ts,
        metadata=metadata,
        files=files or [],
    )
    if parent is not None:
        parent.thread_ts = parent.ts
        parent.reply_count += 1
    ws.messages.setdefault(channel_id, []).append(msg)
    return msg


def _api(ws: WorkspaceState, msg: Message) -> JsonDict:
    return msg.to_api(team_id=ws.identity.team_id, app_id=ws.identity.app_id)


def post_message(ws: WorkspaceState, p: Params) -> JsonDict:
    conv = ws.conversation(p.req("channel", "channel_not_found"), allow_user=True, allow_name=True)
    blocks, attachments, metadata = _blocks(p), _attachments(p), _metadata(p)
    text, warnings = _text(p, has_other_content=bool(blocks or attachments))
    msg = post_message_into(
        ws,
        conv.id,
        text=text or "",
        blocks=blocks,
        thread_ts=p.opt("thread_ts"),
        metadata=metadata,
        attachments=attachments,
    )
    return _with_warnings({"ok": True, "channel": conv.id, "ts": msg.ts, "message": _api(ws, msg)}, warnings)


def _own_message(ws: WorkspaceState, p: Params, error: str) -> Message:
    conv = ws.conversation(p.req("channel", "channel_not_found"))
    msg = ws.find_message(conv.id, p.req("ts", "message_not_found"))
    if msg.user != ws.bot_user.id:
        raise ApiError(error)
    return msg


def update(ws: WorkspaceState, p: Params) -> JsonDict:
    msg = _own_message(ws, p, "cant_update_message")
    blocks, attachments, metadata = _blocks(p), _attachments(p), _metadata(p)
    has_content = blocks is not None or attachments is not None
    text, warnings = _text(
        p, has_other_content=has_content or bool(msg.text or msg.blocks or msg.attachments)
    )
    # Slack keeps what an update leaves out; an empty array removes the blocks/attachments.
    if text is not None:
        msg.text = text
    if blocks is not None:
        msg.blocks = blocks
    if attachments is not None:
        msg.attachments = attachments
    if metadata is not None:
        msg.metadata = metadata
    msg.edited = {"user": ws.bot_user.id, "ts": ws.next_ts()}
    msg.edit_count += 1
    out = {"ok": True, "channel": msg.channel, "ts": msg.ts, "text": msg.text, "message": _api(ws, msg)}
    return _with_warnings(out, warnings)


def delete(ws: WorkspaceState, p: Params) -> JsonDict:
    msg = _own_message(ws, p, "cant_delete_message")
    msg.deleted = True
    return {"ok": True, "channel": msg.channel, "ts": msg.ts}


def record_ephemeral(
    ws: WorkspaceState,
    channel: str,
    user: str,
    text: str,
    blocks: list[JsonDict],
    source: str,
    thread_ts: str | None = None,
) -> EphemeralMessage:
    """Remember something only `user` saw, wherever it came from."""
    eph = EphemeralMessage(channel, user, ws.next_ts(), text, blocks, thread_ts, source)
    ws.ephemeral.append(eph)
    return eph


def post_ephemeral(ws: WorkspaceState, p: Params) -> JsonDict:
    conv = ws.conversation(p.req("channel", "channel_not_found"), allow_user=True, allow_name=True)
    user = ws.known_user(p.req("user", "user_not_found"))
    if user.id not in ws.members(conv):
        raise ApiError("user_not_in_channel")
    blocks, attachments = _blocks(p), _attachments(p)
    text, _ = _text(p, has_other_content=bool(blocks or attachments))
    eph = record_ephemeral(
        ws, conv.id, user.id, text or "", blocks or [], "chat.postEphemeral", p.opt("thread_ts")
    )
    return {"ok": True, "message_ts": eph.ts}


def get_permalink(ws: WorkspaceState, p: Params) -> JsonDict:
    conv = ws.conversation(p.req("channel", "channel_not_found"))
    msg = ws.find_message(conv.id, p.req("message_ts", "message_not_found"))
    link = f"{ws.identity.url}archives/{conv.id}/p{msg.ts.replace('.', '')}"
    if msg.is_reply:
        link += f"?thread_ts={msg.thread_ts}&cid={conv.id}"
    return {"ok": True, "channel": conv.id, "permalink": link}


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
