"""Shared helpers for the benchmarks: a scratch database and median/ratio reporting."""

from __future__ import annotations

import math
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from time import perf_counter


def scratch_database() -> str:
    folder = Path(tempfile.mkdtemp(prefix="ritualbot-bench-"))
    return f"sqlite:///{folder / 'bench.db'}"


def timed(action: Callable[[], object]) -> float:
    started = perf_counter()
    action()
    return perf_counter() - started


def report(name: str, samples: Sequence[float], baseline: Sequence[float], unit: str = "ms") -> None:
    scale = 1000.0 if unit == "ms" else 1.0
    median, base = statistics.median(samples), statistics.median(baseline)
    print(
        f"{name}: median {median * scale:.2f} {unit} (p90 {_p90(samples) * scale:.2f}), "
        f"baseline median {base * scale:.2f} {unit}, ratio {median / base:.2f}x over {len(samples)} runs"
    )


def _p90(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.9 * (len(ordered) - 1))]


def percentile(samples: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank): p99 of 200 samples is the second slowest."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
