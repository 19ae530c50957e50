"""``fleet stage`` over many sites against one site, on a slow link.

Run as root with Debian's samba installed: ``python benchmarks/bench_fleet.py``.

Each site has its own stand-in IP Office on 127.0.0.1 that answers every request after
100 ms (a WAN link); half the sites' cards are local folders and half are folders on
one real smbd on 127.0.0.1.  The script times the real command,
``python -m ipo46xx fleet stage --inventory FILE --yes --jobs 16``, on fresh sites: one
site, then 50.  Target: 50 sites within 3x the time of one.  It then runs ``status`` over
500 sites on ``memory://`` targets through :func:`ipo46xx.run_fleet` and, as the
baseline, the same 500 ``Stager.status()`` calls in a plain loop, and prints the
runner's overhead per site.
"""

from __future__ import annotations

import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.fleet_sites import Fleet
from tests.samba import Samba, unavailable_reason

from ipo46xx.fleet.inventory import Inventory, Site
from ipo46xx.fleet.runner import run_fleet
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import open_storage

LATENCY = 0.1
ROUNDS = 3
JOBS = 16


def fleet_stage(root: pathlib.Path, samba: Samba, count: int, smb_every: int) -> tuple[float, int]:
    """Wall time of ``fleet stage`` over ``count`` fresh sites, and how many failed."""
    fleet = Fleet(root, count, samba=samba, smb_every=smb_every, delay=LATENCY)
    try:
        inventory = fleet.write_toml()
        env = {k: v for k, v in os.environ.items() if not k.startswith("IPO46XX_")}
        env.update(fleet.environ())
        command = [
            sys.executable, "-m", "ipo46xx", "fleet", "stage", "--inventory", str(inventory),
            "--state-dir", str(root / "journals"), "--yes", "--jobs", str(JOBS),
        ]  # fmt: skip
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        elapsed = time.perf_counter() - start
        failed = [line for line in result.stdout.splitlines() if " FAILED " in line]
        for line in failed:
            print(f"    FAILED: {line}")
        if result.returncode not in (0, 1):
            raise SystemExit(f"fleet stage failed:\n{result.stdout}\n{result.stderr}")
        return elapsed, len(failed)
    finally:
        fleet.close()


def timed(label: str, samba: Samba, scratch: pathlib.Path, count: int, smb_every: int) -> float:
    times = []
    failures = 0
    for round_ in range(ROUNDS):
        root = scratch / f"run-{count}-{smb_every}-{round_}"
        root.mkdir()
        elapsed, failed = fleet_stage(root, samba, count, smb_every)
        times.append(elapsed)
        failures += failed
    value = statistics.median(times)
    each = ", ".join(f"{t:.2f}" for t in times)
    note = f"; {failures} site(s) FAILED" if failures else ""
    print(f"  {label:<28} {value:6.2f} s   (median of {ROUNDS}: {each}{note})")
    return value


def overhead(scratch: pathlib.Path, count: int = 500) -> None:
    sites = tuple(Site(f"m{n:03d}", "127.0.0.1", f"memory://m{n:03d}") for n in range(count))
    start = time.perf_counter()
    for site in sites:
        Stager(site.ipo, open_storage(site.target), scratch / "direct" / site.name).status()
    direct = time.perf_counter() - start
    start = time.perf_counter()
    result = run_fleet(Inventory(None, sites), "status", jobs=JOBS, state_dir=scratch / "fleet")
    fleet = time.perf_counter() - start
    assert result.summary["ok"] == count
    print(f"status over {count} sites on memory:// targets:")
    print(
        f"  plain loop of Stager.status()   {direct:6.3f} s   {direct / count * 1e3:6.3f} ms/site"
    )
    print(
        f"  run_fleet, --jobs {JOBS}           {fleet:6.3f} s   {fleet / count * 1e3:6.3f} ms/site"
    )
    print(f"  runner overhead per site        {(fleet - direct) / count * 1e3:+6.3f} ms")


def main() -> None:
    reason = unavailable_reason()
    if reason is not None:
        raise SystemExit(f"cannot run the SMB half: {reason}")
    with tempfile.TemporaryDirectory() as folder:
        scratch = pathlib.Path(folder)
        samba = Samba(scratch / "samba")
        samba.start()
        try:
            print(f"fleet stage, {LATENCY * 1e3:.0f} ms per IP Office request, --jobs {JOBS}:")
            local = timed("1 site (local card)", samba, scratch, 1, smb_every=2)
            one_smb = timed("1 site (card on smbd)", samba, scratch, 1, smb_every=1)
            fifty = timed("50 sites (25 local, 25 smbd)", samba, scratch, 50, smb_every=2)
            print(f"  ratio 50 / 1 (local)    {fifty / local:5.2f}x   (target <= 3x)")
            print(f"  ratio 50 / 1 (smbd)     {fifty / one_smb:5.2f}x")
        finally:
            samba.stop()
        overhead(scratch)


if __name__ == "__main__":
    main()
