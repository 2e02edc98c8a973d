"""Public holidays move or skip openings and deadlines as blackout dates do, without copying
dates into every file. Calendar facts: 2027-01-18 is Martin Luther King Jr. Day (a Monday) in
the US; 2027-07-05 is the observed Independence Day (a Monday); 2027-01-26 is Republic Day
(a Tuesday) in India; 2027-01-06, Epiphany, is a holiday in Bavaria but not in Berlin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from rituals.definition.schema import RitualDefinition
from rituals.schedule.occurrences import after_holidays, closes_at, next_openings

MakeRitual = Callable[..., RitualDefinition]


def test_a_holiday_moves_the_opening_to_the_next_working_day(make_ritual: MakeRitual) -> None:
    definition = make_ritual(holidays={"country": "US"})
    first, second = next_openings(definition, datetime(2027, 1, 12, tzinfo=UTC), 2)
    assert first.key == "2027-01-18T10:00"  # the run keeps its identity
    assert first.opens_at.isoformat() == "2027-01-19T10:00:00-05:00"
    assert second.opens_at.isoformat() == "2027-01-25T10:00:00-05:00"


def test_or_skips_it(make_ritual: MakeRitual) -> None:
    definition = make_ritual(holidays={"country": "US", "action": "skip"})
    first = next_openings(definition, datetime(2027, 1, 12, tzinfo=UTC), 1)[0]
    assert first.key == "2027-01-25T10:00"


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day(make_ritual: MakeRitual) -> None:
    definition = make_ritual(
        cron="0 10 * * thu", holidays={"country": "US"}, window={"closes_after": "4d", "closes_at": "17:00"}
    )
    opening = next_openings(definition, datetime(2027, 6, 30, tzinfo=UTC), 1)[0]
    assert opening.opens_at.isoformat() == "2027-07-01T10:00:00-04:00"
    assert closes_at(definition, opening).isoformat() == "2027-07-06T17:00:00-04:00"
    without = make_ritual(cron="0 10 * * thu", window={"closes_after": "4d", "closes_at": "17:00"})
    assert closes_at(without, opening).isoformat() == "2027-07-05T17:00:00-04:00"


def test_a_persons_own_holiday_holds_their_prompt() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    republic_day = datetime(2027, 1, 26, 10, 0, tzinfo=kolkata)
    assert after_holidays(republic_day, "IN", kolkata).isoformat() == "2027-01-27T10:00:00+05:30"
    assert after_holidays(republic_day, "US", kolkata) == republic_day
    assert after_holidays(republic_day, None, kolkata) == republic_day


def test_regions_have_their_own_holidays(make_ritual: MakeRitual) -> None:
    # 2027-01-06 (Epiphany, a Wednesday) is a holiday in Bavaria, not in Berlin.
    bavaria = make_ritual(
        cron="0 10 * * wed", timezone="Europe/Berlin", holidays={"country": "DE", "subdiv": "BY"}
    )
    berlin = make_ritual(
        cron="0 10 * * wed", timezone="Europe/Berlin", holidays={"country": "DE", "subdiv": "BE"}
    )
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert next_openings(bavaria, after, 1)[0].opens_at.isoformat() == "2027-01-07T10:00:00+01:00"
    assert next_openings(berlin, after, 1)[0].opens_at.isoformat() == "2027-01-06T10:00:00+01:00"


@pytest.mark.parametrize(
    ("holidays", "message"),
    [
        ({"country": "UX"}, "no public holidays known for the country 'UX'"),
        ({"country": "US", "subdiv": "ZZ"}, "no region 'ZZ' in US"),
        ({"subdiv": "CA"}, "subdiv needs a country"),
        ({"country": "US", "people": {"U0PM0001": "XX"}}, "no public holidays known for the country 'XX'"),
    ],
)
def test_unknown_places_are_refused(
    ritual_data: Callable[..., dict[str, Any]], holidays: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        RitualDefinition.model_validate(ritual_data(holidays=holidays))
