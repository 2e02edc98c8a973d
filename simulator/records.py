"""What the simulated workspace remembers: calls, messages, views, files, response_url posts.

These are the things a test reads back ("which DMs did Ana get?", "what does her open modal
look like?"), so they are plain dataclasses with the same field names Slack uses. Each knows how
to render itself as the JSON object Slack's API would return for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.types import JsonDict


@dataclass
class RecordedCall:
    """One Web API request as the server saw it.

    `params` merges query string and body; JSON-valued fields sent as strings inside form bodies
    (`blocks`, `view`, `metadata`, `files`, …) are decoded so tests can inspect them directly.
    """

    method: str
    params: JsonDict
    headers: dict[str, str]
    at: datetime
    status: int = 200
    response: JsonDict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.response and self.response.get("ok"))

    @property
    def error(self) -> str | None:
        return None if self.response is None else self.response.get("error")


@dataclass
class Message:
    """A message in a channel or DM. `user` is the author (the bot user for bot posts)."""

    channel: str
    ts: str
    text: str
    user: str
    bot_id: str | None = None
    blocks: list[JsonDict] = field(default_factory=list)
    attachments: list[JsonDict] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: JsonDict | None = None
    files: list[str] = field(default_factory=list)
    # The files as history shows them (id, name, title), for shares made by an upload.
    file_objects: list[JsonDict] = field(default_factory=list)
    edited: JsonDict | None = None
    deleted: bool = False
    reply_count: int = 0
    edit_count: int = 0
    # Until then conversations.history/replies do not show it (the `slow_store_next` fault).
    visible_at: datetime | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, team_id: str, app_id: str | None, include_metadata: bool = True) -> JsonDict:
        """The message object as `chat.postMessage` / `conversations.history` return it."""
        out: JsonDict = {"type": "message", "ts": self.ts, "text": self.text, "user": self.user}
        out["team"] = team_id
        if self.bot_id is not None:
            out["bot_id"] = self.bot_id
            out["app_id"] = app_id
        if self.blocks:
            out["blocks"] = self.blocks
        if self.attachments:
            out["attachments"] = self.attachments
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
            if self.ts == self.thread_ts:
                out["reply_count"] = self.reply_count
        if self.files:
            out["files"] = self.file_objects or [{"id": f} for f in self.files]
            out["upload"] = True
        if self.edited is not None:
            out["edited"] = self.edited
        if include_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        return out


@dataclass
class EphemeralMessage:
    """Something only `user` saw: chat.postEphemeral, a response_url reply, a command's ack."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JsonDict] = field(default_factory=list)
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"
    deleted: bool = False
    edit_count: int = 0


@dataclass
class ViewRecord:
    """A modal or Home tab view. `hash` changes on every update, as Slack's does."""

    id: str
    type: str
    user: str
    hash: str
    definition: JsonDict
    trigger_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    state: JsonDict = field(default_factory=dict)
    errors: JsonDict = field(default_factory=dict)
    closed: bool = False
    updates: int = 0
    # What the app answered to each external select's last `block_suggestion`, by action_id:
    # like Slack's client, the driver lets a person pick only among those (or the initial one).
    suggested: dict[str, list[JsonDict]] = field(default_factory=dict)

    @property
    def callback_id(self) -> str:
        return str(self.definition.get("callback_id", ""))

    @property
    def external_id(self) -> str:
        return str(self.definition.get("external_id", ""))

    @property
    def private_metadata(self) -> str:
        return str(self.definition.get("private_metadata", ""))

    @property
    def blocks(self) -> list[JsonDict]:
        return list(self.definition.get("blocks", []))

    @property
    def title(self) -> str:
        title = self.definition.get("title") or {}
        return str(title.get("text", "")) if isinstance(title, dict) else ""

    def block(self, block_id: str) -> JsonDict | None:
        return next((b for b in self.blocks if b.get("block_id") == block_id), None)

    def to_api(self, *, team_id: str, app_id: str, bot_id: str) -> JsonDict:
        """The view object Slack returns from views.* and sends in interaction payloads."""
        d = self.definition
        out: JsonDict = {
            "id": self.id,
            "team_id": team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state},
            "hash": self.hash,
            "title": d.get("title"),
            "clear_on_close": bool(d.get("clear_on_close", False)),
            "notify_on_close": bool(d.get("notify_on_close", False)),
            "close": d.get("close"),
            "submit": d.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id or self.id,
            "app_id": app_id,
            "external_id": self.external_id,
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }
        return out


@dataclass
class UploadedFile:
    """A file from files.getUploadURLExternal → upload → files.completeUploadExternal."""

    id: str
    filename: str
    length: int
    user: str
    created: datetime
    title: str = ""
    alt_txt: str | None = None
    snippet_type: str | None = None
    content: bytes | None = None
    completed: bool = False
    channels: list[str] = field(default_factory=list)
    initial_comment: str | None = None
    thread_ts: str | None = None

    @property
    def text(self) -> str:
        return (self.content or b"").decode("utf-8", errors="replace")

    def to_api(self, *, permalink_base: str) -> JsonDict:
        created = int(self.created.timestamp())
        return {
            "id": self.id,
            "created": created,
            "timestamp": created,
            "name": self.filename,
            "title": self.title or self.filename,
            "mimetype": "text/plain",
            "filetype": "text",
            "user": self.user,
            "size": len(self.content or b""),
            "is_public": bool(self.channels),
            "channels": [c for c in self.channels if c.startswith("C")],
            "ims": [c for c in self.channels if c.startswith("D")],
            "permalink": f"{permalink_base}files/{self.user}/{self.id}/{self.filename}",
        }


@dataclass
class Trigger:
    """A trigger_id minted by the driver for one interaction; usable once, for ~3 seconds."""

    id: str
    user: str
    at: datetime
    view_id: str | None = None
    used: bool = False


@dataclass
class ResponseTarget:
    """Where a response_url leads: the user, the channel and the message it came from."""

    token: str
    user: str
    channel: str
    created: datetime
    message_ts: str | None = None
    ephemeral: bool = False
    uses: int = 0


@dataclass
class ResponseUrlPost:
    """One POST the bot made to a response_url, with the outcome the simulator gave it."""

    url: str
    user: str
    channel: str
    body: JsonDict
    at: datetime
    status: int
    outcome: str


@dataclass
class Canvas:
    """A canvas the bot created (canvases.create), and who may read it (canvases.access.set)."""

    id: str
    title: str
    markdown: str
    created_at: datetime
    channel_id: str | None = None
    readers: dict[str, str] = field(default_factory=dict)  # channel or user id -> access level
