"""An SMB share (smbprotocol's ``smbclient``), e.g. ``smb://admin@ipo.example/sd/system/primary``.

This module imports ``smbclient``; :func:`ipo46xx.storage.open_storage` imports this
module only for ``smb://`` targets, so that work on local files never pays for it.

* Connections live in this storage's own cache, never smbclient's global one; the port
  goes with every call.  Signing is required; ``encrypt=True`` also requires encryption
  and refuses a server that cannot encrypt.
* Atomic write: exclusive create of a temporary name in the same folder, write, SMB2
  FLUSH, close, then ``replace`` onto the target; the temporary is removed on failure.
* Rename without clobbering: SMB rename without ``ReplaceIfExists``; the server refuses
  an existing target.
* Time limits: smbprotocol's reads and writes wait for ever on a server that stops
  answering.  Every operation here therefore runs in a worker thread and must finish
  within ``timeout`` seconds (default :data:`DEFAULT_TIMEOUT`; connecting has its own
  ``connect_timeout``).  Past the limit the connection's socket is shut down, which
  wakes smbprotocol, and :class:`~ipo46xx.errors.StorageTimeoutError` is raised; the
  next operation connects afresh.
* Errors: :mod:`.smb_errors` says what an exception or NTSTATUS code means, naming the
  share and the file, never the password.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import stat
import threading
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import smbclient
from smbprotocol.connection import Connection
from smbprotocol.exceptions import SMBOSError

from ..errors import LocationNotFoundError, StorageError, StorageTimeoutError, TargetExistsError
from .base import StorageBase, check_temporary, validate_name
from .smb_errors import BAD_SHARE, COLLISION, NOT_FOUND, SmbErrors

__all__ = ["DEFAULT_CONNECT_TIMEOUT", "DEFAULT_TIMEOUT", "SmbStorage"]

DEFAULT_TIMEOUT = 30.0
"""Seconds one SMB operation (read, write, rename, ...) may take before it is abandoned."""

DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the TCP connection to the server."""

T = TypeVar("T")
log = logging.getLogger(__name__)


