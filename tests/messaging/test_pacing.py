"""The pacer learns a method's rate from 429s, on a clock the test moves."""

from __future__ import annotations

from messaging.pacing import Budget, Pacer


class _Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _slack(pacer: Pacer, clock: _Clock, tokens: list[float], per_second: float) -> bool:
    """One call to a Slack that refills `per_second`; True when it was let through."""
    granted = pacer.now()
    tokens[0] = min(20.0, tokens[0] + (clock.t - tokens[1]) * per_second)
    tokens[1] = clock.t
    if tokens[0] >= 1:
        tokens[0] -= 1
        pacer.succeeded("chat.postMessage", granted)
        return True
    pacer.rate_limited("chat.postMessage", 1, granted)
    return False


def test_two_429s_teach_the_rate_and_then_none_come() -> None:
    clock = _Clock()
    pacer = Pacer(budgets={}, per_channel={}, monotonic=clock, wall_clock=clock)
    bucket = [20.0, clock.t]  # Slack: 10/s, bursts of 20
    refused = 0
    for _ in range(400):
        wait = pacer.reserve("chat.postMessage")
        if wait > 0:
            clock.t += wait
            continue
        refused += not _slack(pacer, clock, bucket, per_second=10.0)
        clock.t += 0.001
    assert refused == 2  # the burst's end, and the end of the one-at-a-time probe
    wait_then = clock.t
    sent_after = 0
    while clock.t < wait_then + 10:
        wait = pacer.reserve("chat.postMessage")
        if wait > 0:
            clock.t += wait
            continue
        assert _slack(pacer, clock, bucket, per_second=10.0)
        sent_after += 1
    # Paced just under what Slack refills, not far below it.
    assert 90 <= sent_after <= 100


def test_a_429_blocks_only_its_method() -> None:
    clock = _Clock()
    pacer = Pacer(budgets={}, per_channel={}, monotonic=clock, wall_clock=clock)
    pacer.rate_limited("chat.update", 30, pacer.now())
    assert pacer.blocked_for("chat.update") == 30
    assert pacer.reserve("chat.postMessage") == 0
    clock.t += 30
    assert pacer.reserve("chat.update") == 0


def test_posts_to_one_channel_are_paced_after_a_burst() -> None:
    clock = _Clock()
    pacer = Pacer(
        budgets={}, per_channel={"chat.postMessage": Budget(1.0, 3.0)}, monotonic=clock, wall_clock=clock
    )
    assert [pacer.reserve("chat.postMessage", "C1") for _ in range(3)] == [0, 0, 0]
    assert pacer.reserve("chat.postMessage", "C1") == 1.0
    assert pacer.reserve("chat.postMessage", "C2") == 0  # another conversation has its own budget
