"""Recovery tells the truth: early crashes, interrupted renames, leftovers, odd cards.

Crashes here are real: a child process running the flow is killed with SIGKILL at a
chosen ``os.replace``, so nothing in Python gets to clean up after it.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ipo46xx.cli.guidance import next_steps
from ipo46xx.errors import StorageError
from ipo46xx.staging.journal import Journal
from ipo46xx.storage import LocalStorage, MemoryStorage

from .faults import Crash
from .mounts import fill, tmpfs
from .staging_site import ADMIN, BACKUP, SETTINGS, Site, make_site

FOREIGN = ".ipo46xx-46xxsettings.txt.0123456789ab.tmp"

# Runs one operation; SIGKILLs itself when os.replace moves a file named like argv[5]
# onto one named argv[6] (fnmatch patterns), optionally with renameat2 switched off;
# with argv[5] "fsync", at the os.fsync numbered argv[6] instead (0: never, and the
# child prints how many there were).
KILLER = """
import fnmatch, os, signal, sys
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import LocalStorage, local

ipo, card, state, operation, source, target, fallback = sys.argv[1:]
if fallback == "fallback":
    local._renameat2 = None  # as on FUSE file systems and macOS
real_replace, real_fsync = os.replace, os.fsync
fsyncs = 0

def fsync(fd):
    global fsyncs
    fsyncs += 1
    if source == "fsync" and fsyncs == int(target):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_fsync(fd)

os.fsync = fsync

def replace(src, dst, *args, **kwargs):
    src_name, dst_name = os.path.basename(src), os.path.basename(dst)
    if fnmatch.fnmatch(src_name, source) and fnmatch.fnmatch(dst_name, target):
        os.kill(os.getpid(), signal.SIGKILL)
    return real_replace(src, dst, *args, **kwargs)

