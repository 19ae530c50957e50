"""One contract, run unchanged against the memory, local-folder and real-Samba adapters."""

from __future__ import annotations

import pytest

from ipo46xx import Ipo46xxError
from ipo46xx.errors import FileMissingError, InvalidNameError, TargetExistsError
from ipo46xx.storage import Storage, digest_of, is_temporary, temporary_name

from .conftest import Target

SETTINGS = "46xxsettings.txt"
BACKUP = "46xxsettings.bak"
# CRLF, Windows-1252 bytes in a comment, a NUL, no final newline: what real cards hold.
AWKWARD = b'## the admin\x92s file \x96 keep\r\nSET TRUSTCERTS "Root-CA-0214515C.pem"\r\n\x00# END'


def _no_temporaries(storage: Storage) -> None:
    assert [n for n in storage.list() if is_temporary(n)] == []


def test_write_read_round_trip_is_byte_exact(target: Target) -> None:
    store = target.storage
    store.write(SETTINGS, AWKWARD)
    assert store.read(SETTINGS) == AWKWARD
    assert store.exists(SETTINGS)
    assert store.digest(SETTINGS) == digest_of(AWKWARD)
    assert store.list() == [SETTINGS]
    if target.disk is not None:
        assert (target.disk / SETTINGS).read_bytes() == AWKWARD


def test_write_replaces_an_existing_file_and_leaves_no_temporary(target: Target) -> None:
    store = target.storage
    store.write(SETTINGS, b"old\r\n")
    store.write(SETTINGS, AWKWARD)
    assert store.read(SETTINGS) == AWKWARD
    _no_temporaries(store)
    assert store.list() == [SETTINGS]


def test_write_through_a_temporary_name_the_caller_chose(target: Target) -> None:
    store = target.storage
    store.write(SETTINGS, AWKWARD, temporary=temporary_name(SETTINGS))
    assert store.read(SETTINGS) == AWKWARD
    assert store.list() == [SETTINGS]
    for bad in (BACKUP, "../x.tmp", ".ipo46xx-x"):
        with pytest.raises(InvalidNameError):
            store.write(SETTINGS, b"new", temporary=bad)
    assert store.list() == [SETTINGS] and store.read(SETTINGS) == AWKWARD


def test_empty_file(target: Target) -> None:
    target.storage.write(SETTINGS, b"")
    assert target.storage.read(SETTINGS) == b""
    assert target.storage.digest(SETTINGS) == digest_of(b"")


def test_missing_file(target: Target) -> None:
    store = target.storage
    assert not store.exists(SETTINGS)
    assert store.digest(SETTINGS) is None
    with pytest.raises(FileMissingError) as info:
        store.read(SETTINGS)
    assert SETTINGS in str(info.value)
    with pytest.raises(FileMissingError):
        store.remove(SETTINGS)
    with pytest.raises(FileMissingError):
        store.rename(SETTINGS, BACKUP)
    assert store.list() == []


def test_rename_moves_the_bytes(target: Target) -> None:
    store = target.storage
    store.write(SETTINGS, AWKWARD)
    store.rename(SETTINGS, BACKUP)
    assert store.list() == [BACKUP]
    assert store.read(BACKUP) == AWKWARD


def test_rename_never_clobbers(target: Target) -> None:
    store = target.storage
    store.write(SETTINGS, b"new")
    store.write(BACKUP, b"the administrator's only copy")
    with pytest.raises(TargetExistsError) as info:
        store.rename(SETTINGS, BACKUP)
    assert BACKUP in str(info.value)
    assert store.read(BACKUP) == b"the administrator's only copy"
    assert store.read(SETTINGS) == b"new"
    assert store.list() == [BACKUP, SETTINGS]


def test_remove(target: Target) -> None:
    store = target.storage
    store.write(SETTINGS, b"x")
    store.remove(SETTINGS)
    assert not store.exists(SETTINGS)
    assert store.list() == []


def test_large_file(target: Target) -> None:
    data = bytes(range(256)) * 8192  # 2 MiB: several SMB write requests
    target.storage.write(SETTINGS, data)
    assert target.storage.read(SETTINGS) == data


@pytest.mark.parametrize(
    "bad",
    [
        "",
        ".",
        "..",
        "../46xxsettings.txt",
        "a/b",
        "a\\b",
        "/etc/passwd",
        "C:x",
        "x\x00",
        "46xxsettings.txt:stream",
        " lead",
        "trail ",
        "dot.",
    ],
)
def test_names_that_leave_the_folder_are_refused_before_any_io(target: Target, bad: str) -> None:
    store = target.storage
    for operation in (
        lambda: store.read(bad),
        lambda: store.exists(bad),
        lambda: store.write(bad, b"x"),
        lambda: store.remove(bad),
        lambda: store.rename(bad, "ok.txt"),
        lambda: store.rename("ok.txt", bad),
    ):
        with pytest.raises(InvalidNameError):
            operation()
    assert store.list() == []


def test_errors_belong_to_the_hierarchy_and_url_has_no_password(target: Target) -> None:
    store = target.storage
    with pytest.raises(Ipo46xxError):
        store.read("absent.txt")
    assert "pw-" not in store.url
    assert "pw-" not in repr(store)
