"""Progress, trends and their words, for results that grow a number and results that bring one down."""

from __future__ import annotations

import pytest

from insights.progress import (
    bar,
    confidence_change,
    confidence_label,
    number_text,
    percent,
    rank,
    share,
    trend,
    with_unit,
)
from storage.models import Confidence


@pytest.mark.parametrize(
    ("start", "target", "value", "expected"),
    [
        (100, 400, 100, 0.0),
        (100, 400, 250, 0.5),
        (100, 400, 400, 1.0),
        (100, 400, 460, 1.2),  # beaten: not clipped
        (100, 400, 70, -0.1),  # gone the wrong way
        (30, 10, 20, 0.5),  # bring it down: half way from 30 to 10
        (30, 10, 35, -0.25),
    ],
)
def test_share_of_the_way_from_start_to_target(
    start: float, target: float, value: float, expected: float
) -> None:
    assert share(start, target, value) == pytest.approx(expected)


def test_no_value_no_progress() -> None:
    assert share(0, 10, None) is None
    assert percent(None) is None
    assert bar(None) == "░" * 10


@pytest.mark.parametrize(
    ("part", "text"),
    [
        (0.0, "░░░░░░░░░░"),
        (0.34, "▓▓▓░░░░░░░"),
        (0.96, "▓▓▓▓▓▓▓▓▓▓"),
        (1.7, "▓▓▓▓▓▓▓▓▓▓"),
        (-0.3, "░░░░░░░░░░"),
    ],
)
def test_the_bar_is_clipped_to_its_width(part: float, text: str) -> None:
    assert bar(part) == text


def test_trend_says_which_way_and_whether_that_is_good() -> None:
    up = trend(57, 42, bring_down=False)
    assert up is not None
    assert (up.text, up.improving) == ("▲ 15", True)
    down_is_good = trend(18, 20, bring_down=True)
    assert down_is_good is not None
    assert (down_is_good.text, down_is_good.improving) == ("▼ 2", True)
    worse = trend(22.5, 20, bring_down=True)
    assert worse is not None
    assert (worse.text, worse.improving) == ("▲ 2.5", False)
    same = trend(5, 5, bring_down=False)
    assert same is not None
    assert (same.text, same.improving) == ("= no change", None)
    assert trend(5, None, bring_down=False) is None
    assert trend(None, 5, bring_down=False) is None


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1250, "", "1,250"),
        (1250.0, "users", "1,250 users"),
        (12.5, "%", "12.5%"),
        (0.756, "pp", "0.76 pp"),
        (1200, "$", "$1,200"),
        (None, "teams", "—"),
        (-3, "days", "-3 days"),
    ],
)
def test_numbers_read_as_people_write_them(value: float | None, unit: str, text: str) -> None:
    assert with_unit(value, unit) == text


def test_number_text_trims_zeros() -> None:
    assert number_text(2.50) == "2.5"
    assert number_text(3.0) == "3"


def test_confidence_words_and_order() -> None:
    assert confidence_label(Confidence.AT_RISK) == "At risk"
    assert confidence_label(None) == "No check-in"
    assert confidence_change(Confidence.ON_TRACK, Confidence.AT_RISK) == "On track → At risk"
    assert confidence_change(Confidence.ON_TRACK, Confidence.ON_TRACK) == ""
    assert confidence_change(None, Confidence.ON_TRACK) == ""
    ordered = sorted([Confidence.ON_TRACK, None, Confidence.OFF_TRACK, Confidence.AT_RISK], key=rank)
    assert ordered == [Confidence.OFF_TRACK, Confidence.AT_RISK, None, Confidence.ON_TRACK]
