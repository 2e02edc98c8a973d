"""`SlackGateway` on top of `slack_sdk.WebClient`: Slack's answers mapped to the domain's errors."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.web import SlackResponse

from messaging.gateway import (
    BotIdentity,
    CanvasRef,
    Conversation,
    FileUpload,
    Message,
    OutcomeUnknown,
    Person,
    PostedMessage,
    RateLimited,
    Rejected,
    Status,
)

log = logging.getLogger(__name__)

T = TypeVar("T")

# Beyond this many people one paged users.list (Tier 2, 200 a page) beats users.info per person.
USERS_LIST_THRESHOLD = 50
CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


def _call(operation: Callable[[], T]) -> T:
    """Run one Web API call and translate its failure into the domain's three outcomes."""
    try:
        return operation()
    except SlackApiError as error:
        status = error.response.status_code
        if status == 429:
            raise RateLimited(float(error.response.headers.get("Retry-After", 1))) from error
        if status >= 500:
            raise OutcomeUnknown(f"Slack answered HTTP {status}") from error
        raise Rejected(str(error.response.get("error", "unknown_error"))) from error
    except (SlackRequestError, OSError, TimeoutError) as error:
        raise OutcomeUnknown(f"no answer from Slack: {error}") from error


class WebClientGateway:
    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._permalinks = lru_cache(maxsize=4096)(self._fetch_permalink)

    def post_message(self, channel: str, message: Message) -> PostedMessage:
        response = _call(
            lambda: self._client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=list(message.blocks) or None,
                metadata=message.metadata,
                thread_ts=message.thread_ts,
                # Digests carry many links; previews would bury the content.
                unfurl_links=False,
                unfurl_media=False,
            )
        )
        return PostedMessage(channel=response["channel"], ts=response["ts"])

    def update_message(self, channel: str, ts: str, message: Message) -> PostedMessage:
        response = _call(
            lambda: self._client.chat_update(
                channel=channel,
                ts=ts,
                text=message.text,
                blocks=list(message.blocks),
                metadata=message.metadata,
            )
        )
        return PostedMessage(channel=response["channel"], ts=response["ts"])

    def find_posted(
        self, channel: str, event_type: str, delivery_key: str, oldest: float, thread_ts: str | None = None
    ) -> PostedMessage | None:
        conversation = self._conversation_id(channel)
        for item in self._messages(conversation, oldest, thread_ts, include_metadata=True):
            metadata: dict[str, Any] = item.get("metadata") or {}
            payload: dict[str, Any] = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and payload.get("delivery") == delivery_key:
                return PostedMessage(channel=conversation, ts=item["ts"])
        return None

    def person(self, user_id: str) -> Person:
        return _person(_call(lambda: self._client.users_info(user=user_id))["user"])

    def people(self, user_ids: Sequence[str]) -> dict[str, Person]:
        wanted = set(user_ids)
        if len(wanted) <= USERS_LIST_THRESHOLD:
            return {user_id: self.person(user_id) for user_id in sorted(wanted)}
        found: dict[str, Person] = {}
        for page in _pages(_call(lambda: self._client.users_list(limit=200))):
            member: dict[str, Any]
            for member in page.get("members", []):
                if member["id"] in wanted:
                    found[member["id"]] = _person(member)
        # Anyone users.list did not return (another org in Enterprise Grid) is asked for alone.
        for user_id in sorted(wanted - found.keys()):
            found[user_id] = self.person(user_id)
        return found

    def usergroup_members(self, handle: str) -> list[str]:
        groups = _call(lambda: self._client.usergroups_list())["usergroups"]
        match = next((group for group in groups if group.get("handle") == handle.lstrip("@")), None)
        if match is None:
            raise Rejected(f"no user group with the handle @{handle.lstrip('@')}")
        return list(_call(lambda: self._client.usergroups_users_list(usergroup=match["id"]))["users"])

    def channel_members(self, channel: str) -> list[str]:
        conversation = self._conversation_id(channel)
        members: list[str] = []
        for page in _pages(
            _call(lambda: self._client.conversations_members(channel=conversation, limit=200))
        ):
            members += page.get("members", [])
        return members

    def permalink(self, channel: str, ts: str) -> str:
        # A message's permalink never changes, so each is asked for once per process.
        return self._permalinks(channel, ts)

    def _fetch_permalink(self, channel: str, ts: str) -> str:
        response = _call(lambda: self._client.chat_getPermalink(channel=channel, message_ts=ts))
        return str(response["permalink"])

    def upload_file(self, channel: str, upload: FileUpload, thread_ts: str | None = None) -> PostedMessage:
        # files.completeUploadExternal shares only into a conversation id: unlike
        # chat.postMessage it does not accept a user id, so a person's DM is opened first.
        conversation = self._conversation_id(channel)
        response = _call(
            lambda: self._client.files_upload_v2(
                channel=conversation,
                filename=upload.filename,
                content=upload.content,
                title=upload.title,
                initial_comment=upload.initial_comment,
                thread_ts=thread_ts,
                alt_txt=upload.alt_text,
            )
        )
        return PostedMessage(channel=conversation, ts=_share_ts(response, conversation))

    def find_uploaded(
        self, channel: str, filename: str, oldest: float, thread_ts: str | None = None
    ) -> PostedMessage | None:
        conversation = self._conversation_id(channel)
        for item in self._messages(conversation, oldest, thread_ts):
            if any(shared.get("name") == filename for shared in item.get("files") or []):
                return PostedMessage(channel=conversation, ts=item["ts"])
        return None

    def _messages(
        self, conversation: str, oldest: float, thread_ts: str | None, *, include_metadata: bool = False
    ) -> Iterator[dict[str, Any]]:
        """The conversation's messages since `oldest`; a thread's replies live only in
        conversations.replies, never in conversations.history."""
        if thread_ts is not None:
            first = _call(
                lambda: self._client.conversations_replies(
                    channel=conversation,
                    ts=thread_ts,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=include_metadata,
                    limit=200,
                )
            )
        else:
            first = _call(
                lambda: self._client.conversations_history(
                    channel=conversation,
                    oldest=f"{oldest:.6f}",
                    include_all_metadata=include_metadata,
                    limit=200,
                )
            )
        for page in _pages(first):
            yield from page.get("messages", [])

    def identity(self) -> BotIdentity:
        response = _call(self._client.auth_test)
        granted = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes") or ""
        return BotIdentity(
            team=str(response.get("team") or ""),
            team_id=str(response.get("team_id") or ""),
            team_url=str(response.get("url") or ""),
            user_id=str(response.get("user_id") or ""),
            scopes=frozenset(scope.strip() for scope in granted.split(",") if scope.strip()),
        )

    def conversation(self, channel: str) -> Conversation:
        conversation = self._conversation_id(channel)
        return _conversation(_call(lambda: self._client.conversations_info(channel=conversation))["channel"])

    def join(self, channel_id: str) -> Conversation:
        return _conversation(_call(lambda: self._client.conversations_join(channel=channel_id))["channel"])

    def person_by_email(self, email: str) -> Person:
        return _person(_call(lambda: self._client.users_lookupByEmail(email=email))["user"])

    def everyone(self) -> list[Person]:
        found: list[Person] = []
        for page in _pages(_call(lambda: self._client.users_list(limit=200))):
            member: dict[str, Any]
            for member in page.get("members", []):
                found.append(_person(member))
        return found

    def create_canvas(self, title: str, markdown: str, readers: Sequence[str]) -> CanvasRef:
        channels = [self._conversation_id(reader) for reader in readers]
        created = _call(
            lambda: self._client.canvases_create(
                title=title, document_content={"type": "markdown", "markdown": markdown}
            )
        )
        canvas_id = str(created["canvas_id"])
        _call(
            lambda: self._client.canvases_access_set(
                canvas_id=canvas_id, access_level="read", channel_ids=channels
            )
        )
        identity = self.identity()
        # Slack's address of a canvas: the workspace's URL, /docs/, the team and the canvas id.
        return CanvasRef(
            id=canvas_id, url=f"{identity.team_url.rstrip('/')}/docs/{identity.team_id}/{canvas_id}"
        )

    def _conversation_id(self, channel: str) -> str:
        """Channel ids pass through; a user id becomes its DM; a name is looked up."""
        if CONVERSATION_ID.match(channel):
            return channel
        if channel.startswith(("U", "W")):
            return str(_call(lambda: self._client.conversations_open(users=channel))["channel"]["id"])
        name = channel.lstrip("#")
        listing = _call(
            lambda: self._client.conversations_list(types="public_channel,private_channel", limit=200)
        )
        for page in _pages(listing):
            conversation: dict[str, Any]
            for conversation in page.get("channels", []):
                if conversation.get("name") == name:
                    return str(conversation["id"])
        raise Rejected(f"channel_not_found: #{name}")


