"""Which bot scopes each Web API method needs, and which methods the code calls.

The manifest test uses both, so adding a call to a new Slack method without its scope in
`manifest.yml` fails CI instead of failing with `missing_scope` in a customer's workspace.
"""

from __future__ import annotations

import ast
import inspect
import re
from functools import cache
from pathlib import Path

from slack_sdk import WebClient

# From each method's reference page ("Required scopes"). Methods that need no scope map to ∅.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "chat.delete": frozenset({"chat:write"}),
    "chat.postEphemeral": frozenset({"chat:write"}),
    "chat.getPermalink": frozenset(),
    "conversations.open": frozenset({"im:write"}),
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "conversations.join": frozenset({"channels:join"}),
    "conversations.list": frozenset({"channels:read", "groups:read"}),
    "conversations.members": frozenset({"channels:read", "groups:read"}),
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.replies": frozenset({"channels:history", "groups:history", "im:history"}),
    "users.info": frozenset({"users:read"}),
    "users.list": frozenset({"users:read"}),
    "users.lookupByEmail": frozenset({"users:read.email"}),
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

PACKAGES = ("bot", "core", "handlers", "insights", "messaging", "research", "rituals")
CLIENT_NAMES = {"client", "_client"}


@cache
def _api_methods_of(client_method: str) -> frozenset[str]:
    """The Web API methods a `WebClient` method calls, read from slack_sdk's own source."""
    source = inspect.getsource(getattr(WebClient, client_method))
    return frozenset(re.findall(r'api_call\(\s*"([\w.]+)"', source)) | frozenset(
        # files_upload_v2 reaches its two methods through helper methods of the client.
        name
        for helper in re.findall(r"self\.(\w+)\(", source)
        if helper != client_method and hasattr(WebClient, helper)
        for name in re.findall(r'api_call\(\s*"([\w.]+)"', inspect.getsource(getattr(WebClient, helper)))
    )


def methods_called(root: Path | None = None) -> set[str]:
    """Every Web API method reached through `client.<method>(…)` in the bot's own packages."""
    root = root or Path(__file__).resolve().parent.parent
    called: set[str] = set()
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "simulator" in path.parts:
                continue  # the simulated workspace is Slack's side, not a client of it
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and _receiver_name(node.func.value) in CLIENT_NAMES
                    and hasattr(WebClient, node.func.attr)
                ):
                    called |= _api_methods_of(node.func.attr)
    return called


def _receiver_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def required_scopes() -> frozenset[str]:
    """Every scope the bot's calls may need, and `commands` for `/ritual`: what doctor checks."""
    return frozenset({"commands"}).union(*METHOD_SCOPES.values())
