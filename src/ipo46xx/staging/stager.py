"""The advisory's nine steps as a journaled, resumable, reversible process.

Avaya PSN005042u, steps 1-5 (:meth:`Stager.stage`) and 8 (:meth:`Stager.restore`);
steps 6, 7 and 9 are the operator's (restart phones, regenerate the certificate), and
:meth:`Stager.verify` checks what the IP Office serves between them.

How it stays safe:

* The administrator's own ``46xxsettings.txt`` is copied into the local journal before
  anything on the target changes, and then exists at every instant as the ``.txt``, the
  ``.bak`` or that copy.  :meth:`Stager.rollback` puts it back from any state.
* Each operation is a loop: look at the target (content hashes of the ``.txt`` and
  ``.bak``), decide the one next action from what the journal expects, record it as
  started, do it, record it as done.  A crash anywhere leaves a target that the next
  run recognises and continues from; a target in any other shape stops the run with
  :class:`~ipo46xx.errors.TargetChangedError` before it changes anything more.
* ``plan()`` runs the same decisions over a picture of the target and changes nothing.

The :class:`Stager` carries the operations out; planning lives in :mod:`.planning`,
checking what the IP Office serves in :mod:`.checking`, and what all three share (the
target, the journal folder, the IP Office and the TLS choices) in :class:`~.run.Run`.
"""

from __future__ import annotations

import pathlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..errors import InputError, Ipo46xxError, StateError, TargetChangedError
from ..format.document import parse, unified_diff
from ..office.download import (
    DEADLINE_FACTOR,
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    Deadline,
    check_timeout,
    normalize_pin,
    settings_url,
)
from ..storage import Storage
from .change_run import change, plan_change
from .checking import certificates, served_check, status, verify
from .flow import (
    BACKUP,
    SETTINGS,
    Unit,
    decide_restore,
    decide_rollback,
    decide_stage,
)
from .journal import Journal, state_lock
from .planning import plan, prepare_stage
from .restoring import PutBack, identify, root_cas
from .results import (
    CHANGED,
    CHANGING,
    NEW,
    RESTORED,
    RESTORING,
    ROLLED_BACK,
    ROLLING_BACK,
    STAGE_FROM,
    STAGED,
    STAGING,
    Outcome,
    Plan,
    Status,
    Verification,
)
from .run import Run

if TYPE_CHECKING:
    from ..format.compare import Phones
    from ..office.certificates import CertificateReport
    from ..office.trust import TrustReport
    from .changing import SettingEdit

__all__ = [
    "CHANGED",
    "CHANGING",
    "NEW",
    "RESTORED",
    "RESTORING",
    "ROLLED_BACK",
    "ROLLING_BACK",
    "STAGED",
    "STAGING",
    "Outcome",
    "Plan",
    "Stager",
    "Status",
    "Verification",
]


