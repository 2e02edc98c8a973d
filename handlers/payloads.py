"""Slack's payloads, parsed at the edge into typed objects.

Bolt hands a listener the request body as a dict. Each listener parses it here first, so a body
that does not have Slack's shape (a forged request, a broken client) fails in one place, as
`MalformedPayload`, which the error handler answers with HTTP 400 and logs as one line, instead
of a `KeyError` deep in a use case and a traceback in the log. Button values and
`private_metadata` are decoded through the same door (`Action.decoded`, `View.metadata`).

Only the fields ritualbot reads are declared; Slack's other fields are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

T = TypeVar("T")
P = TypeVar("P", bound="SlackPayload")

# Decoders of button values and metadata raise these when the text is not what they wrote.
_DECODE_ERRORS = (ValueError, KeyError, TypeError, IndexError)


class MalformedPayload(ValueError):
    """A request body without the shape Slack gives it; nothing was done."""


class SlackPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class User(SlackPayload):
    id: str = Field(min_length=1, max_length=32)


class Option(SlackPayload):
    value: str


class Action(SlackPayload):
    action_id: str
    block_id: str | None = None
    value: str | None = None
    selected_option: Option | None = None
    selected_user: str | None = None

    @property
    def choice(self) -> str:
        """The button's value or the picked option's value ("" when neither is there)."""
        if self.selected_option is not None:
            return self.selected_option.value
        return self.value or ""

    def decoded(self, decode: Callable[[str], T]) -> T:
        """The value (or picked option) as the code that wrote it reads it back."""
        return _decode(decode, self.choice, f"the value of {self.action_id!r}")


class ViewState(SlackPayload):
    # block_id -> action_id -> the element's state ({"type": ..., "value": ...}).
    values: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)


class View(SlackPayload):
    id: str
    type: str = "modal"
    hash: str | None = None
    callback_id: str | None = None
    private_metadata: str = ""
    state: ViewState = Field(default_factory=ViewState)
    # What the view shows; a listener that lays a modal out again starts from it.
    blocks: list[dict[str, Any]] = Field(default_factory=list)

    def metadata(self, decode: Callable[[str], T]) -> T:
        """`private_metadata` as the code that wrote it reads it back."""
        return _decode(decode, self.private_metadata, "the view's metadata")


class Container(SlackPayload):
    type: str


class BlockActions(SlackPayload):
    """A click or a pick: on a message, in a modal, or on the Home tab."""

    user: User
    actions: list[Action] = Field(min_length=1)
    trigger_id: str | None = None
    response_url: str | None = None
    container: Container | None = None
    view: View | None = None

    @property
    def action(self) -> Action:
        return self.actions[0]

    @property
    def user_id(self) -> str:
        return self.user.id

    def modal(self) -> View:
        """The modal the click came from; malformed when there is none."""
        if self.view is None:
            raise MalformedPayload("a click that should come from a modal carries no view")
        return self.view


class ViewSubmission(SlackPayload):
    user: User
    view: View
    trigger_id: str | None = None

    @property
    def user_id(self) -> str:
        return self.user.id


class SlashCommand(SlackPayload):
    command: str
    user_id: str = Field(min_length=1, max_length=32)
    text: str = ""
    channel_id: str | None = None
    response_url: str | None = None
    trigger_id: str | None = None


def parse(kind: type[P], body: Mapping[str, Any]) -> P:
    """`body` as a `kind`; `MalformedPayload` naming the first thing wrong when it is not one."""
    try:
        return kind.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise MalformedPayload(f"not a Slack {kind.__name__} payload: {where}: {first['msg']}") from None


def _decode(decode: Callable[[str], T], text: str, what: str) -> T:
    try:
        return decode(text)
    except _DECODE_ERRORS as error:
        raise MalformedPayload(f"{what} is not one this app wrote: {error}") from None


class BlockSuggestion(SlackPayload):
    """Slack asking for an external select's options as the person types (`block_suggestion`)."""

    user: User
    action_id: str
    block_id: str | None = None
    value: str = ""
    view: View | None = None

    @property
    def user_id(self) -> str:
        return self.user.id


class Channel(SlackPayload):
    id: str


class ShortcutMessage(SlackPayload):
    ts: str
    text: str = ""


class MessageShortcut(SlackPayload):
    """A message shortcut: the person picked one of the app's items in a message's menu."""

    callback_id: str
    user: User
    trigger_id: str
    message: ShortcutMessage
    channel: Channel

    @property
    def user_id(self) -> str:
        return self.user.id
