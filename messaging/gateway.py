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
from dataclasses import dataclass
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
class Person:
    id: str
    name: str
    timezone: str
    is_bot: bool = False
    deleted: bool = False


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
        self, channel: str, event_type: str, delivery_key: str, oldest: float
    ) -> PostedMessage | None:
        """A message this app posted in `channel` since `oldest` carrying that delivery key."""
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
