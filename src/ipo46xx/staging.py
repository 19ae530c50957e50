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
"""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from .document import Edit, SettingsFile, parse, unified_diff
from .download import DEFAULT_TIMEOUT, LIKELY_CAUSES, download, fetch, settings_url
from .errors import (
    FetchError,
    InputError,
    Ipo46xxError,
    MappingError,
    StateError,
    TargetChangedError,
)
from .flow import (
    BACKUP,
    SETTINGS,
    Action,
    Expect,
    View,
    decide_restore,
    decide_rollback,
    decide_stage,
)
from .journal import Journal, default_state_dir, state_lock
from .storage import Storage, digest_of, is_temporary
from .trustlist import (
    ROOT_CA_PATTERN,
    blank_trustcerts,
    replace_trustcerts,
    trustcerts,
    trustcerts_mapping,
)

if TYPE_CHECKING:
    from .certificates import CertificateReport, Endpoint
    from .trust import TrustReport

__all__ = ["Outcome", "Plan", "Stager", "Status", "Verification"]

log = logging.getLogger(__name__)

NEW, STAGING, STAGED = "new", "staging", "staged"
RESTORING, RESTORED = "restoring", "restored"
ROLLING_BACK, ROLLED_BACK = "rolling-back", "rolled-back"

# A journal left in NEW stopped before the target was touched: stage starts over.
_STAGE_FROM = (NEW, STAGING, RESTORED, ROLLED_BACK)

MANAGER_PATH = "File > Advanced > Security Settings > System > Certificates"


@attrs.frozen
class Plan:
    """What an operation would do: its steps in order and the diff of the file it writes."""

    action: str
    steps: list[str]
    diff: str
    notes: list[str]


@attrs.frozen
class Outcome:
    """What an operation did and the state it left.

    ``problems`` say why the result is not what the phones need (exit 1 on the command
    line); ``warnings`` are worth reading; ``trust`` is the phones' view after restore.
    """

    action: str
    state: str
    done: list[str]
    diff: str
    problems: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    trust: TrustReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@attrs.frozen
class Status:
    """Where a run stands: journal state, its steps, and what the target holds now.

    ``recorded`` is false when no run on the target left a journal.
    """

    state: str
    target: str
    ipo: str | None
    steps: list[dict[str, str]]
    files: dict[str, str]
    recorded: bool


@attrs.frozen
class Verification:
    """Whether the IP Office serves what the journal expects, and whether phones trust it.

    ``ok`` needs both: the served file is the expected one, and every profile meant to
    trust the IP Office will (``trust``).
    """

    ok: bool
    state: str
    message: str
    served_sha256: str
    diff: str
    trust: TrustReport | None = None


class _PutBack(Exception):  # noqa: N818  (control flow inside restore)
    """The regenerated file is not usable: put the staged file back and stop."""


class Stager:
    """Run the advisory's flow for one IP Office and one target folder.

    ``ipo`` is an address or URL (``/46xxsettings.txt`` is appended when missing); it may
    be ``None`` for work on a run that recorded it (rollback, status).
    ``state_dir`` holds the journal; it defaults to the XDG state folder for the target.

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
    ) -> None:
        from .download import normalize_pin  # noqa: PLC0415

        self._ipo = settings_url(ipo) if ipo else None
        self.storage = storage
        self.state_dir = (
            pathlib.Path(state_dir) if state_dir is not None else default_state_dir(storage.url)
        )
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
            raise InputError(
                f"the download time limit must be more than 0 seconds, not {timeout!r}"
            )
        for port in tls_ports:
            if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
                raise InputError(f"--tls-port {port!r} is not a TCP port (1-65535)")
        self.verify_tls = verify
        """False: HTTPS downloads do not check the certificate (``--insecure``)."""
        self.cafile = cafile
        self.pin = normalize_pin(pin) if pin is not None else None
        self.timeout = timeout
        self._tls_ports = list(dict.fromkeys(tls_ports))

    @property
    def ipo_url(self) -> str:
        """The settings file URL: as recorded by the run in the journal, or as given.

        A given address that differs from the recorded one is refused: the run belongs
        to the IP Office it started with.
        """
        journal = Journal.load(self.state_dir)
        recorded = str(journal.data["ipo"]) if journal and journal.data.get("ipo") else None
        if recorded and self._ipo and self._ipo != recorded:
            raise InputError(
                f"--ipo {self._ipo} differs from the IP Office this run on {self.storage.url} "
                f"recorded, {recorded}; leave --ipo out (or give that one). A different IP "
                "Office needs its own target and run"
            )
        if recorded:
            return recorded
        if self._ipo:
            return self._ipo
        raise InputError(
            f"the IP Office address is needed and no run on {self.storage.url} recorded one; "
            "give it (--ipo ADDRESS)"
        )

    def _refuse_other_ipo(self) -> None:
        """Refuse a given ``--ipo`` that differs from the recorded one, before any change."""
        if self._ipo:
            self.ipo_url  # noqa: B018  (raises InputError naming both)

    # -- public operations ------------------------------------------------------------

    def plan(self, action: str | None = None, mapping: Mapping[str, str] | None = None) -> Plan:
        """What ``stage``, ``restore`` or ``rollback`` would do now; changes nothing.

        Without ``action``, the operation the current state calls for.
        """
        journal = Journal.load(self.state_dir)
        if action is None:
            state = journal.state if journal else NEW
            action = {STAGED: "restore", RESTORING: "restore", ROLLING_BACK: "rollback"}.get(
                state, "stage"
            )
        if action == "stage":
            return self._plan_stage(journal)
        if action == "restore":
            return self._plan_restore(self._require(journal, "restore"), mapping)
        if action == "rollback":
            return self._plan_rollback(self._require(journal, "rollback"))
        raise InputError(f"unknown action {action!r}; use stage, restore or rollback")

    def stage(self) -> Outcome:
        """Steps 1-5: download, blank TRUSTCERTS, park the explicit file, write, check."""
        with state_lock(self.state_dir, self.storage.url):
            journal = Journal.load(self.state_dir)
            if journal is not None and journal.state == STAGED:
                self._run(journal, decide_stage)  # raises if the target changed
                done = ["already staged; nothing to do"]
                return Outcome("stage", STAGED, done, "", self._served_check(journal))
            if journal is not None and journal.state not in _STAGE_FROM:
                raise StateError(self._wrong_state(journal.state, "stage"))
            diff = ""
            if journal is None or journal.state != STAGING:
                journal, diff = self._begin_stage(self._new_run_url())
            done = self._run(journal, decide_stage)
            self._sweep(journal)
            journal.state = STAGED
            journal.save()
            return Outcome("stage", STAGED, done, diff, self._served_check(journal))

    def restore(self, mapping: Mapping[str, str] | None = None) -> Outcome:
        """Step 8: remove the staged file and bring back the administrator's file with the
        new root CA name (worked out from the IP Office, or ``mapping``)."""
        with state_lock(self.state_dir, self.storage.url):
            journal = self._require(Journal.load(self.state_dir), "restore")
            self._refuse_other_ipo()
            if journal.state == RESTORED:
                self._run(journal, decide_restore)
                return self._outcome("restore", journal, ["already restored; nothing to do"], "")
            if journal.state not in (STAGED, RESTORING):
                raise StateError(self._wrong_state(journal.state, "restore"))
            if journal.state == STAGED:
                decide_restore(self._look(), Expect.of(journal))  # refuse a changed target
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
                done = self._run(journal, decide_restore)
            except _PutBack as problem:
                self._put_back(journal)
                raise StateError(str(problem)) from None
            self._sweep(journal)
            journal.state = RESTORED
            journal.save()
            trust = self._trust(journal)
            problems = [] if trust.ok else [trust.summary()]
            warnings = list(journal.data.get("warnings") or [])
            diff = ""
            if journal.digest("original") and journal.digest("restored"):
                diff = unified_diff(
                    parse(journal.kept("original")),
                    parse(journal.kept("restored")),
                    f"{BACKUP} (administrator's file)",
                    f"{SETTINGS} (restored)",
                )
            return Outcome("restore", RESTORED, done, diff, problems, warnings, trust)

    def rollback(self) -> Outcome:
        """Put the target back exactly as it was before ``stage``, from any state."""
        with state_lock(self.state_dir, self.storage.url):
            journal = self._require(Journal.load(self.state_dir), "rollback")
            self._refuse_other_ipo()
            if journal.state == NEW:
                raise StateError(f"nothing was changed on {self.storage.url}; nothing to roll back")
            journal.state = ROLLING_BACK
            journal.save()
            done = self._run(journal, decide_rollback)
            self._sweep(journal)
            journal.state = ROLLED_BACK
            journal.save()
            return self._outcome(
                "rollback", journal, done or ["the target was already as before"], ""
            )

    def status(self) -> Status:
        """The journal's state and steps, and what the target's files are now."""
        journal = Journal.load(self.state_dir)
        if journal is None:
            return Status(NEW, self.storage.url, None, [], self._describe_files(None), False)
        return Status(
            journal.state,
            self.storage.url,
            str(journal.data.get("ipo")),
            list(journal.data["steps"]),
            self._describe_files(journal),
            True,
        )

    def verify(self) -> Verification:
        """Download what the IP Office serves now; is it what the journal expects, and will
        the phones trust the certificate the IP Office presents?"""
        journal = self._require(Journal.load(self.state_dir), "verify")
        served = self._fetch()
        digest = digest_of(served)
        state = journal.state
        expected: bytes | None = None
        if state == STAGED:
            expected = journal.kept("staged")
            what = "the staged file (TRUSTCERTS blanked)"
        elif state == RESTORED and journal.digest("original"):
            expected = journal.kept("restored")
            what = "the administrator's file with the new root CA"
        elif state == ROLLED_BACK and journal.digest("original"):
            expected = journal.kept("original")
            what = "the administrator's original file"
        elif state in (RESTORED, ROLLED_BACK):
            names = sorted({n for t in trustcerts(parse(served)) for n in t.names})
            if digest == journal.digest("staged") or not names:
                return Verification(
                    False,
                    state,
                    "the IP Office does not serve an auto-generated file with a root CA; "
                    "check that no explicit 46xxsettings.txt is left on the SD card",
                    digest,
                    "",
                )
            trust = self._trust(journal, served)
            message = "the IP Office serves its auto-generated file, which trusts " + ", ".join(
                names
            )
            return self._verdict(True, state, message, digest, "", trust)
        else:
            raise StateError(self._wrong_state(state, "verify"))
        if served != expected:
            diff = unified_diff(parse(expected), parse(served), "expected", "served")
            return Verification(
                False,
                state,
                f"the IP Office does not serve {what}; is the target its SD card folder "
                "(system/primary), and has the card been re-read?",
                digest,
                diff,
            )
        trust = self._trust(journal, served)
        return self._verdict(True, state, f"the IP Office serves {what}", digest, "", trust)

    @staticmethod
    def _verdict(
        served_ok: bool, state: str, message: str, digest: str, diff: str, trust: TrustReport
    ) -> Verification:
        # After rollback the site is as it was before the advisory, trusted or not: the
        # phones' view is told, and judges nothing the rollback was asked to do.
        binding = state != ROLLED_BACK
        ok = served_ok and (trust.ok or not binding)
        if served_ok and not trust.ok:
            message = f"{message}; {'but ' if binding else 'as before stage, '}{trust.summary()}"
        return Verification(ok, state, message, digest, diff, trust)

    def certificates(self, days: int | None = None) -> CertificateReport:
        """The IP Office's identity certificate on each endpoint this run knows of.

        Before a run has recorded its endpoints: 443 and every ``TLSPORT`` the served file
        gives any phone profile (or the ``tls_ports`` given).
        """
        from .certificates import DEFAULT_DAYS, check_certificates  # noqa: PLC0415

        journal = Journal.load(self.state_dir)
        url = self.ipo_url if journal is not None else self._new_run_url()
        ports = self._tls_ports or (list(journal.data.get("tls_ports") or []) if journal else [])
        return check_certificates(
            url,
            ports=ports,
            days=DEFAULT_DAYS if days is None else days,
            timeout=self.timeout,
            verify=self.verify_tls,
            cafile=self.cafile,
            pin=self.pin,
        )

    # -- stage ------------------------------------------------------------------------

    def _new_run_url(self) -> str:
        if not self._ipo:
            raise InputError(
                f"a new run on {self.storage.url} needs the IP Office address (--ipo ADDRESS)"
            )
        return self._ipo

    def _begin_stage(self, url: str) -> tuple[Journal, str]:
        if self.storage.exists(BACKUP):
            raise TargetChangedError(
                f"{BACKUP} already exists on {self.storage.url} and this run did not make it; "
                "it may be someone's only copy. Move it away (or delete it if you are sure), "
                "then run stage again"
            )
        served, original, edit = self._prepare_stage(url)
        journal = Journal.create(self.state_dir, self.storage.url, url)
        journal.data["tls_ports"] = self._ports(None, [edit.document], url)
        journal.step("fetch", "done", f"{url} ({len(served)} bytes)")
        journal.keep("served", served)
        if original is not None:
            journal.keep("original", original)
        journal.keep("staged", edit.document.to_bytes())
        lines = ", ".join(str(change.line) for change in edit.changes)
        journal.step("blank", "done", f"TRUSTCERTS blanked on line(s) {lines}")
        journal.state = STAGING
        journal.save()
        diff = unified_diff(
            parse(served), edit.document, f"{SETTINGS} (served)", f"{SETTINGS} (staged)"
        )
        return journal, diff

    def _prepare_stage(self, url: str) -> tuple[bytes, bytes | None, Edit]:
        served = self._fetch(url)
        original = self.storage.read(SETTINGS) if self.storage.exists(SETTINGS) else None
        if original is not None and original != served:
            raise TargetChangedError(
                f"the IP Office at {url} serves a different file than the "
                f"{SETTINGS} on {self.storage.url}; is the target the IP Office's SD card "
                "folder (system/primary)? Nothing was changed"
            )
        doc = parse(served, name=f"{SETTINGS} from {url}")
        if not doc.statements():
            raise FetchError(
                f"{url}: the answer holds no statement at all (no SET, IF, GOTO, GET or "
                f"tag line), so it is not a settings file; nothing was changed. {LIKELY_CAUSES}"
            )
        edit = blank_trustcerts(doc)
        if not edit.changed:
            found = trustcerts(doc)
            why = (
                'every active TRUSTCERTS is already ""'
                if found
                else "it has no active SET TRUSTCERTS line"
            )
            raise InputError(
                f"nothing to blank in the file {url} serves: {why}. Phones that "
                "read it are not told to trust a certificate; the advisory's flow is not needed"
            )
        return served, original, edit

    def _plan_stage(self, journal: Journal | None) -> Plan:
        if journal is not None and journal.state == STAGED:
            self._simulate(Expect.of(journal), decide_stage)  # raises if the target changed
            return Plan("stage", [], "", ["already staged; nothing to do"])
        if journal is not None and journal.state not in _STAGE_FROM:
            raise StateError(self._wrong_state(journal.state, "stage"))
        if journal is not None and journal.state == STAGING:
            expect = Expect.of(journal)
            diff = unified_diff(parse(journal.kept("served")), parse(journal.kept("staged")))
            notes = ["continuing an interrupted stage with the files the journal kept"]
            return Plan("stage", self._simulate(expect, decide_stage), diff, notes)
        else:
            if self.storage.exists(BACKUP):
                raise TargetChangedError(
                    f"{BACKUP} already exists on {self.storage.url}; stage would stop here"
                )
            url = self._new_run_url()
            served, original, edit = self._prepare_stage(url)
            expect = Expect(
                original=digest_of(original) if original is not None else None,
                staged=digest_of(edit.document.to_bytes()),
            )
            diff = unified_diff(
                parse(served), edit.document, f"{SETTINGS} (served)", f"{SETTINGS} (staged)"
            )
        url = self.ipo_url if journal is not None and journal.state == STAGING else url
        steps = [f"download {url}", "blank every active TRUSTCERTS"]
        steps += self._simulate(expect, decide_stage)
        notes = (
            []
            if expect.original
            else [f"no explicit {SETTINGS} on the target: nothing to park as {BACKUP}"]
        )
        return Plan("stage", steps, diff, notes)

    # -- restore ----------------------------------------------------------------------

    def _prepare_restore(self, journal: Journal) -> None:
        """Fetch what the IP Office generates now and work out the restored file."""
        regenerated = self._fetch()
        if digest_of(regenerated) == journal.digest("staged"):
            raise _PutBack(
                f"the IP Office still serves the staged file after it was removed from "
                f"{self.storage.url}; the target may not be its SD card. The staged file was "
                "put back"
            )
        journal.keep("regenerated", regenerated)
        new_doc = parse(regenerated, name=f"{SETTINGS} regenerated by the IP Office")
        served = parse(journal.kept("served"))
        new_cas = _root_cas(new_doc)
        explicit = journal.data.get("mapping")
        # With --replace, OLD must be gone from what the IP Office generates, as without.
        still = (set(explicit) if explicit else _root_cas(served)) & new_cas
        if still:
            raise _PutBack(
                f"the IP Office still uses the old root CA {', '.join(sorted(still))}: the "
                f"certificate has not been regenerated (step 7: Manager, {MANAGER_PATH}, "
                "Regenerate). The staged file was put back; regenerate, then run restore again"
            )
        journal.data["tls_ports"] = self._ports(journal, [new_doc])
        self._refuse_unusable_certificate(journal)
        journal.data["warnings"] = [
            f"{new} is neither named nor served by this IP Office; phones can trust it only "
            "if they get it elsewhere (another IP Office's root CA in a multi-site list?)"
            for new in (explicit or {}).values()
            if new not in new_cas and not self._serves(new)
        ]
        if not journal.digest("original"):
            return
        original = journal.kept("original")
        doc = parse(original, name=BACKUP)
        if explicit:
            mapping = dict(explicit)
        else:
            names = [n for t in trustcerts(doc) for n in t.names]
            try:
                mapping = trustcerts_mapping(names, new_doc)
            except MappingError as exc:
                raise _PutBack(f"{exc}. The staged file was put back") from None
        try:
            restored = replace_trustcerts(doc, mapping).document.to_bytes() if mapping else original
        except InputError as exc:
            raise _PutBack(f"{exc}. The staged file was put back") from None
        journal.data["mapping"] = mapping
        journal.keep("restored", restored)

    def _put_back(self, journal: Journal) -> None:
        if self.storage.digest(SETTINGS) is None:
            journal.step("put-back", "started", "write the staged file again")
            self.storage.write(SETTINGS, journal.kept("staged"))
            journal.step("put-back", "done")
        journal.forget("regenerated")
        journal.forget("restored")
        journal.data["mapping"] = None
        journal.state = STAGED
        journal.save()

    def _plan_restore(self, journal: Journal, mapping: Mapping[str, str] | None) -> Plan:
        self._refuse_other_ipo()
        if journal.state not in (STAGED, RESTORING, RESTORED):
            raise StateError(self._wrong_state(journal.state, "restore"))
        expect = Expect.of(journal)
        steps = self._simulate(expect, decide_restore)
        diff, notes = "", []
        if expect.original and mapping:
            doc = parse(journal.kept("original"), name=BACKUP)
            edit = replace_trustcerts(doc, mapping)
            diff = unified_diff(doc, edit.document, f"{BACKUP}", f"{SETTINGS} (restored)")
        elif expect.original and journal.digest("restored"):
            diff = unified_diff(parse(journal.kept("original")), parse(journal.kept("restored")))
        elif expect.original:
            old = sorted(_root_cas(parse(journal.kept("original"))))
            notes.append(
                f"the new root CA name replaces {', '.join(old) or 'no IP Office root CA'} in "
                "the administrator's file; it is known only once the IP Office serves its "
                "generated file again (or pass the mapping explicitly)"
            )
        else:
            notes.append(f"there was no explicit {SETTINGS}: the target is left without one")
        return Plan("restore", steps, diff, notes)

    # -- rollback ---------------------------------------------------------------------

    def _plan_rollback(self, journal: Journal) -> Plan:
        self._refuse_other_ipo()
        steps = self._simulate(Expect.of(journal), decide_rollback)
        notes = [] if steps else ["nothing to do: the target is as it was before stage"]
        return Plan("rollback", steps, "", notes)

    # -- the engine -------------------------------------------------------------------

    def _look(self) -> View:
        return {SETTINGS: self.storage.digest(SETTINGS), BACKUP: self.storage.digest(BACKUP)}

    def _run(self, journal: Journal, decide: Callable[[View, Expect], Action | None]) -> list[str]:
        done: list[str] = []
        for _ in range(12):  # every path converges in at most five actions
            action = decide(self._look(), Expect.of(journal))
            if action is None:
                return done
            description = action.describe(self.storage.url)
            log.info("%s: %s", action.step, description)
            journal.step(action.step, "started", description)
            try:
                self._perform(action, journal)
            except Exception as exc:
                # A process that dies here leaves "started"; the next run looks again.
                journal.step(action.step, "failed", f"{description}: {exc}")
                log.info("%s failed: %s", action.step, exc)
                raise
            journal.step(action.step, "done", description)
            done.append(description)
        raise StateError(f"the run on {self.storage.url} does not settle; this is a bug")

    def _perform(self, action: Action, journal: Journal) -> None:
        if action.op == "rename":
            self.storage.rename(action.name, action.target)
        elif action.op == "remove":
            self.storage.remove(action.name)
        elif action.op == "write":
            data = journal.kept(action.kind)
            self.storage.write(action.name, data)
            if self.storage.read(action.name) != data:
                raise TargetChangedError(
                    f"{action.name} on {self.storage.url} reads back different from what was "
                    "just written; check the card or share, then run the command again"
                )
        else:
            self._prepare_restore(journal)

    def _simulate(
        self, expect: Expect, decide: Callable[[View, Expect], Action | None]
    ) -> list[str]:
        view = self._look()
        steps = []
        for _ in range(12):
            action = decide(view, expect)
            if action is None:
                break
            steps.append(action.describe(self.storage.url))
            if action.op == "rename":
                view[action.target], view[action.name] = view[action.name], None
            elif action.op == "remove":
                view[action.name] = None
            elif action.op == "write":
                view[action.name] = getattr(expect, action.kind)
            else:
                expect = attrs.evolve(
                    expect,
                    restored=expect.restored or "(to be worked out)",
                    regenerated="(to be downloaded)",
                )
        return steps

    def _sweep(self, journal: Journal) -> None:
        """Remove temporaries an interrupted atomic write left behind."""
        for name in self.storage.list():
            if is_temporary(name):
                self.storage.remove(name)
                journal.step("clean", "done", f"removed leftover temporary {name}")

    # -- helpers ----------------------------------------------------------------------

    def _fetch(self, url: str | None = None) -> bytes:
        url = url or self.ipo_url
        log.info("downloading %s", url)
        return fetch(
            url, verify=self.verify_tls, cafile=self.cafile, pin=self.pin, timeout=self.timeout
        )

    def _fetch_file(self, name: str) -> bytes:
        """Another file of the IP Office's file service (a root CA, a GET target)."""
        url = self.ipo_url.rsplit("/", 1)[0] + "/" + name
        log.info("downloading %s", url)
        return download(
            url, verify=self.verify_tls, cafile=self.cafile, pin=self.pin, timeout=self.timeout
        )[0]

    def _serves(self, name: str) -> bool:
        try:
            self._fetch_file(name)
        except Ipo46xxError:
            return False
        return True

    def _loader(self) -> Callable[[str], bytes | None]:
        """The files a GET reaches, as the phones fetch them (None: phones go on)."""
        cache: dict[str, bytes | None] = {}

        def load(name: str) -> bytes | None:
            if name not in cache:
                try:
                    cache[name] = fetch(
                        self.ipo_url.rsplit("/", 1)[0] + "/" + name,
                        verify=self.verify_tls,
                        cafile=self.cafile,
                        pin=self.pin,
                        timeout=self.timeout,
                    )
                except Ipo46xxError:
                    cache[name] = None
            return cache[name]

        return load

    def _ports(
        self, journal: Journal | None, docs: Sequence[SettingsFile], url: str | None = None
    ) -> list[int]:
        """Where phones meet the identity certificate: the ports given, or 443, the port
        of an https:// address, the ports recorded, and every TLSPORT of ``docs``."""
        from .certificates import HTTPS_PORT, host_of, tls_ports  # noqa: PLC0415
        from .profiles import setting_per_profile  # noqa: PLC0415

        if self._tls_ports:
            return list(self._tls_ports)
        url_port = host_of(url or self.ipo_url)[1]
        ports = [HTTPS_PORT] + ([url_port] if url_port else [])
        ports += list(journal.data.get("tls_ports") or []) if journal else []
        for doc in docs:
            ports += tls_ports(setting_per_profile(doc, "TLSPORT").values())
        return list(dict.fromkeys(ports))

    def _endpoints(self, journal: Journal) -> list[Endpoint]:
        import datetime as dt  # noqa: PLC0415

        from .certificates import host_of, read_endpoint  # noqa: PLC0415

        host = host_of(self.ipo_url)[0]
        now = dt.datetime.now(dt.timezone.utc)
        ports = (
            self._tls_ports or list(journal.data.get("tls_ports") or []) or self._ports(journal, [])
        )
        return [read_endpoint(host, port, timeout=self.timeout, now=now) for port in ports]

    def _trust(self, journal: Journal, served: bytes | None = None) -> TrustReport:
        """The phones' view of the file served now and the certificate presented now."""
        from .trust import check_trust  # noqa: PLC0415

        doc = parse(served if served is not None else self._fetch(), name=SETTINGS)
        return check_trust(doc, self._endpoints(journal), self._fetch_file, loader=self._loader())

    def _refuse_unusable_certificate(self, journal: Journal) -> None:
        """Restore must not finish onto a certificate that no phone accepts."""
        for endpoint in self._endpoints(journal):
            cert = endpoint.certificate
            if cert is None or not {"expired", "not-yet-valid"} & set(endpoint.problems):
                continue
            why = (
                f"expired on {cert.not_after:%Y-%m-%d}"
                if "expired" in endpoint.problems
                else f"is not valid before {cert.not_before:%Y-%m-%d}"
            )
            clock = (
                f" It is dated 1 January {cert.not_before.year}, 00:00: the IP Office's clock "
                "is not set."
                if cert.clock_never_set
                else ""
            )
            raise _PutBack(
                f"the certificate the IP Office presents on port {endpoint.port} {why}; "
                f"phones refuse it.{clock} The staged file was put back: set the IP Office's "
                "time (System > System > Time Setting Config Source: SNTP), regenerate the "
                "certificate again, then run restore again"
            )

    def _served_check(self, journal: Journal) -> list[str]:
        """After stage: does the IP Office serve the staged file? Problems, if not."""
        target = self.storage.url
        try:
            served = self._fetch()
        except Ipo46xxError as exc:
            return [
                f"cannot check that the IP Office serves the staged file ({exc}); run "
                f"`ipo46xx verify` once it answers"
            ]
        if served == journal.kept("staged"):
            return []
        return [
            f"the IP Office at {self.ipo_url} does not serve the staged file: the phones still "
            f"get the old one. If the card is out of the IP Office, put it back and run "
            f"`ipo46xx verify`; if {target} is not this IP Office's card, run "
            f"`ipo46xx rollback --target {target}`"
        ]

    def _require(self, journal: Journal | None, action: str) -> Journal:
        if journal is None:
            raise StateError(
                f"nothing was staged on {self.storage.url} (no journal in {self.state_dir}); "
                f"{action} needs a run started with stage"
            )
        return journal

    def _wrong_state(self, state: str, action: str) -> str:
        hint = {
            STAGING: "stage was interrupted: run stage again to finish it, or rollback",
            STAGED: "the file is staged: restart the phones, regenerate the certificate, then "
            "run restore (or rollback)",
            RESTORING: "restore was interrupted: run restore again to finish it, or rollback",
            RESTORED: "the run is complete: stage starts a new one",
            ROLLING_BACK: "rollback was interrupted: run rollback again",
            ROLLED_BACK: "the target was rolled back: stage starts a new run",
        }.get(state, "")
        return f"cannot {action} {self.storage.url} while the run is {state}; {hint}"

    def _describe_files(self, journal: Journal | None) -> dict[str, str]:
        view = self._look()
        names: dict[str, str] = {}
        if journal is not None:
            for kind in ("original", "staged", "restored"):
                digest = journal.digest(kind)
                if digest is not None:
                    names.setdefault(digest, kind)
        return {
            name: "absent" if digest is None else names.get(digest, "unknown content")
            for name, digest in view.items()
        }

    def _outcome(self, action: str, journal: Journal, done: list[str], diff: str) -> Outcome:
        return Outcome(action, journal.state, done, diff)


def _root_cas(doc: SettingsFile) -> set[str]:
    return {n for t in trustcerts(doc) for n in t.names if ROOT_CA_PATTERN.match(n)}
