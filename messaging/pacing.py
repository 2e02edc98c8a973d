"""Client-side pacing of Slack calls: wait for a budget instead of bouncing off 429s.

Slack counts calls per method per workspace, and `chat.postMessage` also per channel (about
one a second, short bursts allowed). The outbox's sender threads share one `Pacer` per process,
which keeps a token bucket per method tier and per channel, and learns from the 429s Slack
still answers:

* `Retry-After` blocks that method (only that one: prompts keep flowing while chat.update waits);
* the first 429 of a method whose rate we did not know starts a probe: once the block ends,
  calls go one at a time until the next 429, and what Slack let through since the first one is
  the rate it refills at. From then on the method is paced just below that rate, so a fan-out
  costs a handful of 429s, not one per burst.

Token buckets run on `time.monotonic()`: they are about real request rates. A `Retry-After`
is a deadline like a delivery's `not_before`, so it is kept on the same (injected) clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from messaging.limits import (
    POSTS_PER_CHANNEL_PER_MINUTE,
    TIER_2_PER_MINUTE,
    TIER_3_PER_MINUTE,
    TIER_4_PER_MINUTE,
)

log = logging.getLogger(__name__)

# Below the measured rate, so jitter in Slack's window does not turn into 429s.
LEARNED_RATE_MARGIN = 0.97
# Channels remembered per method before the full (idle) ones are forgotten.
MAX_CHANNELS = 5_000
# Each 429 while already paced lowers the pace by this factor.
SLOWDOWN = 0.8


@dataclass(frozen=True)
class Budget:
    """`per_second` calls on average, up to `burst` at once."""

    per_second: float
    burst: float

    @classmethod
    def per_minute(cls, calls: int) -> Budget:
        # Slack counts per minute: a minute's allowance may be spent at once.
        return cls(per_second=calls / 60.0, burst=float(calls))


# Slack's published minimums per tier (see SLACK-LIMITS.md); a workspace often allows more,
# and a 429 teaches the rest.
TIER_BUDGETS: dict[str, Budget] = {
    **dict.fromkeys(
        ("users.list", "usergroups.list", "usergroups.users.list"), Budget.per_minute(TIER_2_PER_MINUTE)
    ),
    **dict.fromkeys(
        (
            "chat.update",
            "chat.delete",
            "conversations.open",
            "conversations.history",
            "conversations.replies",
        ),
        Budget.per_minute(TIER_3_PER_MINUTE),
    ),
    **dict.fromkeys(
        ("files.getUploadURLExternal", "files.completeUploadExternal", "users.info"),
        Budget.per_minute(TIER_4_PER_MINUTE),
    ),
}
# About one post a second per channel with short bursts; a thread of replies is one channel.
PER_CHANNEL_BUDGETS: dict[str, Budget] = {
    "chat.postMessage": Budget(per_second=POSTS_PER_CHANNEL_PER_MINUTE / 60.0, burst=10.0),
}


@dataclass
class _Bucket:
    budget: Budget
    tokens: float
    updated: float

    def wait(self, now: float) -> float:
        """Seconds until one token is there (refilling first)."""
        self.tokens = min(self.budget.burst, self.tokens + (now - self.updated) * self.budget.per_second)
        self.updated = now
        if self.tokens >= 1 - 1e-9:  # a token refilled to within rounding is there
            return 0.0
        return (1 - self.tokens) / self.budget.per_second


@dataclass
class _Method:
    bucket: _Bucket | None = None
    # On the wall clock (see the module's docstring).
    blocked_until: float = 0.0
    # Set from a first 429 until the next one, while calls go one at a time.
    probe_started: float | None = None
    probe_admitted: int = 0
    probe_in_flight: bool = False
    # When the pacer last learned something from a 429 (monotonic).
    learned_at: float = float("-inf")
    channels: dict[str, _Bucket] = field(default_factory=dict)


class Pacer:
    """Budgets per method and per channel, shared by every sender thread of a process."""

    def __init__(
        self,
        budgets: Mapping[str, Budget] | None = None,
        per_channel: Mapping[str, Budget] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._budgets = dict(TIER_BUDGETS if budgets is None else budgets)
        self._per_channel = dict(PER_CHANNEL_BUDGETS if per_channel is None else per_channel)
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._methods: dict[str, _Method] = {}

    def reserve(self, method: str, channel: str | None = None) -> float:
        """0 when a call may go now (its budget is taken), else how long to wait before asking again."""
        with self._lock:
            now = self._monotonic()
            state = self._state(method, now)
            waits = [state.blocked_until - self._wall_clock()]
            if state.probe_started is not None and state.probe_in_flight:
                waits.append(0.01)
            if state.bucket is not None:
                waits.append(state.bucket.wait(now))
            channel_bucket = self._channel_bucket(state, method, channel, now)
            if channel_bucket is not None:
                waits.append(channel_bucket.wait(now))
            wait = max(waits)
            if wait > 0:
                return wait
            if state.bucket is not None:
                state.bucket.tokens -= 1
            if channel_bucket is not None:
                channel_bucket.tokens -= 1
            if state.probe_started is not None:
                state.probe_in_flight = True
            return 0.0

    def succeeded(self, method: str, granted_at: float) -> None:
        """A call granted at `granted_at` (`now()` right after `reserve`) went through."""
        with self._lock:
            state = self._state(method, self._monotonic())
            if state.probe_started is not None and granted_at >= state.probe_started:
                state.probe_admitted += 1
                state.probe_in_flight = False

    def rate_limited(self, method: str, retry_after: float, granted_at: float) -> None:
        """Slack answered 429 to a call granted at `granted_at`: block the method for
        `retry_after`, and learn its rate unless the call was granted before the last lesson
        (calls already in flight when the first 429 came back teach nothing new)."""
        with self._lock:
            now = self._monotonic()
            state = self._state(method, now)
            state.blocked_until = max(state.blocked_until, self._wall_clock() + retry_after)
            if granted_at < state.learned_at:
                return
            state.learned_at = now
            state.probe_in_flight = False
            if state.probe_started is not None and state.probe_admitted > 0:
                # What Slack let through since the first 429 is what it refills at.
                rate = state.probe_admitted / max(now - state.probe_started, 1e-3) * LEARNED_RATE_MARGIN
                # A quarter second's worth of burst absorbs the senders' jitter.
                budget = Budget(per_second=rate, burst=max(1.0, rate / 4))
                state.bucket = _Bucket(budget, tokens=0.0, updated=now)
                state.probe_started = None
                log.info("Slack's budget for %s: pacing it at %.1f calls/s", method, rate)
            elif state.bucket is not None and state.probe_started is None:
                slower = Budget(
                    per_second=state.bucket.budget.per_second * SLOWDOWN, burst=state.bucket.budget.burst
                )
                state.bucket = _Bucket(slower, tokens=0.0, updated=now)
                log.info("429 on %s while paced: slowing it to %.1f calls/s", method, slower.per_second)
            else:
                # The first 429 of a method whose rate we do not know: probe from here.
                state.probe_started, state.probe_admitted = now, 0
                log.info("first 429 on %s: probing its rate, one call at a time", method)

    def now(self) -> float:
        """The pacer's time, to pass back as `granted_at`."""
        return self._monotonic()

    def blocked_for(self, method: str) -> float:
        """Seconds this method is still blocked by a Retry-After (0 when it is not)."""
        with self._lock:
            state = self._state(method, self._monotonic())
            return max(0.0, state.blocked_until - self._wall_clock())

    def _state(self, method: str, now: float) -> _Method:
        state = self._methods.get(method)
        if state is None:
            budget = self._budgets.get(method)
            bucket = _Bucket(budget, tokens=budget.burst, updated=now) if budget is not None else None
            state = self._methods[method] = _Method(bucket=bucket)
        return state

    def _channel_bucket(self, state: _Method, method: str, channel: str | None, now: float) -> _Bucket | None:
        budget = self._per_channel.get(method)
        if budget is None or channel is None:
            return None
        bucket = state.channels.get(channel)
        if bucket is None:
            if len(state.channels) >= MAX_CHANNELS:
                # A fan-out touches thousands of DMs once: forget the buckets that are full again.
                for name, known in list(state.channels.items()):
                    if known.wait(now) == 0 and known.tokens >= known.budget.burst:
                        del state.channels[name]
            bucket = state.channels[channel] = _Bucket(budget, tokens=budget.burst, updated=now)
        return bucket
