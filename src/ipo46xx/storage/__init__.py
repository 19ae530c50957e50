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
import posixpath
import re
import urllib.parse
from typing import TYPE_CHECKING, NamedTuple

from ..errors import InputError
from ..logfilter import has_password, redact_address, split_url
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
    "check_target",
    "digest_of",
    "is_temporary",
    "open_storage",
    "target_key",
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
    password_from: str | None = None,
) -> Storage:
    """Open the folder a target URL names, checking that it is there.

    For SMB, the user comes from the URL or ``username``, and the password from
    ``password`` or the ``IPO46XX_SMB_PASSWORD`` environment variable; a password in
    the URL itself is refused, because URLs end up in shell history and logs.
    ``password_from`` says where a given password came from (the variable, a prompt), for
    the hint when the server refuses it.

    >>> open_storage("memory://").list()
    []
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and 0 < timeout < math.inf):
        raise InputError(f"the time limit must be a positive number of seconds, not {timeout!r}")
    target = _parse(url)
    if target.kind == "memory":
        return MemoryStorage(label=target.path)
    if target.kind == "local":
        return LocalStorage(target.path)
    user = target.user
    if user and username and user != username:
        raise InputError(
            f"{target.shown}: the URL names user {user!r} but {username!r} was given too"
        )
    if password is None:
        password = os.environ.get(PASSWORD_VARIABLE)
        password_from = PASSWORD_VARIABLE
    from .smb import DEFAULT_TIMEOUT, SmbStorage  # noqa: PLC0415  (lazy: smbprotocol)

    return SmbStorage(
        target.host,
        target.share,
        target.path,
        port=target.port,
        username=user or username,
        password=password,
        encrypt=encrypt,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        password_from=password_from or "the password given",
    )


def check_target(url: str | os.PathLike[str]) -> None:
    """Check a target URL as :func:`open_storage` does, without looking at the folder.

    >>> check_target("ftp://card/")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: ...
    """
    _parse(url)


def target_key(url: str | os.PathLike[str]) -> str:
    """One spelling of the folder ``url`` names, checked as :func:`open_storage` checks it.

    Nothing is opened or connected.  Two spellings of one folder (a trailing ``/``,
    ``..``, ``file://``, a symbolic link; an SMB host, share or folder in another case)
    give the same key, so that two sites cannot own one card.

    >>> target_key("/media/sd/x/../primary/") == target_key("file:///media/sd/primary")
    True
    """
    target = _parse(url)
    if target.kind == "local":
        return "file://" + os.path.realpath(target.path)
    if target.kind == "memory":
        return "memory://" + target.path
    folder = posixpath.normpath("/" + target.path).lstrip("/")
    return f"smb://{target.host}:{target.port}/{target.share}/{folder}".lower().rstrip("/")


class _Target(NamedTuple):
    """A target URL taken apart: ``kind`` is local, memory or smb."""

    kind: str
    path: str
    shown: str = ""
    host: str = ""
    port: int = 445
    share: str = ""
    user: str | None = None


def _parse(url: str | os.PathLike[str]) -> _Target:
    if isinstance(url, os.PathLike):
        url = os.fspath(url)
    if not isinstance(url, str) or not url.strip():
        raise InputError("the target is empty; give a folder path, file:// or smb:// URL")
    if _WINDOWS_PATH.match(url) or "://" not in url:
        return _Target("local", url)
    shown = redact_address(url)
    if url.lower().startswith("smb://") and has_password(url):  # before anything can echo it
        raise InputError(
            "smb:// URL contains a password; remove it from the URL and set "
            f"{PASSWORD_VARIABLE} instead (URLs end up in shell history and logs)"
        )
    parts = split_url(url, "smb://[2001:db8::1]/share/folder")
    scheme = parts.scheme.lower()
    if scheme == "memory":
        return _Target("memory", parts.netloc + parts.path, shown)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise InputError(
                f"{shown}: file URLs name a folder on this machine (file:///path); for a "
                "network share use smb://host/share/folder"
            )
        from urllib.request import url2pathname  # noqa: PLC0415  (pulls in http.client)

        return _Target("local", url2pathname(parts.path), shown)
    if scheme == "smb":
        return _smb(shown, parts)
    raise InputError(
        f"{shown}: unknown kind of target {parts.scheme!r}; use a folder path, "
        "file:///folder, smb://[user@]host[:port]/share/folder or memory://"
    )


def _smb(shown: str, parts: urllib.parse.SplitResult) -> _Target:
    if any(c.isspace() or not c.isprintable() for c in parts.netloc):
        raise InputError(f"{shown!r}: a server name holds no space; check what you gave")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        port = 0
    if port == 0:  # 0 parses, but no server listens there
        raise InputError(f"{shown}: the port must be a number from 1 to 65535")
    if not host:
        raise InputError(f"{shown}: no server; use smb://[user@]host[:port]/share/folder")
    segments = [urllib.parse.unquote(s) for s in parts.path.split("/") if s]
    if not segments:
        raise InputError(f"{shown}: no share; use smb://[user@]host[:port]/share/folder")
    user = urllib.parse.unquote(parts.username) if parts.username else None
    return _Target(
        "smb",
        "/".join(segments[1:]),
        shown,
        host=host,
        port=port or 445,  # None: no port in the URL
        share=segments[0],
        user=user,
    )
