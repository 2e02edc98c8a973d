"""Occurrences, DST, closes, reminders, blackouts and participant-local openings.

Expected instants are written out literally. Calendar facts used: 2027-01-01 is a Friday;
2027-03-01 and 2027-03-08 are Mondays; 2027-03-12 is a Friday. DST transitions (checked against
zoneinfo in ``test_the_transitions_these_tests_rely_on``): New York springs forward 2027-03-14
02:00 -> 03:00 and falls back 2027-11-07 02:00 -> 01:00; London 2027-03-28 01:00 -> 02:00 and
2027-10-31 02:00 -> 01:00; Sydney falls back 2027-04-04 03:00 -> 02:00 and springs forward
2027-10-03 02:00 -> 03:00.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rituals.definition.loading import load_library
from rituals.definition.schema import RitualDefinition
from rituals.schedule.occurrences import (
    catch_up_deadline,
    closes_at,
    earliest_prompt_time,
    localize,
    manual_occurrence,
    next_openings,
    occurrences_between,
    participant_opening,
    prompt_time,
    reminder_times,
)

MakeRitual = Callable[..., RitualDefinition]
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")


def openings(definition: RitualDefinition, after: datetime, n: int) -> list[str]:
    return [occurrence.opens_at.isoformat() for occurrence in next_openings(definition, after, n)]


def at(text: str) -> datetime:
    """An aware instant from ISO text with an offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None
    return value


# --- the transitions the DST tests are built on ----------------------------------------------


@pytest.mark.parametrize(
    ("zone", "before", "after", "offset_before", "offset_after"),
    [
        (NEW_YORK, "2027-03-14T06:59Z", "2027-03-14T07:00Z", -5, -4),
        (NEW_YORK, "2027-11-07T05:59Z", "2027-11-07T06:00Z", -4, -5),
        (LONDON, "2027-03-28T00:59Z", "2027-03-28T01:00Z", 0, 1),
        (LONDON, "2027-10-31T00:59Z", "2027-10-31T01:00Z", 1, 0),
        (SYDNEY, "2027-04-03T15:59Z", "2027-04-03T16:00Z", 11, 10),
        (SYDNEY, "2027-10-02T15:59Z", "2027-10-02T16:00Z", 10, 11),
    ],
)
def test_the_transitions_these_tests_rely_on(
    zone: ZoneInfo, before: str, after: str, offset_before: int, offset_after: int
) -> None:
    assert at(before.replace("Z", "+00:00")).astimezone(zone).utcoffset() == timedelta(hours=offset_before)
    assert at(after.replace("Z", "+00:00")).astimezone(zone).utcoffset() == timedelta(hours=offset_after)


# --- the built-in library's schedules ---------------------------------------------------------


def test_first_monday_ritual_next_openings() -> None:
    definition = load_library().get("monthly-roadmap-checkin")
    assert openings(definition, at("2027-01-01T00:00:00+00:00"), 5) == [
        "2027-01-04T10:00:00-05:00",
        "2027-02-01T10:00:00-05:00",
        "2027-03-01T10:00:00-05:00",
        "2027-04-05T10:00:00-04:00",
        "2027-05-03T10:00:00-04:00",
    ]


def test_next_openings_are_strictly_after_the_instant() -> None:
    definition = load_library().get("monthly-roadmap-checkin")
    assert openings(definition, at("2027-03-01T10:00:00-05:00"), 1) == ["2027-04-05T10:00:00-04:00"]
    assert openings(definition, at("2027-03-01T09:59:00-05:00"), 1) == ["2027-03-01T10:00:00-05:00"]


def test_quarterly_ritual_next_openings() -> None:
    # Second Monday of March, June, September and December at 10:00 New York time.
    definition = load_library().get("quarterly-planning-inputs")
    assert openings(definition, at("2027-01-01T00:00:00+00:00"), 5) == [
        "2027-03-08T10:00:00-05:00",
        "2027-06-14T10:00:00-04:00",
        "2027-09-13T10:00:00-04:00",
        "2027-12-13T10:00:00-05:00",
        "2028-03-13T10:00:00-04:00",
    ]


