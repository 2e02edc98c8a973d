"""When a ritual opens, closes and reminds: occurrences computed as wall-clock times, then localised.

A ritual's people think in local wall-clock time ("the first Monday at 10:00 in New York", "three
days later at 17:00"), so everything here is computed on naive wall times and turned into an
instant only at the end, by :func:`localize`, which applies one rule everywhere:

* a wall time that does not exist (the skipped hour of a spring-forward day) opens shifted
  forward by the gap: 02:30 on 2027-03-14 in New York opens at 03:30-04:00;
* a wall time that happens twice (the repeated hour of a fall-back day) opens once, at its first
  occurrence (``fold=0``): 01:30 on 2027-11-07 in New York opens at 01:30-04:00.

Adding a UTC ``timedelta`` instead would move deadlines by an hour across a DST change, and
APScheduler's ``CronTrigger`` in a real zone would fire twice on a fall-back day; see
:mod:`rituals.schedule.cron` for how the trigger is used only to name wall times.

Each :class:`Occurrence` has a stable ``key``: the nominal local wall time (``2027-03-01T10:00``),
which stays the same when a blackout moves the opening, and is the same for both 01:30s of a
fall-back day. Runs are unique on (ritual, key), so a second scheduler replica, or a restart
that recomputes the same occurrences, cannot open a run twice.

Blackout dates: with ``action: skip`` the occurrence is not produced at all (nothing is owed for
it). With ``next_working_day`` it opens on the next Monday-to-Friday date that is not blacked
out, at the same wall time, keeping its key; if the ritual already opens at that moment in its own
right, the moved occurrence is merged into that one (not produced).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from rituals.definition.schema import QuietHours, RitualDefinition
from rituals.schedule.cron import parse_cron
from rituals.schedule.holiday_calendar import is_holiday
from storage.models import Run

__all__ = [
    "Occurrence",
    "catch_up_deadline",
    "closes_at",
    "earliest_prompt_time",
    "localize",
    "manual_occurrence",
    "next_openings",
    "occurrence_of",
    "occurrences_between",
    "outside_quiet_hours",
    "participant_opening",
    "prompt_time",
    "reminder_times",
]

# The earliest wall clock on Earth runs 14 hours ahead of UTC (Pacific/Kiritimati).
_EARLIEST_ZONE = timezone(timedelta(hours=14))
# Offsets change by at most a few hours at a transition; a day covers any DST shift.
_DST_MARGIN = timedelta(days=1)
# The furthest a public holiday moves an opening (a long holiday week and a weekend).
_HOLIDAY_MOVE_MAX = timedelta(days=10)
_KEY_FORMAT = "minutes"


@dataclass(frozen=True)
class Occurrence:
    """One scheduled opening of a ritual.

    ``key`` identifies the run (unique per ritual); ``nominal`` is the wall time the cron names;
    ``wall`` is where it actually opens on the wall clock (``nominal``, or moved by a blackout);
    ``opens_at`` is that wall time as an instant in the ritual's zone, after the DST rule.
    """

    ritual_id: str
    key: str
    nominal: datetime
    wall: datetime
    opens_at: datetime

    @property
    def moved(self) -> bool:
        """Whether a blackout moved this occurrence to another day."""
        return self.wall != self.nominal


def localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """The instant at which naive wall time ``wall`` happens in ``tz``.

    A wall time in a spring-forward gap is shifted forward by the gap; an ambiguous wall time
    on a fall-back day resolves to its first occurrence. Both follow from PEP 495: with
    ``fold=0`` zoneinfo uses the offset in force *before* the transition, and converting through
    UTC normalises a nonexistent time onto the clock that does exist.
    """
    if wall.tzinfo is not None:
        raise ValueError("localize takes a naive wall-clock time")
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _utc(instant: datetime) -> datetime:
    """Instants are compared and shifted in UTC: Python compares and adds aware datetimes that
    share a ``tzinfo`` on the wall clock, which is wrong across a DST change."""
    return instant.astimezone(UTC)


def _wall_in(instant: datetime, tz: ZoneInfo) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("expected an aware datetime (an instant), got a naive one")
    return instant.astimezone(tz).replace(tzinfo=None)


class _DaysOff:
    """A ritual's blackout dates and the public holidays of its place, as one set of days."""

    def __init__(self, dates: frozenset[date], place: str | None) -> None:
        self._dates, self._place = dates, place

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and (day in self._dates or is_holiday(self._place, day))


