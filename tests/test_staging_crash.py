"""Crash at every mutating step of stage, restore and rollback; then recover.

The invariant under test: at every instant the administrator's original file exists
byte-identical as 46xxsettings.txt, as 46xxsettings.bak, or in the journal; after any
crash, status() tells the truth, and re-running the same step or rollback() completes
and leaves the target consistent.
"""

from __future__ import annotations

import pathlib

import pytest

from ipo46xx.staging.journal import Journal

from .faults import Crash, FaultyStorage
from .staging_site import (
    ADMIN,
    BACKUP,
    PREPARE,
    SETTINGS,
    make_site,
    original_somewhere,
    run_operation,
)

# How many changes each makes to a card with (True) and without (False) an explicit file:
# stage = park + write; restore = remove staged + write + remove .bak;
# rollback = write the original over ours (+ remove .bak, or remove ours when no original).
CHANGES = {
    ("stage", True): 2,
    ("stage", False): 1,
    ("restore", True): 3,
    ("restore", False): 1,
    ("rollback-staged", True): 2,
    ("rollback-staged", False): 1,
    ("rollback-restored", True): 1,
    ("rollback-restored", False): 0,
}


CASES = [
    (kind, explicit, operation, k, when)
    for kind in ("memory", "local")
    for (operation, explicit), count in CHANGES.items()
    for k in range(1, count + 1)
    for when in ("before", "after")
]


@pytest.mark.parametrize(("operation", "explicit"), list(CHANGES))
def test_each_operation_makes_the_changes_counted(
    tmp_path: pathlib.Path, operation: str, explicit: bool
) -> None:
    site = make_site("memory", explicit, tmp_path)
    try:
        PREPARE[operation](site.stager(), site)
        counting = FaultyStorage(site.card, check=original_somewhere(site, explicit))
        run_operation(operation, site.stager(counting))
        assert counting.mutations == CHANGES[operation, explicit], counting.log
    finally:
        site.close()


@pytest.mark.parametrize("recovery", ["again", "rollback"])
@pytest.mark.parametrize(("kind", "explicit", "operation", "k", "when"), CASES)
def test_crash_then_recover(
    tmp_path: pathlib.Path,
    kind: str,
    explicit: bool,
    operation: str,
    k: int,
    when: str,
    recovery: str,
) -> None:
    site = make_site(kind, explicit, tmp_path)
    try:
        pristine = site.snapshot()
        check = original_somewhere(site, explicit)
        PREPARE[operation](site.stager(), site)
        faulty = FaultyStorage(site.card, fail_at=k, when=when, check=check)
        stager = site.stager(faulty)
        with pytest.raises(Crash):
            run_operation(operation, stager)
        check()

        # status() tells the truth about the journal and about the card.
        status = site.stager().status()
        in_progress = {"stage": "staging", "restore": "restoring"}.get(operation, "rolling-back")
        assert status.state == in_progress
        for name in (SETTINGS, BACKUP):
            label = status.files[name]
            if not site.card.exists(name):
                assert label == "absent"
            else:
                journal = Journal.load(site.state_dir)
                assert journal is not None
                assert journal.kept(label) == site.card.read(name)
        assert any(step["status"] == "started" for step in status.steps) or when == "after"

        recovered = site.stager(FaultyStorage(site.card, check=check))
        if recovery == "again":
            run_operation(operation, recovered)
            expected = {"stage": "staged", "restore": "restored"}.get(operation, "rolled-back")
            assert recovered.status().state == expected
            card = site.snapshot()
            if operation.startswith("rollback"):
                assert card == pristine
            elif operation == "stage":
                assert set(card) == ({SETTINGS, BACKUP} if explicit else {SETTINGS})
                assert card.get(BACKUP, ADMIN) == ADMIN
            else:
                assert set(card) == ({SETTINGS} if explicit else set())
            assert recovered.verify().ok
        else:
            recovered.rollback()
            assert site.snapshot() == pristine
        assert site.temporaries() == []
    finally:
        site.close()
