"""The flow on a real SMB share: the whole advisory, and smbd killed in the middle."""

from __future__ import annotations

import pathlib

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.errors import StorageError
from ipo46xx.staging.journal import Journal
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import LocalStorage, open_storage

from .faults import FaultyStorage
from .samba import Samba
from .staging_site import ADMIN, BACKUP, SETTINGS


def _card(samba: Samba, tmp_path: pathlib.Path) -> pathlib.Path:
    folder = samba.share_paths["sd"] / tmp_path.name / "system" / "primary"
    folder.mkdir(parents=True)
    (folder / SETTINGS).write_bytes(ADMIN)
    return folder


def test_the_whole_advisory_on_a_share(samba: Samba, tmp_path: pathlib.Path) -> None:
    folder = _card(samba, tmp_path)
    share = open_storage(
        samba.url("sd", f"{tmp_path.name}/system/primary"), password=samba.password
    )
    # The IP Office reads its own card; the PC reaches the same folder over SMB.
    with IpOfficeEmulator(LocalStorage(folder)) as ipo:
        stager = Stager(ipo.url, share, tmp_path / "state")
        stager.stage()
        assert (folder / BACKUP).read_bytes() == ADMIN
        assert stager.verify().ok
        new_ca = ipo.regenerate_certificate()
        stager.restore()
        assert sorted(p.name for p in folder.iterdir()) == [SETTINGS]
        assert new_ca.encode() in (folder / SETTINGS).read_bytes()
        assert stager.verify().ok
        stager.rollback()
        assert (folder / SETTINGS).read_bytes() == ADMIN
    share.close()
    journal_text = "".join(
        p.read_text(errors="replace") for p in (tmp_path / "state").iterdir() if p.is_file()
    )
    assert samba.password not in journal_text


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("recovery", ["again", "rollback"])
def test_smbd_killed_during_stage(
    private_samba: Samba, tmp_path: pathlib.Path, k: int, recovery: str
) -> None:
    folder = _card(private_samba, tmp_path)
    url = lambda: private_samba.url("sd", f"{tmp_path.name}/system/primary")  # noqa: E731
    share = open_storage(url(), password=private_samba.password)
    state = tmp_path / "state"
    with IpOfficeEmulator(LocalStorage(folder)) as ipo:
        dying = FaultyStorage(share, fail_at=k, hook=private_samba.kill)
        with pytest.raises(StorageError) as info:
            Stager(ipo.url, dying, state).stage()
        assert "connection" in str(info.value).lower() or "connect" in str(info.value).lower()
        assert private_samba.password not in str(info.value)
        # The original survives somewhere, byte for byte.
        on_card = [(folder / n).read_bytes() for n in (SETTINGS, BACKUP) if (folder / n).exists()]
        journal = Journal.load(state)
        assert journal is not None
        assert ADMIN in on_card or journal.kept("original") == ADMIN

        private_samba.start()  # the server comes back, on the same port
        again = open_storage(url(), password=private_samba.password)
        stager = Stager(ipo.url, again, state)
        assert stager.status().state == "staging"
        if recovery == "again":
            stager.stage()
            assert (folder / BACKUP).read_bytes() == ADMIN
            assert stager.verify().ok
        else:
            stager.rollback()
            assert sorted(p.name for p in folder.iterdir()) == [SETTINGS]
            assert (folder / SETTINGS).read_bytes() == ADMIN
        again.close()
