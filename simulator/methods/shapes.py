"""The JSON objects Slack uses for users, user groups and conversations."""

from __future__ import annotations

from core.types import JsonDict
from simulator.roster import Channel, User, UserGroup
from simulator.state import Conversation, WorkspaceState

_CREATED = 1_700_000_000  # a fixed creation time: tests must not depend on it


def user_to_api(ws: WorkspaceState, user: User, *, include_locale: bool = False) -> JsonDict:
    profile: JsonDict = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "title": user.title,
        "team": ws.identity.team_id,
        **status_to_api(ws, user),
    }
    if user.is_bot:
        profile["bot_id"] = ws.identity.bot_id
        profile["api_app_id"] = ws.identity.app_id
    else:
        profile["email"] = user.email
    out: JsonDict = {
        "id": user.id,
        "team_id": ws.identity.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz_label,
        "tz_offset": user.tz_offset,
        "profile": profile,
        "is_admin": False,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": _CREATED,
    }
    if include_locale:
        out["locale"] = "en-US"
    return out


def status_to_api(ws: WorkspaceState, user: User) -> JsonDict:
    """The custom status, as every profile carries it; Slack clears one that has expired."""
    if user.status_expiration and user.status_expiration <= ws.now().timestamp():
        return {"status_text": "", "status_emoji": "", "status_expiration": 0}
    return {
        "status_text": user.status_text,
        "status_emoji": user.status_emoji,
        "status_expiration": user.status_expiration,
    }


def group_to_api(
    ws: WorkspaceState, group: UserGroup, *, include_users: bool, include_count: bool
) -> JsonDict:
    out: JsonDict = {
        "id": group.id,
        "team_id": ws.identity.team_id,
        "is_usergroup": True,
        "is_subteam": True,
        "name": group.name,
        "description": group.description,
        "handle": group.handle,
        "is_external": False,
        "date_create": _CREATED,
        "date_update": _CREATED,
        "date_delete": 0,
        "auto_type": None,
        "created_by": "U0PRODOPS",
        "prefs": {"channels": [], "groups": []},
    }
    if include_users:
        out["users"] = list(group.users)
    if include_count:
        out["user_count"] = len(group.users)
    return out


def channel_to_api(ws: WorkspaceState, channel: Channel) -> JsonDict:
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": False,
        "is_general": channel.name == "general",
        "is_shared": False,
        "is_org_shared": False,
        "is_member": ws.bot_user.id in channel.members,
        "created": _CREATED,
        "creator": "U0PRODOPS",
        "context_team_id": ws.identity.team_id,
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
        "num_members": len(channel.members),
    }


def conversation_to_api(ws: WorkspaceState, conv: Conversation) -> JsonDict:
    if conv.channel is not None:
        return channel_to_api(ws, conv.channel)
    user = ws.roster.user(conv.user or "")
    return {
        "id": conv.id,
        "created": _CREATED,
        "is_im": True,
        "is_org_shared": False,
        "context_team_id": ws.identity.team_id,
        "user": conv.user,
        "is_user_deleted": bool(user and user.deleted),
        "priority": 0,
    }
