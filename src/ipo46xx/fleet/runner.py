"""Many IP Offices from one inventory: each site runs the single-site flow on its own.

:func:`run_fleet` runs one action (``cert``, ``status``, ``stage``, ``verify``,
``restore``, ``rollback``) over the sites of an :class:`~ipo46xx.fleet.inventory.Inventory`,
``jobs`` at a time, and returns one :class:`SiteResult` per site.  Each site does exactly
what the single-site command does, through its own :class:`~ipo46xx.staging.stager.Stager`
with its journal in ``<state_dir>/<site name>/``; one site's failure never stops or
touches another.

How it stays fair and safe:

* The work is I/O-bound, so plain threads do it.  Nothing shared is held across I/O:
  each site opens its own storage (an SMB storage keeps its own connection cache) and
  its own journal; the workers share only a lock around taking the next site.
* ``cancel`` (a :class:`threading.Event`) stops new sites from starting; sites already
  running finish their operation, and the rest are reported as not run.  The workers
  are daemon threads, so a caller that stops waiting (a second Ctrl-C) abandons them;
  their journals make that as safe as a crash.
* ``progress`` is called on the caller's thread, once when a site starts and once when
  it finishes, with the counts so far.
* Passwords come from each site's ``password_env`` variable; they go to the storage
  only, and are scrubbed from every message as a last guard.
"""

from __future__ import annotations

import logging
import os
import pathlib
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Ipo46xxError, JournalError, StateError
from ..office.download import DEFAULT_TIMEOUT
from .inventory import Inventory, Site, default_fleet_state_dir
from .limits import MAX_JOBS, worker_limit
from .results import (
    ACTIONS,
    CHANGING_ACTIONS,
    DEFAULT_JOBS,
    EXIT_BUG,
    EXIT_FOUND,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_STATE,
    NOT_RUN,
    FleetProgress,
    FleetResult,
    SiteResult,
    fleet_exit,
    summarise,
)

if TYPE_CHECKING:
    from ..format.compare import Phones
    from ..staging.change_request import SettingEdit
    from ..staging.stager import Stager
    from ..storage import Storage

__all__ = [
    "ACTIONS",
    "CHANGING_ACTIONS",
    "DEFAULT_JOBS",
    "MAX_JOBS",
    "FleetProgress",
    "FleetResult",
    "SiteResult",
    "fleet_exit",
    "run_fleet",
    "summarise",
    "worker_limit",
]

