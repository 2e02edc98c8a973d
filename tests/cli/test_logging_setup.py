"""The process's logging: a warning a rush repeats for every request is said once a minute."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import QUEUE_WARNING_EVERY_SECONDS, AtMostEvery, configure_logging


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _record(depth: int) -> logging.LogRecord:
    return logging.LogRecord(
        "waitress.queue", logging.WARNING, __file__, 1, "Task queue depth is %d", (depth,), None
    )


def test_one_record_per_interval_and_the_next_says_how_many_were_left_out() -> None:
    clock = _Clock()
    throttle = AtMostEvery(60, clock)
    first = _record(3)
    assert throttle.filter(first)
    assert first.getMessage() == "Task queue depth is 3"
    clock.now += 1
    assert not any(throttle.filter(_record(depth)) for depth in (4, 5, 6))
    clock.now += 60
    later = _record(2)
    assert throttle.filter(later)
    assert later.getMessage() == "Task queue depth is 2 (3 more like it left out since the last one logged)"


def test_a_rush_logs_the_queue_warning_once(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("INFO")
    queue = logging.getLogger("waitress.queue")
    try:
        with caplog.at_level(logging.WARNING, logger="waitress.queue"):
            for depth in range(1, 200):
                queue.warning("Task queue depth is %d", depth)
        assert [record.getMessage() for record in caplog.records] == ["Task queue depth is 1"]
        assert QUEUE_WARNING_EVERY_SECONDS == 60
    finally:
        for installed in [f for f in queue.filters if isinstance(f, AtMostEvery)]:
            queue.removeFilter(installed)
