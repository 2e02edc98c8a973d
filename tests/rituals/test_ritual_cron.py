"""The crontab dialect: translated onto APScheduler without its Monday-is-0 and AND traps."""

from __future__ import annotations

from datetime import datetime

import pytest

from rituals.schedule.cron import CronError, parse_cron


def walls(expression: str, start: datetime, count: int) -> list[str]:
    """The first ``count`` wall times, as 'Mon 2027-01-04 10:00' (weekday names make the intent visible)."""
    it = parse_cron(expression).iter_wall(start)
    return [next(it).strftime("%a %Y-%m-%d %H:%M") for _ in range(count)]


JAN_2027 = datetime(2027, 1, 1)  # a Friday


@pytest.mark.parametrize("sunday", ["0", "7", "sun", "SUN"])
def test_zero_seven_and_sun_are_sunday(sunday: str) -> None:
    assert walls(f"0 10 * * {sunday}", JAN_2027, 2) == ["Sun 2027-01-03 10:00", "Sun 2027-01-10 10:00"]


def test_one_is_monday_not_tuesday() -> None:
    # CronTrigger.from_crontab would read 1 as Tuesday (APScheduler counts Monday as 0).
    assert walls("0 10 * * 1", JAN_2027, 2) == ["Mon 2027-01-04 10:00", "Mon 2027-01-11 10:00"]


def test_weekday_range_and_range_ending_on_sunday() -> None:
    assert walls("30 9 * * 1-5", JAN_2027, 3) == [
        "Fri 2027-01-01 09:30",
        "Mon 2027-01-04 09:30",
        "Tue 2027-01-05 09:30",
    ]
    assert walls("0 10 * * 5-7", JAN_2027, 3) == [
        "Fri 2027-01-01 10:00",
        "Sat 2027-01-02 10:00",
        "Sun 2027-01-03 10:00",
    ]
    assert walls("0 10 * * sat-sun", JAN_2027, 2) == ["Sat 2027-01-02 10:00", "Sun 2027-01-03 10:00"]


def test_day_of_week_step_counts_from_sunday() -> None:
    # */2 in crontab is 0,2,4,6: Sunday, Tuesday, Thursday, Saturday.
    assert walls("0 10 * * */2", JAN_2027, 4) == [
        "Sat 2027-01-02 10:00",
        "Sun 2027-01-03 10:00",
        "Tue 2027-01-05 10:00",
        "Thu 2027-01-07 10:00",
    ]


def test_first_monday() -> None:
    assert walls("0 10 * * mon#1", JAN_2027, 4) == [
        "Mon 2027-01-04 10:00",
        "Mon 2027-02-01 10:00",
        "Mon 2027-03-01 10:00",
        "Mon 2027-04-05 10:00",
    ]


def test_last_day_of_month() -> None:
    assert walls("0 17 L * *", JAN_2027, 3) == [
        "Sun 2027-01-31 17:00",
        "Sun 2027-02-28 17:00",
        "Wed 2027-03-31 17:00",
    ]
    assert walls("0 17 L 2 *", datetime(2028, 1, 1), 1) == ["Tue 2028-02-29 17:00"]


def test_last_weekday_of_month_steps_back_over_the_weekend() -> None:
    # 2027-01-31 and 2027-02-28 are Sundays, 2027-10-31 too.
    assert walls("0 10 LW * *", JAN_2027, 4) == [
        "Fri 2027-01-29 10:00",
        "Fri 2027-02-26 10:00",
        "Wed 2027-03-31 10:00",
        "Fri 2027-04-30 10:00",
    ]
    assert walls("0 10 LW * *", datetime(2027, 10, 1), 1) == ["Fri 2027-10-29 10:00"]


def test_restricted_day_of_month_and_day_of_week_are_ored_like_crontab() -> None:
    assert walls("0 10 1,15 * mon", JAN_2027, 5) == [
        "Fri 2027-01-01 10:00",
        "Mon 2027-01-04 10:00",
        "Mon 2027-01-11 10:00",
        "Fri 2027-01-15 10:00",
        "Mon 2027-01-18 10:00",
    ]


def test_star_day_of_month_with_step_is_anded_like_crontab() -> None:
    # Odd days that are Mondays (crontab ANDs when a field starts with '*').
    assert walls("0 10 */2 * mon", JAN_2027, 3) == [
        "Mon 2027-01-11 10:00",
        "Mon 2027-01-25 10:00",
        "Mon 2027-02-01 10:00",
    ]


def test_weekday_position_ored_with_day_of_month() -> None:
    assert walls("0 10 15 * mon#1", JAN_2027, 3) == [
        "Mon 2027-01-04 10:00",
        "Fri 2027-01-15 10:00",
        "Mon 2027-02-01 10:00",
    ]


def test_a_time_named_twice_is_produced_once() -> None:
    assert walls("0 10 4 * mon", JAN_2027, 2) == ["Mon 2027-01-04 10:00", "Mon 2027-01-11 10:00"]


def test_matches() -> None:
    schedule = parse_cron("0 10 * * mon#1")
    assert schedule.matches(datetime(2027, 3, 1, 10, 0))
    assert not schedule.matches(datetime(2027, 3, 8, 10, 0))
    assert not schedule.matches(datetime(2027, 3, 1, 10, 1))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("0 10 * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
        ("0 10 * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"),
        ("x 10 * * *", "minute field: cannot read 'x'"),
        ("0 10 * * mon#6", "day-of-week field: 'mon#6': the week must be 1 to 5"),
        ("0 10 * * 8", "day-of-week field: 8 is not a day (0-7, 0 and 7 are Sunday)"),
        ("0 10 * * fri-mon", "day-of-week field: 'fri-mon': the range runs backwards"),
        ("0 10 * * mon/2", "day-of-week field: 'mon/2': a step needs a range, e.g. 1-5/2"),
        ("0 10 * * funday", "day-of-week field: 'funday' is not a day name (sun, mon, ..., sat)"),
        ("0 10 30 2 *", "the expression never fires (no such date, e.g. 30 February)"),
        ("0 10 1st * *", "day-of-month field: cannot read '1st'"),
        ("0 10 LW * mon", "day-of-month LW (last weekday of the month) needs day-of-week '*'"),
        ("0 10 1,LW * *", "day-of-month field: cannot read 'lw' (LW must be the whole field)"),
        (
            "0 10 */2 * mon#1",
            "day-of-week 'mon#1' (a weekday position) cannot be combined with day-of-month '*/2'; "
            "use one of them",
        ),
        ("0 10 * jan/2 *", "month field: a step (/n) cannot follow month names; use numbers, e.g. 1-12/3"),
    ],
)
def test_rejected_expressions(expression: str, message: str) -> None:
    with pytest.raises(CronError) as caught:
        parse_cron(expression)
    assert str(caught.value) == message


@pytest.mark.parametrize("expression", ["61 10 * * *", "0 24 * * *", "0 10 32 * *", "0 10 * 13 *"])
def test_out_of_range_values_name_their_field(expression: str) -> None:
    with pytest.raises(CronError, match=r"^(minute|hour|day-of-month|month) field: "):
        parse_cron(expression)
