"""Log format for the process: one line per record, with the logger name for grepping."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # APScheduler logs every tick at INFO; that drowns the lines people need. Alembic logs its
    # dialect at INFO on every schema check, which says nothing to whoever runs the bot.
    for noisy in ("apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


# waitress warns "Task queue depth is N" for every request that waits for a free thread: at a
# deadline that is most of them, hundreds of lines saying one thing. One a minute says it
# (`bot.server.HttpServer` installs `AtMostEvery` on its dispatcher).
QUEUE_WARNING_EVERY_SECONDS = 60.0


class AtMostEvery:
    """A logger's warnings, one per interval; the next one through says how many were left out.

    It decides before a record is made, which a logging filter cannot: at a rush, making each
    record that a filter then drops (the caller's frame looked up, the time, the thread's name)
    was about a twelfth of the server's CPU. It stands in for the logger of a library that
    warns through an attribute of its own (waitress's `queue_logger`)."""

    def __init__(
        self, logger: logging.Logger, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._logger = logger
        self._seconds = seconds
        self._clock = clock
        self._next = float("-inf")
        self._left_out = 0
        self._lock = threading.Lock()

    def warning(self, message: str, *args: object) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._left_out += 1
                return
            self._next = now + self._seconds
            left_out, self._left_out = self._left_out, 0
        if left_out:
            message = f"{message} ({left_out} more like it left out since the last one logged)"
        self._logger.warning(message, *args)


class _Drop(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


@contextmanager
def dropping(logger: logging.Logger, message: str) -> Iterator[None]:
    """Leave out one known, harmless record of a library while a block runs."""
    drop = _Drop(message)
    logger.addFilter(drop)
    try:
        yield
    finally:
        logger.removeFilter(drop)


@contextmanager
def silenced(logger: logging.Logger) -> Iterator[None]:
    """Mute a library's logger while a block runs whose failure the caller reports itself."""
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was
