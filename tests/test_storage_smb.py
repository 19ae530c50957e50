"""The SMB adapter against a real smbd: errors people meet, a crash, a frozen server."""

from __future__ import annotations

import threading
import time
import traceback

import pytest

from ipo46xx.errors import (
    AuthenticationError,
    ConnectionFailedError,
    ConnectionLostError,
    InputError,
    LocationNotFoundError,
    ReadOnlyError,
    StorageError,
    StorageTimeoutError,
)
from ipo46xx.storage import PASSWORD_VARIABLE, is_temporary, open_storage

from .samba import Samba, _free_port

SETTINGS = "46xxsettings.txt"
OLD = b'## the administrator\'s file\r\nSET TRUSTCERTS "Root-CA-0214515C.pem"\r\n'


def _assert_secret_kept(exc: BaseException, secret: str) -> None:
    """Neither the error nor anything chained to it mentions the password."""
    pending: list[BaseException | None] = [exc]
    visited: set[int] = set()
    while pending:
        seen = pending.pop()
        if seen is None or id(seen) in visited:
            continue
        visited.add(id(seen))
        assert secret not in str(seen)
        assert secret not in repr(seen)
        assert secret not in repr(seen.args)
        pending += [seen.__cause__, seen.__context__]
    assert secret not in "".join(traceback.format_exception_only(exc))


def test_wrong_password(samba: Samba) -> None:
    secret = "wrong-" + samba.password
    with pytest.raises(AuthenticationError) as info:
        open_storage(samba.url(), password=secret)
    message = str(info.value)
    assert "127.0.0.1" in message and samba.user in message and "password" in message
    _assert_secret_kept(info.value, secret)


def test_missing_share(samba: Samba) -> None:
    with pytest.raises(LocationNotFoundError, match="no share 'nope'") as info:
        open_storage(samba.url("nope"), password=samba.password)
    _assert_secret_kept(info.value, samba.password)


def test_missing_folder(samba: Samba) -> None:
    with pytest.raises(LocationNotFoundError, match="folder 'gone/system/primary' does not exist"):
        open_storage(samba.url("sd", "gone/system/primary"), password=samba.password)


def test_folder_that_is_a_file(samba: Samba) -> None:
    (samba.share_paths["sd"] / "afile").write_bytes(b"x")
    with pytest.raises(LocationNotFoundError, match="is a file"):
        open_storage(samba.url("sd", "afile"), password=samba.password)


def test_read_only_share_reads_but_refuses_every_change(samba: Samba) -> None:
    (samba.share_paths["ro"] / SETTINGS).write_bytes(OLD)
    store = open_storage(samba.url("ro"), password=samba.password)
    assert store.read(SETTINGS) == OLD
    for change in (
        lambda: store.write(SETTINGS, b"new"),
        lambda: store.rename(SETTINGS, "46xxsettings.bak"),
        lambda: store.remove(SETTINGS),
    ):
        with pytest.raises(ReadOnlyError) as info:
            change()
        assert "ro" in str(info.value) and "read-only" in str(info.value)
        _assert_secret_kept(info.value, samba.password)
    assert (samba.share_paths["ro"] / SETTINGS).read_bytes() == OLD
    assert store.list() == [SETTINGS]
    store.close()


def test_connection_refused() -> None:
    port = _free_port()  # nothing listens there
    with pytest.raises(ConnectionFailedError, match="refused") as info:
        open_storage(f"smb://someone@127.0.0.1:{port}/sd", password="s3cr3t-pw")
    assert str(port) in str(info.value)
    _assert_secret_kept(info.value, "s3cr3t-pw")


def test_password_comes_from_the_environment(samba: Samba, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_VARIABLE, samba.password)
    store = open_storage(samba.url())
    assert isinstance(store.list(), list)
    store.close()


def test_password_in_the_url_is_refused() -> None:
    with pytest.raises(InputError, match=PASSWORD_VARIABLE) as info:
        open_storage("smb://admin:s3cr3t-pw@127.0.0.1/sd")
    _assert_secret_kept(info.value, "s3cr3t-pw")


def test_closed_storage_refuses_work(samba: Samba) -> None:
    store = open_storage(samba.url(), password=samba.password)
    store.close()
    with pytest.raises(StorageError, match="closed"):
        store.list()


def test_encryption_required_is_refused_by_a_server_that_cannot_encrypt(
    private_samba: Samba,
) -> None:
    private_samba.stop()
    plain = Samba(private_samba.root / "plain", encryption="off")
    plain.start()
    try:
        assert open_storage(plain.url(), password=plain.password).list() == []
        with pytest.raises(ConnectionFailedError, match="cannot encrypt"):
            open_storage(plain.url(), password=plain.password, encrypt=True)
    finally:
        plain.stop()


def test_encryption_works_where_the_server_offers_it(samba: Samba) -> None:
    store = open_storage(samba.url(), password=samba.password, encrypt=True)
    store.write("enc.txt", OLD)
    assert store.read("enc.txt") == OLD
    store.remove("enc.txt")
    store.close()


def test_killing_smbd_mid_write_leaves_the_target_as_it_was(private_samba: Samba) -> None:
    disk = private_samba.share_paths["sd"]
    (disk / SETTINGS).write_bytes(OLD)
    store = open_storage(private_samba.url(), password=private_samba.password, timeout=60)
    big = b"SET X 1\r\n" * (40 << 20)  # 360 MiB: long enough to be caught in the act
    failure: list[BaseException] = []

    def write() -> None:
        try:
            store.write(SETTINGS, big)
        except BaseException as exc:
            failure.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        partial = [p for p in disk.iterdir() if is_temporary(p.name) and p.stat().st_size > 0]
        if partial:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the temporary file never appeared on the share")
    private_samba.kill()
    writer.join(60)
    assert not writer.is_alive()
    assert (disk / SETTINGS).read_bytes() == OLD
    assert len(failure) == 1
    assert isinstance(failure[0], ConnectionLostError), failure[0]
    assert "connection" in str(failure[0]) and "lost" in str(failure[0])
    _assert_secret_kept(failure[0], private_samba.password)


def test_a_frozen_server_becomes_a_timeout_and_the_storage_recovers(
    private_samba: Samba,
) -> None:
    (private_samba.share_paths["sd"] / SETTINGS).write_bytes(OLD)
    store = open_storage(private_samba.url(), password=private_samba.password, timeout=2)
    assert store.read(SETTINGS) == OLD
    private_samba.pause()
    started = time.monotonic()
    try:
        with pytest.raises(StorageTimeoutError, match=r"within 2 s") as info:
            store.read(SETTINGS)
    finally:
        private_samba.resume()
    assert time.monotonic() - started < 2 + 6
    assert SETTINGS in str(info.value)
    assert store.read(SETTINGS) == OLD  # a fresh connection after the timeout
    store.close()