class Stager:
    """Run the advisory's flow for one IP Office and one target folder.

    ``ipo`` is an address or URL (``/46xxsettings.txt`` is appended when missing); it may
    be ``None`` for work on a run that recorded it (rollback, status).
    ``state_dir`` holds the journal; it defaults to the XDG state folder for the target.
    ``timeout`` bounds each request to the IP Office; ``deadline`` all of them together,
    from the Stager's creation on (default: 4 times ``timeout``).

    >>> from ipo46xx.storage import MemoryStorage
    >>> from ipo46xx.emulator import IpOfficeEmulator
    >>> card = MemoryStorage()
    >>> import tempfile
    >>> with IpOfficeEmulator(card) as ipo:
    ...     stager = Stager(ipo.url, card, tempfile.mkdtemp())
    ...     stager.stage().state
    'staged'
    """

    def __init__(
        self,
        ipo: str | None,
        storage: Storage,
        state_dir: str | pathlib.Path | None = None,
        *,
        verify: bool = True,
        cafile: str | None = None,
        pin: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        tls_ports: Sequence[int] = (),
        deadline: float | None = None,
    ) -> None:

        check_timeout(timeout)
        for port in tls_ports:
            if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
                raise InputError(f"--tls-port {port!r} is not a TCP port (1-65535)")
        self._run = Run(
            settings_url(ipo) if ipo else None,
            storage,
            pathlib.Path(state_dir) if state_dir is not None else None,
            verify_tls=verify,
            cafile=cafile,
            pin=normalize_pin(pin) if pin is not None else None,
            timeout=timeout,
            tls_ports=list(dict.fromkeys(tls_ports)),
            deadline=Deadline(
                min(DEADLINE_FACTOR * timeout, MAX_TIMEOUT) if deadline is None else deadline
            ),
        )

    @property
    def storage(self) -> Storage:
        """The target folder (SD card or share)."""
        return self._run.storage

    @property
    def state_dir(self) -> pathlib.Path:
        """The folder that holds this target's journal."""
        return self._run.state_dir

    @property
    def ipo_url(self) -> str:
        """The settings file URL: as recorded by the run in the journal, or as given.

        A given address that differs from the recorded one is refused: the run belongs
        to the IP Office it started with.
        """
        return self._run.ipo_url

    @property
    def verify_tls(self) -> bool:
        """False: HTTPS downloads do not check the certificate (``--insecure``)."""
        return self._run.verify_tls

    @property
    def cafile(self) -> str | None:
        """The CA file HTTPS downloads check against, when given."""
        return self._run.cafile

    @property
    def pin(self) -> str | None:
        """The identity certificate's SHA-256 fingerprint HTTPS downloads require, if any."""
        return self._run.pin

    @property
    def timeout(self) -> float:
        """The time limit of each download, in seconds."""
        return self._run.timeout

    # -- planning and checking (changes nothing) --------------------------------------

    def plan(self, action: str | None = None, mapping: Mapping[str, str] | None = None) -> Plan:
        """What ``stage``, ``restore`` or ``rollback`` would do now; changes nothing.

        Without ``action``, the operation the current state calls for.
        """
        return plan(self._run, action, mapping)

    def status(self) -> Status:
        """The journal's state and steps, and what the target's files are now."""
        return status(self._run)

    def verify(self) -> Verification:
        """Download what the IP Office serves now; is it what the journal expects, and will
        the phones trust the certificate the IP Office presents?"""
        return verify(self._run)

    def certificates(self, days: int | None = None) -> CertificateReport:
        """The IP Office's identity certificate on each endpoint this run knows of.

        Before a run has recorded its endpoints: 443 and every ``TLSPORT`` the served file
        gives any phone profile (or the ``tls_ports`` given).
        """
        return certificates(self._run, days)

    # -- carrying out -----------------------------------------------------------------

    def stage(self) -> Outcome:
        """Steps 1-5: download, blank TRUSTCERTS, park the explicit file, write, check."""
        with state_lock(self.state_dir, self.storage.url):
            journal = self._run.journal()
            if journal is not None and journal.state in (STAGING, STAGED):
                self._run.refuse_other_ipo()  # the run in progress belongs to its IP Office
            if journal is not None and journal.state == STAGED:
                self._run.engine.run(journal, decide_stage)  # raises if the target changed
                done = ["already staged; nothing to do"]
                return Outcome("stage", STAGED, done, "", served_check(self._run, journal))
            if journal is not None and journal.state not in STAGE_FROM:
                raise StateError(self._run.wrong_state(journal.state, "stage"))
            diff = ""
            if journal is None or journal.state != STAGING:
                journal, diff = self._begin_stage(self._run.new_run_url())
            done = self._run.engine.run(journal, decide_stage)
            self._run.engine.sweep(journal)
            journal.state = STAGED
            journal.save()
            return Outcome("stage", STAGED, done, diff, served_check(self._run, journal))

    def restore(self, mapping: Mapping[str, str] | None = None) -> Outcome:
        """Step 8: remove the staged file and bring back the administrator's file with the
        new root CA name (worked out from the IP Office, or ``mapping``)."""
        with state_lock(self.state_dir, self.storage.url):
            journal = self._run.require(self._run.journal(), "restore")
            self._run.refuse_other_ipo()
            if journal.state == RESTORED:
                self._run.engine.run(journal, decide_restore)
                return Outcome("restore", journal.state, ["already restored; nothing to do"], "")
            if journal.state not in (STAGED, RESTORING):
                raise StateError(self._run.wrong_state(journal.state, "restore"))
            if journal.state == STAGED:
                for unit in self._run.engine.units(journal):  # refuse a changed target
                    decide_restore(self._run.engine.look(unit), unit.expect(journal))
                journal.data["mapping"] = dict(mapping) if mapping else None
                journal.state = RESTORING
                journal.save()
            elif mapping and dict(mapping) != journal.data.get("mapping"):
                raise StateError(
                    f"restore on {self.storage.url} is already under way with the mapping "
                    f"{journal.data.get('mapping') or '(worked out from the IP Office)'}; "
                    "run restore again without --replace to finish it, or rollback"
                )
            try:
                done = self._run.engine.run(journal, decide_restore)
            except PutBack as problem:
                self._put_back(journal)
                raise problem.kind(str(problem)) from None
            self._run.engine.sweep(journal)
            journal.state = RESTORED
            journal.save()
            trust = self._run.trust(journal)
            journal.data["trusted"] = trust.verdict
            journal.save()
            problems = [] if trust.ok else [trust.summary()]
            warnings = list(journal.data.get("warnings") or [])
            diff = "".join(
                unified_diff(
                    parse(journal.kept(unit.kind("original"))),
                    parse(journal.kept(unit.kind("restored"))),
                    f"{unit.backup} (administrator's file)",
                    f"{unit.name} (restored)",
                )
                for unit in self._run.engine.units(journal)
                if journal.digest(unit.kind("original")) and journal.digest(unit.kind("restored"))
            )
            return Outcome("restore", RESTORED, done, diff, problems, warnings, trust)

    def rollback(self) -> Outcome:
        """Put the target back exactly as it was before ``stage``, from any state."""
        with state_lock(self.state_dir, self.storage.url):
            journal = self._run.journal()
            self._run.refuse_other_ipo()
            if journal is None or journal.state == NEW:
                # No run, or one that stopped before it touched the target.
                return Outcome("rollback", NEW, [self._run.nothing_to_roll_back(journal)], "")
            # A restore learnt the regenerated certificate: what comes back names the old one.
            restored = (
                journal.state in (RESTORING, RESTORED) or journal.digest("restored") is not None
            )
            journal.state = ROLLING_BACK
            journal.save()
            done = self._run.engine.run(journal, decide_rollback)
            self._run.engine.sweep(journal)
            journal.state = ROLLED_BACK
            journal.save()
            problems, warnings, trust = self._trust_after(journal) if restored else ([], [], None)
            return Outcome(
                "rollback",
                journal.state,
                done or ["nothing to roll back: the target was already as it was before stage"],
                "",
                problems,
                warnings,
                trust,
            )

    def _trust_after(self, journal: Journal) -> tuple[list[str], list[str], TrustReport | None]:
        """After restore, a rollback brings back the root CA names of before stage, and the
        IP Office may have a new certificate since: judge what the phones will trust, and
        record it for `status`, as restore does."""
        trust: TrustReport | None = None
        unknown: list[str] = []
        try:
            trust = self._run.trust(journal)
        except Ipo46xxError as exc:
            unknown.append(f"cannot tell whether the phones will trust the IP Office now: {exc}")
        journal.data["trusted"] = None if trust is None else trust.verdict
        journal.save()
        if trust is None:
            return [], unknown, None
        if trust.verdict is False:
            problem = (
                f"{trust.summary()}. The card holds the administrator's file as it was before "
                "stage, with the root CA names of before; the IP Office presents another "
                "certificate now"
            )
            return [problem], [], trust
        return [], [] if trust.verdict else [trust.summary()], trust

    def plan_change(self, edits: Sequence[SettingEdit], phones: Phones | None = None) -> Plan:
        """What :meth:`change` would do now: its steps, the diff of each file and the
        effect on every phone profile; changes nothing."""
        return plan_change(self._run, edits, phones)

    def change(self, edits: Sequence[SettingEdit], phones: Phones | None = None) -> Outcome:
        """Change settings for exactly the phones named, in the file of the card that decides
        them, with the journal, ``.bak`` and read-back of ``stage``; then check that the IP
        Office serves exactly that change.  Rollback undoes it byte for byte.

        >>> from ipo46xx.storage import MemoryStorage
        >>> from ipo46xx.emulator import IpOfficeEmulator
        >>> from ipo46xx.staging.changing import SettingEdit
        >>> import tempfile
        >>> card = MemoryStorage()
        >>> with IpOfficeEmulator(card) as ipo:
        ...     stager = Stager(ipo.url, card, tempfile.mkdtemp())
        ...     stager.change([SettingEdit.parse("SNTPSRVR=10.0.0.5")]).state, card.list()
        ('changed', ['46xxspecials.txt'])
        """
        return change(self._run, edits, phones)

    def _begin_stage(self, url: str) -> tuple[Journal, str]:
        if self.storage.exists(BACKUP):
            raise TargetChangedError(
                f"{BACKUP} already exists on {self.storage.url} and this run did not make it; "
                "it may be someone's only copy. Move it away (or delete it if you are sure), "
                "then run stage again"
            )
        prepared = prepare_stage(self._run, url)
        edit = prepared.edit
        # Nothing here changes the target: all of it reaches the disk with the first step's
        # intent (engine), and a kill before that leaves no journal, as if never begun.
        journal = Journal.create(self.state_dir, self.storage.url, url, save=False)
        office = self._run.office(url)
        journal.data["tls_ports"] = office.ports([], [edit.document])
        named = root_cas(parse(prepared.served)).union(
            *(root_cas(parse(x.original)) for x in prepared.survey.extras)
        )
        journal.data.update(identify(office, journal.data["tls_ports"], named))
        journal.data["extras"] = [x.name for x in prepared.survey.extras]
        journal.data["had_root_ca"] = prepared.survey.had_root_ca
        journal.data["chain"] = prepared.survey.lines()
        journal.step("fetch", "done", f"{url} ({len(prepared.served)} bytes)", save=False)
        journal.keep("served", prepared.served, save=False)
        if prepared.original is not None:
            journal.keep("original", prepared.original, save=False)
        journal.keep("staged", edit.document.to_bytes(), save=False)
        for extra in prepared.survey.extras:
            unit = Unit(extra.name)
            journal.keep(unit.kind("original"), extra.original, save=False)
            journal.keep(unit.kind("staged"), extra.staged, save=False)
        lines = ", ".join(str(change.line) for change in edit.changes) or "none"
        journal.step("blank", "done", f"TRUSTCERTS blanked on line(s) {lines}", save=False)
        for extra in prepared.survey.extras:
            lines = ", ".join(str(change.line) for change in extra.edit.changes)
            blank = Unit(extra.name).step("blank")
            journal.step(blank, "done", f"{extra.name}: line(s) {lines}", save=False)
        journal.state = STAGING
        return journal, prepared.diff()

    def _put_back(self, journal: Journal) -> None:
        if self.storage.digest(SETTINGS) is None:
            journal.step("put-back", "started", "write the staged file again")
            staged = journal.kept("staged")
            self.storage.write(SETTINGS, staged, temporary=journal.temporary(SETTINGS))
            journal.step("put-back", "done")
        journal.forget("regenerated")
        for unit in self._run.engine.units(journal):
            journal.forget(unit.kind("restored"))
        journal.data["mapping"] = None
        journal.state = STAGED
        journal.save()
