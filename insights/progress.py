"""How far a key result has come, and how it moved: pure arithmetic and its words.

Progress is the share of the way from start to target, so a key result that brings a number
down (from 30 incidents to 10) reads the same as one that grows it: 20 incidents is 50 %. The
share is not clipped: 110 % says the target was beaten, -5 % that it went the wrong way. The
text bar is clipped to its width.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Confidence

BAR_WIDTH = 10
BAR_DONE = "▓"
BAR_TODO = "░"
UP, DOWN, SAME = "▲", "▼", "="

#: Worst first: what leaders read first. A key result nobody checked in on sits between
#: "at risk" and "on track": nobody said it is fine.
_RANK = {Confidence.OFF_TRACK: 0, Confidence.AT_RISK: 1, None: 2, Confidence.ON_TRACK: 3}


def share(start: float, target: float, value: float | None) -> float | None:
    """The share of the way from start to target that `value` has come (None without a value)."""
    if value is None:
        return None
    return (value - start) / (target - start)


def percent(part: float | None) -> int | None:
    return None if part is None else round(part * 100)


def bar(part: float | None, width: int = BAR_WIDTH) -> str:
    """`▓▓▓░░░░░░░` for 30 %; all `░` without a value."""
    filled = 0 if part is None else max(0, min(width, round(part * width)))
    return BAR_DONE * filled + BAR_TODO * (width - filled)


def number_text(value: float | None) -> str:
    """`1,250`, `12.5`, `0.75`: thousands separated, at most two decimals, no trailing zeros."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def with_unit(value: float | None, unit: str) -> str:
    """`120 teams`, `45%`, `$1,200`... as people write them."""
    text = number_text(value)
    if value is None or not unit:
        return text
    if unit in ("%", "pp"):
        return f"{text}{unit}" if unit == "%" else f"{text} {unit}"
    if unit in ("$", "€", "£"):
        return f"{unit}{text}"
    return f"{text} {unit}"


@dataclass(frozen=True)
class Trend:
    """How a value moved since the previous check-in."""

    delta: float
    # Whether it moved towards the target (for "bring it down" results, down is better).
    improving: bool | None

    @property
    def arrow(self) -> str:
        return UP if self.delta > 0 else DOWN if self.delta < 0 else SAME

    @property
    def text(self) -> str:
        """`▲ 20`, `▼ 5`, `= no change`."""
        if self.delta == 0:
            return f"{SAME} no change"
        return f"{self.arrow} {number_text(abs(self.delta))}"


def trend(value: float | None, previous: float | None, bring_down: bool) -> Trend | None:
    if value is None or previous is None:
        return None
    delta = value - previous
    improving = None if delta == 0 else (delta < 0) == bring_down
    return Trend(delta=delta, improving=improving)


def confidence_label(confidence: Confidence | None) -> str:
    return confidence.label if confidence is not None else "No check-in"


def confidence_change(before: Confidence | None, now: Confidence | None) -> str:
    """`At risk → On track`, or "" when it did not change (or there is nothing to compare)."""
    if before is None or now is None or before == now:
        return ""
    return f"{before.label} → {now.label}"


def rank(confidence: Confidence | None) -> int:
    """Sort key: off track, at risk, no check-in, on track."""
    return _RANK[confidence]
