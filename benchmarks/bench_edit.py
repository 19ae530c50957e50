"""set, unset and compare (every profile) on the largest fixture, as ratios to a parse of it.

Run: ``PYTHONPATH=src python benchmarks/bench_edit.py``.  Each edit proves itself with two
comparisons of every profile, so it costs more than ``compare``; the target is for
``compare`` of every profile: at most 10x a parse of the same file, in the same run.
Best of several runs each, so that a busy machine skews less.
"""

from __future__ import annotations

import pathlib
import time
from collections.abc import Callable

import ipo46xx

REPEATS = 7
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
TARGET = 10.0


def largest() -> pathlib.Path:
    """The largest settings file under fixtures/."""
    return max(FIXTURES.rglob("*.txt"), key=lambda p: p.stat().st_size)


def best(function: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    path = largest()
    data = path.read_bytes()
    doc = ipo46xx.parse(data, name=path.name)
    new = ipo46xx.set_setting(doc, "SCREENSAVERON", "60", ipo46xx.Phones(model="9611")).document
    parse = best(lambda: ipo46xx.parse(data, name=path.name))
    timings = {
        "compare (every profile)": best(lambda: ipo46xx.compare(doc, new)),
        "set (one model)": best(
            lambda: ipo46xx.set_setting(doc, "SCREENSAVERON", "60", ipo46xx.Phones(model="9611"))
        ),
        "set (every phone)": best(lambda: ipo46xx.set_setting(doc, "SNTPSRVR", "10.0.0.1")),
        "unset (one family)": best(
            lambda: ipo46xx.unset_setting(doc, "SCREENSAVERON", ipo46xx.Phones(family="96x1"))
        ),
    }
    print(f"{path.relative_to(FIXTURES)}: {len(data)} bytes, {len(doc)} lines")
    print(f"parse: {parse * 1e6:.0f} us")
    for name, seconds in timings.items():
        print(f"{name:<24} {seconds * 1e3:7.2f} ms  {seconds / parse:7.1f}x parse")
    ratio = timings["compare (every profile)"] / parse
    verdict = "within" if ratio <= TARGET else "OVER"
    print(f"compare of every profile: {ratio:.1f}x a parse ({verdict} the {TARGET:g}x target)")


if __name__ == "__main__":
    main()
