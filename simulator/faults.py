"""Faults on demand, per Web API method: what production Slack does on a bad day.

* `rate_limit_next` — the next N calls get HTTP 429, `Retry-After: k`, `{"ok":false,"error":"ratelimited"}`.
* `server_error_next` — the next N calls get a 5xx. With `after_processing=True` the call takes
  effect first (the message *is* posted) and only the reply is lost: the ambiguous case the
  outbox must survive without double-posting.
* `drop_next` — the connection closes with no reply at all (again before or after processing).
* `slow` — replies are delayed (by default after the call took effect), for client timeouts.
* `budget` — a rolling-window rate budget (`per_minute` or `per_second`, optionally per channel)
  that answers 429 with a computed `Retry-After` once exceeded, counted on the workspace clock;
  with `burst`, a token bucket instead: `burst` calls at once, refilled at the steady rate.
* `error_next` — the next N calls fail with a chosen `ok:false` error.
* `slow_store_next` — the next N calls take effect but answer 5xx (or drop the connection), and
  what they posted shows in conversations.history/replies only `visible_after` seconds later
  on the workspace clock: a post Slack stored more slowly than the client waited.

`"*"` as the method matches every method. Faults are consumed first-in first-out per method.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime
from http import HTTPStatus
from typing import Any

from messaging.limits import (
    POSTS_PER_CHANNEL_PER_MINUTE,
    TIER_2_PER_MINUTE,
    TIER_3_PER_MINUTE,
    TIER_4_PER_MINUTE,
)


@dataclass
class Outcome:
    """What the faults decided for one call; the server carries it out."""

    fault: str | None = None
    process: bool = True
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None
    delay: float = 0.0
    delay_after_processing: bool = True
    drop: bool = False
    # Seconds (workspace clock) before a message this call posted shows in history and threads.
    hidden_for: float = 0.0


@dataclass
class _Queued:
    kind: str
    times: int
    outcome: Outcome


@dataclass
class _Slow:
    seconds: float
    times: int | None
    after_processing: bool


@dataclass
class _Budget:
    limit: int
    window: float
    per_channel: bool
    hits: dict[str, deque[float]] = field(default_factory=dict)
    # Token bucket (when `burst` is set): tokens left and when they were counted, per key.
    burst: int | None = None
    buckets: dict[str, tuple[float, float]] = field(default_factory=dict)


class Faults:
    """Per-method fault plans, thread-safe; the server asks `decide()` once per call."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queued: dict[str, list[_Queued]] = {}
        self._slow: dict[str, _Slow] = {}
        self._budgets: dict[str, _Budget] = {}

    # --- arming -------------------------------------------------------------------------
    def _queue(self, method: str, kind: str, times: int, outcome: Outcome) -> Faults:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queued.setdefault(method, []).append(_Queued(kind, times, outcome))
        return self

    def rate_limit_next(self, method: str, times: int = 1, retry_after: int = 1) -> Faults:
        outcome = Outcome(
            fault="ratelimited",
            process=False,
            status=429,
            headers={"Retry-After": str(retry_after)},
            body={"ok": False, "error": "ratelimited"},
        )
        return self._queue(method, "ratelimited", times, outcome)

    def server_error_next(
        self, method: str, times: int = 1, status: int = 500, *, after_processing: bool = False
    ) -> Faults:
        """5xx replies; the body is the plain reason phrase, as a load balancer would send."""
        if not 500 <= status <= 599:
            raise ValueError("status must be a 5xx")
        try:
            body = HTTPStatus(status).phrase
        except ValueError:
            body = "Server Error"
        outcome = Outcome(fault=f"http_{status}", process=after_processing, status=status, body=body)
        return self._queue(method, "server_error", times, outcome)

    def drop_next(self, method: str, times: int = 1, *, after_processing: bool = True) -> Faults:
        outcome = Outcome(fault="dropped", process=after_processing, drop=True)
        return self._queue(method, "drop", times, outcome)

    def slow_store_next(
        self, method: str, visible_after: float, times: int = 1, *, status: int | None = 500
    ) -> Faults:
        """Accept the post, answer `status` (None: drop the connection, as a client timeout
        sees it), and keep the message out of conversations.history and conversations.replies
        until `visible_after` seconds have passed on the workspace clock."""
        if visible_after <= 0:
            raise ValueError("visible_after must be positive")
        if status is None:
            outcome = Outcome(fault="slow_store", drop=True, hidden_for=visible_after)
        else:
            if not 500 <= status <= 599:
                raise ValueError("status must be a 5xx or None")
            outcome = Outcome(
                fault="slow_store", status=status, body=HTTPStatus(status).phrase, hidden_for=visible_after
            )
        return self._queue(method, "slow_store", times, outcome)

    def error_next(
        self, method: str, error: str, times: int = 1, *, status: int = 200, messages: list[str] | None = None
    ) -> Faults:
        body: dict[str, Any] = {"ok": False, "error": error}
        if messages:
            body["response_metadata"] = {"messages": list(messages)}
        outcome = Outcome(fault=error, process=False, status=status, body=body)
        return self._queue(method, "error", times, outcome)

    def slow(
        self, method: str, seconds: float, times: int | None = None, *, after_processing: bool = True
    ) -> Faults:
        """Delay replies by `seconds` (all of them, or the next `times`)."""
        with self._lock:
            self._slow[method] = _Slow(seconds, times, after_processing)
        return self

    def budget(
        self,
        method: str,
        per_minute: int | None = None,
        *,
        per_second: int | None = None,
        per_channel: bool = False,
        burst: int | None = None,
    ) -> Faults:
        """Allow `per_minute` (or `per_second`) calls in any rolling window, then answer 429.

        With `burst`, a token bucket: up to `burst` calls at once, then the steady rate (Slack:
        "short bursts allowed"), as `chat.postMessage` at 10 a second with a burst of 20.
        """
        if (per_minute is None) == (per_second is None):
            raise ValueError("give exactly one of per_minute and per_second")
        limit, window = (per_minute, 60.0) if per_minute is not None else (per_second or 0, 1.0)
        if limit < 1 or (burst is not None and burst < 1):
            raise ValueError("a budget must allow at least one call")
        with self._lock:
            self._budgets[method] = _Budget(limit, window, per_channel, burst=burst)
        return self

    def slack_tiers(self) -> Faults:
        """Budgets at Slack's published minimums, for benchmarks that should feel the limits.

        Tier 2 (20/min), Tier 3 (50/min) and Tier 4 (100/min) per method; chat.postMessage at
        60 per minute per channel (Slack: about one a second per channel, short bursts allowed).
        """
        tier2 = ("users.list", "usergroups.list", "usergroups.users.list")
        tier3 = (
            "chat.update",
            "chat.delete",
            "conversations.open",
            "conversations.info",
            "conversations.history",
        )
        tier4 = (
            *("chat.postEphemeral", "chat.getPermalink", "conversations.members", "users.info"),
            *("views.open", "views.update", "views.push", "views.publish"),
            *("files.getUploadURLExternal", "files.completeUploadExternal"),
        )
        tiers = {TIER_2_PER_MINUTE: tier2, TIER_3_PER_MINUTE: tier3, TIER_4_PER_MINUTE: tier4}
        for per_minute, methods in tiers.items():
            for method in methods:
                self.budget(method, per_minute)
        return self.budget("chat.postMessage", POSTS_PER_CHANNEL_PER_MINUTE, per_channel=True)

    def clear(self, method: str | None = None) -> Faults:
        """Remove every fault and budget, or only those of one method."""
        with self._lock:
            for table in (self._queued, self._slow, self._budgets):
                if method is None:
                    table.clear()
                else:
                    table.pop(method, None)
        return self

    # --- deciding -----------------------------------------------------------------------
    def decide(self, method: str, params: dict[str, Any], now: datetime) -> Outcome:
        with self._lock:
            outcome = self._pop_queued(method) or self._over_budget(method, params, now) or Outcome()
            slow = self._slow.get(method) or self._slow.get("*")
            if slow is not None:
                outcome.delay = slow.seconds
                outcome.delay_after_processing = slow.after_processing
                outcome.fault = outcome.fault or "slow"
                if slow.times is not None:
                    slow.times -= 1
                    if slow.times <= 0:
                        self._slow = {k: v for k, v in self._slow.items() if v is not slow}
            return outcome

    def _pop_queued(self, method: str) -> Outcome | None:
        for key in (method, "*"):
            queue = self._queued.get(key)
            if queue:
                entry = queue[0]
                entry.times -= 1
                if entry.times <= 0:
                    queue.pop(0)
                return replace(entry.outcome, headers=dict(entry.outcome.headers))
        return None

    def _over_budget(self, method: str, params: dict[str, Any], now: datetime) -> Outcome | None:
        budget = self._budgets.get(method) or self._budgets.get("*")
        if budget is None:
            return None
        key = str(params.get("channel", "")) if budget.per_channel else ""
        t = now.timestamp()
        if budget.burst is not None:
            return self._over_bucket(budget, key, t)
        hits = budget.hits.setdefault(key, deque())
        while hits and hits[0] <= t - budget.window:
            hits.popleft()
        if len(hits) >= budget.limit:
            retry_after = max(1, math.ceil(hits[0] + budget.window - t))
            return Outcome(
                fault="budget",
                process=False,
                status=429,
                headers={"Retry-After": str(retry_after)},
                body={"ok": False, "error": "ratelimited"},
            )
        hits.append(t)
        return None

    @staticmethod
    def _over_bucket(budget: _Budget, key: str, t: float) -> Outcome | None:
        assert budget.burst is not None
        rate = budget.limit / budget.window  # tokens a second
        tokens, counted = budget.buckets.get(key, (float(budget.burst), t))
        tokens = min(float(budget.burst), tokens + (t - counted) * rate)
        if tokens >= 1.0:
            budget.buckets[key] = (tokens - 1.0, t)
            return None
        budget.buckets[key] = (tokens, t)
        return Outcome(
            fault="budget",
            process=False,
            status=429,
            headers={"Retry-After": str(max(1, math.ceil((1.0 - tokens) / rate)))},
            body={"ok": False, "error": "ratelimited"},
        )
