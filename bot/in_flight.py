"""How many Slack requests this process is handling right now, so background work can make way.

At a deadline rush every PM's submission waits for its acknowledgement while, in the same
interpreter, the outbox sender posts the answer copies those submissions queued. Both need the
GIL, and Slack gives an acknowledgement three seconds. The request edge counts each request from
the moment it arrives until its answer is ready; the background sender asks `wait_until_idle`
before it claims the next batch, so the copies go out in the lulls. The wait is bounded: under a
rush that never lulls, a batch still goes out every `max_wait`, and delivery never starves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RequestsInFlight:
    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    @property
    def count(self) -> int:
        return self._count

    @contextmanager
    def request(self) -> Iterator[None]:
        """Counts the request handled inside the block."""
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                if self._count == 0:
                    self._changed.notify_all()

    def wait_until_idle(self, max_wait: float) -> bool:
        """Wait until no request is in flight, at most `max_wait` seconds; True if none is."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout=max_wait)
