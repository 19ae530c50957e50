"""How long ``ipo46xx trustcerts FILE`` takes to start and answer, against ``python -c pass``.

Run: ``python benchmarks/bench_startup.py``.  Both are run alternately, ``--rounds``
times each; the best of each is kept (the least disturbed by other work on the machine)
and the ratio printed.  Target: at most 8x.  ``-X importtime`` shows what is imported.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
FILE = ROOT / "fixtures" / "admin-explicit" / "46xxsettings.txt"


def timed(command: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    baseline = [sys.executable, "-c", "pass"]
    trustcerts = [sys.executable, "-m", "ipo46xx", "trustcerts", str(FILE)]
    times: dict[str, list[float]] = {"pass": [], "trustcerts": []}
    for _ in range(args.rounds):
        times["pass"].append(timed(baseline))
        times["trustcerts"].append(timed(trustcerts))
    best = {name: min(values) for name, values in times.items()}
    print(f"python -c pass                 {best['pass'] * 1e3:7.1f} ms (best of {args.rounds})")
    print(f"ipo46xx trustcerts FILE        {best['trustcerts'] * 1e3:7.1f} ms")
    print(
        f"ratio                          {best['trustcerts'] / best['pass']:7.2f}x (target <= 8x)"
    )


if __name__ == "__main__":
    main()
