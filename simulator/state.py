"""The simulated workspace's memory, shared by the server's worker threads and the test.

One re-entrant lock guards everything: API handlers run whole under it, so a handler sees a
consistent workspace and the order of recorded calls is the order they took effect. Slow-reply
faults sleep outside the lock, so a slow method does not stall the others.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from simulator.errors import ApiError
from simulator.records import (
    Canvas,
    EphemeralMessage,
    Message,
    RecordedCall,
    ResponseTarget,
    ResponseUrlPost,
    Trigger,
    UploadedFile,
    ViewRecord,
)
from simulator.roster import APP_ID, BOT_ID, TEAM_DOMAIN, TEAM_ID, TEAM_NAME, Channel, Roster, User
from simulator.scopes import DEFAULT_SCOPES


@dataclass(frozen=True)
class Identity:
    """The workspace and app the bot token belongs to (what auth.test reports)."""

    team_id: str = TEAM_ID
    team_domain: str = TEAM_DOMAIN
    team_name: str = TEAM_NAME
    app_id: str = APP_ID
    bot_id: str = BOT_ID

    @property
    def url(self) -> str:
        return f"https://{self.team_domain}.slack.com/"


@dataclass
class Conversation:
    """A channel or DM the simulator can hold messages in."""

    id: str
    is_im: bool
    channel: Channel | None = None
    user: str | None = None


class WorkspaceState:
    """Everything the simulator knows and remembers. Guard access with `lock`."""

    def __init__(
        self,
        roster: Roster,
        clock: Clock,
        identity: Identity | None = None,
        scopes: frozenset[str] = DEFAULT_SCOPES,
        plan: str = "standard",
    ) -> None:
        self.roster = roster
        self.clock = clock
        self.identity = identity or Identity()
        # What the bot token was granted (sent back in `x-oauth-scopes`, checked per method),
        # and the workspace's plan: "free" has no user groups and only channel canvases.
        self.scopes = scopes
        self.plan = plan
        self.canvases: dict[str, Canvas] = {}
        self.lock = threading.RLock()
        self.base_url = ""  # set by the server once it knows its port
        self.calls: list[RecordedCall] = []
        self.messages: dict[str, list[Message]] = {}
        self.ephemeral: list[EphemeralMessage] = []
        self.views: dict[str, ViewRecord] = {}
        self.modal_stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.files: dict[str, UploadedFile] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.responses: list[ResponseUrlPost] = []
        self.dms: dict[str, str] = {}  # user id -> D… id
        self._dm_users: dict[str, str] = {}  # D… id -> user id
        self._last_ts = 0
        self._ids = itertools.count(1)

    # --- time and ids -------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def next_ts(self) -> str:
        """A message ts from the clock in microseconds, strictly increasing even if time stands still."""
        micros = int(self.now().timestamp() * 1_000_000)
        self._last_ts = max(micros, self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as `V0000000042`."""
        return f"{prefix}{next(self._ids):010d}"

    def new_hash(self) -> str:
        return f"{int(self.now().timestamp())}.{secrets.token_hex(4)}"

    # --- resolution ---------------------------------------------------------------------
    @property
    def bot_user(self) -> User:
        return self.roster.bot

    def dm_for(self, user_id: str) -> str:
        """The bot's DM with `user_id`, opening it on first use (Slack does the same)."""
        dm = self.dms.get(user_id)
        if dm is None:
            dm = f"D0DM{len(self.dms) + 1:05d}"
            self.dms[user_id] = dm
            self._dm_users[dm] = user_id
            self.messages.setdefault(dm, [])
        return dm

    def known_user(self, user_id: str) -> User:
        user = self.roster.user(user_id)
        if user is None:
            raise ApiError("user_not_found")
        return user

    def conversation(
        self, channel: str, *, allow_user: bool = False, allow_name: bool = False
    ) -> Conversation:
        """Resolve a `channel` argument the way the calling method would.

        `allow_user` is for methods that take a user id and mean their DM (chat.postMessage);
        `allow_name` for those that accept `#name`. Private channels the bot is not in look, as
        in Slack, as if they did not exist.
        """
        if channel in self._dm_users:
            return Conversation(channel, True, user=self._dm_users[channel])
        if allow_user and channel[:1] in ("U", "W"):
            user = self.roster.user(channel)
            if user is None or user.deleted or user.is_bot:
                raise ApiError("channel_not_found")
            return Conversation(self.dm_for(channel), True, user=channel)
        found = self.roster.channel(channel) if allow_name else self.roster.channel_by_id(channel)
        if found is None or (found.is_private and self.bot_user.id not in found.members):
            raise ApiError("channel_not_found")
        self.messages.setdefault(found.id, [])
        return Conversation(found.id, False, channel=found)

    def members(self, conv: Conversation) -> list[str]:
        """Who is in a conversation: a DM holds its user and the bot."""
        if conv.channel is not None:
            return list(conv.channel.members)
        return [m for m in (conv.user, self.bot_user.id) if m is not None]

    def find_message(self, channel_id: str, ts: str) -> Message:
        for msg in self.messages.get(channel_id, []):
            if msg.ts == ts and not msg.deleted:
                return msg
        raise ApiError("message_not_found")

    def channel_messages(self, channel_id: str) -> list[Message]:
        return [m for m in self.messages.get(channel_id, []) if not m.deleted]

    def readable_messages(self, channel_id: str) -> list[Message]:
        """What conversations.history/replies can see now: stored, and not still being stored."""
        now = self.now()
        return [m for m in self.channel_messages(channel_id) if m.visible_at is None or m.visible_at <= now]

    def store_slowly(self, channel_id: str, ts: str, seconds: float) -> None:
        """Keep a just-posted message out of history and threads for `seconds`."""
        for msg in self.messages.get(channel_id, []):
            if msg.ts == ts:
                msg.visible_at = self.now() + timedelta(seconds=seconds)

    def record(self, call: RecordedCall) -> None:
        self.calls.append(call)

    def response_url(
        self, user: str, channel: str, message_ts: str | None = None, *, ephemeral: bool = False
    ) -> str:
        """A response_url pointing back at this simulator, remembered with its context.

        `message_ts` names the message the interaction came from (an ephemeral one if
        `ephemeral`), which `replace_original`/`delete_original` then act on.
        """
        token = secrets.token_urlsafe(12)
        self.response_targets[token] = ResponseTarget(token, user, channel, self.now(), message_ts, ephemeral)
        return f"{self.base_url}/response/{self.identity.team_id}/{token}"

    def mint_trigger(self, user: str, view_id: str | None = None) -> str:
        """A trigger_id for an interaction by `user` now; views.open checks age and reuse."""
        trigger_id = f"{next(self._ids)}.{int(self.now().timestamp())}.{secrets.token_hex(16)}"
        self.triggers[trigger_id] = Trigger(trigger_id, user, self.now(), view_id)
        return trigger_id

    def snapshot(self) -> dict[str, Any]:
        """Counts for logs and benchmark summaries."""
        return {
            "calls": len(self.calls),
            "messages": sum(len(v) for v in self.messages.values()),
            "views": len(self.views),
            "files": len(self.files),
        }
