"""The journal when its folder, its file or its target is not what it should be."""

from __future__ import annotations

import json
import os
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

from ipo46xx.errors import JournalError, LockedError
from ipo46xx.staging.journal import Journal, default_state_dir, state_lock
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import LocalStorage, open_storage

from .faults import raised_at_once
from .mounts import fill, read_only, tmpfs
from .staging_site import ADMIN, SETTINGS, Site, make_site


@pytest.fixture
def site(tmp_path: pathlib.Path) -> Iterator[Site]:
    result = make_site("local", True, tmp_path)
    yield result
    result.close()


def _edit_journal(stager: Stager, change: dict[str, Any]) -> pathlib.Path:
    path = stager.state_dir / "journal.json"
    record = json.loads(path.read_text())
    record.update(change)
    path.write_text(json.dumps(record))
    return path


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"files": {"original": "x"}}, "files.original"),
        ({"steps": [1, 2]}, "steps"),
        ({"files": {"original": {"sha256": "ab", "file": "../../etc/passwd", "size": 1}}}, "file"),
        ({"state": "sideways"}, "state"),
        ({"ipo": 42}, "ipo"),
        ({"mapping": ["a", "b"]}, "mapping"),
    ],
)
def test_a_journal_edited_by_hand_is_a_journal_error_that_says_what_is_wrong(
    site: Site, change: dict[str, Any], words: str
) -> None:
    stager = site.stager()
    stager.stage()
    path = _edit_journal(stager, change)
    for operation in (stager.status, stager.rollback, stager.stage, stager.plan):
        with pytest.raises(JournalError) as info:
            operation()
        message = str(info.value)
        assert str(path) in message and words in message, message
        assert "move the folder" in message


def _stage_with_state_dir(site: Site, state_dir: pathlib.Path) -> Stager:
    return Stager(site.ipo.url, site.card, state_dir)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize("name", ["journal.json", "original.txt"])
def test_a_fifo_in_the_state_folder_is_a_journal_error_without_waiting(
    tmp_path: pathlib.Path, name: str
) -> None:
    journal = Journal.create(tmp_path, "file:///card", "http://ipo/")
    journal.keep("original", ADMIN)
    (tmp_path / name).unlink()
    os.mkfifo(tmp_path / name)
    if name == "journal.json":
        error = raised_at_once(lambda: Journal.load(tmp_path), tmp_path / name)
    else:
        error = raised_at_once(lambda: journal.kept("original"), tmp_path / name)
    assert isinstance(error, JournalError), error
    assert "named pipe, not a file" in str(error)


def test_a_leftover_journal_temporary_of_another_mode_leaves_a_private_journal(
    tmp_path: pathlib.Path,
) -> None:
    leftover = tmp_path / ".journal.json.tmp"
    leftover.write_bytes(b"{}")  # a run killed between creating and renaming it
    leftover.chmod(0o644)
    Journal.create(tmp_path, "file:///card", "http://ipo/")
    assert os.stat(tmp_path / "journal.json").st_mode & 0o777 == 0o600
    assert not leftover.exists()