def test_quarter_start_ritual_in_london(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 9 1 jan,apr,jul,oct *", timezone="Europe/London")
    assert openings(definition, at("2026-12-31T12:00:00+00:00"), 5) == [
        "2027-01-01T09:00:00+00:00",
        "2027-04-01T09:00:00+01:00",
        "2027-07-01T09:00:00+01:00",
        "2027-10-01T09:00:00+01:00",
        "2028-01-01T09:00:00+00:00",
    ]


def test_last_day_of_month_ritual(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 17 L * *")
    assert openings(definition, at("2027-01-01T00:00:00+00:00"), 4) == [
        "2027-01-31T17:00:00-05:00",
        "2027-02-28T17:00:00-05:00",
        "2027-03-31T17:00:00-04:00",
        "2027-04-30T17:00:00-04:00",
    ]
    assert openings(definition, at("2028-02-01T00:00:00+00:00"), 1) == ["2028-02-29T17:00:00-05:00"]


def test_okr_checkin_opens_on_the_last_weekday() -> None:
    definition = load_library().get("okr-checkin")
    assert openings(definition, at("2027-01-01T00:00:00+00:00"), 4) == [
        "2027-01-29T10:00:00-05:00",
        "2027-02-26T10:00:00-05:00",
        "2027-03-31T10:00:00-04:00",
        "2027-04-30T10:00:00-04:00",
    ]


def test_crontab_sunday_numbers(make_ritual: MakeRitual) -> None:
    for cron in ("0 10 * * 0", "0 10 * * 7"):
        assert openings(make_ritual(cron=cron), at("2027-01-01T00:00:00+00:00"), 1) == [
            "2027-01-03T10:00:00-05:00"
        ]
    assert openings(make_ritual(cron="0 10 * * 1"), at("2027-01-01T00:00:00+00:00"), 1) == [
        "2027-01-04T10:00:00-05:00"
    ]


# --- DST ----------------------------------------------------------------------------------------


def test_new_york_spring_forward_shifts_a_missing_time_by_the_gap(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="30 2 * * *")
    found = next_openings(definition, at("2027-03-13T00:00:00-05:00"), 3)
    assert [o.opens_at.isoformat() for o in found] == [
        "2027-03-13T02:30:00-05:00",
        "2027-03-14T03:30:00-04:00",
        "2027-03-15T02:30:00-04:00",
    ]
    assert found[1].key == "2027-03-14T02:30"


def test_new_york_fall_back_fires_once_at_the_first_occurrence(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="30 1 * * *")
    assert openings(definition, at("2027-11-06T00:00:00-04:00"), 3) == [
        "2027-11-06T01:30:00-04:00",
        "2027-11-07T01:30:00-04:00",
        "2027-11-08T01:30:00-05:00",
    ]
    day = occurrences_between(definition, at("2027-11-07T00:00:00-04:00"), at("2027-11-08T00:00:00-05:00"))
    assert [(o.key, o.opens_at.isoformat()) for o in day] == [
        ("2027-11-07T01:30", "2027-11-07T01:30:00-04:00")
    ]


def test_new_york_every_quarter_hour_through_the_fall_back_hour(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="*/30 1 * * *")
    found = occurrences_between(definition, at("2027-11-07T00:00:00-04:00"), at("2027-11-07T03:00:00-05:00"))
    assert [o.opens_at.isoformat() for o in found] == [
        "2027-11-07T01:00:00-04:00",
        "2027-11-07T01:30:00-04:00",
    ]


def test_london_transitions(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="30 1 * * *", timezone="Europe/London")
    assert openings(definition, at("2027-03-27T00:00:00+00:00"), 3) == [
        "2027-03-27T01:30:00+00:00",
        "2027-03-28T02:30:00+01:00",
        "2027-03-29T01:30:00+01:00",
    ]
    assert openings(definition, at("2027-10-30T00:00:00+01:00"), 3) == [
        "2027-10-30T01:30:00+01:00",
        "2027-10-31T01:30:00+01:00",
        "2027-11-01T01:30:00+00:00",
    ]


def test_sydney_transitions(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="30 2 * * *", timezone="Australia/Sydney")
    assert openings(definition, at("2027-04-03T00:00:00+11:00"), 3) == [
        "2027-04-03T02:30:00+11:00",
        "2027-04-04T02:30:00+11:00",
        "2027-04-05T02:30:00+10:00",
    ]
    assert openings(definition, at("2027-10-02T00:00:00+10:00"), 3) == [
        "2027-10-02T02:30:00+10:00",
        "2027-10-03T03:30:00+11:00",
        "2027-10-04T02:30:00+11:00",
    ]


@pytest.mark.parametrize(
    ("wall", "zone", "expected"),
    [
        (datetime(2027, 3, 14, 2, 30), NEW_YORK, "2027-03-14T03:30:00-04:00"),
        (datetime(2027, 3, 14, 2, 0), NEW_YORK, "2027-03-14T03:00:00-04:00"),
        (datetime(2027, 11, 7, 1, 30), NEW_YORK, "2027-11-07T01:30:00-04:00"),
        (datetime(2027, 3, 28, 1, 15), LONDON, "2027-03-28T02:15:00+01:00"),
        (datetime(2027, 10, 31, 1, 15), LONDON, "2027-10-31T01:15:00+01:00"),
        (datetime(2027, 4, 4, 2, 45), SYDNEY, "2027-04-04T02:45:00+11:00"),
        (datetime(2027, 10, 3, 2, 45), SYDNEY, "2027-10-03T03:45:00+11:00"),
        (datetime(2027, 7, 1, 12, 0), NEW_YORK, "2027-07-01T12:00:00-04:00"),
    ],
)
def test_localize(wall: datetime, zone: ZoneInfo, expected: str) -> None:
    assert localize(wall, zone).isoformat() == expected


def test_localize_refuses_aware_times() -> None:
    with pytest.raises(ValueError, match="naive"):
        localize(datetime(2027, 1, 1, tzinfo=UTC), NEW_YORK)


def test_occurrence_functions_refuse_naive_instants(make_ritual: MakeRitual) -> None:
    with pytest.raises(ValueError, match="aware"):
        next_openings(make_ritual(), datetime(2027, 1, 1), 1)


# --- window: close, reminders, catch-up -----------------------------------------------------


def test_close_keeps_the_wall_time_across_spring_forward(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * fri", window={"closes_after": "3d", "closes_at": "17:00"})
    occurrence = next_openings(definition, at("2027-03-10T00:00:00-05:00"), 1)[0]
    assert occurrence.opens_at.isoformat() == "2027-03-12T10:00:00-05:00"
    assert closes_at(definition, occurrence).isoformat() == "2027-03-15T17:00:00-04:00"


def test_close_keeps_the_wall_time_across_fall_back(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * fri", window={"closes_after": "3d", "closes_at": "17:00"})
    occurrence = next_openings(definition, at("2027-11-03T00:00:00-04:00"), 1)[0]
    assert occurrence.opens_at.isoformat() == "2027-11-05T10:00:00-04:00"
    assert closes_at(definition, occurrence).isoformat() == "2027-11-08T17:00:00-05:00"


def test_a_one_day_window_is_a_calendar_day_not_24_hours(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * sat", window={"closes_after": "24h"})
    occurrence = next_openings(definition, at("2027-03-12T00:00:00-05:00"), 1)[0]
    close = closes_at(definition, occurrence)
    assert close.isoformat() == "2027-03-14T10:00:00-04:00"
    assert close.astimezone(UTC) - occurrence.opens_at.astimezone(UTC) == timedelta(hours=23)


def test_closes_at_earlier_than_the_opening_time_moves_a_day(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 18 * * mon", window={"closes_after": "0d", "closes_at": "17:00"})
    occurrence = next_openings(definition, at("2027-03-01T00:00:00-05:00"), 1)[0]
    assert closes_at(definition, occurrence).isoformat() == "2027-03-02T17:00:00-05:00"


ROADMAP_WINDOW = {
    "closes_after": "3d",
    "closes_at": "17:00",
    "reminders": ["1d after open", "24h before close", "2h before close"],
}


def test_reminders_in_the_ritual_zone(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * mon#1", window=ROADMAP_WINDOW)
    occurrence = next_openings(definition, at("2027-02-15T00:00:00-05:00"), 1)[0]
    assert [t.isoformat() for t in reminder_times(definition, occurrence)] == [
        "2027-03-02T10:00:00-05:00",
        "2027-03-03T17:00:00-05:00",
        "2027-03-04T15:00:00-05:00",
    ]


def test_reminders_for_a_participant_far_away_respect_their_night(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * mon#1", deliver="participant_local_time", window=ROADMAP_WINDOW)
    occurrence = next_openings(definition, at("2027-02-15T00:00:00-05:00"), 1)[0]
    # Opens 10:00 Monday in Sydney; the close is Thursday 17:00 New York = Friday 09:00 Sydney.
    # "2h before close" is Friday 07:00 in Sydney, inside quiet hours: deferred to 08:00.
    assert [t.isoformat() for t in reminder_times(definition, occurrence, SYDNEY)] == [
        "2027-03-02T10:00:00+11:00",
        "2027-03-04T09:00:00+11:00",
        "2027-03-05T08:00:00+11:00",
    ]


def test_a_quiet_reminder_that_cannot_wait_comes_before_the_night(make_ritual: MakeRitual) -> None:
    window = {"closes_after": "3d", "closes_at": "17:00", "reminders": ["2h before close"]}
    definition = make_ritual(cron="0 10 * * mon#1", window=window)
    occurrence = next_openings(definition, at("2027-02-15T00:00:00-05:00"), 1)[0]
    # 15:00 New York is 20:00 in London (quiet); 08:00 next day is after the close (22:00 London),
    # so the reminder comes an hour before quiet hours begin.
    assert [t.isoformat() for t in reminder_times(definition, occurrence, LONDON)] == [
        "2027-03-04T19:00:00+00:00"
    ]


def test_weekend_reminders_wait_for_monday(make_ritual: MakeRitual) -> None:
    window = {"closes_after": "3d", "closes_at": "17:00", "reminders": ["24h before close"]}
    definition = make_ritual(cron="0 10 * * fri", window=window)
    occurrence = next_openings(definition, at("2027-03-10T00:00:00-05:00"), 1)[0]
    assert [t.isoformat() for t in reminder_times(definition, occurrence)] == ["2027-03-15T08:00:00-04:00"]
    loud = make_ritual(cron="0 10 * * fri", window={**window, "quiet_hours": None})
    assert [t.isoformat() for t in reminder_times(loud, occurrence)] == ["2027-03-14T17:00:00-04:00"]


def test_reminders_outside_the_window_are_dropped(make_ritual: MakeRitual) -> None:
    window = {"closes_after": "1d", "reminders": ["2d before close", "3d after open"], "quiet_hours": None}
    definition = make_ritual(window=window)
    occurrence = next_openings(definition, at("2027-03-01T00:00:00-05:00"), 1)[0]
    assert reminder_times(definition, occurrence) == []


def test_catch_up_deadline(make_ritual: MakeRitual) -> None:
    definition = make_ritual(catch_up="6h")
    occurrence = next_openings(definition, at("2027-03-01T00:00:00-05:00"), 1)[0]
    assert catch_up_deadline(definition, occurrence).isoformat() == "2027-03-01T16:00:00-05:00"
    short = make_ritual(catch_up="2w", window={"closes_after": "1d"})
    assert catch_up_deadline(short, occurrence).isoformat() == "2027-03-02T10:00:00-05:00"


# --- blackout -----------------------------------------------------------------------------------


def test_blackout_skip_drops_the_occurrence(make_ritual: MakeRitual) -> None:
    definition = make_ritual(blackout={"dates": ["2027-01-18"], "action": "skip"})
    found = occurrences_between(definition, at("2027-01-10T00:00:00-05:00"), at("2027-02-01T00:00:00-05:00"))
    assert [o.key for o in found] == ["2027-01-11T10:00", "2027-01-25T10:00"]


def test_blackout_next_working_day_keeps_the_key(make_ritual: MakeRitual) -> None:
    definition = make_ritual(blackout={"dates": ["2027-01-18"], "action": "next_working_day"})
    found = next_openings(definition, at("2027-01-12T00:00:00-05:00"), 2)
    assert [(o.key, o.opens_at.isoformat(), o.moved) for o in found] == [
        ("2027-01-18T10:00", "2027-01-19T10:00:00-05:00", True),
        ("2027-01-25T10:00", "2027-01-25T10:00:00-05:00", False),
    ]


def test_next_working_day_skips_weekends_and_other_blackout_dates(make_ritual: MakeRitual) -> None:
    # Friday 24 December is blacked out, and so is Monday 27: the opening moves to Tuesday 28.
    definition = make_ritual(
        cron="0 10 * * fri", blackout={"dates": ["2027-12-24..2027-12-27"], "action": "next_working_day"}
    )
    found = next_openings(definition, at("2027-12-20T00:00:00-05:00"), 2)
    assert [(o.key, o.opens_at.isoformat()) for o in found] == [
        ("2027-12-24T10:00", "2027-12-28T10:00:00-05:00"),
        ("2027-12-31T10:00", "2027-12-31T10:00:00-05:00"),
    ]
    # Found from an instant after its nominal time but before its moved opening, too.
    later = next_openings(definition, at("2027-12-25T00:00:00-05:00"), 1)
    assert [o.key for o in later] == ["2027-12-24T10:00"]


def test_a_moved_occurrence_merges_into_one_already_there(make_ritual: MakeRitual) -> None:
    definition = make_ritual(
        cron="0 10 * * 1-5", blackout={"dates": ["2027-01-18"], "action": "next_working_day"}
    )
    found = occurrences_between(definition, at("2027-01-15T00:00:00-05:00"), at("2027-01-21T00:00:00-05:00"))
    assert [o.key for o in found] == ["2027-01-15T10:00", "2027-01-19T10:00", "2027-01-20T10:00"]


def test_close_counts_from_the_moved_opening(make_ritual: MakeRitual) -> None:
    definition = make_ritual(
        blackout={"dates": ["2027-01-18"], "action": "next_working_day"},
        window={"closes_after": "2d", "closes_at": "17:00"},
    )
    occurrence = next_openings(definition, at("2027-01-12T00:00:00-05:00"), 1)[0]
    assert closes_at(definition, occurrence).isoformat() == "2027-01-21T17:00:00-05:00"


# --- participant-local delivery -------------------------------------------------------------


def test_participant_local_opening(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * mon#1", deliver="participant_local_time")
    occurrence = next_openings(definition, at("2027-02-15T00:00:00-05:00"), 1)[0]
    assert occurrence.opens_at.isoformat() == "2027-03-01T10:00:00-05:00"
    assert participant_opening(occurrence, SYDNEY).isoformat() == "2027-03-01T10:00:00+11:00"
    assert prompt_time(definition, occurrence, LONDON).isoformat() == "2027-03-01T10:00:00+00:00"
    assert prompt_time(definition, occurrence, None) == occurrence.opens_at
    assert earliest_prompt_time(definition, occurrence).isoformat() == "2027-02-28T15:00:00-05:00"


def test_ritual_time_delivery_ignores_the_participant_zone(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * mon#1")
    occurrence = next_openings(definition, at("2027-02-15T00:00:00-05:00"), 1)[0]
    assert prompt_time(definition, occurrence, SYDNEY) == occurrence.opens_at
    assert earliest_prompt_time(definition, occurrence) == occurrence.opens_at


def test_participant_local_opening_follows_the_participants_dst(make_ritual: MakeRitual) -> None:
    # 01:30 daily in New York; on 28 March 01:30 does not exist in London: 02:30 BST instead.
    definition = make_ritual(cron="30 1 * * *", deliver="participant_local_time")
    occurrence = next_openings(definition, at("2027-03-28T00:00:00-04:00"), 1)[0]
    assert participant_opening(occurrence, LONDON).isoformat() == "2027-03-28T02:30:00+01:00"


# --- manual runs --------------------------------------------------------------------------------


def test_manual_occurrence_at_a_scheduled_minute_is_that_occurrence(make_ritual: MakeRitual) -> None:
    definition = make_ritual(cron="0 10 * * mon#1")
    manual = manual_occurrence(definition, at("2027-03-01T15:00:42+00:00"))
    scheduled = next_openings(definition, at("2027-02-15T00:00:00-05:00"), 1)[0]
    assert manual.key == scheduled.key == "2027-03-01T10:00"
    assert manual.opens_at.isoformat() == "2027-03-01T10:00:00-05:00"


def test_manual_occurrence_in_the_repeated_hour_keeps_the_real_instant(make_ritual: MakeRitual) -> None:
    definition = make_ritual()
    manual = manual_occurrence(definition, at("2027-11-07T06:30:00+00:00"))  # the second 01:30
    assert manual.key == "2027-11-07T01:30"
    assert manual.opens_at.isoformat() == "2027-11-07T01:30:00-05:00"


def test_catch_up_is_elapsed_time_even_across_a_dst_change(make_ritual: MakeRitual) -> None:
    # Saturday 23:00 EST + 6 elapsed hours = 04:00 UTC + 6h = 10:00 UTC = 06:00 EDT (not 05:00).
    definition = make_ritual(cron="0 23 * * sat", catch_up="6h")
    occurrence = next_openings(definition, at("2027-03-13T00:00:00-05:00"), 1)[0]
    assert catch_up_deadline(definition, occurrence).isoformat() == "2027-03-14T06:00:00-04:00"
