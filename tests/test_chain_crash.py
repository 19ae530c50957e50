"""Issue 14's crash matrix: a site with an explicit 46xxsettings.txt and a 46xxspecials.txt
that sets TRUSTCERTS.  Crash before and after every change stage, restore and rollback make
to the card; after each, both administrator's files exist byte-identical as .txt, .bak or
in the journal, status says where the run stopped, and the same command (or rollback)
finishes."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import pytest

from ipo46xx.staging.journal import Journal
from ipo46xx.staging.stager import Stager

from .faults import Crash, FaultyStorage
from .staging_site import ADMIN, BACKUP, PREPARE, SETTINGS, Site, make_site, run_operation

SPECIALS, SPECIALS_BAK = "46xxspecials.txt", "46xxspecials.bak"
OWN = b'## site\r\nSET TRUSTCERTS "Root-CA-0214515C.pem,AcmeOwnCA.pem"\r\nSET DSCPAUD 46\r\n'
ORIGINALS = {
    SETTINGS: (ADMIN, BACKUP, "original"),
    SPECIALS: (OWN, SPECIALS_BAK, "original@" + SPECIALS),
}


def _site(kind: str, tmp_path: pathlib.Path) -> Site:
    site = make_site(kind, True, tmp_path)
    site.card.write(SPECIALS, OWN)
    return site


# Each file: stage = park + write; restore = remove staged + write + remove .bak;
# rollback from staged = write the original over ours + remove .bak; from restored = write.
CHANGES = {"stage": 4, "restore": 6, "rollback-staged": 4, "rollback-restored": 2}
IN_PROGRESS = {"stage": "staging", "restore": "restoring"}
FINISHED = {"stage": "staged", "restore": "restored"}


def _invariant(site: Site) -> Callable[[], None]:
    def check() -> None:
        for name, (original, backup, kind) in ORIGINALS.items():
            if any(site.card.exists(n) and site.card.read(n) == original for n in (name, backup)):
                continue
            journal = Journal.load(site.state_dir)
            assert journal is not None, f"the original {name} is nowhere"
            assert journal.kept(kind) == original, f"the original {name} is nowhere"

    return check


def _tls(stager: Stager, site: Site) -> Stager:
    return Stager(stager.ipo_url, stager.storage, site.state_dir, tls_ports=[site.ipo.tls_port])


@pytest.mark.parametrize("operation", list(CHANGES))
def test_each_operation_changes_each_file(tmp_path: pathlib.Path, operation: str) -> None:
    site = _site("memory", tmp_path)
    try:
        PREPARE[operation](site.stager(), site)
        counting = FaultyStorage(site.card, check=_invariant(site))
        run_operation(operation, site.stager(counting))
        assert counting.mutations == CHANGES[operation], counting.log
        assert any(SPECIALS in entry for entry in counting.log), counting.log
    finally:
        site.close()


CASES = [
    (kind, operation, k, when)
    for kind in ("memory", "local")
    for operation, count in CHANGES.items()
    for k in range(1, count + 1)
    for when in ("before", "after")
]


@pytest.mark.parametrize("recovery", ["again", "rollback"])
@pytest.mark.parametrize(("kind", "operation", "k", "when"), CASES)
def test_crash_then_recover(
    tmp_path: pathlib.Path, kind: str, operation: str, k: int, when: str, recovery: str
) -> None:
    site = _site(kind, tmp_path)
    try:
        pristine = site.snapshot()
        check = _invariant(site)
        PREPARE[operation](site.stager(), site)
        faulty = FaultyStorage(site.card, fail_at=k, when=when, check=check)
        with pytest.raises(Crash) as info:
            run_operation(operation, site.stager(faulty))
        check()

        # status() tells the truth about the journal and about every file of the run.
        status = site.stager().status()
        assert status.state == IN_PROGRESS.get(operation, "rolling-back")
        assert set(status.files) == {SETTINGS, BACKUP, SPECIALS, SPECIALS_BAK}
        journal = Journal.load(site.state_dir)
        assert journal is not None
        for name, label in status.files.items():
            if not site.card.exists(name):
                assert label == "absent", (name, label)
                continue
            unit = "" if name in (SETTINGS, BACKUP) else f"@{SPECIALS}"
            assert journal.kept(label + unit) == site.card.read(name), (name, label)
        # The last step is the one the crash cut short, on the file it was changing.
        crashed_on = str(info.value).split()[3]  # "crash before rename NAME ..."
        last = status.steps[-1]
        assert last["status"] == "started", last
        assert crashed_on in last["detail"], (crashed_on, last)
        assert last["step"].endswith(f"@{SPECIALS}") == crashed_on.startswith("46xxspecials")

        recovered = _tls(site.stager(FaultyStorage(site.card, check=check)), site)
        if recovery == "again":
            run_operation(operation, recovered)
            assert recovered.status().state == FINISHED.get(operation, "rolled-back")
            card = site.snapshot()
            if operation.startswith("rollback"):
                assert card == pristine
            elif operation == "stage":
                assert set(card) == {SETTINGS, BACKUP, SPECIALS, SPECIALS_BAK}
                assert card[BACKUP] == ADMIN and card[SPECIALS_BAK] == OWN
                assert b'SET TRUSTCERTS ""' in card[SPECIALS]
            else:
                assert set(card) == {SETTINGS, SPECIALS}
                assert site.ipo.root_ca.encode() in card[SPECIALS]
                assert b"AcmeOwnCA.pem" in card[SPECIALS]
            verification = recovered.verify()
            assert verification.ok, verification.message
        else:
            recovered.rollback()
            assert site.snapshot() == pristine
        assert site.temporaries() == []
    finally:
        site.close()


# Restore keeps, in order: each other file's restored copy, then 46xxsettings.txt's (when
# there is an explicit one), then the regenerated file.
@pytest.mark.parametrize(
    ("explicit", "crash_at"), [(True, 0), (True, 1), (True, 2), (False, 0), (False, 1)]
)
def test_a_crash_while_restore_keeps_its_copies_is_finished_by_restore(
    explicit: bool, crash_at: int, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Restore keeps the regenerated file and each restored copy in the journal, one save
    # each; a kill between two of them must leave a run that restore again can finish.
    site = make_site("local", explicit, tmp_path)
    site.card.write(SPECIALS, OWN)
    try:
        stager = site.stager()
        stager.stage()
        new = site.ipo.regenerate_certificate()
        keep = Journal.keep
        calls = []

        def crashing(journal: Journal, kind: str, data: bytes) -> str:
            if kind in ("regenerated", "restored") or kind.startswith("restored@"):
                calls.append(kind)
                if len(calls) - 1 == crash_at:
                    raise Crash(kind)
            return keep(journal, kind, data)

        monkeypatch.setattr(Journal, "keep", crashing)
        with pytest.raises(Crash):
            stager.restore()
        monkeypatch.setattr(Journal, "keep", keep)
        outcome = site.stager().restore()
        assert outcome.state == "restored"
        card = site.snapshot()
        assert card[SPECIALS] == OWN.replace(b"Root-CA-0214515C.pem", new.encode())
        assert (SETTINGS in card) == explicit
        assert BACKUP not in card and SPECIALS_BAK not in card
    finally:
        site.close()
