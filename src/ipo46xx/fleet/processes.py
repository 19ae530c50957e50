"""A fleet run spread over worker processes, so that its checks use every core.

Every site's checks (parsing, the phones' chain, certificates, the journal) run under
the interpreter lock, and at ``--jobs 64`` one lock is what a run waits for: 1,000 sites
on a 50 ms link spent about 21 ms of one core each, half of it handing the lock over at
every system call.  So a large run starts :func:`.limits.process_count` workers of
:mod:`.worker`, each with its share of the jobs in threads, and hands them sites one at a
time as their sites finish, in inventory order.

How it stays as safe as the threads it replaces:

* A worker is the same :class:`~ipo46xx.fleet.site_runner.SiteRunner` in another process;
  its results come back whole (the stager is rebuilt here, without contacting anything).
* The parent keeps the queue: a cancelled run stops handing out sites, and a worker
  with none left finishes the ones it runs and exits.  Workers start in their own session,
  so Ctrl-C at the terminal reaches the parent only; abandoning the run (a second Ctrl-C)
  terminates them, which their journals make as safe as a crash.
* A worker whose parent dies finishes the sites it runs and exits when its pipe closes;
  a fork of the parent (a caller's own) drops its copies of the pipes, and a run that is
  over tells its workers so rather than only closing them.
* A worker imports from the parent's ``sys.path``, not from the working folder, and
  writes its messages on a pipe of its own: nothing printed as Python starts mixes in.
* Passwords travel only on the worker's standard input: the variables the sites name, and
  nothing else of the environment.  Log records cross back already filtered by
  :class:`~ipo46xx.logfilter.SecretFilter`.
* A worker that cannot start (or is not ready within :data:`START_TIMEOUT`) leaves the
  run to threads in this process, with a warning; a worker that dies (or sends what
  cannot be read) fails the sites it was running as an internal error, and once none is
  left the remaining sites run in threads here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import select
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING, Any

import attrs

from .pipes import receive, send
from .results import EXIT_BUG, SiteResult

if TYPE_CHECKING:
    from .inventory import Site
    from .site_runner import SiteRunner

__all__ = ["START_TIMEOUT", "WorkerPool"]

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0
"""Seconds a worker may take to say it is ready (it takes about 0.3 s of CPU): one held by
something at start-up (a sitecustomize waiting for the network) leaves the run to threads."""

# Loads this very copy of ipo46xx in the worker, wherever it came from (an installed
# package, a checkout on PYTHONPATH, a path added at run time), and imports everything
# else from where this process does: the parent's sys.path replaces the worker's before
# any import, so a queue.py or attrs.py in the working folder is not what the worker
# runs (``python -c`` puts the working folder first).
_BOOT = (
    "import sys\n"
    "sys.path[:] = sys.argv[4:]\n"
    "import importlib.util\n"
    "spec = importlib.util.spec_from_file_location('ipo46xx', sys.argv[1], "
    "submodule_search_locations=[sys.argv[2]])\n"
    "module = importlib.util.module_from_spec(spec)\n"
    "sys.modules['ipo46xx'] = module\n"
    "spec.loader.exec_module(module)\n"
    "from ipo46xx.fleet.worker import main\n"
    "sys.exit(main(int(sys.argv[3])))\n"
)


@attrs.define(eq=False)
class _Worker:
    process: subprocess.Popen[bytes]
    inbox: IO[bytes]  # the worker's standard input: sites to run
    outbox: IO[bytes]  # its own pipe back (not its standard output): what happened
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
        here: Callable[[Sequence[Site]], list[threading.Thread]],
    ) -> None:
        self.runner = runner
        self.sites = list(sites)
        self.events = events
        self.cancel = cancel
        self.here = here  # runs sites in threads of this process
        self.pending = deque(range(len(self.sites)))
        self.take = threading.Lock()  # around the queue and the workers' inboxes
        self.workers: list[_Worker] = []
        self.listeners: list[threading.Thread] = []
        self.stopping = threading.Event()

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
                worker = _spawn(package)
                self.workers.append(worker)
                send(worker.inbox, (*spec, count))
            deadline = time.monotonic() + START_TIMEOUT
            for worker in self.workers:
                _wait_until_ready(worker, deadline)
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
            self.stopping.set()
            for worker in self.workers:
                worker.open = False
                if worker.process.poll() is None:
                    worker.process.terminate()
        for worker in self.workers:
            try:
                worker.process.wait(timeout=5)
            except subprocess.TimeoutExpired:  # stopped (kill -STOP): SIGTERM waits for SIGCONT
                worker.process.kill()
                worker.process.wait()
        for listener in self.listeners:
            listener.join()  # each reads to the end of its worker's output, then ends
        for worker in self.workers:
            _close(worker.inbox)
            _close(worker.outbox)

    def _hand_out(self, worker: _Worker) -> None:
        """Give the worker its next site, or tell it there are none left."""
        with self.take:
            if not worker.open:
                return
            if self.cancel.is_set() or not self.pending:
                worker.open = False
                # Said, not only closed: a fork of this process may hold the pipe open.
                with contextlib.suppress(OSError, ValueError):  # it died: see _listen
                    send(worker.inbox, None)
                _close(worker.inbox)
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
        rest = self._left_over()
        if rest:
            log.warning(
                "the worker processes ended; running the other %d site(s) in this process",
                len(rest),
            )
            for thread in self.here(rest):
                while thread.is_alive() and not self.stopping.is_set():
                    thread.join(0.1)

    def _left_over(self) -> list[Site]:
        """The sites no worker will run, once the last one has ended before the run did."""
        with self.take:
            if self.cancel.is_set() or self.stopping.is_set():
                return []
            if any(worker.open for worker in self.workers):
                return []
            rest = [self.sites[index] for index in self.pending]
            self.pending.clear()
            return rest

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


def _spawn(package: str) -> _Worker:
    """Start one worker.  Its messages come on a pipe of their own: whatever prints on
    its standard output as Python starts (a sitecustomize, a .pth file) goes nowhere."""
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _BOOT,
                os.path.join(package, "__init__.py"),
                package,
                str(write_end),
                *(entry for entry in sys.path if isinstance(entry, str)),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            pass_fds=(write_end,),
            start_new_session=True,
        )
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    assert process.stdin is not None
    _PIPES.update((process.stdin.fileno(), read_end))
    return _Worker(process, process.stdin, os.fdopen(read_end, "rb", buffering=0))


def _wait_until_ready(worker: _Worker, deadline: float) -> None:
    """Pass on the worker's records until it says it is ready; fail if it does not by
    ``deadline`` (its messages are read unbuffered, so select sees all there is)."""
    pid = worker.process.pid
    while True:
        left = max(0.0, deadline - time.monotonic())
        if not select.select([worker.outbox], [], [], left)[0]:
            raise OSError(f"worker process {pid} did not start within {START_TIMEOUT:g} s")
        message = receive(worker.outbox)
        if message is None or message[0] != "log":
            break
        _log_again(message[1])
    if message != ("ready", pid):
        raise OSError(f"worker process {pid} did not start")


# The pipes to this process's workers.  A fork of this process (a caller's own, say
# multiprocessing's) would hold them open for as long as it lives: a worker would never
# see its parent gone, and a run would wait for the fork to end.  So a fork drops them.
_PIPES: set[int] = set()


def _drop_pipes() -> None:
    if not _PIPES:
        return
    null = os.open(os.devnull, os.O_RDWR)
    for fd in _PIPES:
        os.dup2(null, fd, inheritable=False)  # the number stays taken: no file object errs
    os.close(null)
    _PIPES.clear()


def _close(stream: IO[bytes]) -> None:
    """Close a pipe to a worker (that may have died), forgotten first."""
    with contextlib.suppress(ValueError):  # closed already
        _PIPES.discard(stream.fileno())
    with contextlib.suppress(OSError):
        stream.close()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_drop_pipes)


def _log_level() -> int:
    """The lowest level this process shows of ipo46xx's records or the others'."""
    return min(logging.getLogger().getEffectiveLevel(), logging.getLogger("ipo46xx").level or 50)


def _log_again(fields: dict[str, Any]) -> None:
    """Hand a worker's record to this process's logging, as if it were logged here."""
    logger = logging.getLogger(fields["name"])
    if logger.isEnabledFor(fields["levelno"]):
        logger.handle(logging.makeLogRecord(fields))