log = logging.getLogger(__name__)


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
) -> FleetResult:
    """Run ``action`` over the inventory's sites (or the named ones), ``jobs`` at a time.

    At most :func:`worker_limit` sites run at a time, whatever ``jobs`` asks.
    ``state_dir`` holds one journal folder per site (default: one folder per inventory
    file under the XDG state folder).  ``dry_run`` plans stage, change, restore or rollback and
    changes nothing.  ``environ`` is where ``password_env`` variables are looked up
    (default: ``os.environ``).  ``days`` is the ``cert`` warning threshold.  ``change``
    makes ``edits`` for the ``phones`` named on every site.

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
    runner = _Runner(
        action,
        root,
        dry_run=dry_run,
        days=days,
        environ=os.environ if environ is None else environ,
        change=(tuple(edits), phones),
    )
    stop = cancel if cancel is not None else threading.Event()
    results = runner.run(selected, min(jobs, worker_limit()[0]), progress, stop)
    return FleetResult(action, results, cancelled=stop.is_set() and not all(r.ran for r in results))


class _Runner:
    """One fleet run: the bounded pool of workers and what each site does."""

    def __init__(
        self,
        action: str,
        root: pathlib.Path,
        *,
        dry_run: bool,
        days: int,
        environ: Mapping[str, str],
        change: tuple[Sequence[SettingEdit], Phones | None] = ((), None),
    ) -> None:
        self.action = action
        self.root = root
        self.dry_run = dry_run
        self.days = days
        self.environ = environ
        self.edits, self.phones = change

    def run(
        self,
        sites: Sequence[Site],
        jobs: int,
        progress: Callable[[FleetProgress], None] | None,
        cancel: threading.Event,
    ) -> list[SiteResult]:
        pending = deque(sites)
        take = threading.Lock()  # held only to take the next site, never across I/O
        events: queue.Queue[tuple[str, Site, SiteResult | None]] = queue.Queue()

        def worker() -> None:
            while not cancel.is_set():
                with take:
                    if not pending:
                        return
                    site = pending.popleft()
                events.put(("started", site, None))
                events.put(("finished", site, self.site(site)))

        workers = [
            threading.Thread(target=worker, name=f"ipo46xx-fleet-{n}", daemon=True)
            for n in range(min(jobs, len(sites)))
        ]
        start = time.monotonic()
        for thread in workers:
            thread.start()
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
        return [finished.get(site.name) or _not_run(site, self.action) for site in sites]

    # -- one site ---------------------------------------------------------------------

    def site(self, site: Site) -> SiteResult:
        """Run the action on one site; every failure becomes its result, never a raise."""
        start = time.monotonic()
        password = self.environ.get(site.password_env) if site.is_smb else None
        stager: Stager | None = None
        try:
            if self.action == "cert":
                ok, state, message, value = self._cert(site)
            else:
                storage = self._open(site, password)
                try:
                    stager = self._stager(site, storage)
                    ok, state, message, value = self._act(stager)
                finally:
                    storage.close()
            code = EXIT_OK if ok else EXIT_FOUND
            if self.action == "cert" and not value.answered:
                code = EXIT_INPUT  # as `ipo46xx cert`: nothing answered is not a finding
            return SiteResult(
                site.name,
                self.action,
                ok,
                state,
                code,
                _scrub(message, password),
                value=value,
                stager=stager,
                seconds=time.monotonic() - start,
            )
        except Exception as exc:
            if isinstance(exc, Ipo46xxError):
                code = EXIT_STATE if isinstance(exc, (StateError, JournalError)) else EXIT_INPUT
                message = str(exc)
            else:
                code = EXIT_BUG
                message = (
                    f"internal error: {type(exc).__name__}: {exc}; please report it "
                    "(the log at debug level has the traceback)"
                )
                log.debug("site %s: internal error", site.name, exc_info=True)
            log.info("site %s: %s failed: %s", site.name, self.action, _scrub(message, password))
            return SiteResult(
                site.name,
                self.action,
                False,
                self._journal_state(site),
                code,
                _scrub(message, password),
                error=exc,
                stager=stager,
                seconds=time.monotonic() - start,
            )

    def _open(self, site: Site, password: str | None) -> Storage:
        from ..storage import open_storage  # noqa: PLC0415

        if site.is_smb and password is None:
            raise InputError(
                f"the SMB password for {site.target} is needed: set the environment "
                f"variable {site.password_env}"
            )
        return open_storage(
            site.target,
            username=site.smb_user,
            password=password,
            encrypt=site.encrypt,
            password_from=site.password_env,
        )

    def _stager(self, site: Site, storage: Storage) -> Stager:
        from ..staging.stager import Stager  # noqa: PLC0415

        return Stager(
            site.ipo,
            storage,
            self.root / site.name,
            verify=not site.insecure,
            cafile=site.ca_file,
            pin=site.pin,
            timeout=site.timeout if site.timeout is not None else DEFAULT_TIMEOUT,
            tls_ports=site.tls_ports,
        )

    def _act(self, stager: Stager) -> tuple[bool, str, str, Any]:
        action = self.action
        if action == "status":
            status = stager.status()
            files = ", ".join(f"{name} {what}" for name, what in status.files.items())
            recorded = "" if status.recorded else "nothing recorded yet; "
            return True, status.state, f"{recorded}{files}", status
        if action == "verify":
            verification = stager.verify()
            return verification.ok, verification.state, verification.message, verification
        if self.dry_run:
            plan = (
                stager.plan_change(self.edits, self.phones)
                if action == "change"
                else stager.plan(action)
            )
            what = (
                f"would {action}: {len(plan.steps)} step(s)"
                if plan.steps
                else "; ".join(plan.notes) or "nothing to do"
            )
            return True, self._state_of(stager), what, plan
        if action == "change":
            outcome = stager.change(self.edits, self.phones)
        elif action == "stage":
            outcome = stager.stage()
        elif action == "restore":
            outcome = stager.restore()
        else:
            outcome = stager.rollback()
        if not outcome.ok:  # done, but not what the phones need (exit 1 on the command line)
            return False, outcome.state, "; ".join(outcome.problems), outcome
        quiet = ([f"already {outcome.state}; nothing to do"], ["the target was already as before"])
        if outcome.done in quiet or (
            len(outcome.done) == 1 and outcome.done[0].startswith("nothing")
        ):
            message = outcome.done[0]
        else:
            message = f"{outcome.state}: {len(outcome.done)} step(s) done"
        return True, outcome.state, message, outcome

    def _cert(self, site: Site) -> tuple[bool, str, str, Any]:
        from ..office.certificates import check_certificates  # noqa: PLC0415

        report = check_certificates(
            site.ipo,
            ports=site.tls_ports,
            days=self.days,
            timeout=site.timeout if site.timeout is not None else DEFAULT_TIMEOUT,
            verify=not site.insecure,
            cafile=site.ca_file,
            pin=site.pin,
        )
        days = [e.days_left for e in report.endpoints if e.days_left is not None]
        soonest = min(days) if days else None
        if report.problems:
            message = "; ".join(report.problems)
        elif soonest is not None:
            message = f"the certificate is valid for {soonest} more day(s)"
        else:
            tried = ", ".join(f"{e.port} ({e.error})" for e in report.endpoints)
            message = (
                f"no TLS endpoint answered (tried {tried}); name the IP Office's TLS ports "
                "with tls_port in the inventory"
            )
        state = "ok" if report.ok else "problem"
        return bool(report.ok), state, message, report

    def _state_of(self, stager: Stager) -> str:
        from ..staging.journal import Journal  # noqa: PLC0415

        journal = Journal.load(stager.state_dir)
        return journal.state if journal is not None else "new"

    def _journal_state(self, site: Site) -> str:
        if self.action == "cert":
            return "problem"
        from ..staging.journal import Journal  # noqa: PLC0415

        try:
            journal = Journal.load(self.root / site.name)
        except JournalError:
            return "unknown"
        return journal.state if journal is not None else "new"


def _not_run(site: Site, action: str) -> SiteResult:
    return SiteResult(site.name, action, False, NOT_RUN, None, "not run: the run was stopped")


def _scrub(message: str, password: str | None) -> str:
    """The message without the password, should any layer below have let it through."""
    if password and len(password) >= 3:
        return message.replace(password, "********")
    return message
