"""The process's logging: a warning a rush repeats for every request is said once a minute, and
the ones left out cost no log record."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import QUEUE_WARNING_EVERY_SECONDS, AtMostEvery
from bot.server import HttpServer


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class _Made(logging.Handler):
    """Every record that reached the logger's handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_one_warning_per_interval_and_the_next_says_how_many_were_left_out() -> None:
    logger = logging.getLogger("tests.throttled")
    made = _Made()
    logger.addHandler(made)
    made_records: list[logging.LogRecord] = []
    logger.makeRecord = _counting(logger.makeRecord, made_records)  # type: ignore[method-assign]
    clock = _Clock()
    throttle = AtMostEvery(logger, 60, clock)
    try:
        throttle.warning("Task queue depth is %d", 3)
        clock.now += 1
        for depth in (4, 5, 6):
            throttle.warning("Task queue depth is %d", depth)
        clock.now += 60
        throttle.warning("Task queue depth is %d", 2)
    finally:
        logger.removeHandler(made)
        del logger.makeRecord
    assert [record.getMessage() for record in made.records] == [
        "Task queue depth is 3",
        "Task queue depth is 2 (3 more like it left out since the last one logged)",
    ]
    assert len(made_records) == 2  # the three left out were never made into records


def test_the_server_says_its_queue_depth_once_in_a_rush(caplog: pytest.LogCaptureFixture) -> None:
    server = HttpServer(lambda environ, start_response: [], host="127.0.0.1", port=0, threads=1)
    dispatcher = server._server.task_dispatcher
    assert QUEUE_WARNING_EVERY_SECONDS == 60
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        for depth in range(1, 200):
            dispatcher.queue_logger.warning("Task queue depth is %d", depth)
    assert [record.getMessage() for record in caplog.records] == ["Task queue depth is 1"]
    server._server.close()


def _counting(make: object, made: list[logging.LogRecord]) -> object:
    def counted(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)  # type: ignore[operator]
        made.append(record)
        return record

    return counted
