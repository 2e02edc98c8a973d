"""Key results: reading a run's sources at once, and what drawing charts lazily saves at start-up.

* Sources: N key results whose source takes `--latency` seconds to answer (a local HTTP server,
  real sockets), read the way a run reads them (`SourceFetcher.fetch_all`, concurrently), against
  a baseline in the same process reading the same sources one after the other (the same code
  with a single worker).
* Start-up: importing the app factory in a fresh interpreter, as `ritualbot run` does, against a
  baseline that also imports what drawing a chart needs (matplotlib's Figure and Agg canvas),
  which is what importing it eagerly would cost every process.

Run: `.venv/bin/python -m benchmarks.key_results [-n 8] [--latency 0.05] [--runs 15]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from benchmarks.common import report, timed
from bot.demo.numbers_source import NumbersServer
from insights.config import Source
from insights.fetching import FetchPolicy, SourceFetcher

EAGER = "import bot.app, matplotlib.figure, matplotlib.backends.backend_agg"
LAZY = "import bot.app"


def sources_figures(count: int, latency: float, runs: int) -> None:
    with NumbersServer(latency=latency) as server:
        sources = {}
        for n in range(count):
            server.serve(f"kr{n}", n)
            sources[f"kr{n}"] = Source(url=server.url(f"kr{n}"), value="data.value")
        fetcher, one_by_one = SourceFetcher(), SourceFetcher(FetchPolicy(max_workers=1))
        fetcher.fetch_all(sources)  # warm up both paths
        one_by_one.fetch_all(sources)
        samples, baseline = [], []
        for _ in range(runs):
            samples.append(timed(lambda: fetcher.fetch_all(sources)))
            baseline.append(timed(lambda: one_by_one.fetch_all(sources)))
    report(f"reading {count} sources ({latency * 1000:.0f} ms each), all at once", samples, baseline)


def import_figures(runs: int) -> None:
    def interpreter(code: str) -> None:
        subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 - this interpreter, constant code

    interpreter(EAGER)  # warm the file cache for both
    samples, baseline = [], []
    for _ in range(runs):
        samples.append(timed(lambda: interpreter(LAZY)))
        baseline.append(timed(lambda: interpreter(EAGER)))
    report("start-up import of the app, matplotlib left out until a chart is drawn", samples, baseline)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=8, help="sources per run")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each source takes")
    parser.add_argument("--runs", type=int, default=15)
    arguments = parser.parse_args()
    sources_figures(arguments.n, arguments.latency, arguments.runs)
    import_figures(arguments.runs)


if __name__ == "__main__":
    main()
