"""A local folder: an IP Office SD card mounted on a PC (``system/primary``), or any folder.

Atomic write: a temporary file in the same folder, written, flushed and fsynced, then
``os.replace`` onto the target and an fsync of the folder, so that a crash or a pulled
card leaves the old file or the new one.

Rename without clobbering must hold on FAT and exFAT, where hard links do not exist.
On Linux it uses ``renameat2(RENAME_NOREPLACE)``, which the kernel checks atomically
and which vfat and exfat support; on Windows ``os.rename`` already refuses an existing
target.  Elsewhere, or where the file system rejects the flag, the target name is first
reserved with an exclusive create and then replaced: never an overwrite of another
file, and a crash in between leaves the source intact plus an empty target.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import pathlib
from collections.abc import Callable

from ..errors import (
    AccessDeniedError,
    LocationNotFoundError,
    ReadOnlyError,
    StorageError,
    TargetExistsError,
    out_of_files,
)
from .base import StorageBase, check_temporary, missing, validate_name
from .rawfile import NOFOLLOW, NotAFileError, read_file

__all__ = ["LocalStorage"]

_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def _load_renameat2() -> Callable[[int, bytes, int, bytes, int], int] | None:
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    function.argtypes.append(ctypes.c_uint)
    function.restype = ctypes.c_int
    return function


_renameat2 = _load_renameat2()


class LocalStorage(StorageBase):
    """A folder on this machine.

    >>> import tempfile
    >>> store = LocalStorage(tempfile.mkdtemp())
    >>> store.write("46xxsettings.txt", b"SET A 1\\r\\n")
    >>> store.read("46xxsettings.txt")
    b'SET A 1\\r\\n'
    """

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        # Canonical, so that one card is one URL, one journal and one lock however it
        # is spelled (``/tmp/../x``, a symbolic link to the mount point).
        path = pathlib.Path(os.path.realpath(pathlib.Path(folder).expanduser()))
        if not path.exists():
            raise LocationNotFoundError(
                f"folder {path} does not exist; check the path (is the SD card mounted?)"
            )
        if not path.is_dir():
            raise LocationNotFoundError(f"{path} is a file, not a folder; give the folder")
        self._folder = path

    @property
    def folder(self) -> pathlib.Path:
        """The folder this storage works in."""
        return self._folder

    @property
    def url(self) -> str:
        return self._folder.as_uri()

    def _path(self, name: str) -> str:
        path = os.path.join(self._folder, validate_name(name))
        if os.path.islink(path):
            # Replacing or renaming would silently turn the link into a plain file.
            raise StorageError(
                f"{name} in {self.url} is a symbolic link (to {os.readlink(path)}); an SD "
                "card has no links, so this folder is not the SD card itself. Give the card's "
                "own folder (system/primary) as the target, then run the command again"
            )
        return path

    def _error(self, exc: OSError, doing: str, name: str, writing: bool) -> StorageError:
        where = f"{self._folder / name}"
        if isinstance(exc, FileNotFoundError):
            if not self._folder.is_dir():
                return LocationNotFoundError(
                    f"folder {self._folder} has gone while {doing} {name}; is the SD card "
                    "still mounted?"
                )
            return missing(self.url, name)
        if isinstance(exc, FileExistsError):
            return TargetExistsError(f"{where} already exists; it was left untouched")
        if exc.errno == errno.EROFS or (writing and isinstance(exc, PermissionError)):
            return ReadOnlyError(
                f"cannot write {where}: the folder is read-only for this user ({exc.strerror}); "
                "check the SD card's write-protect switch and the folder's permissions"
            )
        if isinstance(exc, PermissionError):
            return AccessDeniedError(f"permission denied {doing} {where}; check its permissions")
        if exc.errno == errno.ENOSPC:
            return StorageError(f"no space left while {doing} {where}; free some space")
        files = out_of_files(exc)
        if files is not None:
            return StorageError(f"{doing} {where} failed: {files}")
        return StorageError(f"{doing} {where} failed: {exc.strerror or exc}")

    def _sync_folder(self) -> None:
        # Makes the rename itself durable; not possible on every platform (Windows).
        try:
            fd = os.open(self._folder, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def read(self, name: str) -> bytes:
        # The kernel refuses a link (O_NOFOLLOW): no lstat before every read.
        path = os.path.join(self._folder, validate_name(name)) if NOFOLLOW else self._path(name)
        try:
            return read_file(path, follow_links=False)
        except IsADirectoryError:
            raise StorageError(f"{path} is a folder, not a file") from None
        except NotAFileError as exc:
            raise StorageError(
                f"{path} is {exc.strerror}; an SD card holds only files and folders, so this "
                "is not the card itself: give the card's own folder"
            ) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self._path(name)  # says what the link is and what to do
            raise self._error(exc, "reading", name, writing=False) from exc

    def exists(self, name: str) -> bool:
        return os.path.isfile(self._path(name))

    def write(self, name: str, data: bytes, *, temporary: str | None = None) -> None:
        target = self._path(name)
        temporary = self._path(check_temporary(temporary, name))
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(temporary, flags, 0o644)
        except OSError as exc:
            raise self._error(exc, "writing", name, writing=True) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            if isinstance(exc, OSError):
                raise self._error(exc, "writing", name, writing=True) from exc
            raise
        self._sync_folder()

    def rename(self, source: str, target: str) -> None:
        src, dst = self._path(source), self._path(target)
        try:
            if os.name == "nt":
                os.rename(src, dst)  # refuses an existing target by itself
            elif not self._rename_noreplace(src, dst):
                self._reserve_then_replace(src, dst)
        except FileExistsError:
            raise TargetExistsError(
                f"{target} already exists in {self.url}; {source} was not renamed"
            ) from None
        except OSError as exc:
            raise self._error(exc, "renaming", source, writing=True) from exc
        self._sync_folder()

    @staticmethod
    def _rename_noreplace(src: str, dst: str) -> bool:
        """renameat2(RENAME_NOREPLACE); False when this system or file system lacks it."""
        if _renameat2 is None:
            return False
        if _renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE):
            code = ctypes.get_errno()
            if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
                return False
            raise OSError(code, os.strerror(code), src, None, dst)
        return True

    @staticmethod
    def _reserve_then_replace(src: str, dst: str) -> None:
        if not os.path.isfile(src):
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), src)
        os.close(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        try:
            os.replace(src, dst)
        except BaseException:
            os.unlink(dst)  # our own empty placeholder, nobody else's file
            raise

    def remove(self, name: str) -> None:
        try:
            os.remove(self._path(name))
        except OSError as exc:
            raise self._error(exc, "removing", name, writing=True) from exc
        self._sync_folder()

    def list(self) -> list[str]:
        try:
            return sorted(entry.name for entry in os.scandir(self._folder) if entry.is_file())
        except OSError as exc:
            raise self._error(exc, "listing", "", writing=False) from exc
