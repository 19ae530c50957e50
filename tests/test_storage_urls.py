"""open_storage: the target URL forms people type, and the mistakes they make."""

from __future__ import annotations

import pathlib

import pytest

from ipo46xx.errors import ConnectionFailedError, InputError, LocationNotFoundError
from ipo46xx.storage import LocalStorage, MemoryStorage, open_storage


def test_memory() -> None:
    store = open_storage("memory://")
    assert isinstance(store, MemoryStorage)
    assert store.list() == []


def test_file_url_and_plain_path_name_the_same_folder(tmp_path: pathlib.Path) -> None:
    by_url = open_storage(tmp_path.as_uri())
    by_path = open_storage(str(tmp_path))
    assert isinstance(by_url, LocalStorage) and isinstance(by_path, LocalStorage)
    assert by_url.folder == by_path.folder == tmp_path
    assert by_url.url == tmp_path.as_uri()


def test_file_url_with_escaped_characters(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "SD card"
    folder.mkdir()
    store = open_storage(folder.as_uri())
    assert isinstance(store, LocalStorage)
    assert store.folder == folder


def test_windows_drive_path_is_a_local_path() -> None:
    with pytest.raises(LocationNotFoundError, match="SD card"):
        open_storage("E:\\system\\primary")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty"),
        ("ftp://host/x", "unknown kind of target 'ftp'"),
        ("file://otherhost/x", "smb://"),
        ("smb://", "no server"),
        ("smb://host", "no share"),
        ("smb://host:99999/share", "port"),
        ("smb://user:pw@host/share", "IPO46XX_SMB_PASSWORD"),
    ],
)
def test_bad_urls_say_what_to_write(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        open_storage(url)


def test_conflicting_user_names() -> None:
    with pytest.raises(InputError, match="names user 'a'"):
        open_storage("smb://a@host/share", username="b")


def test_a_path_object_is_a_target(tmp_path: pathlib.Path) -> None:
    store = open_storage(tmp_path)
    assert isinstance(store, LocalStorage) and store.folder == tmp_path


@pytest.mark.parametrize(
    "url", ["smb://host:0/share", "smb://host:65536/share", "smb://host:-1/share"]
)
def test_out_of_range_ports_are_refused(url: str) -> None:
    with pytest.raises(InputError, match="port must be a number from 1 to 65535"):
        open_storage(url)


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_a_time_limit_must_be_positive(timeout: float) -> None:
    with pytest.raises(InputError, match="time limit"):
        open_storage("smb://host/share", timeout=timeout)


def test_an_ipv6_server_is_written_in_brackets() -> None:
    # Nothing listens on port 1: the error shows the URL as people must write it.
    with pytest.raises(ConnectionFailedError) as info:
        open_storage("smb://root@[::1]:1/sd/system", password="x")
    message = str(info.value)
    assert "smb://root@[::1]:1/sd/system" in message
    assert "smb://root@::1" not in message
