"""Log format for the process: one line per record, with the logger name for grepping."""

from __future__ import annotations

import logging
from collections.abc import Iterator
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