def _days_off(definition: RitualDefinition) -> _DaysOff:
    return _DaysOff(frozenset(definition.blackout.dates), definition.holidays.place)


def _next_working_day(day: date, blackout: frozenset[date] | _DaysOff) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5 or day in blackout:
        day += timedelta(days=1)
    return day


def _margin(definition: RitualDefinition) -> timedelta:
    """How far before a wall time an occurrence may be *nominally* and still open after it."""
    margin = _DST_MARGIN
    if definition.blackout.action == "next_working_day" and definition.blackout.dates:
        margin += _longest_move(tuple(definition.blackout.dates))
    if definition.holidays.place is not None and definition.holidays.action == "next_working_day":
        margin += _HOLIDAY_MOVE_MAX
    return margin


@lru_cache(maxsize=256)
def _longest_move(dates: tuple[date, ...]) -> timedelta:
    """The furthest ``next_working_day`` moves any of these blackout dates."""
    blackout = frozenset(dates)
    return max(_next_working_day(day, blackout) - day for day in dates)


def _iter_occurrences(definition: RitualDefinition, start_wall: datetime) -> Iterator[Occurrence]:
    """Occurrences whose nominal wall time is at or after ``start_wall``, in nominal order."""
    cron = parse_cron(definition.schedule.cron)
    tz = definition.zone
    blackout = _days_off(definition)
    for nominal in cron.iter_wall(start_wall):
        wall = nominal
        if nominal.date() in blackout:
            # A blackout date follows the blackout's action, a public holiday the holidays' one.
            explicit = nominal.date() in definition.blackout.dates
            moves = (definition.blackout if explicit else definition.holidays).action == "next_working_day"
            if not moves:
                continue
            wall = datetime.combine(_next_working_day(nominal.date(), blackout), nominal.time())
            if cron.matches(wall):
                continue  # the ritual opens then anyway: one run, not two
        yield Occurrence(
            ritual_id=definition.id,
            key=nominal.isoformat(timespec=_KEY_FORMAT),
            nominal=nominal,
            wall=wall,
            opens_at=localize(wall, tz),
        )


def _by_opening(occurrence: Occurrence) -> tuple[datetime, str]:
    return _utc(occurrence.opens_at), occurrence.key


