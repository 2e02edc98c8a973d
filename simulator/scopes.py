"""Which bot scopes Slack asks of each simulated method, and the `missing_scope` it answers.

This is Slack's side of the contract that `bot/slack_scopes.py` states from the bot's side; a
test checks the two agree for every method the simulator answers. Where Slack needs one scope
per kind of conversation (`channels:history` for public channels, `groups:history` for private
ones, ...), any one of them admits the call, as it would for the right kind of channel.
"""

from __future__ import annotations

from simulator.errors import ApiError

METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    "conversations.open": frozenset({"im:write"}),
    "conversations.info": frozenset({"channels:read", "groups:read", "im:read", "mpim:read"}),
    "conversations.join": frozenset({"channels:join"}),
    "conversations.list": frozenset({"channels:read", "groups:read"}),
    "conversations.members": frozenset({"channels:read", "groups:read"}),
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history"}),
    "users.info": frozenset({"users:read"}),
    "users.list": frozenset({"users:read"}),
    "users.lookupByEmail": frozenset({"users:read.email"}),
    "users.profile.get": frozenset({"users.profile:read"}),
    "usergroups.list": frozenset({"usergroups:read"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
    "views.open": frozenset(),
    "views.update": frozenset(),
    "views.push": frozenset(),
    "views.publish": frozenset(),
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
    "canvases.create": frozenset({"canvases:write"}),
    "canvases.access.set": frozenset({"canvases:write"}),
}

#: What an app installed from ritualbot's manifest is granted (the workspace's default).
DEFAULT_SCOPES = frozenset(
    {"commands", "chat:write.public", "im:read", "mpim:read"}.union(*METHOD_SCOPES.values())
)


def check_scope(method: str, granted: frozenset[str]) -> None:
    """Refuse a call whose token lacks the scope, naming what was needed and what it has."""
    needed = METHOD_SCOPES.get(method, frozenset())
    if needed and not needed & granted:
        raise ApiError(
            "missing_scope",
            fields={"needed": ",".join(sorted(needed)), "provided": ",".join(sorted(granted))},
        )
