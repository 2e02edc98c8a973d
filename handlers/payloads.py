"""Slack's payloads, parsed at the edge into typed objects.

Bolt hands a listener the request body as a dict. Each listener parses it here first, so a body
that does not have Slack's shape (a forged request, a broken client) fails in one place, as
`MalformedPayload`, which the error handler answers with HTTP 400 and logs as one line, instead
of a `KeyError` deep in a use case and a traceback in the log. Button values and
`private_metadata` are decoded through the same door (`Action.decoded`, `View.metadata`).

`check_envelope` runs before any listener is matched (a global middleware), so a body Bolt
would not route at all (a click without actions, a submission without a view) gets the same
400 instead of a 404. In HTTP mode the request edge has run it already and hands Bolt the body
with `ENVELOPE_CHECKED` in its context: the middleware then skips it. Either way the typed
payload it parsed stays in the context (`CHECKED_PAYLOAD`), and a listener on a hot path reads
it from there (`parse_checked`) rather than validating the same body twice.
`Origin` reads, leniently, how to reach the person behind any body: the failure path uses it
even for bodies that are not Slack's shape.

Only the fields ritualbot reads are declared; Slack's other fields are ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

T = TypeVar("T")
P = TypeVar("P", bound="SlackPayload")

# Decoders of button values and metadata raise these when the text is not what they wrote.
_DECODE_ERRORS = (ValueError, KeyError, TypeError, IndexError)


class MalformedPayload(ValueError):
    """A request body without the shape Slack gives it; nothing was done."""


class SlackPayload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# Slack's user ids: "U…" (or "W…" on Enterprise Grid), capital letters and digits. Anything else
# is a forged id that Slack would only answer with `user_not_found`.
UserId = Annotated[str, StringConstraints(pattern=r"^[UW][A-Z0-9]{1,31}$")]
# Trigger ids as Slack mints them: "<digits>.<digits>.<hex>".
TriggerId = Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]+\.[0-9a-f]+$", max_length=255)]


class User(SlackPayload):
    id: UserId


class Option(SlackPayload):
    value: str


class Action(SlackPayload):
    action_id: str
    block_id: str | None = None
    value: str | None = None
    # When the click happened (Slack's "1700000000.123456"): with the user, it names the click,
    # and a delivery of the same click again carries the same one.
    action_ts: str | None = None
    selected_option: Option | None = None
    selected_user: UserId | None = None

    @property
    def choice(self) -> str:
        """The button's value or the picked option's value ("" when neither is there)."""
        if self.selected_option is not None:
            return self.selected_option.value
        return self.value or ""

    def decoded(self, decode: Callable[[str], T]) -> T:
        """The value (or picked option) as the code that wrote it reads it back."""
        return _decode(decode, self.choice, f"the value of {self.action_id!r}")


class _ElementState(SlackPayload):
    """What the form readers take from an input's state: each with the type Slack gives it."""

    type: str | None = None
    value: str | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_user: UserId | None = None
    selected_users: list[UserId] | None = None
    selected_date: str | None = None
    selected_time: str | None = None
    selected_channel: str | None = None
    selected_conversation: str | None = None


class ViewState(SlackPayload):
    # block_id -> action_id -> the element's state ({"type": ..., "value": ...}), kept as Slack's
    # dicts for the form readers once each entry has been checked against `_ElementState`.
    values: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)

    @field_validator("values")
    @classmethod
    def _entries_have_slacks_types(
        cls, values: dict[str, dict[str, dict[str, Any]]]
    ) -> dict[str, dict[str, dict[str, Any]]]:
        for actions in values.values():
            for element in actions.values():
                _ElementState.model_validate(element)
        return values


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
    trigger_id: TriggerId | None = None
    response_url: str | None = None
    container: Container | None = None
    view: View | None = None

    @property
    def action(self) -> Action:
        return self.actions[0]

    @property
    def user_id(self) -> str:
        return self.user.id

    def trigger(self) -> str:
        """The trigger_id a view is opened with; malformed when the click carries none."""
        if not self.trigger_id:
            raise MalformedPayload("a click that opens a view carries no trigger_id")
        return self.trigger_id

    @property
    def click_id(self) -> str:
        """Names this click: the same for every delivery of it, different for the next click."""
        return f"{self.user.id}:{self.action.action_ts or self.trigger_id or ''}"

    def modal(self) -> View:
        """The modal the click came from; malformed when there is none."""
        if self.view is None:
            raise MalformedPayload("a click that should come from a modal carries no view")
        return self.view


class ViewSubmission(SlackPayload):
    user: User
    view: View
    trigger_id: TriggerId | None = None

    @property
    def user_id(self) -> str:
        return self.user.id


class SlashCommand(SlackPayload):
    command: str
    user_id: UserId
    text: str = ""
    channel_id: str | None = None
    response_url: str | None = None
    trigger_id: TriggerId | None = None


class HomeOpenedEvent(SlackPayload):
    type: Literal["app_home_opened"]
    user: UserId
    # The Messages tab sends this event too.
    tab: str = "home"


class AppHomeOpened(SlackPayload):
    """The `event_callback` around `app_home_opened`."""

    event: HomeOpenedEvent


class _Kind(SlackPayload):
    type: str | None = None