def occurrences_between(definition: RitualDefinition, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences that open in ``[start, end)`` (aware instants), soonest first."""
    tz = definition.zone
    start_wall = _wall_in(start, tz) - _margin(definition)
    end_wall = _wall_in(end, tz) + _DST_MARGIN
    start, end = _utc(start), _utc(end)
    found = []
    for occurrence in _iter_occurrences(definition, start_wall):
        if occurrence.nominal > end_wall:
            break  # opens_at >= localize(nominal), which is past ``end`` from here on
        if start <= _utc(occurrence.opens_at) < end:
            found.append(occurrence)
    return sorted(found, key=_by_opening)


def next_openings(definition: RitualDefinition, after: datetime, n: int) -> list[Occurrence]:
    """The next ``n`` occurrences that open strictly after ``after`` (an aware instant), soonest first."""
    if n <= 0:
        return []
    tz = definition.zone
    start_wall = _wall_in(after, tz) - _margin(definition)
    after = _utc(after)
    found: list[Occurrence] = []
    for occurrence in _iter_occurrences(definition, start_wall):
        if _utc(occurrence.opens_at) > after:
            found.append(occurrence)
        if len(found) >= n:
            found = sorted(found, key=_by_opening)[:n]
            # Later nominal times open no earlier than localize(nominal) minus a DST shift.
            if occurrence.nominal > _wall_in(found[-1].opens_at, tz) + _DST_MARGIN:
                break
    return sorted(found, key=_by_opening)


def manual_occurrence(definition: RitualDefinition, now: datetime) -> Occurrence:
    """An occurrence for opening a run by hand now (``/ritual trigger``).

    Its key is the current local minute, so triggering at a scheduled minute is the scheduled run.
    """
    local = now.astimezone(definition.zone).replace(second=0, microsecond=0)
    wall = local.replace(tzinfo=None)
    return Occurrence(definition.id, wall.isoformat(timespec=_KEY_FORMAT), wall, wall, local)


def closes_at(definition: RitualDefinition, occurrence: Occurrence) -> datetime:
    """When the run closes, in wall-clock terms in the ritual's zone.

    ``closes_after`` is added to the opening's wall time (3 days after Friday 10:00 is Monday
    10:00 local, whatever DST did over the weekend); ``closes_at`` then sets the time of day on
    that date, moving to the next day if that would not be after the opening.
    """
    window = definition.window
    close = occurrence.wall + window.closes_after
    if window.closes_at is not None:
        close = datetime.combine(close.date(), window.closes_at)
        if close <= occurrence.wall:
            close += timedelta(days=1)
    if is_holiday(definition.holidays.place, close.date()):
        # Nobody works on a public holiday: the deadline moves to the next working day.
        close = datetime.combine(_next_working_day(close.date(), _days_off(definition)), close.time())
    return localize(close, definition.zone)


def catch_up_deadline(definition: RitualDefinition, occurrence: Occurrence) -> datetime:
    """The last instant a missed occurrence may still be opened after downtime.

    ``catch_up`` is elapsed time after ``opens_at`` (downtime is measured in hours, not on the
    wall clock), and never later than the close. Past it the run is ``missed`` and owners decide.
    """
    deadline = min(_utc(occurrence.opens_at) + definition.catch_up, _utc(closes_at(definition, occurrence)))
    return deadline.astimezone(definition.zone)


def participant_opening(occurrence: Occurrence, participant_tz: ZoneInfo) -> datetime:
    """The occurrence's wall time (e.g. 10:00 on the first Monday) where the participant is."""
    return localize(occurrence.wall, participant_tz)


def prompt_time(
    definition: RitualDefinition, occurrence: Occurrence, participant_tz: ZoneInfo | None
) -> datetime:
    """When one participant is prompted: at ``opens_at``, or with ``deliver: participant_local_time``
    at the same wall time in their zone (``opens_at`` when their zone is unknown)."""
    if definition.schedule.deliver == "participant_local_time" and participant_tz is not None:
        return participant_opening(occurrence, participant_tz)
    return occurrence.opens_at


def after_holidays(when: datetime, place: str | None, tz: ZoneInfo | None) -> datetime:
    """`when`, or when its day is a public holiday at `place` (where one person works), the same
    wall time on their next working day, in their zone (UTC when unknown)."""
    if place is None:
        return when
    tz = tz or ZoneInfo("UTC")
    local = _wall_in(when, tz)
    if not is_holiday(place, local.date()):
        return when
    moved = datetime.combine(_next_working_day(local.date(), _DaysOff(frozenset(), place)), local.time())
    return localize(moved, tz)


def earliest_prompt_time(definition: RitualDefinition, occurrence: Occurrence) -> datetime:
    """The earliest instant anyone may be prompted for ``occurrence``.

    With participant-local delivery, 10:00 arrives first at UTC+14, up to a day before
    ``opens_at``; a scheduler must materialise the run by then.
    """
    if definition.schedule.deliver == "participant_local_time":
        earliest = min(_utc(occurrence.opens_at), _utc(occurrence.wall.replace(tzinfo=_EARLIEST_ZONE)))
        return earliest.astimezone(definition.zone)
    return occurrence.opens_at


