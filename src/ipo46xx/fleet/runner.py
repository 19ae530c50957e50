"""Many IP Offices from one inventory: each site runs the single-site flow on its own.

:func:`run_fleet` runs one action (``cert``, ``status``, ``stage``, ``verify``,
``restore``, ``rollback``) over the sites of an :class:`~ipo46xx.fleet.inventory.Inventory`,
``jobs`` at a time, and returns one :class:`SiteResult` per site.  Each site does exactly
what the single-site command does, through its own :class:`~ipo46xx.staging.stager.Stager`
with its journal in ``<state_dir>/<site name>/``; one site's failure never stops or
touches another.

How it stays fair and safe:

* The work waits on the network, so threads do it: ``jobs`` sites at a time.  Nothing
  shared is held across I/O: each site opens its own storage (an SMB storage keeps its
  own connection cache) and its own journal; the workers share only a lock around taking
  the next site.  A large run spreads its threads over worker processes, one per core
  (:mod:`.processes`), because its checks would otherwise wait for one interpreter lock.
* ``cancel`` (a :class:`threading.Event`) stops new sites from starting; sites already
  running finish their operation, and the rest are reported as not run.  The workers
  are daemon threads, so a caller that stops waiting (a second Ctrl-C) abandons them,
  and worker processes are terminated; their journals make that as safe as a crash.
* ``progress`` is called on the caller's thread, once when a site starts and once when
  it finishes, with the counts so far.
* What each site does is :class:`~ipo46xx.fleet.site_runner.SiteRunner`'s.
"""

from __future__ import annotations

import os
import pathlib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import InputError
from .inventory import Inventory, Site, default_fleet_state_dir
from .limits import MAX_JOBS, process_count, worker_limit
from .results import (
    ACTIONS,
    CHANGING_ACTIONS,
    DEFAULT_JOBS,
    NOT_RUN,
    FleetProgress,
    FleetResult,
    SiteResult,
    fleet_exit,
    summarise,
)
from .site_runner import SiteRunner

if TYPE_CHECKING:
    from ..format.compare import Phones
    from ..staging.change_request import SettingEdit

__all__ = [
    "ACTIONS",
    "CHANGING_ACTIONS",
    "DEFAULT_JOBS",
    "MAX_JOBS",
    "FleetProgress",
    "FleetResult",
    "SiteResult",
    "fleet_exit",
    "process_count",
    "run_fleet",
    "summarise",
    "worker_limit",
]


def run_fleet(
    inventory: Inventory,
    action: str,
    *,
    sites: Sequence[str] | None = None,
    jobs: int = DEFAULT_JOBS,
    state_dir: str | os.PathLike[str] | None = None,
    dry_run: bool = False,
    days: int = 180,
    progress: Callable[[FleetProgress], None] | None = None,
    cancel: threading.Event | None = None,
    environ: Mapping[str, str] | None = None,
    edits: Sequence[SettingEdit] = (),
    phones: Phones | None = None,
    processes: int | None = None,
) -> FleetResult:
    """Run ``action`` over the inventory's sites (or the named ones), ``jobs`` at a time.

    At most :func:`worker_limit` sites run at a time, whatever ``jobs`` asks.
    ``state_dir`` holds one journal folder per site (default: one folder per inventory
    file under the XDG state folder).  ``dry_run`` plans stage, change, restore or rollback and
    changes nothing.  ``environ`` is where ``password_env`` variables are looked up
    (default: ``os.environ``).  ``days`` is the ``cert`` warning threshold.  ``change``
    makes ``edits`` for the ``phones`` named on every site.  ``processes`` share the
    ``jobs`` between them (default: :func:`process_count`, one per core once each has
    enough workers to keep its interpreter lock busy; 1 keeps every site in this process).

    >>> import tempfile
    >>> from ipo46xx.fleet.inventory import Inventory, Site
    >>> from ipo46xx.emulator import IpOfficeEmulator
    >>> from ipo46xx.storage import LocalStorage
    >>> card = tempfile.mkdtemp()
    >>> with IpOfficeEmulator(LocalStorage(card)) as ipo:
    ...     inventory = Inventory(None, (Site("hq", ipo.url, card),))
    ...     result = run_fleet(inventory, "stage", state_dir=tempfile.mkdtemp())
    >>> [(r.name, r.ok, r.state) for r in result.results], result.summary["ok"]
    ([('hq', True, 'staged')], 1)
    """
    if action not in ACTIONS:
        raise InputError(f"unknown fleet action {action!r}; use one of {', '.join(ACTIONS)}")
    if dry_run and action not in CHANGING_ACTIONS:
        raise InputError(f"--dry-run applies to {', '.join(CHANGING_ACTIONS)}, not {action}")
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise InputError(f"jobs must be a whole number of at least 1, not {jobs!r}")
    if action == "change" and not edits:
        raise InputError("fleet change needs the settings to change (--set NAME=VALUE ...)")
    selected = inventory.select(sites)
    if state_dir is not None:
        root = pathlib.Path(state_dir)
    elif inventory.path is not None:
        root = default_fleet_state_dir(inventory.path)
    else:
        raise InputError("an inventory built in code needs state_dir for the sites' journals")
    runner = SiteRunner(
        action,
        root,
        dry_run=dry_run,
        days=days,
        environ=os.environ if environ is None else environ,
        change=(tuple(edits), phones),
    )
    stop = cancel if cancel is not None else threading.Event()
    jobs = min(jobs, worker_limit()[0])
    if processes is None:
        processes = process_count(jobs, len(selected), action)
    elif isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise InputError(f"processes must be a whole number of at least 1, not {processes!r}")
    processes = max(1, min(processes, jobs, len(selected)))  # none without a site to run
    results = _run(runner, selected, jobs, progress, stop, processes=processes)
    return FleetResult(action, results, cancelled=stop.is_set() and not all(r.ran for r in results))


