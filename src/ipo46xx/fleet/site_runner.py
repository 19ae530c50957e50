"""What one site of a fleet run does: the single-site command's work, with every
failure made into that site's :class:`~ipo46xx.fleet.results.SiteResult`.

:class:`SiteRunner` holds what a run asks of every site (the action, where journals go,
the dry run, the change); :mod:`.runner` hands it sites in threads, :mod:`.worker` in
another process.  Passwords come from each site's ``password_env`` variable; they go to
the storage only, and are scrubbed from every message as a last guard.
"""

from __future__ import annotations

import logging
import pathlib
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Ipo46xxError, JournalError, StateError
from ..office.limits import DEFAULT_TIMEOUT
from .inventory import Site
from .results import EXIT_BUG, EXIT_FOUND, EXIT_INPUT, EXIT_OK, EXIT_STATE, SiteResult

if TYPE_CHECKING:
    from ..format.compare import Phones
    from ..staging.change_request import SettingEdit
    from ..staging.stager import Stager
    from ..storage import Storage

__all__ = ["SiteRunner"]

log = logging.getLogger("ipo46xx.fleet.runner")  # the name -v has always shown


class SiteRunner:
    """What a fleet run does to each site it is handed.

    >>> import pathlib
    >>> SiteRunner("status", pathlib.Path("/tmp/j"), dry_run=False, days=180, environ={}).action
    'status'
    """

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

    def for_worker(self, sites: Sequence[Site]) -> SiteRunner:
        """This run as a worker process needs it: the environment cut down to the
        sites' password variables (a copy of ``os.environ`` is not sent anywhere)."""
        names = {site.password_env for site in sites if site.is_smb}
        environ = {name: self.environ[name] for name in names if name in self.environ}
        return SiteRunner(
            self.action,
            self.root,
            dry_run=self.dry_run,
            days=self.days,
            environ=environ,
            change=(self.edits, self.phones),
        )

    def stager_for(self, site: Site) -> Stager:
        """A site's stager, as its result carries it, without contacting anything (the
        one a worker process used stays there)."""
        password = self.environ.get(site.password_env) if site.is_smb else None
        storage = self._open(site, password)
        storage.close()
        return self._stager(site, storage)

    # -- one site ---------------------------------------------------------------------

    def site(self, site: Site) -> SiteResult:
        """Run the action on one site; every failure becomes its result, never a raise."""
        start = time.monotonic()
        password = None
        stager: Stager | None = None
        try:
            password = self.environ.get(site.password_env) if site.is_smb else None
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
        except (Exception, SystemExit) as exc:  # SystemExit would end the thread silently
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
                self.journal_state(site),
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

    def journal_state(self, site: Site) -> str:
        if self.action == "cert":
            return "problem"
        from ..staging.journal import Journal  # noqa: PLC0415

        try:
            journal = Journal.load(self.root / site.name)
        except JournalError:
            return "unknown"
        return journal.state if journal is not None else "new"


def _scrub(message: str, password: str | None) -> str:
    """The message without the password, should any layer below have let it through."""
    if password and len(password) >= 3:
        return message.replace(password, "********")
    return message