def reminder_times(
    definition: RitualDefinition, occurrence: Occurrence, participant_tz: ZoneInfo | None = None
) -> list[datetime]:
    """When a participant who has not answered is reminded, soonest first (aware datetimes).

    ``before close`` offsets count back from the close's wall time in the ritual's zone;
    ``after open`` offsets count on from the participant's own opening wall time. A reminder
    that falls in the participant's quiet hours (their zone, else the ritual's) is deferred to
    the end of the quiet period, or, if that is not before the close, brought forward to an hour
    before it starts. Reminders outside the open window are dropped; duplicates are merged.
    """
    ritual_tz = definition.zone
    local_tz = participant_tz or ritual_tz
    opening = _utc(prompt_time(definition, occurrence, participant_tz))
    close = _utc(closes_at(definition, occurrence))
    opening_wall = _wall_in(opening, local_tz)
    close_wall = _wall_in(close, ritual_tz)
    times: set[datetime] = set()
    for reminder in definition.window.reminders:
        if reminder.anchor == "close":
            when = localize(close_wall - reminder.offset, ritual_tz)
        else:
            when = localize(opening_wall + reminder.offset, local_tz)
        quiet = definition.window.quiet_hours
        if quiet is not None:
            when = _outside_quiet_hours(when, quiet, local_tz, close)
        if opening < _utc(when) < close:
            times.add(_utc(when))
    return [when.astimezone(local_tz) for when in sorted(times)]


def outside_quiet_hours(
    definition: RitualDefinition, when: datetime, participant_tz: ZoneInfo | None, close: datetime
) -> datetime:
    """``when``, or if that is in the participant's quiet hours (their zone, else the ritual's),
    the end of the quiet period (or an hour before it began, when the end is past ``close``).

    What a reminder at ``when`` would do; an owner's "nudge now" uses it too, so nobody is
    pinged in their night.
    """
    quiet = definition.window.quiet_hours
    if quiet is None:
        return when
    return _outside_quiet_hours(when, quiet, participant_tz or definition.zone, close)


def _outside_quiet_hours(when: datetime, quiet: QuietHours, tz: ZoneInfo, close: datetime) -> datetime:
    wall = _wall_in(when, tz)
    if not _is_quiet(wall, quiet):
        return when
    later = localize(_quiet_end(wall, quiet), tz)
    if _utc(later) < close:
        return later
    return localize(_quiet_start(wall, quiet) - timedelta(hours=1), tz)


def _is_quiet(wall: datetime, quiet: QuietHours) -> bool:
    if quiet.weekends and wall.weekday() >= 5:
        return True
    now = wall.time()
    if quiet.start < quiet.end:
        return quiet.start <= now < quiet.end
    return now >= quiet.start or now < quiet.end


def _quiet_end(wall: datetime, quiet: QuietHours) -> datetime:
    """The end of the quiet period containing ``wall``.

    Quiet periods can only end at the ``end`` time of day or at Monday 00:00 (end of a weekend),
    so the first such boundary after ``wall`` that is not quiet is the end.
    """
    for ahead in range(8):
        day = wall.date() + timedelta(days=ahead)
        for boundary in sorted((datetime.combine(day, time(0)), datetime.combine(day, quiet.end))):
            if boundary > wall and not _is_quiet(boundary, quiet):
                return boundary
    return wall


def _quiet_start(wall: datetime, quiet: QuietHours) -> datetime:
    """The start of the quiet period containing ``wall``.

    Quiet periods can only begin at the ``start`` time of day or at Saturday 00:00, so the
    latest such boundary at or before ``wall`` whose previous minute is not quiet is the start.
    """
    minute = timedelta(minutes=1)
    for back in range(8):
        day = wall.date() - timedelta(days=back)
        for boundary in sorted(
            (datetime.combine(day, time(0)), datetime.combine(day, quiet.start)), reverse=True
        ):
            if boundary <= wall and _is_quiet(boundary, quiet) and not _is_quiet(boundary - minute, quiet):
                return boundary
    return wall


def occurrence_of(definition: RitualDefinition, run: Run) -> Occurrence:
    """The occurrence a run was opened for, rebuilt from what the run row recorded.

    ``scheduled_for`` is the instant the run opened (moved by a blackout, or the minute of a
    manual trigger), so its wall time in the ritual's zone is where the occurrence opens.
    """
    wall = run.scheduled_for.astimezone(definition.zone).replace(tzinfo=None)
    try:
        nominal = datetime.fromisoformat(run.occurrence_key)
    except ValueError:  # a period key such as 2027-03; the wall time stands in for it
        nominal = wall
    return Occurrence(
        ritual_id=definition.id,
        key=run.occurrence_key,
        nominal=nominal.replace(tzinfo=None),
        wall=wall,
        opens_at=run.scheduled_for,
    )
