"""APScheduler as a clock only: one in-memory interval job that runs the tick.

Nothing about a ritual lives in APScheduler. Its persistent job stores would save the next run
time before the job finished (a crash loses that occurrence), drop late jobs after
`misfire_grace_time` with only a log line, and cannot be shared between processes. The tick
reads the definitions and the database instead, so a restart resumes exactly where it was.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from storage.idle_ping import once_more_if_dropped

log = logging.getLogger(__name__)


def start_clock(tick: Callable[[], object], every_seconds: float) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        # After a database restart the tick's pooled connection may be one the server closed.
        lambda: once_more_if_dropped(tick, "running the tick"),
        "interval",
        seconds=every_seconds,
        id="tick",
        name="tick",
        # One tick at a time per process; a tick that overruns is not queued up behind itself.
        max_instances=1,
        coalesce=True,
        # A late tick is still worth running: it only catches up on what the database says.
        misfire_grace_time=None,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    log.info("tick every %gs", every_seconds)
    return scheduler
