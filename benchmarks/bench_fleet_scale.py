"""``fleet stage`` and ``fleet cert`` over a thousand sites on a slow link.

Run: ``python benchmarks/bench_fleet_scale.py`` (a few minutes; ``--sites 200`` for a
quick run, ``--knee`` to also sweep ``--jobs``).

Each site is a card folder holding the administrator's explicit file under a temporary
folder.  A few HTTP servers on 127.0.0.1 (one event loop in this process) stand in for
the IP Offices: each serves many sites, one per path prefix
(``http://127.0.0.1:PORT/site-0042``), and answers every request after ``--latency``
seconds (50 ms: a WAN link); a few threaded TLS servers present the advisory certificate
after the same wait.  A real IP Office answers on its own CPU; these share the machine
with the tool, so each run also prints the CPU both spent.  The script times the real
command (``python -m ipo46xx fleet ...``) and prints, in the same run:

* ``fleet stage`` at each ``--jobs`` against its own network floor (requests per site x
  latency x sites / jobs), with the requests per site it counted;
* the same job done naively by a shell loop (curl + sed + cp under ``xargs -P``, same
  jobs), which checks nothing: the ratio is what the checks cost;
* ``fleet cert`` of every site.

Ratios, never absolute targets: the machine, and what else runs on it, set the scale.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import json
import os
import pathlib
import re
import resource
import shutil
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADMIN = (ROOT / "fixtures" / "admin-explicit" / "46xxsettings.txt").read_bytes()
SETTINGS, BACKUP = "46xxsettings.txt", "46xxsettings.bak"
sys.path.insert(0, str(ROOT / "src"))

from ipo46xx.emulator import IpOfficeEmulator  # noqa: E402
from ipo46xx.storage import LocalStorage  # noqa: E402

_PATH = re.compile(r"/(site-\d+)(/.*)\Z")


class StandIns:
    """``servers`` HTTP and TLS servers that answer for every site after ``latency``."""

    def __init__(self, cards: pathlib.Path, names: Sequence[str], latency: float, servers: int):
        self.latency = latency
        self.offices = {name: IpOfficeEmulator(LocalStorage(cards / name)) for name in names}
        self.requests: Counter[str] = Counter()
        self._http: list[asyncio.Server] = []
        self._servers: list[socketserver.BaseServer] = []
        # HTTP on one event loop: a thread per request would spend a core of this machine
        # on the stand-ins, which a real IP Office spends on its own.
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._loop.run_forever, daemon=True).start()
        self.http_ports = [self._serve_http() for _ in range(servers)]
        self.tls_ports = [self._serve(self._tls_handler()) for _ in range(servers)]

    def _serve(self, handler: type[socketserver.BaseRequestHandler]) -> int:
        class Server(http.server.ThreadingHTTPServer):
            request_queue_size = 4096  # a WAN stand-in, not a backlog test
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a client that hung up

        server = Server(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self._servers.append(server)
        return int(server.server_address[1])

    def _serve_http(self) -> int:
        async def start() -> asyncio.Server:
            return await asyncio.start_server(self._answer, "127.0.0.1", 0, backlog=4096)

        server = asyncio.run_coroutine_threadsafe(start(), self._loop).result()
        self._http.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One request, answered after the latency, as an IP Office's HTTP/1.0 server."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            await asyncio.sleep(self.latency)
            path = head.split(b" ", 2)[1].decode("latin-1")
            match = _PATH.match(path)
            office = self.offices.get(match.group(1)) if match else None
            body = office.answer(match.group(2)) if office and match else None
            if match:
                self.requests[match.group(1)] += 1  # one thread: the loop's
            if body is None:
                page = b"<html><body>404 File not found</body></html>"
                status, kind = b"404 Not Found", b"text/html"
            else:
                page, status, kind = body, b"200 OK", b"text/plain"
            writer.write(
                b"HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n%s"
                % (status, kind, len(page), page)
            )
            await writer.drain()
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, IndexError):
            pass  # a client that hung up, or not HTTP
        finally:
            writer.close()

    def _tls_handler(self) -> type[socketserver.BaseRequestHandler]:
        office = next(iter(self.offices.values()))
        context = office._tls_context()  # the advisory certificate
        latency = self.latency

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                time.sleep(latency)
                try:
                    with context.wrap_socket(self.request, server_side=True) as tls:
                        tls.recv(1)
                except (OSError, ssl.SSLError):
                    pass

        return Handler

    def close(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for http_server in self._http:
            self._loop.call_soon_threadsafe(http_server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)


def make_cards(cards: pathlib.Path, names: Sequence[str]) -> None:
    shutil.rmtree(cards, ignore_errors=True)
    for name in names:
        (cards / name).mkdir(parents=True)
        (cards / name / SETTINGS).write_bytes(ADMIN)


def inventory(path: pathlib.Path, cards: pathlib.Path, names: Sequence[str], s: StandIns) -> None:
    parts = ["[defaults]\ntimeout = 15\n"]
    for number, name in enumerate(names):
        port = s.http_ports[number % len(s.http_ports)]
        tls = s.tls_ports[number % len(s.tls_ports)]
        parts.append(
            f'\n[[site]]\nname = "{name}"\nipo = "http://127.0.0.1:{port}/{name}"\n'
            f'target = "{cards / name}"\ntls_port = {tls}\n'
        )
    path.write_text("".join(parts))


CPU: dict[str, float] = {}
"""The CPU seconds of the last ``fleet`` run: the tool's (``tool``) and the stand-ins'
(``stand-ins``: this process, which only waits meanwhile)."""


def fleet(action: str, inv: pathlib.Path, state: pathlib.Path, jobs: int) -> tuple[float, int, int]:
    """Wall time of ``fleet ACTION``, how many sites failed, and the workers it used."""
    shutil.rmtree(state, ignore_errors=True)
    command = [
        sys.executable, "-m", "ipo46xx", "fleet", action, "--inventory", str(inv),
        "--state-dir", str(state), "--yes", "--jobs", str(jobs), "--json",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    children, own = resource.getrusage(resource.RUSAGE_CHILDREN), time.process_time()
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["tool"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    CPU["stand-ins"] = time.process_time() - own
    if result.returncode not in (0, 1):
        raise SystemExit(f"fleet {action} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    # A certificate problem found is the job done; an endpoint not read is a failure.
    failed = [
        site["message"][:90]
        for site in json.loads(result.stdout)["sites"]
        if (not site["ok"] and (action != "cert" or site.get("state") != "problem"))
        or any(e.get("error") for e in site.get("endpoints", []))
    ]
    if failed:
        reasons = Counter(failed).most_common(3)
        print(f"    {len(failed)} site(s) failed; most common reasons: {reasons}")
    capped = re.search(r"running (\d+) sites at a time", result.stderr)
    return elapsed, len(failed), int(capped.group(1)) if capped else jobs


SHELL_JOB = r"""
card="$1/$2"
curl -sf --max-time 15 "http://127.0.0.1:$3/$2/46xxsettings.txt" \
  | sed 's/^SET TRUSTCERTS .*/SET TRUSTCERTS ""/' > "$card/new.txt" \
  && cp "$card/46xxsettings.txt" "$card/46xxsettings.bak" \
  && cp "$card/new.txt" "$card/46xxsettings.txt" && rm "$card/new.txt"
