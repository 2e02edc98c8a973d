"""Saying you are away, and back: `/ritual away until DATE`, `/ritual away off`, the Home tab."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.errors import UserFacingError
from core.types import JsonDict
from messaging.gateway import SlackError
from messaging.layout import cut_to_fit
from messaging.local_time import zone
from messaging.mrkdwn import mrkdwn_escape, without_bold
from rituals.away.time_off import current_time_off, end_time_off, record_time_off
from rituals.away.time_off_views import (
    LAST_BLOCK,
    NOTE_MAX,
    StateValues,
    away_modal,
    read_away_modal,
)
from rituals.collect.prompts import queue_prompt
from rituals.definition.loading import UnknownRitual
from rituals.services import Services

USAGE = "`/ritual away until YYYY-MM-DD [note]`, or `/ritual away off` when you are back"
# `/ritual away off` (or back, cancel): the time off ends today.
BACK_WORDS = frozenset({"off", "back", "cancel"})


def today_for(services: Services, user_id: str) -> date:
    """The person's date now, in their own zone (the ritual's days are theirs)."""
    try:
        tz = zone(services.gateway.person(user_id).timezone)
    except SlackError:
        tz = None
    return services.clock.now().astimezone(tz).date() if tz else services.clock.now().date()


def parse_until(args: list[str]) -> tuple[date, str | None]:
    """`until 2027-03-01 some note` (the word "until" optional) -> the last day and the note."""
    words = list(args)
    if words and words[0].lower() == "until":
        words = words[1:]
    if not words:
        raise UserFacingError(f"Until when? {USAGE}.")
    try:
        last_day = date.fromisoformat(words[0])
    except ValueError:
        raise UserFacingError(f"`{mrkdwn_escape(words[0])}` is not a date. {USAGE}.") from None
    note = cut_to_fit(" ".join(words[1:]).strip(), NOTE_MAX) or None
    return last_day, note


def away_command(services: Services, user_id: str, args: list[str]) -> str:
    """`/ritual away until DATE [note]`, or `/ritual away off`: what happened, to say ephemerally."""
    if args and args[0].lower() in BACK_WORDS:
        return come_back(services, user_id)
    last_day, note = parse_until(args)
    return go_away(services, user_id, None, last_day, note)


def time_off_form(services: Services, user_id: str) -> JsonDict:
    """The "Mark me away" modal, starting today where the person is."""
    return away_modal(today_for(services, user_id))


@dataclass(frozen=True)
class TimeOffSubmitted:
    """The time-off modal submitted: what to fix, by input block, or what to tell the person."""

    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None


def submit_time_off(services: Services, user_id: str, values: StateValues) -> TimeOffSubmitted:
    try:
        first, last, note = read_away_modal(values)
        return TimeOffSubmitted(notice=go_away(services, user_id, first, last, note))
    except UserFacingError as error:
        return TimeOffSubmitted(errors={LAST_BLOCK: without_bold(error.message)})


def go_away(
    services: Services, user_id: str, first_day: date | None, last_day: date, note: str | None
) -> str:
    today = today_for(services, user_id)
    first = first_day or today
    if last_day < today:
        raise UserFacingError(f"{last_day:%a %d %b %Y} has passed already. {USAGE}.")
    if last_day < first:
        raise UserFacingError("The last day comes before the first one.")
    with services.session_factory.begin() as session:
        runs = record_time_off(session, user_id, first, last_day, note, services.clock.now())
    names = sorted({_name(services, run.ritual_id) for run in runs})
    paused = f" I will not chase you for {', '.join(names)}." if names else ""
    return (
        f"🌴 Noted: you are away from {first:%a %d %b} until {last_day:%a %d %b %Y}. Check-ins that close "
        f"in that time will show you as away, not missing.{paused} `/ritual away off` if you are back early."
    )


def come_back(services: Services, user_id: str) -> str:
    today = today_for(services, user_id)
    now = services.clock.now()
    with services.session_factory.begin() as session:
        back = end_time_off(session, user_id, today)
        for person, run in back:
            try:
                definition = services.library.get(run.ritual_id)
            except UnknownRitual:
                continue
            queue_prompt(session, definition, run, person, now)
    if not back:
        return "Welcome back! Nothing open is waiting for you."
    names = ", ".join(sorted({_name(services, run.ritual_id) for _person, run in back}))
    return f"Welcome back! Your prompts for {names} are on the way."


def away_status(services: Services, user_id: str) -> str | None:
    """ "Away until Fri 6 Mar" while time off covers today or starts later, else None."""
    today = today_for(services, user_id)
    with services.session_factory() as session:
        off = current_time_off(session, user_id, today)
    if off is None:
        return None
    when = (
        f"until {off.last_day:%a %d %b %Y}"
        if off.first_day <= today
        else (f"from {off.first_day:%a %d %b} until {off.last_day:%a %d %b %Y}")
    )
    return f"Away {when}" + (f" ({mrkdwn_escape(off.note)})" if off.note else "")


def _name(services: Services, ritual_id: str) -> str:
    try:
        return f"*{mrkdwn_escape(services.library.get(ritual_id).name)}*"
    except UnknownRitual:
        return f"`{ritual_id}`"
