"""Crontab expressions, translated onto APScheduler's ``CronTrigger`` and enumerated as wall-clock times.

Ritual schedules are written in the crontab dialect product-ops people already know (five fields,
``0`` and ``7`` mean Sunday, ``mon#1`` is the first Monday, ``L`` the last day of the month).
APScheduler 3's ``CronTrigger`` does the calendar arithmetic, but its dialect differs in three
ways that would silently move a ritual, so this module translates instead of passing the text
through ``CronTrigger.from_crontab``:

* numeric days of the week count from Monday = 0 in APScheduler and from Sunday = 0 in crontab
  (a crontab ``1`` would fire on Tuesday), so days of the week are turned into names;
* ``mon#1`` (and ``L``) belong in APScheduler's *day* field as ``1st mon`` (and ``last``);
* when both day-of-month and day-of-week are restricted, crontab fires when *either* matches
  while APScheduler requires *both*; we honour crontab by enumerating one trigger per
  alternative and merging them.

We add one extension, ``LW`` in the day-of-month field (the last weekday, Monday to Friday, of
the month), which ``CronTrigger`` cannot express; it is derived from ``last`` by stepping back
over a weekend.

Times are enumerated as *naive wall-clock times*: the trigger runs in UTC, which has no
daylight-saving changes, so every wall time the expression names is produced exactly once. Turning
a wall time into an instant (what to do with 02:30 on a spring-forward day or 01:30 on a
fall-back day) is :func:`rituals.schedule.occurrences.localize`'s job, not the trigger's: ``CronTrigger`` in a
real zone fires twice on a fall-back day and reports wall times that do not exist.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from apscheduler.triggers.cron import CronTrigger

__all__ = ["CronError", "CronSchedule", "parse_cron"]

_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab order: 0 = Sunday
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th"}
_ONE_MICROSECOND = timedelta(microseconds=1)
# How far ahead to look for a first firing before calling an expression impossible (31 February).
# 28 years is a full cycle of the Gregorian weekday/leap-year pattern, so 29 February on a Monday
# is found too.
_PROBE_START = datetime(2000, 1, 1, tzinfo=UTC)
_PROBE_END = datetime(2028, 1, 1, tzinfo=UTC)

_NUMERIC_TOKEN = re.compile(r"(\*|\d+(-\d+)?)(/\d+)?")
_MONTH_TOKEN = re.compile(r"(\*|\d+(-\d+)?|[a-z]{3}(-[a-z]{3})?)(/\d+)?")
_DOW_POSITION = re.compile(r"(?P<day>[a-z0-9]+)#(?P<nth>\d+)")
_DOW_TOKEN = re.compile(r"(?P<first>\*|[a-z0-9]+)(-(?P<last>[a-z0-9]+))?(/(?P<step>\d+))?")


class CronError(ValueError):
    """A cron expression that is malformed, or that this dialect cannot honour."""


@dataclass(frozen=True)
class _Alternative:
    """One APScheduler trigger; the schedule fires when any alternative does (crontab's OR)."""

    trigger: CronTrigger
    last_weekday: bool = False  # shift each firing back from Saturday/Sunday to Friday (``LW``)

    def iter_wall(self, start: datetime) -> Iterator[datetime]:
        """Yield naive wall times at or after ``start``, in order."""
        cursor = start.replace(tzinfo=UTC)
        while True:
            fire = self.trigger.get_next_fire_time(None, cursor)
            if fire is None:
                return
            cursor = fire + _ONE_MICROSECOND
            wall = fire.replace(tzinfo=None)
            if self.last_weekday and wall.weekday() >= 5:
                wall -= timedelta(days=wall.weekday() - 4)
                if wall < start:
                    continue
            yield wall


class CronSchedule:
    """A parsed crontab expression; enumerates the wall-clock times it names."""

    def __init__(self, expression: str, alternatives: tuple[_Alternative, ...]) -> None:
        self.expression = expression
        self._alternatives = alternatives

    def iter_wall(self, start: datetime) -> Iterator[datetime]:
        """Yield every naive wall time at or after naive ``start`` that the expression names, in order.

        Each wall time is yielded once, even when several alternatives name it.
        """
        if start.tzinfo is not None:
            raise ValueError("iter_wall works on naive wall-clock times")
        previous: datetime | None = None
        for wall in heapq.merge(*(alt.iter_wall(start) for alt in self._alternatives)):
            if wall != previous:
                yield wall
                previous = wall

    def matches(self, wall: datetime) -> bool:
        """Whether the expression names exactly this naive wall time."""
        return next(self.iter_wall(wall), None) == wall

    def __repr__(self) -> str:
        return f"CronSchedule({self.expression!r})"


@lru_cache(maxsize=512)
def parse_cron(expression: str) -> CronSchedule:
    """Parse a five-field crontab expression; raise :class:`CronError` with a readable reason."""
    fields = expression.split()
    if len(fields) != 5:
        raise CronError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}")
    minute, hour, dom, month, dow = (field.lower() for field in fields)
    _check_tokens("minute", minute, _NUMERIC_TOKEN)
    _check_tokens("hour", hour, _NUMERIC_TOKEN)
    _check_tokens("month", month, _MONTH_TOKEN)
    if any("/" in token and re.search("[a-z]", token) for token in month.split(",")):
        raise CronError("month field: a step (/n) cannot follow month names; use numbers, e.g. 1-12/3")
    common = {"minute": minute, "hour": hour, "month": month}
    for name, value in common.items():
        _build({name: value}, name)

    plain_days, positions = _translate_day_of_week(dow)
    dom_star = dom.startswith("*")
    dow_star = dow.startswith("*")
    alternatives: list[_Alternative] = []
    if dom == "lw":
        if dow != "*":
            raise CronError("day-of-month LW (last weekday of the month) needs day-of-week '*'")
        alternatives.append(_Alternative(_build({**common, "day": "last"}, "day-of-month"), True))
    else:
        day = _translate_day_of_month(dom)
        _build({"day": day}, "day-of-month")
        if dom_star or dow_star:
            # Crontab: when either field starts with '*', both must match (an AND).
            if positions and dom != "*":
                raise CronError(
                    f"day-of-week {dow!r} (a weekday position) cannot be combined with "
                    f"day-of-month {dom!r}; use one of them"
                )
            if positions:
                alternatives.append(
                    _Alternative(_build({**common, "day": ",".join(positions)}, "day-of-week"))
                )
            if plain_days is not None or not positions:
                days = _apscheduler_days(plain_days)
                alternatives.append(
                    _Alternative(_build({**common, "day": day, "day_of_week": days}, "day-of-week"))
                )
        else:
            # Crontab: both restricted, so the expression fires when either matches (an OR).
            alternatives.append(_Alternative(_build({**common, "day": day}, "day-of-month")))
            if positions:
                alternatives.append(
                    _Alternative(_build({**common, "day": ",".join(positions)}, "day-of-week"))
                )
            if plain_days:
                days = _apscheduler_days(plain_days)
                alternatives.append(_Alternative(_build({**common, "day_of_week": days}, "day-of-week")))

    schedule = CronSchedule(expression, tuple(alternatives))
    if not any(_fires_in_probe(alt) for alt in alternatives):
        raise CronError("the expression never fires (no such date, e.g. 30 February)")
    return schedule


