"""canvases.create and canvases.access.set — a standalone canvas and who may read it.

On a free plan Slack creates only canvases tabbed in a channel, so a standalone one is refused
with `free_teams_cannot_create_non_tabbed_canvases`; a workspace may also turn canvases off
(`canvas_disabled_user_team`), which the simulator shows with the "disabled" plan.
"""

from __future__ import annotations

from simulator.errors import ApiError
from simulator.methods.common import Handler, JsonDict, Params
from simulator.records import Canvas
from simulator.state import WorkspaceState

# Slack's limit on a canvas's markdown (docs: "up to 1 MiB").
CANVAS_MARKDOWN_MAX = 1_048_576
ACCESS_LEVELS = frozenset({"read", "write", "owner"})


def create(ws: WorkspaceState, p: Params) -> JsonDict:
    if ws.plan == "canvases_disabled":
        raise ApiError("canvas_disabled_user_team")
    channel_id = p.opt("channel_id")
    if ws.plan == "free" and channel_id is None:
        raise ApiError("free_teams_cannot_create_non_tabbed_canvases")
    if channel_id is not None:
        ws.conversation(channel_id)
    content = p.raw("document_content")
    if content is not None and not isinstance(content, dict):
        raise ApiError("invalid_arguments", "[ERROR] document_content must be an object")
    markdown = ""
    if isinstance(content, dict):
        if content.get("type") != "markdown" or not isinstance(content.get("markdown"), str):
            raise ApiError("invalid_arguments", "[ERROR] document_content needs type markdown and markdown")
        markdown = content["markdown"]
    if len(markdown.encode()) > CANVAS_MARKDOWN_MAX:
        raise ApiError("canvas_creation_failed", "[ERROR] the markdown is over 1 MiB")
    canvas = Canvas(ws.new_id("F"), p.opt("title") or "Untitled", markdown, ws.now(), channel_id)
    ws.canvases[canvas.id] = canvas
    return {"ok": True, "canvas_id": canvas.id}


def access_set(ws: WorkspaceState, p: Params) -> JsonDict:
    canvas = ws.canvases.get(p.req("canvas_id", "canvas_not_found"))
    if canvas is None:
        raise ApiError("canvas_not_found")
    level = p.req("access_level")
    if level not in ACCESS_LEVELS:
        raise ApiError("invalid_arguments", f"[ERROR] access_level must be one of {sorted(ACCESS_LEVELS)}")
    channels = _ids(p.raw("channel_ids"))
    users = _ids(p.raw("user_ids"))
    if not channels and not users:
        raise ApiError("invalid_arguments", "[ERROR] give channel_ids or user_ids")
    for channel in channels:
        ws.conversation(channel)
        canvas.readers[channel] = level
    for user in users:
        ws.known_user(user)
        canvas.readers[user] = level
    return {"ok": True}


def _ids(value: object) -> list[str]:
    """A list argument, sent as a JSON array or as comma-separated text."""
    if isinstance(value, list):
        return [str(item) for item in value]
    if isinstance(value, str) and value.strip():
        return [part.strip() for part in value.strip("[]").replace('"', "").split(",") if part.strip()]
    return []


METHODS: dict[str, Handler] = {
    "canvases.create": create,
    "canvases.access.set": access_set,
}