def _run(
    runner: SiteRunner,
    sites: Sequence[Site],
    jobs: int,
    progress: Callable[[FleetProgress], None] | None,
    cancel: threading.Event,
    *,
    processes: int = 1,
) -> list[SiteResult]:
    events: queue.Queue[tuple[str, Site, SiteResult | None]] = queue.Queue()
    pool = None
    if processes > 1:
        from .processes import WorkerPool  # noqa: PLC0415

        def here(rest: Sequence[Site]) -> list[threading.Thread]:
            return _threads(runner, rest, jobs, events, cancel)

        pool = WorkerPool(runner, sites, events, cancel, here)
    start = time.monotonic()
    try:
        workers = pool.start(jobs, processes) if pool is not None else None
        if workers is None:
            workers = _threads(runner, sites, jobs, events, cancel)
        return _collect(runner.action, sites, workers, events, progress, start)
    finally:
        if pool is not None:
            pool.stop()  # after a second Ctrl-C: abandon the sites still running


def _threads(
    runner: SiteRunner,
    sites: Sequence[Site],
    jobs: int,
    events: queue.Queue[tuple[str, Site, SiteResult | None]],
    cancel: threading.Event,
) -> list[threading.Thread]:
    pending = deque(sites)
    take = threading.Lock()  # held only to take the next site, never across I/O

    def worker() -> None:
        while not cancel.is_set():
            with take:
                if not pending:
                    return
                site = pending.popleft()
            events.put(("started", site, None))
            events.put(("finished", site, runner.site(site)))

    workers = [
        threading.Thread(target=worker, name=f"ipo46xx-fleet-{n}", daemon=True)
        for n in range(min(jobs, len(sites)))
    ]
    for thread in workers:
        thread.start()
    return workers


def _collect(
    action: str,
    sites: Sequence[Site],
    workers: Sequence[threading.Thread],
    events: queue.Queue[tuple[str, Site, SiteResult | None]],
    progress: Callable[[FleetProgress], None] | None,
    start: float,
) -> list[SiteResult]:
    """Hand each event to ``progress`` on this thread until every worker is done."""
    finished: dict[str, SiteResult] = {}
    running = failed = 0
    while True:
        try:
            event, site, result = events.get(timeout=0.1)
        except queue.Empty:
            if not any(thread.is_alive() for thread in workers) and events.empty():
                break
            continue
        if event == "started":
            running += 1
        else:
            assert result is not None
            running -= 1
            finished[site.name] = result
            failed += not result.ok
        if progress is not None:
            progress(
                FleetProgress(
                    event,
                    site.name,
                    result,
                    len(sites),
                    len(finished),
                    failed,
                    running,
                    time.monotonic() - start,
                )
            )
    return [finished.get(site.name) or _not_run(site, action) for site in sites]


def _not_run(site: Site, action: str) -> SiteResult:
    return SiteResult(site.name, action, False, NOT_RUN, None, "not run: the run was stopped")
