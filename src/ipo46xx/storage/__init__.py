"""Storage targets: the folder that holds ``46xxsettings.txt``.

``open_storage(url)`` understands three kinds of URL:

* ``file:///media/sd/system/primary`` (an SD card mounted on a PC, or any local
  folder); a plain path such as ``/media/sd/system/primary`` or ``E:\\system\\primary``
  is taken as the same;
* ``smb://[user@]host[:port]/share/dir/...``;
* ``memory://`` (a fresh empty folder in memory).

The SMB adapter, and with it smbprotocol, is imported only for ``smb://`` URLs.
"""

from __future__ import annotations

import math
import os
import re
import urllib.parse
from typing import TYPE_CHECKING

from ..errors import InputError
from .base import (
    TEMP_PREFIX,
    Storage,
    StorageBase,
    digest_of,
    is_temporary,
    temporary_name,
    validate_name,
)
from .local import LocalStorage
from .memory import MemoryStorage

if TYPE_CHECKING:
    from .smb import SmbStorage

__all__ = [
    "PASSWORD_VARIABLE",
    "TEMP_PREFIX",
    "LocalStorage",
    "MemoryStorage",
    "SmbStorage",
    "Storage",
    "StorageBase",
    "digest_of",
    "is_temporary",
    "open_storage",
    "temporary_name",
    "validate_name",
]

PASSWORD_VARIABLE = "IPO46XX_SMB_PASSWORD"
"""Environment variable an SMB password is taken from when none is passed."""

_WINDOWS_PATH = re.compile(r"[A-Za-z]:[\\/]")


def __getattr__(name: str) -> object:
    if name == "SmbStorage":  # lazy, so that `import ipo46xx.storage` stays light
        from .smb import SmbStorage  # noqa: PLC0415

        return SmbStorage
    raise AttributeError(name)


def open_storage(
    url: str | os.PathLike[str],
    *,
    username: str | None = None,
    password: str | None = None,
    encrypt: bool = False,
    timeout: float | None = None,
) -> Storage:
    """Open the folder a target URL names, checking that it is there.

    For SMB, the user comes from the URL or ``username``, and the password from
    ``password`` or the ``IPO46XX_SMB_PASSWORD`` environment variable; a password in
    the URL itself is refused, because URLs end up in shell history and logs.

    >>> open_storage("memory://").list()
    []
    """
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if timeout is not None and not (isinstance(timeout, (int, float)) and 0 < timeout < math.inf):
        raise InputError(f"the time limit must be a positive number of seconds, not {timeout!r}")
    if not isinstance(url, str) or not url.strip():
        raise InputError("the target is empty; give a folder path, file:// or smb:// URL")
    if _WINDOWS_PATH.match(url) or "://" not in url:
        return LocalStorage(url)
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise InputError(f"{url} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return MemoryStorage(label=parts.netloc + parts.path)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InputError(
                f"{url}: file URLs name a folder on this machine (file:///path); for a "
                "network share use smb://host/share/folder"
            )
        from urllib.request import url2pathname  # noqa: PLC0415  (pulls in http.client)

        return LocalStorage(url2pathname(parts.path))
    if scheme == "smb":
        return _open_smb(url, parts, username, password, encrypt, timeout)
    raise InputError(
        f"{url}: unknown kind of target {parts.scheme!r}; use a folder path, "
        "file:///folder, smb://[user@]host[:port]/share/folder or memory://"
    )


def _open_smb(
    url: str,
    parts: urllib.parse.SplitResult,
    username: str | None,
    password: str | None,
    encrypt: bool,
    timeout: float | None,
) -> Storage:
    if parts.password is not None:
        raise InputError(
            "smb:// URL contains a password; remove it from the URL and set "
            f"{PASSWORD_VARIABLE} instead (URLs end up in shell history and logs)"
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        port = 0
    if port == 0:  # 0 parses, but no server listens there
        raise InputError(f"{url}: the port must be a number from 1 to 65535")
    if not host:
        raise InputError(f"{url}: no server; use smb://[user@]host[:port]/share/folder")
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
    if not segments:
        raise InputError(f"{url}: no share; use smb://[user@]host[:port]/share/folder")
    user = urllib.parse.unquote(parts.username) if parts.username else None
    if user and username and user != username:
        raise InputError(f"{url}: the URL names user {user!r} but {username!r} was given too")
    if password is None:
        password = os.environ.get(PASSWORD_VARIABLE)
    from .smb import DEFAULT_TIMEOUT, SmbStorage  # noqa: PLC0415  (lazy: smbprotocol)

    return SmbStorage(
        host,
        segments[0],
        "/".join(segments[1:]),
        port=port or 445,  # None: no port in the URL
        username=user or username,
        password=password,
        encrypt=encrypt,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
    )
