"""A ritual definition: the schema a product-ops person writes in YAML and reviews in a pull request.

The definition *is* the standard (the same fields, horizons and statuses for every team), so it is
validated strictly: every model forbids unknown keys, so a misspelt key is an error rather than
a silently ignored default. Slack limits (modal title 24 characters, labels 2,000, options 100 x 75
characters, ...) are checked here, when the file is read, rather than when a modal fails to open
in front of a PM at 10:00 on a Monday.

Checks that need the whole definition (duplicate field ids, an ``only: shareable`` audience with
nothing shareable, ...) live in :func:`cross_check`, which returns precise key paths so the loader
can point at the offending line. When a definition is built in code, a model validator runs the
same checks and raises; the loader turns that off with the :data:`DEFER_CROSS_CHECKS` context
flag and reports them itself.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.config_files import Loc, format_loc
from core.time_zones import UnknownZone, check_zone
from messaging.layout import cut_to_fit
from messaging.limits import (
    HEADER_TEXT,
    INPUT_LABEL,
    MODAL_TITLE,
    OPTION_TEXT,
    PLACEHOLDER,
    SELECT_OPTIONS,
    TEXT_INPUT,
    VIEW_BLOCKS,
)
from rituals.schedule.cron import CronError, parse_cron
from rituals.schedule.holiday_calendar import supported_places

__all__ = [
    "DEFER_CROSS_CHECKS",
    "FIELD_TYPES",
    "Audience",
    "Blackout",
    "FormField",
    "Participants",
    "QuietHours",
    "Reminder",
    "RitualDefinition",
    "Schedule",
    "Window",
    "cross_check",
    "format_duration",
    "parse_duration",
]

#: Validation-context key: when true, :class:`RitualDefinition` skips :func:`cross_check` so the
#: caller can report each finding against its own line.
DEFER_CROSS_CHECKS = "defer_cross_checks"

#: A key path into the YAML document, as pydantic reports it: keys and list indices.

FieldType = Literal[
    "text",
    "long_text",
    "number",
    "select",
    "multi_select",
    "date",
    "url",
    "user",
    "users",
    "checkbox",
    "items",
    "key_results",
]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

# Slack's limits (messaging.limits) are checked when a ritual is loaded, so a ritual that loads
# always makes a modal Slack accepts. Items per field is our own bound: 50 rows and their
# heading and button already take half a modal's blocks.
ITEMS_MAX = 50
# A key result in the answer modal: a heading, its value, its confidence and a comment.
KEY_RESULT_BLOCKS = 4
SELECT_TYPES = frozenset({"select", "multi_select"})
LENGTH_TYPES = frozenset({"text", "long_text", "url"})
NO_PLACEHOLDER_TYPES = frozenset({"checkbox", "items", "key_results"})
# Field types whose form holds several entries, up to max_items.
REPEATED_TYPES = frozenset({"items", "key_results"})

_DURATION = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?")
_TIME_OF_DAY = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_REMINDER = re.compile(r"(?P<offset>\S+)\s+(?P<anchor>before close|after open)")
_DATE_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})")


# --- small value types -------------------------------------------------------------------------


def parse_duration(value: object) -> timedelta:
    """Read ``3d``, ``24h``, ``90m``, ``1d12h`` or ``2w``.

    A plain number is refused on purpose: "3" could be days or hours, and the YAML author should
    not have to guess which.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        match = _DURATION.fullmatch(value.strip())
        if match and any(match.groups()):
            weeks, days, hours, minutes = (int(group or 0) for group in match.groups())
            return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    raise ValueError(f"expected a duration such as '3d', '24h', '90m' or '1d12h', got {value!r}")


def format_duration(value: timedelta) -> str:
    """The inverse of :func:`parse_duration` (``timedelta(days=1, hours=12)`` -> ``1d12h``)."""
    minutes_total = int(value.total_seconds()) // 60
    days, rest = divmod(minutes_total, 24 * 60)
    hours, minutes = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    return text or "0m"


def _parse_time_of_day(value: object) -> time:
    """Read ``HH:MM``. Seconds and numbers are refused (YAML 1.1 reads an unquoted 17:00 as 1020)."""
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = _TIME_OF_DAY.fullmatch(value.strip())
        if match:
            return time(int(match[1]), int(match[2]))
    raise ValueError(f"expected a time of day as 'HH:MM', e.g. '17:00', got {value!r}")


