"""open_storage: the target URL forms people type, and the mistakes they make."""

from __future__ import annotations

import pathlib

import pytest

from ipo46xx.errors import InputError, LocationNotFoundError
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
