"""How a transaction without a session tells this process's outbox sender that it queued a post.

A session that queues a delivery says so (`messaging.outbox.announce`), and the background
sender, listening for the session's commits, wakes when it commits. The answer modal's
submission writes on a bare connection instead, to be acknowledged sooner at a rush, so it has
no session to say it with: it rings the bell after its commit, and whatever listens (the
background sender of `ritualbot run`) wakes. With no listener, as in a test that drains the
outbox itself, ringing does nothing.
"""

from __future__ import annotations

from collections.abc import Callable


class OutboxBell:
    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, wake: Callable[[], None]) -> None:
        """Call `wake` at every ring from now on."""
        self._listeners.append(wake)

    def stop_listening(self, wake: Callable[[], None]) -> None:
        if wake in self._listeners:
            self._listeners.remove(wake)

    def ring(self) -> None:
        """A transaction that queued deliveries has committed."""
        for wake in self._listeners:
            wake()
