"""The local-folder adapter: what only an SD card mounted on a PC can do wrong."""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from ipo46xx.errors import LocationNotFoundError, ReadOnlyError, StorageError, TargetExistsError
from ipo46xx.storage import LocalStorage, is_temporary, open_storage
from ipo46xx.storage import local as local_module

from .faults import raised_at_once

SETTINGS, BACKUP = "46xxsettings.txt", "46xxsettings.bak"


def test_missing_folder_suggests_the_card_is_not_mounted(tmp_path: pathlib.Path) -> None:
    with pytest.raises(LocationNotFoundError, match="is the SD card mounted"):
        open_storage((tmp_path / "sd" / "system" / "primary").as_uri())


def test_a_file_is_not_a_folder(tmp_path: pathlib.Path) -> None:
    (tmp_path / "f").write_bytes(b"")
    with pytest.raises(LocationNotFoundError, match="is a file"):
        LocalStorage(tmp_path / "f")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_named_like_the_settings_file_is_refused_without_waiting(
    tmp_path: pathlib.Path,
) -> None:
    os.mkfifo(tmp_path / SETTINGS)  # open() waits for a writer that never comes
    error = raised_at_once(lambda: LocalStorage(tmp_path).read(SETTINGS), tmp_path / SETTINGS)
    assert isinstance(error, StorageError), error
    assert "named pipe, not a file" in str(error)


@pytest.mark.skipif(local_module._renameat2 is None, reason="renameat2 is Linux-only")
def test_linux_uses_renameat2_noreplace(tmp_path: pathlib.Path) -> None:
    store = LocalStorage(tmp_path)
    store.write(SETTINGS, b"a")
    assert store._rename_noreplace(str(tmp_path / SETTINGS), str(tmp_path / BACKUP))
    assert (tmp_path / BACKUP).read_bytes() == b"a"


def test_fallback_rename_reserves_the_name_and_never_clobbers(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The path taken where renameat2 is missing or refused (macOS, old kernels).
    monkeypatch.setattr(local_module, "_renameat2", None)
    store = LocalStorage(tmp_path)
    store.write(SETTINGS, b"staged")
    store.write(BACKUP, b"admin")
    with pytest.raises(TargetExistsError):
        store.rename(SETTINGS, BACKUP)
    assert store.read(BACKUP) == b"admin"
    store.remove(BACKUP)
    store.rename(SETTINGS, BACKUP)
    assert store.list() == [BACKUP]
    assert store.read(BACKUP) == b"staged"


def test_a_failed_replace_leaves_the_old_file_and_no_temporary(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStorage(tmp_path)
    store.write(SETTINGS, b"old")

    def crash(src: str, dst: str) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(local_module.os, "replace", crash)
    with pytest.raises(StorageError, match="Input/output error"):
        store.write(SETTINGS, b"new")
    monkeypatch.undo()
    assert store.read(SETTINGS) == b"old"
    assert [n for n in os.listdir(tmp_path) if is_temporary(n)] == []


def test_read_only_file_system_is_named_as_such(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStorage(tmp_path)
    real_open = os.open

    def read_only(path: str, flags: int, mode: int = 0o777) -> int:
        if flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", path)
        return real_open(path, flags, mode)

    monkeypatch.setattr(local_module.os, "open", read_only)
    with pytest.raises(ReadOnlyError, match="write-protect"):
        store.write(SETTINGS, b"x")


def _mount_fat(image: pathlib.Path, mount: pathlib.Path) -> list[str] | str:
    """Mount ``image``; return the command that unmounts it, or why it cannot be done."""
    kernel = subprocess.run(
        ["mount", "-o", "loop", str(image), str(mount)],
        check=False,
        capture_output=True,
        text=True,
    )
    if kernel.returncode == 0:
        return ["umount", str(mount)]
    # Where the kernel has no vfat (containers), the FUSE driver is a real FAT too.
    fuse_unmount = shutil.which("fusermount") or shutil.which("fusermount3")
    if shutil.which("fusefat") and fuse_unmount and os.path.exists("/dev/fuse"):
        fuse = subprocess.run(
            ["fusefat", "-o", "rw+", str(image), str(mount)],
            check=False,
            capture_output=True,
            text=True,
        )
        if fuse.returncode == 0 and os.path.ismount(mount):
            return [fuse_unmount, "-u", str(mount)]
        return f"fusefat failed: {(fuse.stderr or fuse.stdout).strip()}"
    return (
        f"cannot loop-mount vfat here ({kernel.stderr.strip()}) and fusefat with /dev/fuse "
        "is not available (apt-get install fusefat)"
    )


@pytest.fixture
def vfat(tmp_path: pathlib.Path) -> Iterator[pathlib.Path]:
    """A real FAT file system, as on an IP Office SD card."""
    if shutil.which("mkfs.vfat") is None:
        pytest.skip("mkfs.vfat not found: install Debian's dosfstools to test on FAT")
    image, mount = tmp_path / "sd.img", tmp_path / "mnt"
    mount.mkdir()
    with image.open("wb") as handle:
        handle.truncate(16 << 20)
    subprocess.run(["mkfs.vfat", str(image)], check=True, capture_output=True)
    unmount = _mount_fat(image, mount)
    if isinstance(unmount, str):
        if os.environ.get("CI"):
            pytest.fail(f"CI installs fusefat for this test, but: {unmount}")
        pytest.skip(unmount)
    try:
        yield mount
    finally:
        subprocess.run(unmount, check=False, capture_output=True)


def test_no_clobber_rename_on_a_real_fat_file_system(vfat: pathlib.Path) -> None:
    folder = vfat / "system" / "primary"
    folder.mkdir(parents=True)
    store = LocalStorage(folder)
    assert os.stat(vfat).st_dev != os.stat(vfat.parent).st_dev  # really on the FAT image
    store.write(SETTINGS, b"staged\r\n")
    store.write(BACKUP, b"admin\r\n")
    with pytest.raises(TargetExistsError):
        store.rename(SETTINGS, BACKUP)
    assert store.read(BACKUP) == b"admin\r\n"
    store.remove(BACKUP)
    store.rename(SETTINGS, BACKUP)
    assert store.list() == [BACKUP]
    assert store.read(BACKUP) == b"staged\r\n"