def _check_zone(name: str) -> str:
    try:
        return check_zone(name)
    except UnknownZone as error:
        raise ValueError(str(error)) from None


def _check_cron(expression: str) -> str:
    try:
        parse_cron(expression)
    except CronError as exc:
        raise ValueError(f"invalid cron expression {expression!r}: {exc}") from None
    return expression


def _check_http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


def _strip_sigil(sigil: str) -> Any:
    def strip(value: object) -> object:
        return value[1:] if isinstance(value, str) and value.startswith(sigil) else value

    return BeforeValidator(strip)


def _blackout_dates(value: object) -> list[date]:
    """Read a list of dates and ``YYYY-MM-DD..YYYY-MM-DD`` ranges (both ends included)."""
    if not isinstance(value, list):
        raise ValueError("expected a list of dates (YYYY-MM-DD) or ranges (YYYY-MM-DD..YYYY-MM-DD)")
    dates: list[date] = []
    for entry in value:
        if isinstance(entry, datetime):
            raise ValueError(f"expected a date without a time, got {entry!r}")
        if isinstance(entry, date):
            dates.append(entry)
            continue
        if isinstance(entry, str):
            span = _DATE_RANGE.fullmatch(entry.strip())
            first_text, last_text = (span[1], span[2]) if span else (entry.strip(), entry.strip())
            try:
                first, last = date.fromisoformat(first_text), date.fromisoformat(last_text)
            except ValueError:
                pass
            else:
                if last < first:
                    raise ValueError(f"the range {entry!r} runs backwards")
                dates.extend(first + timedelta(days=n) for n in range((last - first).days + 1))
                continue
        raise ValueError(f"expected a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD), got {entry!r}")
    return sorted(set(dates))


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
TimeOfDay = Annotated[
    time, BeforeValidator(_parse_time_of_day), PlainSerializer(lambda t: t.strftime("%H:%M"))
]
RitualId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
# Field ids become Slack block/action ids and template attribute names (answers.risks), hence
# the identifier shape.
FieldId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
# An objective's id in the objectives files (a key_results field may name some).
ObjectiveRef = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
AudienceName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_PERSON = re.compile(r"^([UW][A-Z0-9]{2,}|[^@\s]+@[^@\s]+\.[^@\s]+|@[a-z0-9][a-z0-9._-]{0,79})$")


def _person_name(value: object) -> str:
    """A Slack user id as is; an email or an @handle in lower case (Slack matches them so)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a Slack user id, an email address or an @handle, got {value!r}")
    text = value.strip()
    if not USER_ID.match(text):
        text = text.lower()
    if not _PERSON.match(text):
        raise ValueError(f"expected a Slack user id (U…), an email address or an @handle, got {value!r}")
    return text


# A person: a Slack user id (U…), an email address, or an @handle; the bot resolves names to
# ids through Slack when it loads the file (see rituals/definition/people.py).
UserId = Annotated[str, BeforeValidator(_person_name)]
# A channel id (C…, G…) or a channel name, with or without '#'; names are kept without it.
ChannelRef = Annotated[
    str, _strip_sigil("#"), Field(pattern=r"^([CG][A-Z0-9]{6,}|[a-z0-9][a-z0-9._-]{0,79})$")
]
# A user group handle (with or without '@') or id (S…).
UsergroupRef = Annotated[
    str, _strip_sigil("@"), Field(pattern=r"^(S[A-Z0-9]{2,}|[a-z0-9][a-z0-9._-]{0,79})$")
]
TemplateName = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$")
]
OptionText = Annotated[str, Field(min_length=1, max_length=OPTION_TEXT)]
HttpUrl = Annotated[str, AfterValidator(_check_http_url)]


class _Model(BaseModel):
    """Base for every part of a definition: unknown keys are errors, and definitions are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- schedule ------------------------------------------------------------------------------------


class Schedule(_Model):
    """When the ritual opens: a crontab expression read in an IANA time zone."""

    cron: Annotated[str, AfterValidator(_check_cron)]
    timezone: Annotated[str, AfterValidator(_check_zone)]
    deliver: Literal["ritual_time", "participant_local_time"] = "ritual_time"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- window --------------------------------------------------------------------------------------


