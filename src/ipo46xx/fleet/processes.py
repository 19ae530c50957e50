"""A fleet run spread over worker processes, so that its checks use every core.

Every site's checks (parsing, the phones' chain, certificates, the journal) run under
the interpreter lock, and at ``--jobs 64`` one lock is what a run waits for: 1,000 sites
on a 50 ms link spent about 21 ms of one core each, half of it handing the lock over at
every system call.  So a large run starts :func:`process_count` workers of
:mod:`.worker`, each with its share of the jobs in threads, and hands them sites one at a
time as their sites finish, in inventory order.

How it stays as safe as the threads it replaces:

* A worker is the same :class:`~ipo46xx.fleet.site_runner.SiteRunner` in another process;
  its results come back whole (the stager is rebuilt here, without contacting anything).
* The parent keeps the queue: a cancelled run stops handing out sites, and a worker
  with none left finishes the ones it runs and exits.  Workers start in their own session,
  so Ctrl-C at the terminal reaches the parent only; abandoning the run (a second Ctrl-C)
  terminates them, which their journals make as safe as a crash.
* A worker whose parent dies finishes the sites it runs and exits when its pipe closes.
* Passwords travel only on the worker's standard input: the variables the sites name, and
  nothing else of the environment.  Log records cross back already filtered by
  :class:`~ipo46xx.logfilter.SecretFilter`.
* A worker that cannot start leaves the run to threads in this process, with a warning; a
  worker that dies fails the sites it was running as an internal error.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any

import attrs

from .limits import THREADS_PER_PROCESS
from .pipes import receive, send
from .results import EXIT_BUG, SiteResult

if TYPE_CHECKING:
    from .inventory import Site
    from .site_runner import SiteRunner

__all__ = ["THREADS_PER_PROCESS", "WorkerPool", "process_count"]

log = logging.getLogger(__name__)

# Loads this very copy of ipo46xx in the worker, wherever it came from (an installed
# package, a checkout on PYTHONPATH, a path added at run time), without touching sys.path.
_BOOT = (
    "import importlib.util, sys\n"
    "spec = importlib.util.spec_from_file_location('ipo46xx', sys.argv[1], "
    "submodule_search_locations=[sys.argv[2]])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules['ipo46xx'] = module\n"
    "spec.loader.exec_module(module)\n"
    "from ipo46xx.fleet.worker import main\n"
    "sys.exit(main())\n"
)


def process_count(jobs: int, sites: int, action: str = "stage") -> int:
    """How many processes share a run: one per core this process may use, as long as
    each gets :data:`THREADS_PER_PROCESS` workers and as many sites.  ``cert`` runs in
    one: a site costs it about 3 ms of CPU (one TLS handshake), and over 1,000 sites the
    workers' start (about 0.3 s of CPU each) cost more than they saved (3.5-3.7 s against
    3.0-3.3 s at --jobs 64 on 2 cores).

    >>> process_count(8, 1000), process_count(64, 10), process_count(64, 1000, "cert")
    (1, 1, 1)
    """
    if action == "cert" or os.name != "posix" or not sys.executable:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    share = THREADS_PER_PROCESS
    return max(1, min(cores or 1, jobs // share, sites // share))


@attrs.define(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    inbox: IO[bytes]  # the worker's standard input: sites to run
    outbox: IO[bytes]  # its standard output: what happened
    running: dict[int, bool] = attrs.Factory(dict)  # index -> started yet
    open: bool = True


class WorkerPool:
    """The worker processes of one run, and the threads here that listen to them."""

    def __init__(
        self,
        runner: SiteRunner,
        sites: Sequence[Site],
        events: queue.Queue[tuple[str, Site, SiteResult | None]],
        cancel: threading.Event,
    ) -> None:
        self.runner = runner
        self.sites = list(sites)
        self.events = events
        self.cancel = cancel
        self.pending = deque(range(len(self.sites)))
        self.take = threading.Lock()  # around the queue and the workers' inboxes
        self.workers: list[_Worker] = []
        self.listeners: list[threading.Thread] = []

    def start(self, jobs: int, processes: int) -> list[threading.Thread] | None:
        """Start ``processes`` workers sharing ``jobs``; one listening thread per worker.
        ``None`` when they could not start (the caller runs the sites in threads)."""
        threads = [jobs // processes + (n < jobs % processes) for n in range(processes)]
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        spec = (
            self.runner.for_worker(self.sites),
            self.sites,
            _log_level(),
        )
        try:
            for count in threads:
                process = subprocess.Popen(
                    [sys.executable, "-c", _BOOT, os.path.join(package, "__init__.py"), package],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    start_new_session=True,
                )
                assert process.stdin is not None and process.stdout is not None
                self.workers.append(_Worker(process, process.stdin, process.stdout))
                send(process.stdin, (*spec, count))
            for worker in self.workers:
                while (message := receive(worker.outbox)) is not None and message[0] == "log":
                    _log_again(message[1])
                if message != ("ready", worker.process.pid):
                    raise OSError(f"worker process {worker.process.pid} did not start")
        except Exception as exc:  # whatever stops them, the threads here can do the work
            log.warning("running the sites in one process: %s", exc)
            self.stop()
            self.workers = []
            return None
        self.listeners = listeners = [
            threading.Thread(
                target=self._listen, args=(worker,), name=f"ipo46xx-fleet-process-{n}", daemon=True
            )
            for n, worker in enumerate(self.workers)
        ]
        for listener in listeners:
            listener.start()
        for worker, count in zip(self.workers, threads, strict=True):
            for _ in range(count):
                self._hand_out(worker)
        return listeners

    def stop(self) -> None:
        """Terminate the workers still running (a run abandoned, or one that failed to
        start); a finished run's workers have exited already."""
        with self.take:  # no site is handed out while they stop
            for worker in self.workers:
                worker.open = False
                if worker.process.poll() is None:
                    worker.process.terminate()
        for worker in self.workers:
            worker.process.wait()
        for listener in self.listeners:
            listener.join()  # each reads to the end of its worker's output, then ends
        for worker in self.workers:
            for stream in (worker.inbox, worker.outbox):
                with contextlib.suppress(OSError):  # a pipe to a worker that died
                    stream.close()

    def _hand_out(self, worker: _Worker) -> None:
        """Give the worker its next site, or tell it there are none left."""
        with self.take:
            if not worker.open:
                return
            if self.cancel.is_set() or not self.pending:
                worker.open = False
                with contextlib.suppress(OSError):  # it died: its listener reports its sites
                    worker.inbox.close()
                return
            index = self.pending.popleft()
            worker.running[index] = False
            try:
                send(worker.inbox, index)
            except (OSError, ValueError):  # ValueError: its pipe is closed
                worker.open = False  # it died: its listener reports its sites

    def _listen(self, worker: _Worker) -> None:
        try:
            self._follow(worker)
        except Exception:  # what it sent cannot be read: it is of no more use
            log.warning("stopping a worker process whose messages cannot be read", exc_info=True)
            worker.process.kill()
        status = worker.process.wait()
        with self.take:
            worker.open = False
        how = f"killed by signal {-status}" if status < 0 else f"exit status {status}"
        for index, started in sorted(worker.running.items()):
            site = self.sites[index]
            if not started:
                self.events.put(("started", site, None))
            why = f"the worker process running this site ended ({how})"
            self.events.put(("finished", site, self._lost(site, why)))

    def _follow(self, worker: _Worker) -> None:
        """Pass on what the worker reports, and hand it a site as each of its sites ends."""
        while (message := receive(worker.outbox)) is not None:
            kind = message[0]
            if kind == "log":
                _log_again(message[1])
                continue
            index = message[1]
            site = self.sites[index]
            if kind == "started":
                worker.running[index] = True
                self.events.put(("started", site, None))
                continue
            del worker.running[index]
            self.events.put(("finished", site, self._result(site, message[2], message[3])))
            self._hand_out(worker)

    def _result(self, site: Site, data: bytes, had_stager: bool) -> SiteResult:
        try:
            result: SiteResult = _load(data)
        except Exception as exc:  # it ran; what it gave is lost on the way
            log.debug("site %s: result not readable", site.name, exc_info=True)
            return self._lost(site, f"its result could not be read here ({type(exc).__name__})")
        if had_stager:
            try:
                result = attrs.evolve(result, stager=self.runner.stager_for(site))
            except Exception:  # the site ran there; only its stager is missing here
                log.debug("site %s: no stager for the result", site.name, exc_info=True)
        return result

    def _lost(self, site: Site, why: str) -> SiteResult:
        """A site whose result a worker did not deliver: an internal error of this tool."""
        message = (
            f"internal error: {why}; `ipo46xx fleet status` tells where the site stopped; "
            "please report it"
        )
        state = self.runner.journal_state(site)
        return SiteResult(site.name, self.runner.action, False, state, EXIT_BUG, message)


_load = pickle.loads  # how a result that crossed the pipe is read


def _log_level() -> int:
    """The lowest level this process shows of ipo46xx's records or the others'."""
    return min(logging.getLogger().getEffectiveLevel(), logging.getLogger("ipo46xx").level or 50)


def _log_again(fields: dict[str, Any]) -> None:
    """Hand a worker's record to this process's logging, as if it were logged here."""
    logger = logging.getLogger(fields["name"])
    if logger.isEnabledFor(fields["levelno"]):
        logger.handle(logging.makeLogRecord(fields))