def test_a_state_folder_that_cannot_be_created_is_a_journal_error(
    site: Site, tmp_path: pathlib.Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(JournalError, match="cannot write the journal") as info:
        _stage_with_state_dir(site, blocker / "state").stage()
    assert str(blocker) in str(info.value)
    assert site.snapshot() == {SETTINGS: ADMIN}


def test_an_unwritable_xdg_state_home_is_a_journal_error(
    site: Site, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with tmpfs(tmp_path / "ro") as mount:
        read_only(mount)
        monkeypatch.setenv("XDG_STATE_HOME", str(mount))
        stager = Stager(site.ipo.url, site.card)
        assert stager.state_dir == default_state_dir(site.card.url)
        with pytest.raises(JournalError, match="read-only") as info:
            stager.stage()
        assert "--state-dir" in str(info.value)
    assert site.snapshot() == {SETTINGS: ADMIN}


def test_a_full_state_folder_is_a_journal_error_and_the_card_is_untouched(
    site: Site, tmp_path: pathlib.Path
) -> None:
    with tmpfs(tmp_path / "full", "64k") as mount:
        state = mount / "state"
        state.mkdir()
        fill(mount)
        with pytest.raises(JournalError, match="no space") as info:
            _stage_with_state_dir(site, state).stage()
        assert str(state) in str(info.value)
    assert site.snapshot() == {SETTINGS: ADMIN}


def test_a_read_only_state_folder_of_a_finished_run_still_shows_status(
    site: Site, tmp_path: pathlib.Path
) -> None:
    with tmpfs(tmp_path / "ro") as mount:
        stager = _stage_with_state_dir(site, mount / "state")
        stager.stage()
        read_only(mount)
        assert stager.status().state == "staged"
        with pytest.raises(JournalError, match="read-only"):
            stager.rollback()


def test_archived_runs_never_overwrite_each_other(site: Site) -> None:
    stager = site.stager()
    for _ in range(4):  # well within one second
        stager.stage()
        stager.rollback()
    runs = sorted((stager.state_dir / "runs").iterdir())
    assert len(runs) == 3
    assert all((run / "journal.json").is_file() for run in runs)
    states = [json.loads((run / "journal.json").read_text())["state"] for run in runs]
    assert states == ["rolled-back"] * 3


def test_one_local_target_is_one_journal_and_one_lock(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    folder = tmp_path / "card"
    folder.mkdir()
    (tmp_path / "other").mkdir()
    plain = open_storage(str(folder))
    detour = open_storage(str(tmp_path / "other" / ".." / "card"))
    link = tmp_path / "link"
    link.symlink_to(folder)
    linked = open_storage(link.as_uri())
    assert plain.url == detour.url == linked.url == folder.as_uri()
    assert isinstance(detour, LocalStorage) and detour.folder == folder
    with state_lock(default_state_dir(plain.url), plain.url), pytest.raises(LockedError):
        Stager("192.0.2.1", detour).stage()


def test_a_journal_of_another_target_is_refused(site: Site, tmp_path: pathlib.Path) -> None:
    stager = site.stager()
    stager.stage()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / SETTINGS).write_bytes(ADMIN)
    other = Stager(site.ipo.url, LocalStorage(elsewhere), stager.state_dir)
    for operation in (other.status, other.rollback, other.stage, other.restore, other.verify):
        with pytest.raises(JournalError, match="records the target") as info:
            operation()
        assert site.card.url in str(info.value) and elsewhere.as_uri() in str(info.value)
    assert os.listdir(elsewhere) == [SETTINGS]
    assert Journal.load(stager.state_dir) is not None


@pytest.mark.parametrize(("explicit", "saves", "fsyncs"), [(True, 3, 10), (False, 2, 7)])
def test_a_stage_saves_the_journal_only_before_each_change_and_at_the_end(
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    explicit: bool,
    saves: int,
    fsyncs: int,
) -> None:
    """Before batching: 14 saves and 34 fsyncs of the journal with an explicit file, 11
    and 26 without.  Now one save per change to the card plus the final one; the kept
    copies are fsynced each, their folder once, before the journal that names them."""
    site = make_site("memory", explicit, tmp_path)  # a card in memory: only the journal fsyncs
    synced: list[str] = []
    saved: list[str] = []
    real_fsync, real_save = os.fsync, Journal.save

    def fsync(fd: int) -> None:
        synced.append(os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def save(journal: Journal) -> None:
        saved.append(journal.state)
        real_save(journal)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(Journal, "save", save)
    try:
        site.stager().stage()
    finally:
        site.close()
    assert len(saved) == saves and len(synced) == fsyncs, (saved, synced)
    assert saved[-1] == "staged"
    copies = 3 if explicit else 2
    assert all(name.endswith(".txt.tmp") for name in synced[:copies])  # kept copies
    assert synced[copies] == "state"  # their folder, once
    assert synced[copies + 1 :: 2] == [".journal.json.tmp"] * saves
    assert synced[copies + 2 :: 2] == ["state"] * saves
