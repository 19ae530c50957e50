"""The Storage protocol: the folder that holds ``46xxsettings.txt``, wherever it lives.

Every adapter offers the same seven operations on plain file names inside one folder,
with the same guarantees: ``write`` is atomic (a reader sees the old file or the new
one, never half of one), ``rename`` never overwrites, and every failure is an
:class:`~ipo46xx.errors.StorageError` whose message names the target and the file.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Protocol, runtime_checkable

from ..errors import FileMissingError, InvalidNameError

__all__ = [
    "TEMP_PREFIX",
    "Storage",
    "StorageBase",
    "check_temporary",
    "digest_of",
    "is_temporary",
    "temporary_name",
    "validate_name",
]

TEMP_PREFIX = ".ipo46xx-"
"""Temporary files of an atomic write start with this; a crash may leave one behind."""

_FORBIDDEN = frozenset('/\\:*?"<>|\x00')


@runtime_checkable
class Storage(Protocol):
    """The folder that holds the settings file: SD card mount, SMB share or memory."""

    @property
    def url(self) -> str:
        """Where this storage points, for people to read; never contains a password."""
        ...

    def read(self, name: str) -> bytes:
        """The file's bytes; :class:`FileMissingError` when it is not there."""
        ...

    def exists(self, name: str) -> bool:
        """True when a file of that name is in the folder."""
        ...

    def digest(self, name: str) -> str | None:
        """SHA-256 of the file's bytes in hex, or ``None`` when it is not there."""
        ...

    def write(self, name: str, data: bytes, *, temporary: str | None = None) -> None:
        """Replace or create the file atomically: a temporary name, flush, replace.

        ``temporary`` is the temporary name to use (from :func:`temporary_name`), for a
        caller that records it so as to clean up after a crash; a fresh one by default.
        """
        ...

    def rename(self, source: str, target: str) -> None:
        """Rename without clobbering: :class:`TargetExistsError` if ``target`` exists."""
        ...

    def remove(self, name: str) -> None:
        """Delete the file; :class:`FileMissingError` when it is not there."""
        ...

    def list(self) -> list[str]:
        """Names of the files in the folder, sorted."""
        ...

    def close(self) -> None:
        """Release connections; the storage cannot be used afterwards."""
        ...


def validate_name(name: str) -> str:
    """Return ``name`` if it is a plain file name inside the folder, else raise.

    Checked before any I/O, so that no adapter can be talked into leaving its folder.

    >>> validate_name("46xxsettings.bak")
    '46xxsettings.bak'
    """
    if not isinstance(name, str) or not name:
        raise InvalidNameError("a file name cannot be empty")
    if name in (".", "..") or any(c in _FORBIDDEN or ord(c) < 32 for c in name):
        raise InvalidNameError(
            f"{name!r} is not a plain file name: names cannot be '.' or '..' nor contain "
            "path separators, ':', wildcards, quotes or control characters"
        )
    if name != name.strip() or name.endswith("."):
        raise InvalidNameError(
            f"{name!r} starts or ends with a blank or ends with '.', which SD cards and "
            "SMB shares do not keep; give the exact file name"
        )
    return name


def temporary_name(name: str) -> str:
    """A fresh temporary name for an atomic write of ``name`` in the same folder.

    >>> temporary_name("46xxsettings.txt").startswith(".ipo46xx-46xxsettings.txt.")
    True
    """
    return f"{TEMP_PREFIX}{name}.{secrets.token_hex(6)}.tmp"


def check_temporary(temporary: str | None, name: str) -> str:
    """``temporary`` if it is a temporary name (a fresh one for ``None``), else raise.

    >>> check_temporary(None, "46xxsettings.txt").endswith(".tmp")
    True
    """
    if temporary is None:
        return temporary_name(name)
    if not is_temporary(validate_name(temporary)):
        raise InvalidNameError(
            f"{temporary!r} is not a temporary name; make one with temporary_name()"
        )
    return temporary


def is_temporary(name: str) -> bool:
    """True for a leftover temporary file of an interrupted atomic write.

    >>> is_temporary(temporary_name("46xxsettings.txt"))
    True
    """
    return name.startswith(TEMP_PREFIX) and name.endswith(".tmp")


def digest_of(data: bytes) -> str:
    """SHA-256 of ``data`` in hex: how ipo46xx recognises a file's exact content.

    >>> digest_of(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


class StorageBase:
    """Behaviour every adapter shares: digest by reading, context management."""

    @property
    def url(self) -> str:
        raise NotImplementedError

    def read(self, name: str) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""

    def digest(self, name: str) -> str | None:
        """SHA-256 of the file's bytes in hex, or ``None`` when it is not there."""
        try:
            return digest_of(self.read(name))
        except FileMissingError:
            return None

    def __enter__(self) -> StorageBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


def missing(url: str, name: str) -> FileMissingError:
    """The one wording of 'that file is not there', shared by the adapters."""
    return FileMissingError(f"{name} is not in {url}; check the file name and the target")
