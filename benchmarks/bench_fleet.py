"""``fleet stage`` over many sites against one site, on a slow link; and what a site
costs: requests and CPU.

``python benchmarks/bench_fleet.py`` runs every part; ``--part cpu`` only the first.

**Requests and CPU per site** (issue 20).  200 sites, each a card folder holding an
administrator's ``46xxsettings.txt``, served by one stand-in IP Office file service in
another process (so that its CPU is not counted) that answers each request after 50 ms.
``fleet stage --jobs 16`` runs in this process through :func:`ipo46xx.run_fleet`; the
benchmark prints the requests per site (counted by the stand-in), the tool's CPU per site
(``time.process_time`` over the whole run, every thread), and, as ratios against
baselines measured in the same run: the wall time against the network floor (requests per
site x latency x sites / jobs), and the CPU against a bare stage that checks nothing (the
shell loop's work: download, blank with a regular expression, park the explicit file,
write; same sites, same workers).  Target: at most 15 ms of CPU per site.

**Fleet against one site**, as root with Debian's samba installed:

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

import argparse
import concurrent.futures
import http.server
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.fleet_sites import Fleet
from tests.samba import Samba, unavailable_reason
from tests.staging_site import ADMIN

from ipo46xx.fleet.inventory import Inventory, Site
from ipo46xx.fleet.runner import run_fleet
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import open_storage

LATENCY = 0.1
ROUNDS = 3
JOBS = 16
WAN = 0.05  # the stand-in's latency for the CPU part, as issue 20 measured
CPU_SITES = 200
CPU_TARGET_MS = 15.0


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


# -- requests and CPU per site ------------------------------------------------------------


def serve(root: pathlib.Path, latency: float) -> None:
    """The stand-in file service (run in its own process): ``/<site>/<name>`` answers the
    file from ``root/<site>`` after ``latency`` seconds, or 404; ``/__stats`` the number of
    requests per site."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/__stats":
                with lock:
                    body = json.dumps(counts).encode()
                self._send(200, body)
                return
            site, _slash, name = self.path.lstrip("/").partition("/")
            with lock:
                counts[site] = counts.get(site, 0) + 1
            time.sleep(latency)
            file = root / site / name
            if "/" in name or not file.is_file():
                self._send(404, b"not found")
            else:
                self._send(200, file.read_bytes())

        def _send(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print(server.server_address[1], flush=True)
    server.serve_forever()


class StandIn:
    """The stand-in file service in its own process."""

    def __init__(self, root: pathlib.Path, latency: float) -> None:
        command = [sys.executable, __file__, "--serve", str(root), str(latency)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def url(self, site: str) -> str:
        return f"http://127.0.0.1:{self.port}/{site}/46xxsettings.txt"

    def requests(self) -> dict[str, int]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__stats") as answer:
            counts: dict[str, int] = json.loads(answer.read())
        return counts

    def close(self) -> None:
        self.process.terminate()
        self.process.wait()


def _cards(root: pathlib.Path, count: int) -> list[str]:
    names = [f"s{n:04d}" for n in range(count)]
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "46xxsettings.txt").write_bytes(ADMIN)
    return names


_TRUSTCERTS = re.compile(rb"^(SET TRUSTCERTS ).*$", re.MULTILINE)


def _bare_stage(url: str, card: pathlib.Path) -> None:
    """What the shell loop does for one site: download, blank, park, write; no check."""
    with urllib.request.urlopen(url, timeout=15) as answer:
        served = answer.read()
    staged = _TRUSTCERTS.sub(rb'\1""', served)
    (card / "46xxsettings.txt").rename(card / "46xxsettings.bak")
    temporary = card / ".46xxsettings.txt.tmp"
    temporary.write_bytes(staged)
    os.replace(temporary, card / "46xxsettings.txt")


def _one_run(root: pathlib.Path, kind: str, count: int) -> tuple[float, float, float]:
    """CPU per site (ms), wall time (s) and requests per site of one run of ``kind``."""
    names = _cards(root / "cards", count)
    stand_in = StandIn(root / "cards", WAN)
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        if kind == "stage":
            sites = tuple(Site(n, stand_in.url(n), str(root / "cards" / n)) for n in names)
            result = run_fleet(Inventory(None, sites), "stage", jobs=JOBS, state_dir=root / "state")
            if result.summary["ok"] != count:
                failed = [r for r in result.results if not r.ok]
                raise SystemExit(f"{len(failed)} site(s) failed: {failed[0].message}")
        else:
            urls = [stand_in.url(n) for n in names]
            cards = [root / "cards" / n for n in names]
            with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
                list(pool.map(_bare_stage, urls, cards))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        requests = sum(stand_in.requests().values()) / count
    finally:
        stand_in.close()
    return cpu / count * 1e3, wall, requests


def _medians(runs: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    cpu, wall, requests = (statistics.median(x) for x in zip(*runs, strict=True))
    return cpu, wall, requests


def cpu_per_site(scratch: pathlib.Path, count: int = CPU_SITES) -> float:
    """Print requests and CPU per site for ``fleet stage``; return the CPU in ms."""
    print(
        f"fleet stage of {count} sites, {WAN * 1e3:.0f} ms per request, --jobs {JOBS} "
        f"(median of {ROUNDS}, stage and bare runs alternating):"
    )
    runs: dict[str, list[tuple[float, float, float]]] = {"bare": [], "stage": []}
    for round_ in range(ROUNDS):
        for kind, done in runs.items():
            done.append(_one_run(scratch / f"cpu-{kind}-{round_}", kind, count))
    stage_cpu, stage_wall, stage_requests = _medians(runs["stage"])
    bare_cpu, bare_wall, bare_requests = _medians(runs["bare"])
    each = ", ".join(f"{cpu:.1f}" for cpu, _wall, _requests in runs["stage"])
    floor = stage_requests * WAN * count / JOBS
    print(f"  requests per site          stage {stage_requests:5.1f}   bare {bare_requests:5.1f}")
    print(
        f"  CPU per site               stage {stage_cpu:5.1f} ms   bare {bare_cpu:5.1f} ms"
        f"   (target <= {CPU_TARGET_MS:.0f} ms; stage runs: {each})"
    )
    print(f"  ratio CPU stage / bare     {stage_cpu / bare_cpu:5.2f}x")
    print(f"  wall time                  stage {stage_wall:5.2f} s   bare {bare_wall:5.2f} s")
    print(f"  network floor of stage     {floor:5.2f} s")
    print(f"  ratio wall / floor         {stage_wall / floor:5.2f}x")
    return stage_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--part", choices=("all", "cpu"), default="all")
    parser.add_argument("--serve", nargs=2, metavar=("ROOT", "LATENCY"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(pathlib.Path(options.serve[0]), float(options.serve[1]))
        return
    with tempfile.TemporaryDirectory() as folder:
        cpu_per_site(pathlib.Path(folder))
    if options.part == "cpu":
        return
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
