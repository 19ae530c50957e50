"""One run's surroundings: the target, the folder of its journal, and its IP Office.

Planning (:mod:`.planning`), carrying out (:class:`~ipo46xx.staging.stager.Stager`) and
checking what is served (:mod:`.checking`) all work through one :class:`Run`.
"""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

from ..errors import InputError, StateError
from ..office.download import Deadline
from ..office.ipoffice import IpOffice
from ..office.trust import TrustReport
from ..storage import Storage
from .engine import Engine
from .flow import BACKUP
from .journal import Journal, default_state_dir
from .restoring import prepare_restore
from .results import (
    CHANGED,
    CHANGING,
    RESTORED,
    RESTORING,
    ROLLED_BACK,
    ROLLING_BACK,
    STAGED,
    STAGING,
)

__all__ = ["Run", "recorded_ports"]


class Run:
    """The target and journal folder of one run, the IP Office it talks to and how.

    ``given_ipo`` is the settings URL given for this invocation (``None`` when left out);
    the one a run recorded in its journal wins (:attr:`ipo_url`).
    """

    def __init__(
        self,
        given_ipo: str | None,
        storage: Storage,
        state_dir: pathlib.Path | None,
        *,
        verify_tls: bool,
        cafile: str | None,
        pin: str | None,
        timeout: float,
        tls_ports: Sequence[int],
        deadline: Deadline | None = None,
    ) -> None:
        self.given_ipo = given_ipo
        self.storage = storage
        self.state_dir = state_dir if state_dir is not None else default_state_dir(storage.url)
        self.verify_tls = verify_tls
        self.cafile = cafile
        self.pin = pin
        self.timeout = timeout
        self.deadline = deadline
        self.tls_ports = list(tls_ports)
        self.engine = Engine(storage, self._prepare_restore)

    def time_limit(self, url: str) -> float:
        """The time limit of the next request to ``url``: the deadline's, when nearer."""
        return self.timeout if self.deadline is None else self.deadline.limit(self.timeout, url)

    def journal(self) -> Journal | None:
        """The journal of the run on this target, or ``None`` when there is none."""
        return Journal.load(self.state_dir, self.storage.url)

    @property
    def ipo_url(self) -> str:
        """The settings file URL: as recorded by the run in the journal, or as given.

        A given address that differs from the recorded one is refused: the run belongs
        to the IP Office it started with.
        """
        journal = self.journal()
        recorded = str(journal.data["ipo"]) if journal and journal.data.get("ipo") else None
        if recorded and self.given_ipo and self.given_ipo != recorded:
            raise InputError(
                f"--ipo {self.given_ipo} differs from the IP Office this run on {self.storage.url} "
                f"recorded, {recorded}; leave --ipo out (or give that one). A different IP "
                "Office needs its own target and run"
            )
        if recorded:
            return recorded
        if self.given_ipo:
            return self.given_ipo
        raise InputError(
            f"the IP Office address is needed and no run on {self.storage.url} recorded one; "
            "give it (--ipo ADDRESS)"
        )

    def refuse_other_ipo(self) -> None:
        """Refuse a given ``--ipo`` that differs from the recorded one, before any change."""
        if self.given_ipo:
            self.ipo_url  # noqa: B018  (raises InputError naming both)

    def new_run_url(self) -> str:
        if not self.given_ipo:
            raise InputError(
                f"a new run on {self.storage.url} needs the IP Office address (--ipo ADDRESS)"
            )
        return self.given_ipo

    def office(self, url: str | None = None) -> IpOffice:
        """The IP Office of this run (or at ``url``, for a new run), with its TLS choices."""
        return IpOffice(
            url or self.ipo_url,
            verify=self.verify_tls,
            cafile=self.cafile,
            pin=self.pin,
            timeout=self.timeout,
            tls_ports=self.tls_ports,
            deadline=self.deadline,
        )

    def trust(self, journal: Journal, served: bytes | None = None) -> TrustReport:
        """The phones' trust now: the chain served (with the card's per-device files) and
        the certificate on the ports the run recorded."""
        return self.office().trust(recorded_ports(journal), served, lister=self.storage.list)

    def nothing_to_roll_back(self, journal: Journal | None) -> str:
        if journal is None and self.storage.exists(BACKUP):
            raise StateError(
                f"no run on {self.storage.url} is recorded in {self.state_dir}, but the card "
                f"holds {BACKUP}: a run recorded elsewhere (another --state-dir, or a fleet "
                "inventory's state folder) may be under way. Run rollback with that "
                "--state-dir; nothing was changed"
            )
        if journal is None:
            return (
                f"nothing to roll back: no run on {self.storage.url} is recorded "
                f"(journal: {self.state_dir})"
            )
        return (
            f"nothing to roll back: the run on {self.storage.url} stopped before it changed "
            "anything there"
        )

    def require(self, journal: Journal | None, action: str) -> Journal:
        if journal is None:
            starts = "stage or change" if action == "verify" else "stage"
            raise StateError(
                f"nothing was staged on {self.storage.url} (no journal in {self.state_dir}); "
                f"{action} needs a run started with {starts}; if the run used another "
                "--state-dir, name it"
            )
        return journal

    def wrong_state(self, state: str, action: str) -> str:
        hint = {
            STAGING: "stage was interrupted: run stage again to finish it, or rollback",
            STAGED: "the file is staged: restart the phones, regenerate the certificate, then "
            "run restore (or rollback)",
            RESTORING: "restore was interrupted: run restore again to finish it, or rollback",
            RESTORED: "the run is complete: stage starts a new one",
            CHANGING: "change was interrupted: run the same change again to finish it, or rollback",
            CHANGED: "the change is on the card: verify checks what the phones get, rollback "
            "undoes it, and stage or change starts a new run",
            ROLLING_BACK: "rollback was interrupted: run rollback again",
            ROLLED_BACK: "the target was rolled back: stage starts a new run",
        }.get(state, "")
        return f"cannot {action} {self.storage.url} while the run is {state}; {hint}"

    def _prepare_restore(self, journal: Journal) -> None:
        prepare_restore(self.office(), journal, self.engine.units(journal), self.storage.url)


def recorded_ports(journal: Journal) -> list[int]:
    """The TLS ports a run recorded."""
    return list(journal.data.get("tls_ports") or [])