def _check_tokens(field: str, value: str, pattern: re.Pattern[str]) -> None:
    for token in value.split(","):
        if not pattern.fullmatch(token):
            raise CronError(f"{field} field: cannot read {token!r}")


def _build(values: dict[str, str], field: str) -> CronTrigger:
    """A trigger in UTC (no DST, so wall times map one to one); errors name the crontab field."""
    try:
        return CronTrigger(**values, second=0, timezone=UTC)
    except ValueError as exc:
        raise CronError(f"{field} field: {exc}") from None


def _translate_day_of_month(dom: str) -> str:
    """Crontab day-of-month to APScheduler: only ``L`` differs (APScheduler spells it ``last``)."""
    parts = dom.split(",")
    for part in parts:
        if part != "l" and not _NUMERIC_TOKEN.fullmatch(part):
            hint = " (LW must be the whole field)" if part == "lw" else ""
            raise CronError(f"day-of-month field: cannot read {part!r}{hint}")
    return ",".join("last" if part == "l" else part for part in parts)


def _day_number(text: str, *, end_of_range: bool = False) -> int:
    """A crontab day of week (0-7 or a name) as 0-7 with Sunday = 0 (or 7 when it ends a range)."""
    if text.isdigit():
        number = int(text)
        if number > 7:
            raise CronError(f"day-of-week field: {number} is not a day (0-7, 0 and 7 are Sunday)")
        return number
    if text not in _DAY_NAMES:
        raise CronError(f"day-of-week field: {text!r} is not a day name (sun, mon, ..., sat)")
    number = _DAY_NAMES.index(text)
    return 7 if end_of_range and number == 0 else number


def _translate_day_of_week(dow: str) -> tuple[frozenset[int] | None, list[str]]:
    """Split crontab day-of-week into plain days (Sunday = 0) and APScheduler day-field positions.

    Returns ``(None, [])`` for ``*``. Positions such as ``mon#1`` become ``1st mon``, which
    APScheduler only understands in its day field.
    """
    if dow == "*":
        return None, []
    days: set[int] = set()
    positions: list[str] = []
    for token in dow.split(","):
        position = _DOW_POSITION.fullmatch(token)
        if position:
            nth = int(position["nth"])
            if nth not in _ORDINALS:
                raise CronError(f"day-of-week field: {token!r}: the week must be 1 to 5")
            day = _day_number(position["day"]) % 7
            positions.append(f"{_ORDINALS[nth]} {_apscheduler_day(day)}")
            continue
        match = _DOW_TOKEN.fullmatch(token)
        if not match:
            raise CronError(f"day-of-week field: cannot read {token!r}")
        step = int(match["step"]) if match["step"] else 1
        if step == 0:
            raise CronError(f"day-of-week field: {token!r}: the step must be at least 1")
        if match["first"] == "*":
            if match["last"]:
                raise CronError(f"day-of-week field: cannot read {token!r}")
            first, last = 0, 6
        else:
            first = _day_number(match["first"])
            if match["last"]:
                last = _day_number(match["last"], end_of_range=True)
            elif match["step"]:
                raise CronError(f"day-of-week field: {token!r}: a step needs a range, e.g. 1-5/2")
            else:
                last = first
            if first > last:
                raise CronError(f"day-of-week field: {token!r}: the range runs backwards")
        days.update(number % 7 for number in range(first, last + 1, step))
    return (frozenset(days) if days else None), positions


def _apscheduler_day(day: int) -> str:
    """APScheduler's name for crontab day ``day`` (Sunday = 0); names avoid its Monday = 0 numbering."""
    return _DAY_NAMES[day]


def _apscheduler_days(days: frozenset[int] | None) -> str:
    if days is None or len(days) == 7:
        return "*"
    return ",".join(_apscheduler_day(day) for day in sorted(days))


def _fires_in_probe(alternative: _Alternative) -> bool:
    fire = alternative.trigger.get_next_fire_time(None, _PROBE_START)
    return fire is not None and fire < _PROBE_END
