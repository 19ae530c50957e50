"""What an SMB server's answers mean, in :mod:`ipo46xx.errors` terms: smbprotocol's
exceptions and NTSTATUS codes turned into one-line messages that name the share, the file
and what to do, and never the password.

Imported only by :mod:`.smb`, so only for ``smb://`` targets.
"""

from __future__ import annotations

import socket
from typing import Any

import attrs
from smbprotocol.exceptions import (
    LogonFailure,
    SMBAuthenticationError,
    SMBConnectionClosed,
    SMBOSError,
    SMBResponseException,
)

from ..errors import (
    AccessDeniedError,
    AuthenticationError,
    ConnectionFailedError,
    ConnectionLostError,
    LocationNotFoundError,
    ReadOnlyError,
    StorageError,
    TargetExistsError,
)
from .base import missing

__all__ = ["BAD_SHARE", "COLLISION", "NOT_FOUND", "SmbErrors"]

# NTSTATUS values (MS-ERREF 2.3) that SmbErrors tells apart.
NOT_FOUND = {0xC0000034, 0xC000003A, 0xC0000225, 0xC000000F}
BAD_SHARE = {0xC00000CC, 0xC00000BE}
COLLISION = 0xC0000035
_DENIED = {0xC0000022, 0xC0000043}
_WRITE_PROTECTED = 0xC00000A2
_LOGON = {0xC000006D, 0xC000006E, 0xC0000064, 0xC0000072, 0xC0000071, 0xC0000234}
_DISK_FULL = 0xC000007F


@attrs.frozen(eq=False)  # identity: it shares a mutable cache
class SmbErrors:
    """The errors of one SMB folder: what smbprotocol raised, as an :mod:`ipo46xx.errors`
    exception whose message names the place.  It shares the storage's connection cache, to
    forget a connection found dead; it never holds the password.

    >>> errors = SmbErrors("smb://fs/sd/system", "fs", 445, "sd", "system", "admin",
    ...                    "the password given", 10.0, {})
    >>> print(errors.folder_missing())
    smb://fs/sd/system: folder 'system' does not exist on share 'sd'; check the path
    """

    url: str
    host: str
    port: int
    share: str
    folder: str
    username: str | None
    password_from: str
    connect_timeout: float
    cache: dict[str, Any] = attrs.field(repr=False)
    """The storage's own connections: a connection found lost is forgotten here."""

    def where(self, name: str | None) -> str:
        """The URL of ``name`` in this folder, or of the folder."""
        return f"{self.url}/{name}" if name else self.url

    def map(self, exc: BaseException, doing: str, name: str | None, writing: bool) -> Exception:
        """What ``exc``, raised while ``doing`` ``name`` (writing or not), means for the user.

        >>> errors = SmbErrors("smb://fs/sd", "fs", 445, "sd", "", None, "the password given",
        ...                    10.0, {})
        >>> print(errors.map(SMBOSError(0xC0000035, "x"), "writing", "a.txt", True))
        smb://fs/sd/a.txt already exists; it was left untouched
        """
        where = self.where(name)
        if isinstance(exc, StorageError):
            return exc
        if isinstance(exc, (LogonFailure, SMBAuthenticationError)):
            return self._auth_error()
        if isinstance(exc, SMBOSError):
            return self._status_error(exc.ntstatus, str(exc.strerror), doing, name, writing)
        if isinstance(exc, SMBResponseException):
            return self._status_error(exc.status, exc.message, doing, name, writing)
        if isinstance(exc, ValueError) and isinstance(exc.__cause__, OSError):
            return self._connect_error(exc.__cause__)
        if "encryption is required" in str(exc):
            return ConnectionFailedError(
                f"{self.url}: the server cannot encrypt SMB traffic but encryption was "
                "required; use a server and share with SMB 3 encryption, or drop --encrypt"
            )
        if (
            isinstance(exc, (SMBConnectionClosed, ConnectionError, BrokenPipeError))
            or (isinstance(exc, OSError) and not isinstance(exc, SMBOSError))
            # A dead connection also surfaces as a request that finds no credits left.
            or "credits are available" in str(exc)
            or not self._connections_alive()
        ):
            self.cache.clear()
            return ConnectionLostError(
                f"{where}: the connection to {self.host} port {self.port} was lost while "
                f"{doing} it; check the server and the network, then run the command again"
            )
        return StorageError(f"{where}: {doing} it failed: {exc}")

    def _connections_alive(self) -> bool:
        for connection in self.cache.values():
            transport = getattr(connection, "transport", None)
            worker = getattr(connection, "_t_worker", None)
            if not getattr(transport, "connected", True):
                return False
            if worker is not None and not worker.is_alive():
                return False
        return True

    def _auth_error(self) -> AuthenticationError:
        user = self.username or "(no user name)"
        return AuthenticationError(
            f"{self.url}: {self.host} refused user {user} with the password given; check "
            f"the user name and the password ({self.password_from})"
        )

    def _connect_error(self, cause: OSError) -> ConnectionFailedError:
        if isinstance(cause, socket.gaierror):
            reason = "the host name cannot be resolved; check its spelling"
        elif isinstance(cause, ConnectionRefusedError):
            reason = "the connection was refused; is SMB enabled there and the port right?"
        elif isinstance(cause, TimeoutError):
            reason = f"no answer within {self.connect_timeout:g} s; check the address"
        else:
            reason = f"{cause.strerror or cause}; check the address and the network"
        return ConnectionFailedError(
            f"{self.url}: cannot connect to {self.host} port {self.port}: {reason}"
        )

    def _status_error(
        self, status: int | None, text: str, doing: str, name: str | None, writing: bool
    ) -> StorageError:
        where = self.where(name)
        if status in _LOGON:
            return self._auth_error()
        if status in BAD_SHARE:
            return self.share_missing()
        if status in NOT_FOUND:
            return missing(self.url, name) if name else self.folder_missing()
        if status == COLLISION:
            return TargetExistsError(f"{where} already exists; it was left untouched")
        if status == _WRITE_PROTECTED or (writing and status in _DENIED):
            return ReadOnlyError(
                f"cannot write {where}: access denied for user {self.username}; the share "
                "or folder is read-only for this user; ask for write access to it"
            )
        if status in _DENIED:
            return AccessDeniedError(
                f"access denied {doing} {where} as user {self.username}; ask for access"
            )
        if status == _DISK_FULL:
            return StorageError(f"{where}: the share is full; free some space")
        code = f"0x{status:08X}" if status is not None else "unknown status"
        return StorageError(f"{where}: {doing} it failed ({code}: {text})")

    def share_missing(self) -> LocationNotFoundError:
        return LocationNotFoundError(
            f"{self.url}: there is no share {self.share!r} on {self.host}; check the "
            "share name (the first part of the path after the host)"
        )

    def folder_missing(self) -> LocationNotFoundError:
        return LocationNotFoundError(
            f"{self.url}: folder {self.folder.replace(chr(92), '/')!r} does not exist on "
            f"share {self.share!r}; "
            "check the path"
        )
