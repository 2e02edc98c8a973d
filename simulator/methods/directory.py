"""auth.test, users.* (info, list, lookupByEmail) and usergroups.*: who is in the workspace."""

from __future__ import annotations

from core.types import JsonDict
from simulator.errors import ApiError
from simulator.methods.common import Handler, Params, page
from simulator.methods.shapes import group_to_api, user_to_api
from simulator.state import WorkspaceState

# Asked for everything at once, Slack may refuse a large workspace; so do we, to push paging.
UNPAGED_USERS_MAX = 1000


def auth_test(ws: WorkspaceState, p: Params) -> JsonDict:
    ident = ws.identity
    return {
        "ok": True,
        "url": ident.url,
        "team": ident.team_name,
        "user": ws.bot_user.name,
        "team_id": ident.team_id,
        "user_id": ws.bot_user.id,
        "bot_id": ident.bot_id,
        "is_enterprise_install": False,
    }


def users_info(ws: WorkspaceState, p: Params) -> JsonDict:
    user = ws.known_user(p.req("user", "user_not_found"))
    return {"ok": True, "user": user_to_api(ws, user, include_locale=p.flag("include_locale"))}


def users_list(ws: WorkspaceState, p: Params) -> JsonDict:
    everyone = ws.roster.all_users()
    if p.integer("limit", 0) <= 0 and not p.opt("cursor"):
        if len(everyone) > UNPAGED_USERS_MAX:
            raise ApiError("limit_required", "[ERROR] this workspace is too large to list without a limit")
        chunk, cursor = everyone, ""
    else:
        chunk, cursor = page(everyone, p, default_limit=UNPAGED_USERS_MAX, max_limit=1000)
    locale = p.flag("include_locale")
    return {
        "ok": True,
        "members": [user_to_api(ws, u, include_locale=locale) for u in chunk],
        "cache_ts": int(ws.now().timestamp()),
        "response_metadata": {"next_cursor": cursor},
    }


def _groups_on_plan(ws: WorkspaceState) -> None:
    if ws.plan == "free":
        raise ApiError("plan_upgrade_required")


def usergroups_list(ws: WorkspaceState, p: Params) -> JsonDict:
    _groups_on_plan(ws)
    users, count = p.flag("include_users"), p.flag("include_count")
    groups = [group_to_api(ws, g, include_users=users, include_count=count) for g in ws.roster.groups]
    return {"ok": True, "usergroups": groups}


def usergroups_users_list(ws: WorkspaceState, p: Params) -> JsonDict:
    _groups_on_plan(ws)
    group_id = p.req("usergroup", "no_such_subteam")
    group = ws.roster.group(group_id) if group_id.startswith("S") else None
    if group is None:
        raise ApiError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


def users_lookup_by_email(ws: WorkspaceState, p: Params) -> JsonDict:
    user = ws.roster.user_by_email(p.req("email", "invalid_email"))
    if user is None or user.deleted:
        raise ApiError("users_not_found")
    return {"ok": True, "user": user_to_api(ws, user)}


def users_profile_get(ws: WorkspaceState, p: Params) -> JsonDict:
    """A person's profile; with a bot token `user` is required (the bot has no profile of its own)."""
    user = ws.known_user(p.req("user", "user_not_found"))
    return {"ok": True, "profile": user_to_api(ws, user)["profile"]}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "users.list": users_list,
    "users.lookupByEmail": users_lookup_by_email,
    "users.profile.get": users_profile_get,
    "usergroups.list": usergroups_list,
    "usergroups.users.list": usergroups_users_list,
}