class Reminder(_Model):
    """A reminder relative to the participant's opening or to the close, in wall-clock terms.

    Written in YAML as ``"24h before close"`` or ``"1d after open"``.
    """

    offset: Duration
    anchor: Literal["open", "close"]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if isinstance(value, str):
            match = _REMINDER.fullmatch(value.strip())
            if not match:
                raise ValueError(
                    f"expected a reminder such as '24h before close' or '1d after open', got {value!r}"
                )
            return {"offset": match["offset"], "anchor": match["anchor"].split()[1]}
        return value

    @field_validator("offset")
    @classmethod
    def _positive(cls, offset: timedelta) -> timedelta:
        if offset <= timedelta(0):
            raise ValueError("a reminder offset must be more than zero")
        return offset

    def __str__(self) -> str:
        side = "before close" if self.anchor == "close" else "after open"
        return f"{format_duration(self.offset)} {side}"


class QuietHours(_Model):
    """Participant-local hours (and optionally weekends) when no reminder is sent."""

    start: TimeOfDay = time(20, 0)
    end: TimeOfDay = time(8, 0)
    weekends: bool = True

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet_hours start and end must differ")
        return self


def _default_reminders() -> list[Reminder]:
    return [Reminder(offset=timedelta(hours=24), anchor="close")]


class Window(_Model):
    """How long a run stays open and how participants are chased."""

    closes_after: Duration = timedelta(days=3)
    closes_at: TimeOfDay | None = None
    reminders: list[Reminder] = Field(default_factory=_default_reminders)
    quiet_hours: QuietHours | None = Field(default_factory=QuietHours)
    max_reminders: int = Field(default=3, ge=0, le=10)
    late: Literal["accept", "refuse"] = "accept"

    @model_validator(mode="after")
    def _has_length(self) -> Window:
        if self.closes_after <= timedelta(0) and self.closes_at is None:
            raise ValueError("closes_after must be more than zero unless closes_at is set")
        return self


# --- blackout ------------------------------------------------------------------------------------


class Blackout(_Model):
    """Dates (holidays) on which the ritual does not open in its own zone."""

    dates: Annotated[list[date], BeforeValidator(_blackout_dates)] = Field(default_factory=list)
    action: Literal["skip", "next_working_day"] = "skip"


# --- public holidays ---------------------------------------------------------------------------


def _check_place(value: object) -> str:
    """`US`, or a country and a region `US-CA`, as the holidays package knows them."""
    if not isinstance(value, str):
        raise ValueError(f"expected a country code such as 'US' or 'US-CA', got {value!r}")
    country, _, subdiv = value.strip().upper().partition("-")
    known = supported_places()
    if country not in known:
        close = difflib.get_close_matches(country, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"no public holidays known for the country {country!r}{hint}")
    if subdiv and subdiv not in known[country]:
        raise ValueError(
            f"no region {subdiv!r} in {country}; known: {', '.join(known[country][:20]) or 'none'}"
        )
    return f"{country}-{subdiv}" if subdiv else country


Place = Annotated[str, BeforeValidator(_check_place)]


class Holidays(_Model):
    """Public holidays (of the `holidays` package) treated like blackout dates.

    The ritual's own `country` (and optional `subdiv`) moves or skips its openings and moves its
    deadlines to the next working day; `people` names where someone works (`ana@x.com: IN`), so
    their prompt waits for their next working day when the opening is a holiday there.
    """

    country: Place | None = None
    subdiv: Annotated[str, Field(min_length=1, max_length=10)] | None = None
    action: Literal["skip", "next_working_day"] = "next_working_day"
    people: dict[UserId, Place] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _region_in_country(self) -> Holidays:
        if self.subdiv is not None:
            if self.country is None:
                raise ValueError("subdiv needs a country")
            _check_place(f"{self.country}-{self.subdiv}")
        return self

    @property
    def place(self) -> str | None:
        if self.country is None:
            return None
        return f"{self.country}-{self.subdiv.upper()}" if self.subdiv else self.country


# --- participants --------------------------------------------------------------------------------