class SmbStorage(StorageBase):
    """A folder on an SMB share.  The password is kept out of ``repr``, URLs and errors.

    >>> SmbStorage  # doctest: +ELLIPSIS
    <class 'ipo46xx.storage.smb.SmbStorage'>
    """

    def __init__(
        self,
        host: str,
        share: str,
        folder: str = "",
        *,
        port: int = 445,
        username: str | None = None,
        password: str | None = None,
        encrypt: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        password_from: str = "the password given",
    ) -> None:
        self._host = host
        self._share = share
        self._folder = folder.strip("/\\").replace("/", "\\")
        self._port = port
        self._username = username
        self.__password = password
        self._encrypt = encrypt
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._cache: dict[str, Any] = {}
        self._errors = SmbErrors(
            self.url,
            host,
            port,
            share,
            self._folder,
            username,
            password_from,
            connect_timeout,
            self._cache,
        )
        self._closed = False
        try:
            self._call("connecting to", None, self._connect, writing=False)
        except BaseException:
            self.close()  # do not leave a half-open session behind
            raise

    # -- naming -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        user = f"{self._username}@" if self._username else ""
        host = f"[{self._host}]" if ":" in self._host else self._host  # IPv6, as URLs write it
        port = f":{self._port}" if self._port != 445 else ""
        folder = "/" + self._folder.replace("\\", "/") if self._folder else ""
        return f"smb://{user}{host}{port}/{self._share}{folder}"

    @property
    def timeout(self) -> float:
        """Seconds one operation may take."""
        return self._timeout

    def _unc(self, name: str | None = None) -> str:
        parts = [f"\\\\{self._host}", self._share]
        if self._folder:
            parts.append(self._folder)
        if name is not None:
            parts.append(validate_name(name))
        return "\\".join(parts)

    def _kwargs(self) -> dict[str, Any]:
        return {
            "port": self._port,
            "connection_cache": self._cache,
            "username": self._username,
            "password": self.__password,
            "connection_timeout": self._connect_timeout,
        }

    # -- running operations with a deadline ---------------------------------------------

    def _call(self, doing: str, name: str | None, function: Callable[[], T], *, writing: bool) -> T:
        if self._closed:
            raise StorageError(f"{self.url} was closed; open the target again")
        outcome: dict[str, Any] = {}
        log.debug("%s %s", doing, self._errors.where(name))

        def run() -> None:
            try:
                outcome["value"] = function()
            except BaseException as exc:  # handed to the calling thread below
                outcome["error"] = exc

        worker = threading.Thread(target=run, name="ipo46xx-smb", daemon=True)
        worker.start()
        worker.join(self._timeout)
        if worker.is_alive():
            self._abort(worker)
            raise StorageTimeoutError(
                f"{self._errors.where(name)}: no answer from {self._host} port {self._port} within "
                f"{self._timeout:g} s while {doing} it; check that the server is up and "
                "reachable, then run the command again"
            )
        if "error" in outcome:
            raise self._errors.map(outcome["error"], doing, name, writing) from outcome["error"]
        return outcome["value"]  # type: ignore[no-any-return]

    def _abort(self, worker: threading.Thread) -> None:
        """Wake a worker stuck on a silent server and forget the connection."""
        for connection in list(self._cache.values()):
            sock = getattr(getattr(connection, "transport", None), "_sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        worker.join(5.0)
        self._cache.clear()

    # -- operations -----------------------------------------------------------------------

    def _connect(self) -> None:
        log.debug(
            "connecting to %s (signing required, encryption %s)",
            self.url,
            "required" if self._encrypt else "if offered",
        )
        key = f"{self._host.lower()}:{self._port}"
        connection = self._cache.get(key)
        if connection is None or not connection.transport.connected:
            # A client GUID per connection: Samba hands every connection that shares one
            # (smbclient's default: one per process) to one smbd process, which serialises
            # them and, with many at once (a fleet), stalls some.
            connection = Connection(uuid.uuid4(), self._host, self._port, require_signing=True)
            connection.connect(timeout=self._connect_timeout)
            self._cache[key] = connection
        smbclient.register_session(
            self._host,
            username=self._username,
            password=self.__password,
            port=self._port,
            encrypt=self._encrypt or None,
            connection_timeout=self._connect_timeout,
            connection_cache=self._cache,
            require_signing=True,
        )
        share = f"\\\\{self._host}\\{self._share}"
        try:
            smbclient.stat(share, **self._kwargs())
        except SMBOSError as exc:
            if exc.ntstatus in NOT_FOUND | BAD_SHARE:
                raise self._errors.share_missing() from exc
            raise
        if self._folder:
            try:
                info = smbclient.stat(self._unc(), **self._kwargs())
            except SMBOSError as exc:
                if exc.ntstatus in NOT_FOUND:
                    raise self._errors.folder_missing() from exc
                raise
            if not stat.S_ISDIR(info.st_mode):
                raise LocationNotFoundError(
                    f"{self.url}: {self._folder!r} is a file, not a folder; give the folder"
                )

    def read(self, name: str) -> bytes:
        path = self._unc(name)

        def read() -> bytes:
            with smbclient.open_file(path, "rb", **self._kwargs()) as handle:
                return handle.read()  # type: ignore[no-any-return]

        return self._call("reading", name, read, writing=False)

    def exists(self, name: str) -> bool:
        path = self._unc(name)

        def exists() -> bool:
            try:
                info = smbclient.stat(path, **self._kwargs())
            except SMBOSError as exc:
                if exc.ntstatus in NOT_FOUND:
                    return False
                raise
            return stat.S_ISREG(info.st_mode)

        return self._call("looking for", name, exists, writing=False)

    def write(self, name: str, data: bytes, *, temporary: str | None = None) -> None:
        target = self._unc(name)
        temporary = self._unc(check_temporary(temporary, name))

        def write() -> None:
            kwargs = self._kwargs()
            try:
                with smbclient.open_file(temporary, "xb", buffering=0, **kwargs) as handle:
                    view = memoryview(data)
                    while view:
                        view = view[handle.write(view) :]
                    handle.fd.flush()  # SMB2 FLUSH: the server writes it to its disk
                smbclient.replace(temporary, target, **kwargs)
            except BaseException:
                # The server may be gone; the original error is what matters.
                with contextlib.suppress(Exception):
                    smbclient.remove(temporary, **kwargs)
                raise

        self._call("writing", name, write, writing=True)

    def rename(self, source: str, target: str) -> None:
        src, dst = self._unc(source), self._unc(target)

        def rename() -> None:
            try:
                smbclient.rename(src, dst, **self._kwargs())
            except SMBOSError as exc:
                if exc.ntstatus == COLLISION:
                    raise TargetExistsError(
                        f"{target} already exists in {self.url}; {source} was not renamed"
                    ) from exc
                raise

        self._call("renaming", source, rename, writing=True)

    def remove(self, name: str) -> None:
        path = self._unc(name)
        self._call("removing", name, lambda: smbclient.remove(path, **self._kwargs()), writing=True)

    def list(self) -> list[str]:
        folder = self._unc()

        def listing() -> list[str]:
            return sorted(
                entry.name
                for entry in smbclient.scandir(folder, **self._kwargs())
                if entry.is_file()
            )

        return self._call("listing", None, listing, writing=False)

    def close(self) -> None:
        """Log off and close this storage's own connections."""
        if self._closed:
            return
        self._closed = True
        cache = self._cache
        worker = threading.Thread(
            target=smbclient.reset_connection_cache,
            kwargs={"fail_on_error": False, "connection_cache": cache},
            daemon=True,
        )
        worker.start()
        worker.join(self._timeout)
        if worker.is_alive():
            self._abort(worker)