def _pages(first: SlackResponse) -> Iterator[SlackResponse]:
    """slack_sdk follows `next_cursor` when a response is iterated; map its errors like `_call`."""
    iterator = iter(first)
    while True:
        page = _call(lambda: next(iterator, None))
        if page is None:
            return
        yield page


def _person(member: dict[str, Any]) -> Person:
    profile = member.get("profile") or {}
    name = (
        profile.get("display_name")
        or member.get("real_name")
        or profile.get("real_name")
        or member.get("name")
    )
    return Person(
        id=member["id"],
        name=str(name or member["id"]),
        timezone=member.get("tz") or "UTC",
        is_bot=bool(member.get("is_bot")),
        deleted=bool(member.get("deleted")),
        handle=str(member.get("name") or ""),
        email=str(profile.get("email") or ""),
        status=_status(profile),
    )


def _status(profile: dict[str, Any]) -> Status:
    expiration = int(profile.get("status_expiration") or 0)
    return Status(
        text=str(profile.get("status_text") or ""),
        emoji=str(profile.get("status_emoji") or ""),
        expires_at=datetime.fromtimestamp(expiration, UTC) if expiration else None,
    )


def _conversation(channel: dict[str, Any]) -> Conversation:
    return Conversation(
        id=str(channel["id"]),
        name=str(channel.get("name") or channel["id"]),
        is_private=bool(channel.get("is_private")),
        is_member=bool(channel.get("is_member")),
        is_archived=bool(channel.get("is_archived")),
    )


def _share_ts(response: SlackResponse, conversation: str) -> str:
    """The ts of the message that shared the first file, when Slack already reports it."""
    for uploaded in response.get("files") or []:
        shares = uploaded.get("shares") or {}
        for visibility in ("public", "private"):
            for share in (shares.get(visibility) or {}).get(conversation) or []:
                return str(share.get("ts") or "")
    return ""