class Participants(_Model):
    """Who is asked: any mix of users, one user group and one channel's members, minus exclusions."""

    users: list[UserId] = Field(default_factory=list)
    usergroup: UsergroupRef | None = None
    channel: ChannelRef | None = None
    exclude: list[UserId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone(self) -> Participants:
        if not (self.users or self.usergroup or self.channel):
            raise ValueError("give at least one of users, usergroup or channel")
        return self


# --- form ----------------------------------------------------------------------------------------


class FormField(_Model):
    """One input of the ritual's modal; ``items`` fields hold a repeatable group of sub-fields,
    and a ``key_results`` field asks each person about the key results they own (value,
    confidence, comment), limited to some ``objectives`` when given."""

    id: FieldId
    type: FieldType
    label: Annotated[str, Field(min_length=1, max_length=INPUT_LABEL)]
    optional: bool = False
    hint: Annotated[str, Field(min_length=1, max_length=INPUT_LABEL)] | None = None
    placeholder: Annotated[str, Field(min_length=1, max_length=PLACEHOLDER)] | None = None
    options: Annotated[list[OptionText], Field(min_length=1, max_length=SELECT_OPTIONS)] | None = None
    min: float | None = None
    max: float | None = None
    decimal: bool = True
    max_length: Annotated[int, Field(ge=1, le=TEXT_INPUT)] | None = None
    shareable: bool = False
    shareable_flag: FieldId | None = None
    item: Annotated[list[FormField], Field(min_length=1)] | None = None
    max_items: Annotated[int, Field(ge=1, le=ITEMS_MAX)] = 10
    objectives: Annotated[list[ObjectiveRef], Field(min_length=1)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _checkbox_defaults_optional(cls, value: object) -> object:
        # An unticked box is a legitimate "no"; a required checkbox means "must tick to submit".
        if isinstance(value, dict) and value.get("type") == "checkbox" and "optional" not in value:
            return {**value, "optional": True}
        return value

    @model_validator(mode="after")
    def _fits_type(self) -> FormField:
        errors: list[str] = []
        given = self.model_fields_set
        is_select = self.type in SELECT_TYPES
        if is_select and not self.options:
            errors.append(f"a {self.type} field needs options")
        if not is_select and self.options is not None:
            errors.append("options are only for select and multi_select fields")
        if self.options and len(set(self.options)) != len(self.options):
            errors.append("options must be unique")
        if self.type != "number" and given & {"min", "max", "decimal"}:
            errors.append("min, max and decimal are only for number fields")
        if self.min is not None and self.max is not None and self.min > self.max:
            errors.append("min is larger than max")
        if self.type not in LENGTH_TYPES and self.max_length is not None:
            errors.append("max_length is only for text, long_text and url fields")
        if self.type in NO_PLACEHOLDER_TYPES and self.placeholder is not None:
            errors.append(f"a {self.type} field has no placeholder")
        if self.type == "items":
            errors.extend(self._item_errors())
        else:
            if self.item is not None:
                errors.append("item is only for items fields")
            if self.shareable_flag is not None:
                errors.append("shareable_flag is only for items fields")
        if self.type not in REPEATED_TYPES and "max_items" in given:
            errors.append("max_items is only for items and key_results fields")
        if self.type != "key_results" and self.objectives is not None:
            errors.append("objectives is only for key_results fields")
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def _item_errors(self) -> Iterator[str]:
        if not self.item:
            yield "an items field needs item: its sub-fields"
            return
        ids = [sub.id for sub in self.item]
        for sub_id in sorted({i for i in ids if ids.count(i) > 1}):
            yield f"sub-field id {sub_id!r} is used more than once"
        if any(sub.type == "items" for sub in self.item):
            yield "items cannot be nested"
        if self.shareable_flag is not None:
            flag = next((sub for sub in self.item if sub.id == self.shareable_flag), None)
            if flag is None or flag.type != "checkbox":
                yield f"shareable_flag {self.shareable_flag!r} must name a checkbox sub-field"

    def sub_field(self, field_id: str) -> FormField:
        """The sub-field of an ``items`` field with this id."""
        for sub in self.item or ():
            if sub.id == field_id:
                return sub
        raise KeyError(field_id)

    @property
    def modal_blocks(self) -> int:
        """Blocks this field may take in the modal: one input, a summary line per item plus two,
        or four per key result plus a heading and a note."""
        return _modal_blocks({"type": self.type, "max_items": self.max_items})


# --- audiences -----------------------------------------------------------------------------------


class Audience(_Model):
    """Where a compiled digest is posted, through which template, with what filter and approval."""

    name: AudienceName
    to: list[ChannelRef] = Field(default_factory=list)
    template: TemplateName | None = None
    only: Literal["shareable"] | None = None
    approval: Literal["none", "owner"] = "none"
    webhook: HttpUrl | None = None
    # An "Export CSV" button under the post; only owners and admins can use it.
    export_button: bool = False
    # The whole compiled answers one click away: a canvas created for the run (a Markdown file
    # in the post's thread where the workspace has no canvases), linked in the post's thread.
    full_answers: Literal["none", "canvas"] = "none"

    @model_validator(mode="after")
    def _somewhere(self) -> Audience:
        if not self.to and self.webhook is None:
            raise ValueError("give to (channels) or a webhook")
        return self

    @property
    def template_name(self) -> str:
        """The template file: as given, or ``<name>.md.j2`` (so ``leaders`` finds ``leaders.md.j2``)."""
        return self.template or f"{self.name}.md.j2"


# --- the ritual ----------------------------------------------------------------------------------


class RitualDefinition(_Model):
    """A whole ritual. The keys ``id``, ``name``, ``owners``, ``schedule``, ``participants``,
    ``form`` and ``audiences`` are a contract; the rest has defaults.

    A ritual without ``participants`` and ``form`` asks nobody anything: it only compiles its
    digest on schedule from what other domains contribute (the weekly research digest)."""

    id: RitualId
    name: Annotated[str, Field(min_length=1, max_length=HEADER_TEXT)]
    short_name: Annotated[str, Field(min_length=1, max_length=MODAL_TITLE)] | None = None
    description: Annotated[str, Field(max_length=TEXT_INPUT)] = ""
    enabled: bool = True
    owners: Annotated[list[UserId], Field(min_length=1)]
    schedule: Schedule
    window: Window = Field(default_factory=Window)
    catch_up: Duration = timedelta(hours=6)
    blackout: Blackout = Field(default_factory=Blackout)
    holidays: Holidays = Field(default_factory=Holidays)
    participants: Participants | None = None
    form: list[FormField] = Field(default_factory=list)
    audiences: list[Audience] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo) -> RitualDefinition:
        if isinstance(info.context, dict) and info.context.get(DEFER_CROSS_CHECKS):
            return self
        findings = cross_check(self)
        if findings:
            raise ValueError("; ".join(f"{format_loc(loc)}: {message}" for loc, message in findings))
        return self

    @property
    def title(self) -> str:
        """The modal title (at most 24 characters): ``short_name``, or ``name`` when it fits."""
        return self.short_name or cut_to_fit(self.name, MODAL_TITLE)

    @property
    def zone(self) -> ZoneInfo:
        return self.schedule.zone

    def field(self, field_id: str) -> FormField:
        """The top-level form field with this id."""
        for form_field in self.form:
            if form_field.id == field_id:
                return form_field
        raise KeyError(field_id)

    def audience(self, name: str) -> Audience:
        for audience in self.audiences:
            if audience.name == name:
                return audience
        raise KeyError(name)

    def visible_fields(self, audience: Audience) -> list[FormField]:
        """The fields an audience may see: all, or for ``only: shareable`` those marked ``shareable``.

        For a shareable ``items`` field with a ``shareable_flag``, only items whose flag is ticked
        may be shown; the compiler applies that per item.
        """
        if audience.only == "shareable":
            return [form_field for form_field in self.form if form_field.shareable]
        return list(self.form)

    def answers_for(self, audience: Audience, answers: Mapping[str, Any]) -> dict[str, Any]:
        """One response's answers as ``audience`` may see them: visible fields only, and for
        ``only: shareable`` only the items whose ``shareable_flag`` sub-field is ticked."""
        visible: dict[str, Any] = {}
        for form_field in self.visible_fields(audience):
            value = answers.get(form_field.id)
            flag = form_field.shareable_flag
            if audience.only == "shareable" and flag and isinstance(value, list):
                value = [item for item in value if isinstance(item, Mapping) and item.get(flag) is True]
            visible[form_field.id] = value
        return visible


def cross_check(definition: RitualDefinition | Mapping[str, Any]) -> list[tuple[Loc, str]]:
    """Checks that span several keys, each with the key path it should be reported at.

    They read the document's data, so they also run on a file whose structure is still wrong:
    `validate` then reports a duplicate field id in the same pass as a misspelt key. Whatever
    is not the expected shape is left to the structural checks.
    """
    data = definition.model_dump() if isinstance(definition, RitualDefinition) else definition
    findings: list[tuple[Loc, str]] = []
    participants, given_form = data.get("participants"), data.get("form")
    if given_form and participants is None:
        findings.append((("form",), "a ritual with a form needs participants to fill it in"))
    if participants is not None and not given_form:
        findings.append(
            (
                ("participants",),
                "participants are asked to fill in the form, but there is none: add form fields, or "
                "leave participants out for a digest-only ritual",
            )
        )
    name = data.get("name")
    if data.get("short_name") is None and isinstance(name, str) and len(name) > MODAL_TITLE:
        findings.append(
            (
                ("name",),
                f"name is {len(name)} characters, more than a modal title's {MODAL_TITLE}: add short_name",
            )
        )
    form = _mappings(data.get("form"))
    seen: dict[str, int] = {}
    for index, form_field in form:
        field_id = form_field.get("id")
        if not isinstance(field_id, str):
            continue
        if field_id in seen:
            findings.append(
                (("form", index, "id"), f"field id {field_id!r} is already used by form[{seen[field_id]}]")
            )
        seen.setdefault(field_id, index)
    key_result_fields = [index for index, form_field in form if form_field.get("type") == "key_results"]
    for index in key_result_fields[1:]:
        findings.append(
            (
                ("form", index, "type"),
                f"a form asks about key results once; form[{key_result_fields[0]}] already does",
            )
        )
    blocks = sum(_modal_blocks(form_field) for _, form_field in form)
    kr_budget = f", {KEY_RESULT_BLOCKS} x max_items + 2 per key_results field" if key_result_fields else ""
    if blocks > VIEW_BLOCKS:
        findings.append(
            (
                ("form",),
                f"the form needs up to {blocks} modal blocks (one per field, max_items + 2 per items "
                f"field{kr_budget}); Slack allows {VIEW_BLOCKS}",
            )
        )
    names: dict[str, int] = {}
    has_shareable = any(form_field.get("shareable") is True for _, form_field in form)
    for index, audience in _mappings(data.get("audiences")):
        audience_name = audience.get("name")
        if isinstance(audience_name, str):
            if audience_name in names:
                findings.append(
                    (
                        ("audiences", index, "name"),
                        f"audience {audience_name!r} is already defined at audiences[{names[audience_name]}]",
                    )
                )
            names.setdefault(audience_name, index)
        if audience.get("full_answers") == "canvas" and audience.get("only") is not None:
            findings.append(
                (
                    ("audiences", index, "full_answers"),
                    "full_answers shows every answer, so it cannot go with only: shareable",
                )
            )
        if audience.get("only") == "shareable" and not has_shareable:
            findings.append(
                (("audiences", index, "only"), "only: shareable, but no form field is marked shareable: true")
            )
    window = data.get("window")
    window = window if isinstance(window, Mapping) else {}
    reminders = window.get("reminders", [None] * len(_default_reminders()))
    max_reminders = window.get("max_reminders", Window.model_fields["max_reminders"].default)
    if isinstance(reminders, list) and isinstance(max_reminders, int) and len(reminders) > max_reminders:
        findings.append(
            (("window", "reminders"), f"{len(reminders)} reminders but max_reminders is {max_reminders}")
        )
    return findings


def _mappings(value: object) -> list[tuple[int, Mapping[str, Any]]]:
    """The entries of a list that are mappings, with their index (others are not checked here)."""
    if not isinstance(value, list):
        return []
    return [(index, entry) for index, entry in enumerate(value) if isinstance(entry, Mapping)]


def _modal_blocks(form_field: Mapping[str, Any]) -> int:
    """Blocks a field may take in the modal: one input, a line per item plus two, or four per
    key result plus a heading and a note."""
    kind = form_field.get("type")
    if kind not in REPEATED_TYPES:
        return 1
    max_items = form_field.get("max_items", FormField.model_fields["max_items"].default)
    if not isinstance(max_items, int):
        return 1
    return KEY_RESULT_BLOCKS * max_items + 2 if kind == "key_results" else max_items + 2