class Origin(SlackPayload):
    """How to answer the person behind a request: read leniently from any body, for failures."""

    type: str | None = None
    command: str | None = None
    user: User | None = None
    user_id: str | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    container: _Kind | None = None
    view: _Kind | None = None

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> Origin:
        """What can be read of `body`; nothing at all when even that fails."""
        try:
            return cls.model_validate(body)
        except ValidationError:
            return cls()

    @property
    def person(self) -> str | None:
        return self.user.id if self.user is not None else self.user_id

    @property
    def kind(self) -> str:
        """What the request was, for the log: its type or its slash command."""
        return self.type or self.command or "request"

    @property
    def in_modal(self) -> bool:
        return self.view is not None and self.view.type == "modal"

    @property
    def in_view(self) -> bool:
        """Clicked in a modal or on the Home tab (not on a message)."""
        return self.container is not None and self.container.type == "view"


class _WithId(SlackPayload):
    model_config = ConfigDict(extra="allow", frozen=True)
    id: str | None = None


# Where Slack puts a user, channel, team or enterprise: an id, or an object carrying one.
IdOrObject = str | _WithId


class _BoltEvent(SlackPayload):
    """What Bolt itself reads of an Events API event before any listener is matched."""

    type: str
    user: IdOrObject | None = None
    channel: IdOrObject | None = None
    team: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    item: dict[str, Any] | None = None
    message: dict[str, Any] | None = None
    previous_message: dict[str, Any] | None = None


class _BoltView(SlackPayload):
    """Bolt reads a view's `type` whenever it has a `callback_id` (to tell workflow steps apart)."""

    model_config = ConfigDict(extra="allow", frozen=True)
    type: str | None = None
    callback_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _typed_when_routed(cls, view: Any) -> Any:
        if isinstance(view, Mapping) and "callback_id" in view and "type" not in view:
            raise ValueError("a view with a callback_id has a type")
        return view


class BoltEnvelope(SlackPayload):
    """What Bolt itself reads of any body while it builds the request's context and routes it
    (user, team, channel, the event's type): Bolt assumes Slack's types there and raises on
    others, before any middleware of ours could refuse them."""

    type: str | None = None
    user: IdOrObject | None = None
    channel: IdOrObject | None = None
    team: IdOrObject | None = None
    enterprise: IdOrObject | None = None
    user_id: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    enterprise_id: str | None = None
    command: str | None = None
    callback_id: str | None = None
    action_id: str | None = None
    event: _BoltEvent | None = None
    authorizations: list[_WithId] | None = None
    container: dict[str, Any] | None = None
    view: _BoltView | None = None
    message: dict[str, Any] | None = None
    actions: list[dict[str, Any]] | None = None
    response_url: str | None = None
    response_urls: list[dict[str, Any]] | None = None
    is_enterprise_install: bool | str | None = None

    @model_validator(mode="before")
    @classmethod
    def _event_is_an_object_when_present(cls, body: Any) -> Any:
        # Bolt reads `body.get("event", {})`: an explicit null is not "no event" to it.
        if isinstance(body, Mapping) and "event" in body and not isinstance(body["event"], Mapping):
            raise ValueError("event must be an object")
        return body


# Each kind of body Slack sends, by what tells it apart, and the shape a listener relies on.
_ENVELOPES: dict[str, type[SlackPayload]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
}


# In a Bolt request's context: the request edge has run `check_envelope` on this very body.
ENVELOPE_CHECKED = "ritualbot_envelope_checked"
# In a Bolt request's context: what `check_envelope` parsed the body as (None for other kinds).
CHECKED_PAYLOAD = "ritualbot_checked_payload"


def check_envelope(body: Mapping[str, Any], *, json_text: str | None = None) -> SlackPayload | None:
    """Refuse, before routing, a body with other types where Bolt reads Slack's, or one that
    claims to be a click, a submission or a slash command but lacks what every listener of that
    kind reads; and text that is not valid Unicode anywhere in it.

    `json_text` is the JSON `body` was decoded from, when the caller has it: the Unicode check
    then reads the text instead of walking the body (see `_check_unicode`).

    Returns the body parsed as its kind (`BlockActions`, `ViewSubmission`, `SlashCommand`),
    None for the kinds it has no model for."""
    if json_text is None or _SURROGATE_ESCAPE.search(json_text):
        _check_unicode(body)
    parse(BoltEnvelope, body)
    kind = _ENVELOPES.get(str(body.get("type")))
    if kind is not None:
        return parse(kind, body)
    if "command" in body:
        return parse(SlashCommand, body)
    return None


def parse_checked(kind: type[P], body: Mapping[str, Any], context: Mapping[str, Any]) -> P:
    """`parse(kind, body)`, taking what `check_envelope` parsed of this very body when it is one."""
    checked = context.get(CHECKED_PAYLOAD)
    if isinstance(checked, kind):
        return checked
    return parse(kind, body)


# Text decoded from UTF-8 holds no surrogate, so JSON decoded from it gets one only from a
# \uD800 to \uDFFF escape. Slack writes emoji as UTF-8, so a body without such an escape (nearly
# every body) needs no walk; a pair of escapes that makes one character is found here too, and
# the walk then finds nothing wrong.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _check_unicode(body: Mapping[str, Any]) -> None:
    """A JSON "\\ud800" escape decodes to a lone surrogate, which no database can store and Slack
    never sends: refuse it here, so only valid Unicode is ever stored. It writes the body out
    again (about 30 µs for a modal submission), so `check_envelope` skips it when the JSON
    text shows no such escape."""
    try:
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedPayload("the payload holds text that is not valid Unicode") from None
    except (TypeError, ValueError) as error:  # not JSON-shaped at all
        raise MalformedPayload(f"the payload is not JSON-shaped: {error}") from None


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
    trigger_id: TriggerId
    message: ShortcutMessage
    channel: Channel

    @property
    def user_id(self) -> str:
        return self.user.id
