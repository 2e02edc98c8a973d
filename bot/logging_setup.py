"""Log format for the process: one line per record, with the logger name for grepping."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    # APScheduler logs every tick at INFO; that drowns the lines people need.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
