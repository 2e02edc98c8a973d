"""conversations.* — DMs, channel info, members and history (with message metadata)."""

from __future__ import annotations

from core.types import JsonDict
from simulator.errors import ApiError
from simulator.methods.common import Handler, Params, page
from simulator.methods.shapes import channel_to_api, conversation_to_api
from simulator.records import Message
from simulator.state import WorkspaceState


def open_dm(ws: WorkspaceState, p: Params) -> JsonDict:
    """One user's DM with the bot. Group DMs (several users) are not simulated."""
    channel = p.opt("channel")
    users = [u.strip() for u in (p.opt("users") or "").split(",") if u.strip()]
    if channel is not None:
        conv = ws.conversation(channel)
        if not conv.is_im:
            raise ApiError("method_not_supported_for_channel_type")
    elif len(users) == 1:
        user = ws.known_user(users[0])
        if user.deleted:
            raise ApiError("user_disabled")
        existed = user.id in ws.dms
        conv = ws.conversation(ws.dm_for(user.id))
        if existed:
            out = {"ok": True, "no_op": True, "already_open": True}
            return {**out, "channel": _dm_shape(ws, conv.id, p)}
    elif len(users) > 1:
        raise ApiError("not_simulated", "[ERROR] group DMs (several users) are not simulated")
    else:
        raise ApiError("users_list_not_supplied")
    return {"ok": True, "channel": _dm_shape(ws, conv.id, p)}


def _dm_shape(ws: WorkspaceState, dm_id: str, p: Params) -> JsonDict:
    if p.flag("return_im"):
        return conversation_to_api(ws, ws.conversation(dm_id))
    return {"id": dm_id}


def info(ws: WorkspaceState, p: Params) -> JsonDict:
    conv = ws.conversation(p.req("channel", "channel_not_found"))
    return {"ok": True, "channel": conversation_to_api(ws, conv)}


def join(ws: WorkspaceState, p: Params) -> JsonDict:
    """The bot joins a public channel; a private one must invite it (Slack says so the same way)."""
    channel = ws.roster.channel_by_id(p.req("channel", "channel_not_found"))
    if channel is None or (channel.is_private and ws.bot_user.id not in channel.members):
        raise ApiError("channel_not_found")
    if channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    already = ws.bot_user.id in channel.members
    if not already:
        channel.members.append(ws.bot_user.id)
    out: JsonDict = {"ok": True, "channel": channel_to_api(ws, channel)}
    if already:
        out["warning"] = "already_in_channel"
    return out


def members(ws: WorkspaceState, p: Params) -> JsonDict:
    conv = ws.conversation(p.req("channel", "channel_not_found"))
    chunk, cursor = page(ws.members(conv), p, default_limit=100, max_limit=1000)
    return {"ok": True, "members": chunk, "response_metadata": {"next_cursor": cursor}}


def list_channels(ws: WorkspaceState, p: Params) -> JsonDict:
    """Channels of the requested types; private ones only where the bot is a member, as in Slack."""
    types = {t.strip() for t in (p.opt("types") or "public_channel").split(",")}
    visible = [
        channel
        for channel in ws.roster.channels
        if ("private_channel" if channel.is_private else "public_channel") in types
        and (not channel.is_private or ws.bot_user.id in channel.members)
    ]
    chunk, cursor = page(visible, p, default_limit=100, max_limit=1000)
    return {
        "ok": True,
        "channels": [channel_to_api(ws, channel) for channel in chunk],
        "response_metadata": {"next_cursor": cursor},
    }


def _in_range(msg: Message, oldest: str | None, latest: str | None, inclusive: bool) -> bool:
    ts = float(msg.ts)
    if oldest is not None and (ts < float(oldest) or (ts == float(oldest) and not inclusive)):
        return False
    return not (latest is not None and (ts > float(latest) or (ts == float(latest) and not inclusive)))


def _ts_arg(p: Params, name: str) -> str | None:
    value = p.opt(name)
    if value is not None:
        try:
            float(value)
        except ValueError as exc:
            raise ApiError(f"invalid_ts_{name}") from exc
    return value


def history(ws: WorkspaceState, p: Params) -> JsonDict:
    """Top-level messages, newest first; metadata only when `include_all_metadata` is set."""
    conv = ws.conversation(p.req("channel", "channel_not_found"))
    oldest, latest, inclusive = _ts_arg(p, "oldest"), _ts_arg(p, "latest"), p.flag("inclusive")
    found = [
        m
        for m in reversed(ws.readable_messages(conv.id))
        if not m.is_reply and _in_range(m, oldest, latest, inclusive)
    ]
    chunk, cursor = page(found, p, default_limit=100, max_limit=999)
    with_meta = p.flag("include_all_metadata")
    team, app = ws.identity.team_id, ws.identity.app_id
    return {
        "ok": True,
        "messages": [m.to_api(team_id=team, app_id=app, include_metadata=with_meta) for m in chunk],
        "has_more": bool(cursor),
        "pin_count": 0,
        "response_metadata": {"next_cursor": cursor},
    }


def replies(ws: WorkspaceState, p: Params) -> JsonDict:
    """A thread: the parent first, then its replies, oldest first."""
    conv = ws.conversation(p.req("channel", "channel_not_found"))
    ts = p.req("ts", "thread_not_found")
    msgs = ws.readable_messages(conv.id)
    parent = next((m for m in msgs if m.ts == ts), None)
    if parent is None:
        raise ApiError("thread_not_found")
    root = parent.thread_ts or parent.ts
    thread = [m for m in msgs if m.ts == root or m.thread_ts == root]
    chunk, cursor = page(thread, p, default_limit=1000, max_limit=1000)
    with_meta = p.flag("include_all_metadata")
    team, app = ws.identity.team_id, ws.identity.app_id
    return {
        "ok": True,
        "messages": [m.to_api(team_id=team, app_id=app, include_metadata=with_meta) for m in chunk],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


METHODS: dict[str, Handler] = {
    "conversations.open": open_dm,
    "conversations.info": info,
    "conversations.join": join,
    "conversations.members": members,
    "conversations.list": list_channels,
    "conversations.history": history,
    "conversations.replies": replies,
}