"""


def shell_loop(cards: pathlib.Path, names: Sequence[str], s: StandIns, jobs: int) -> float:
    """Wall time of the naive job: curl + sed + cp for each site under ``xargs -P``."""
    lines = "".join(
        f"{name} {s.http_ports[n % len(s.http_ports)]}\n" for n, name in enumerate(names)
    )
    command = ["xargs", "-P", str(jobs), "-n", "2", "sh", "-c", SHELL_JOB, "sh", str(cards)]
    start = time.perf_counter()
    subprocess.run(command, input=lines, text=True, check=True)
    elapsed = time.perf_counter() - start
    bad = [n for n in names if (cards / n / BACKUP).read_bytes() != ADMIN]
    if bad:
        raise SystemExit(f"the shell loop failed on {len(bad)} site(s)")
    return elapsed


def python_pass() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--servers", type=int, default=4, help="HTTP (and TLS) stand-ins")
    parser.add_argument(
        "--knee", action="store_true", help="also time stage at --jobs 8 .. 1000 (slow)"
    )
    args = parser.parse_args()
    names = [f"site-{n:04d}" for n in range(args.sites)]
    with tempfile.TemporaryDirectory() as folder:
        scratch = pathlib.Path(folder)
        cards, state, inv = scratch / "cards", scratch / "state", scratch / "sites.toml"
        make_cards(cards, names)
        stand_ins = StandIns(cards, names, args.latency, args.servers)
        try:
            inventory(inv, cards, names, stand_ins)
            print(
                f"{args.sites} sites, {args.latency * 1e3:.0f} ms per request, "
                f"{args.servers} HTTP + {args.servers} TLS stand-ins, {os.cpu_count()} CPU(s)"
            )
            print(f"  python -c pass                  {python_pass():7.2f} s")
            sweep = sorted(
                set(args.jobs) | ({8, 16, 32, 64, 128, 256, 1000} if args.knee else set())
            )
            for jobs in sweep:
                make_cards(cards, names)
                stand_ins.requests.clear()
                elapsed, failed, used = fleet("stage", inv, state, jobs)
                per_site = sum(stand_ins.requests.values()) / args.sites
                floor = per_site * args.latency * args.sites / used
                ran = f"--jobs {jobs}" + (f" ({used})" if used != jobs else "")
                line = (
                    f"  fleet stage {ran:<18} {elapsed:7.2f} s   "
                    f"{per_site:.1f} requests/site, floor {floor:6.2f} s, "
                    f"{elapsed / floor:5.2f}x floor"
                )
                line += f"; CPU: tool {CPU['tool']:.1f} s, stand-ins {CPU['stand-ins']:.1f} s"
                if jobs in args.jobs:
                    make_cards(cards, names)
                    shell = shell_loop(cards, names, stand_ins, jobs)
                    line += f"; shell loop {shell:6.2f} s, {elapsed / shell:5.2f}x shell"
                print(line + (f"; {failed} FAILED" if failed else ""), flush=True)
            for jobs in args.jobs:
                elapsed, failed, _ = fleet("cert", inv, state, jobs)
                print(
                    f"  fleet cert  --jobs {jobs:<5}       {elapsed:7.2f} s; "
                    f"CPU: tool {CPU['tool']:.1f} s, stand-ins {CPU['stand-ins']:.1f} s"
                    + (f"; {failed} FAILED" if failed else "")
                )
        finally:
            stand_ins.close()


if __name__ == "__main__":
    main()