os.replace = replace
getattr(Stager(ipo, LocalStorage(card), state), operation)()
print(fsyncs)
"""


def _killed(
    site: Site, operation: str, source: str, target: str, fallback: bool, *, code: int = -9
) -> str:
    """Run ``operation`` in a child process that is killed at the chosen replace (or
    fsync); its output."""
    card = site.card
    assert isinstance(card, LocalStorage)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            KILLER,
            site.ipo.url,
            str(card.folder),
            str(site.state_dir),
            operation,
            source,
            target,
            "fallback" if fallback else "renameat2",
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == code, result.stderr.decode()
    return result.stdout.decode()


@pytest.fixture(params=[True, False], ids=["explicit", "auto"])
def site(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Site]:
    result = make_site("local", request.param, tmp_path)
    yield result
    result.close()


# -- a crash before the target changed ---------------------------------------------------


# A stage writes 2-3 kept copies (each fsynced), fsyncs their folder once, then the journal
# (fsync) before it first changes the card: at least five fsyncs with the card untouched.
@pytest.mark.parametrize(("what", "k"), [("save", 1)] + [("fsync", k) for k in range(1, 6)])
def test_a_crash_before_the_target_changed_leaves_nothing_to_roll_back(
    site: Site, what: str, k: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    pristine = site.snapshot()
    calls = 0
    real = Journal.save if what == "save" else os.fsync

    def crashing(argument: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == k:
            raise Crash(f"killed at {what} {k}")
        real(argument)

    if what == "save":
        monkeypatch.setattr(Journal, "save", crashing)
    else:
        monkeypatch.setattr(os, "fsync", crashing)
    with pytest.raises(Crash):
        site.stager().stage()
    monkeypatch.undo()
    assert site.snapshot() == pristine

    stager = site.stager()
    status = stager.status()
    if status.recorded and status.state == "new":
        guidance = " ".join(next_steps(status.state, stager))
        assert "stopped before it changed anything" in guidance, guidance
    assert stager.plan("rollback").steps == []
    outcome = stager.rollback()
    assert any("nothing to roll back" in line for line in outcome.done)
    assert site.snapshot() == pristine
    stager.stage()
    assert stager.status().state == "staged"


def test_rollback_without_any_run_says_there_is_nothing_to_roll_back(site: Site) -> None:
    pristine = site.snapshot()
    stager = site.stager()
    assert stager.plan("rollback").steps == []
    outcome = stager.rollback()
    assert any("nothing to roll back" in line for line in outcome.done)
    assert site.snapshot() == pristine
    assert not (stager.state_dir / "journal.json").exists()


# -- a real kill at every fsync of a stage ------------------------------------------------


def test_a_kill_at_any_fsync_of_a_stage_is_recovered_from(tmp_path: pathlib.Path) -> None:
    """SIGKILL at each fsync a stage makes (journal and card alike), in a child process;
    then stage again, or roll back, from what the kill left."""
    for explicit in (True, False):
        counting = make_site("local", explicit, tmp_path / f"count-{explicit}")
        try:
            total = int(_killed(counting, "stage", "fsync", "0", fallback=False, code=0))
        finally:
            counting.close()
        assert total >= 5
        for k in range(1, total + 1):
            site = make_site("local", explicit, tmp_path / f"{explicit}-{k}")
            try:
                pristine = site.snapshot()
                _killed(site, "stage", "fsync", str(k), fallback=False)
                if explicit:  # the administrator's file is never only in memory
                    card = site.snapshot()
                    journal = Journal.load(site.state_dir)
                    assert ADMIN in (card.get(SETTINGS), card.get(BACKUP)) or (
                        journal is not None and journal.kept("original") == ADMIN
                    ), k
                stager = site.stager()
                if k % 2:
                    stager.stage()
                    assert stager.status().state == "staged" and stager.verify().ok, k
                    assert site.snapshot().get(BACKUP, ADMIN) == ADMIN
                else:
                    stager.rollback()
                    assert site.snapshot() == pristine, k
                assert site.temporaries() == [], k
            finally:
                site.close()


# -- an interrupted reserve-then-replace rename --------------------------------------------


@pytest.mark.parametrize("recovery", ["stage", "rollback"])
def test_an_interrupted_fallback_rename_is_recognised_and_finished_or_undone(
    tmp_path: pathlib.Path, recovery: str
) -> None:
    site = make_site("local", True, tmp_path)
    try:
        _killed(site, "stage", SETTINGS, BACKUP, fallback=True)
        # The kill left the original plus the empty name the rename had reserved.
        assert site.snapshot() == {SETTINGS: ADMIN, BACKUP: b""}
        stager = site.stager()
        status = stager.status()
        assert status.state == "staging"
        assert "interrupted rename" in status.files[BACKUP]
        assert stager.plan("stage").steps
        getattr(stager, recovery)()
        card = site.snapshot()
        if recovery == "stage":
            assert card[BACKUP] == ADMIN and set(card) == {SETTINGS, BACKUP}
            assert stager.verify().ok
        else:
            assert card == {SETTINGS: ADMIN}
    finally:
        site.close()


def test_an_interrupted_fallback_unpark_is_recognised_too(tmp_path: pathlib.Path) -> None:
    site = make_site("local", True, tmp_path)
    try:
        _killed(site, "stage", ".ipo46xx-*.tmp", SETTINGS, fallback=True)  # parked, not written
        assert site.snapshot().get(BACKUP) == ADMIN and SETTINGS not in site.snapshot()
        _killed(site, "rollback", BACKUP, SETTINGS, fallback=True)
        assert site.snapshot()[SETTINGS] == b"" and site.snapshot()[BACKUP] == ADMIN
        site.stager().rollback()
        assert site.snapshot() == {SETTINGS: ADMIN}
    finally:
        site.close()


# -- temporary files ---------------------------------------------------------------------


def test_clean_up_removes_only_the_temporaries_this_run_made(site: Site) -> None:
    card = site.card
    assert isinstance(card, LocalStorage)
    (card.folder / FOREIGN).write_bytes(b"another tool's work in progress")
    _killed(site, "stage", ".ipo46xx-*.tmp", SETTINGS, fallback=False)
    ours = [n for n in os.listdir(card.folder) if n.startswith(".ipo46xx-") and n != FOREIGN]
    assert len(ours) == 1
    stager = site.stager()
    stager.stage()
    assert FOREIGN in os.listdir(card.folder)
    assert ours[0] not in os.listdir(card.folder)
    stager.rollback()
    assert (card.folder / FOREIGN).read_bytes() == b"another tool's work in progress"


def test_a_hand_edited_list_of_temporaries_cannot_remove_other_files(site: Site) -> None:
    stager = site.stager()
    stager.stage()
    path = stager.state_dir / "journal.json"
    record = json.loads(path.read_text())
    record["temporaries"] = [SETTINGS, BACKUP, FOREIGN]
    path.write_text(json.dumps(record))
    card = site.card
    assert isinstance(card, LocalStorage)
    (card.folder / FOREIGN).write_bytes(b"x")
    before = site.snapshot()
    stager.stage()  # already staged: nothing to do, nothing removed
    assert site.snapshot() == before


# -- cards that are not cards ------------------------------------------------------------


@pytest.mark.parametrize("name", [SETTINGS, BACKUP])
def test_a_symlinked_settings_file_or_backup_is_refused(tmp_path: pathlib.Path, name: str) -> None:
    folder = tmp_path / "sd" / "system" / "primary"
    folder.mkdir(parents=True)
    elsewhere = tmp_path / "real-file"
    elsewhere.write_bytes(ADMIN)
    (folder / name).symlink_to(elsewhere)
    # The IP Office would serve the file the link points to.
    site = Site(LocalStorage(folder), MemoryStorage({SETTINGS: ADMIN}), tmp_path / "state")
    try:
        for operation in ("plan", "stage"):
            with pytest.raises(StorageError, match="symbolic link") as info:
                getattr(site.stager(), operation)()
            assert "not the SD card" in str(info.value)
        assert os.listdir(folder) == [name]
        assert (folder / name).is_symlink() and elsewhere.read_bytes() == ADMIN
    finally:
        site.close()


def test_a_failed_stage_on_a_full_card_says_what_the_card_holds_now(
    tmp_path: pathlib.Path,
) -> None:
    with tmpfs(tmp_path / "sd", "64k") as mount:
        card = LocalStorage(mount)
        card.write(SETTINGS, ADMIN)
        fill(mount)
        site = Site(card, card, tmp_path / "state")
        try:
            stager = site.stager()
            with pytest.raises(StorageError) as info:
                stager.stage()
            message = str(info.value)
            assert "no space" in message
            assert f"{SETTINGS} is absent and {BACKUP} is the original file" in message
            assert "auto-generated" in message and "Rollback puts it back" in message
            (mount / "filler.bin").unlink()
            stager.rollback()
            assert site.snapshot() == {SETTINGS: ADMIN}
        finally:
            site.close()
