"""How many Slack requests this process is handling right now, so background work can make way.

At a deadline rush every PM's submission waits for its acknowledgement while, in the same
interpreter, the outbox sender posts the answer copies those submissions queued. Both need the
GIL, and Slack gives an acknowledgement three seconds. The request edge counts each request from
the moment it arrives until its answer is ready; the background sender asks `wait_until_idle`
before it claims the next batch, so the copies go out in the lulls.

A lull is the count at zero for `settle` seconds, not for an instant: in a rush the request
threads are all between two requests now and then, for a fraction of a millisecond, and a
sender that took those for lulls would claim a whole batch in the middle of the rush. The wait
is bounded: under a rush that never lulls, a batch still goes out every `max_wait`, and delivery
never starves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

# Long enough to span the gap between one request and the next at a rush, short enough that a
# copy still follows a lone submission at once.
SETTLE_SECONDS = 0.05


class RequestsInFlight:
    def __init__(self, settle: float = SETTLE_SECONDS) -> None:
        self._count = 0
        self._changed = threading.Condition()
        self._settle = settle
        # When the count last came down to zero (monotonic); "long ago" to begin with.
        self._last_answered = -settle

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
                    self._last_answered = time.monotonic()
                    self._changed.notify_all()

    def wait_until_idle(self, max_wait: float) -> bool:
        """Wait until no request has been in flight for `settle` seconds, at most `max_wait`
        seconds; True if it is so."""
        deadline = time.monotonic() + max_wait
        with self._changed:
            while True:
                now = time.monotonic()
                quiet_from = self._last_answered + self._settle
                if self._count == 0 and now >= quiet_from:
                    return True
                # In flight: until the count comes down (notified) or the deadline; otherwise
                # until it has stayed down long enough, unless a request comes meanwhile.
                until = deadline if self._count else min(quiet_from, deadline)
                if until <= now:
                    return False
                self._changed.wait(until - now)
