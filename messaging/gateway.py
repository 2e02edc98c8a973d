"""How the domain talks to Slack: a small interface that `bot/` implements with slack_sdk.

`rituals/` never imports Bolt or slack_sdk. The errors below are the only Slack outcomes the
domain distinguishes, because each calls for a different recovery:

    SlackError
    ├── RateLimited          nothing happened; try again after `retry_after` seconds
    ├── OutcomeUnknown       timeout, dropped connection or 5xx: Slack may have acted
    └── Rejected             Slack answered ok=false (channel_not_found, ...): will not succeed as is
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


class SlackError(Exception):
    """Base class of every Slack failure the domain sees."""


class RateLimited(SlackError):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited; retry after {retry_after:g}s")
        self.retry_after = retry_after


class OutcomeUnknown(SlackError):
    """The request may or may not have taken effect."""


class Rejected(SlackError):
    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class PostedMessage:
    channel: str
    ts: str


@dataclass(frozen=True)
class Status:
    """A person's custom status ("Vacation" with :palm_tree:), until `expires_at` if set."""

    text: str = ""
    emoji: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    timezone: str
    is_bot: bool = False
    deleted: bool = False
    # The @handle people type, the profile's email, and the custom status, when Slack said them.
    handle: str = ""
    email: str = ""
    status: Status = field(default_factory=Status)


@dataclass(frozen=True)
class BotIdentity:
    """Who the token belongs to (auth.test) and the scopes it was granted."""

    team: str
    team_id: str
    team_url: str
    user_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class Conversation:
    id: str
    name: str
    is_private: bool
    is_member: bool
    is_archived: bool = False


@dataclass(frozen=True)
class CanvasRef:
    id: str
    url: str


@dataclass(frozen=True)
class Message:
    """What is posted; `metadata` identifies the delivery so a retry can find an earlier post."""

    text: str
    blocks: Sequence[dict[str, Any]] = ()
    metadata: dict[str, Any] | None = None
    thread_ts: str | None = None


@dataclass(frozen=True)
class FileUpload:
    """A file to share into a conversation.

    `filename` must be unique for what it holds (a run, a date, a chart's objective): it is how
    a retry after an ambiguous failure finds an earlier upload instead of sharing it twice.
    """

    filename: str
    content: bytes
    title: str
    initial_comment: str | None = None
    # Read out by screen readers for images (files.getUploadURLExternal `alt_txt`).
    alt_text: str | None = None


class SlackGateway(Protocol):
    def post_message(self, channel: str, message: Message) -> PostedMessage: ...

    def update_message(self, channel: str, ts: str, message: Message) -> PostedMessage: ...

    def find_posted(
        self, channel: str, event_type: str, delivery_key: str, oldest: float, thread_ts: str | None = None
    ) -> PostedMessage | None:
        """A message this app posted in `channel` (or, with `thread_ts`, in that thread) since
        `oldest` carrying that delivery key. A thread reply is only ever found in its thread."""
        ...

    def person(self, user_id: str) -> Person: ...

    def people(self, user_ids: Sequence[str]) -> dict[str, Person]:
        """Names and time zones for many users at once, using the cheapest calls for the count."""
        ...

    def usergroup_members(self, handle: str) -> list[str]: ...

    def channel_members(self, channel: str) -> list[str]: ...

    def permalink(self, channel: str, ts: str) -> str:
        """A link that opens the message in Slack."""
        ...

    def upload_file(self, channel: str, upload: FileUpload, thread_ts: str | None = None) -> PostedMessage:
        """Share a file into a channel, into a thread, or into a person's DM given a user id.

        The returned `ts` is the sharing message's when Slack says it, else empty.
        """
        ...

    def find_uploaded(
        self, channel: str, filename: str, oldest: float, thread_ts: str | None = None
    ) -> PostedMessage | None:
        """A file named `filename` this app shared in `channel` (or that thread) since `oldest`."""
        ...

    def identity(self) -> BotIdentity:
        """The workspace and bot user of the token, and its scopes."""
        ...

    def conversation(self, channel: str) -> Conversation:
        """A channel by id or name; `Rejected("channel_not_found")` when the bot cannot see it."""
        ...

    def join(self, channel_id: str) -> Conversation:
        """Join a public channel (a private one must invite the bot)."""
        ...

    def person_by_email(self, email: str) -> Person:
        """The member with this email; `Rejected("users_not_found")` when there is none."""
        ...

    def everyone(self) -> list[Person]:
        """Every member of the workspace (paged), for finding people by @handle."""
        ...

    def create_canvas(self, title: str, markdown: str, readers: Sequence[str]) -> CanvasRef:
        """A canvas holding `markdown`, readable by the members of the channels `readers`.

        `Rejected` when the workspace has no standalone canvases (a free plan, canvases off).
        """
        ...
