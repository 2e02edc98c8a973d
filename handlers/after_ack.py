"""Work a listener does once Slack has its acknowledgement, kept out of the answer's way.

Over HTTP, Bolt runs each listener in the request's own thread and answers Slack when the
listener returns (`process_before_response`): no hand-off to a second thread and no wait for
Bolt's 10 ms polls of the acknowledgement (a `/ritual help` is answered in about 4 ms instead of
15). Work after `ack()` (opening a modal, posting, refreshing a Home tab) must
then not hold the answer back: `later` queues it while the request is dispatched inside
`deferring`, which hands what was queued to an executor once Bolt has its response.

Outside `deferring` the work runs at once: in Socket Mode (Bolt runs listeners in threads of
its own there and answers at `ack()`) and in a test that calls a listener directly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from contextvars import ContextVar

log = logging.getLogger(__name__)

# The work queued by the request this thread is dispatching, while it is dispatched.
_QUEUED: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_ack_queue", default=None)


def later(work: Callable[[], None]) -> None:
    """Run `work` once the request being dispatched has been answered (at once outside one)."""
    queued = _QUEUED.get()
    if queued is None:
        work()
    else:
        queued.append(work)


@contextmanager
def deferring(executor: Executor) -> Iterator[None]:
    """Dispatch a request inside this block: the work its listener queues with `later` goes
    to `executor` when the block ends, in the order it was queued."""
    queued: list[Callable[[], None]] = []
    token = _QUEUED.set(queued)
    try:
        yield
    finally:
        _QUEUED.reset(token)
        for work in queued:
            try:
                executor.submit(work)
            except RuntimeError:  # shut down: the process is stopping; finish it here
                log.debug("the after-ack executor is shut down; running the work in this thread")
                work()
