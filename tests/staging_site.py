"""A test site: an SD card folder, an IP Office emulator serving it, and a journal folder."""

from __future__ import annotations

import pathlib
from collections.abc import Callable

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.staging.journal import Journal
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import LocalStorage, MemoryStorage, Storage, is_temporary

from .conftest import FIXTURES

ADMIN = (FIXTURES / "admin-explicit" / "46xxsettings.txt").read_bytes()
SETTINGS, BACKUP = "46xxsettings.txt", "46xxsettings.bak"


class Site:
    """One IP Office with its card; ``card`` is what the stager writes through."""

    def __init__(self, card: Storage, ipo_view: Storage, state_dir: pathlib.Path) -> None:
        self.card = card
        self.ipo = IpOfficeEmulator(ipo_view).start()
        self.state_dir = state_dir

    def stager(self, storage: Storage | None = None) -> Stager:
        return Stager(self.ipo.url, storage or self.card, self.state_dir)

    def snapshot(self) -> dict[str, bytes]:
        return {name: self.card.read(name) for name in self.card.list()}

    def temporaries(self) -> list[str]:
        return [name for name in self.card.list() if is_temporary(name)]

    def close(self) -> None:
        self.ipo.stop()


def make_site(kind: str, explicit: bool, tmp_path: pathlib.Path) -> Site:
    """A site on ``memory`` or ``local`` storage, with or without an explicit file."""
    card: Storage
    if kind == "memory":
        card = MemoryStorage()
    else:
        folder = tmp_path / "sd" / "system" / "primary"
        folder.mkdir(parents=True)
        card = LocalStorage(folder)
    if explicit:
        card.write(SETTINGS, ADMIN)
    return Site(card, card, tmp_path / "state")


def original_somewhere(site: Site, explicit: bool) -> Callable[[], None]:
    """The crash matrices' invariant: the administrator's original file exists, byte for
    byte, as 46xxsettings.txt, as 46xxsettings.bak or in the journal."""

    def check() -> None:
        if not explicit:
            return
        for name in (SETTINGS, BACKUP):
            if site.card.exists(name) and site.card.read(name) == ADMIN:
                return
        journal = Journal.load(site.state_dir)
        assert journal is not None, "the original is nowhere"
        assert journal.kept("original") == ADMIN, "the original is nowhere"

    return check


def _staged_and_regenerated(stager: Stager, site: Site) -> None:
    stager.stage()
    site.ipo.regenerate_certificate()


def _restored(stager: Stager, site: Site) -> None:
    _staged_and_regenerated(stager, site)
    stager.restore()


# What must happen before each operation of the crash matrices.
PREPARE: dict[str, Callable[[Stager, Site], object]] = {
    "stage": lambda stager, site: None,
    "restore": _staged_and_regenerated,
    "rollback-staged": lambda stager, site: stager.stage(),
    "rollback-restored": _restored,
}


def run_operation(operation: str, stager: Stager) -> None:
    """Run stage, restore or rollback (``rollback-staged``, ``rollback-restored``)."""
    if operation == "stage":
        stager.stage()
    elif operation == "restore":
        stager.restore()
    else:
        stager.rollback()


def sd_card(tmp_path: pathlib.Path, files: dict[str, bytes]) -> tuple[LocalStorage, list[str]]:
    """A card folder holding ``files``, and the options that name it and its journal."""
    folder = tmp_path / "sd"
    folder.mkdir()
    card = LocalStorage(folder)
    for name, data in files.items():
        card.write(name, data)
    return card, ["--target", str(folder), "--state-dir", str(tmp_path / "state")]


def trust_line(out: str) -> str:
    """The one ``trust:`` line of a command's output."""
    [line] = [line for line in out.splitlines() if line.startswith("trust:")]
    return line


def restore_after_regenerating(
    emulator: IpOfficeEmulator, where: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """`ipo46xx stage`, Manager's Regenerate (step 7), then `ipo46xx restore --replace`
    with the new name: restore's exit status and output."""
    from ipo46xx.cli import main  # noqa: PLC0415
    from ipo46xx.emulator import INITIAL_ROOT_CA  # noqa: PLC0415

    assert main(["stage", "--ipo", emulator.url, *where, "--yes"]) == 0
    new = emulator.regenerate_certificate()
    capsys.readouterr()
    code = main(["restore", *where, "--yes", "--replace", f"{INITIAL_ROOT_CA}={new}"])
    return code, capsys.readouterr().out
