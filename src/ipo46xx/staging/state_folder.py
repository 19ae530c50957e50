"""The state folder of a target: where it is, kept private, written atomically, locked.

What the journal needs of a file system, apart from what it records: a folder only its
owner reads (the copies may hold ``SET ...PASSWORD`` lines), writes that leave the old
file or the new one after a crash, and one run at a time per target.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import pathlib
import re
import sys
from collections.abc import Iterator

from ..errors import JournalError, LockedError, out_of_files

__all__ = [
    "default_state_dir",
    "fsync_folder",
    "private_folder",
    "state_lock",
    "write_atomically",
    "writing",
]

log = logging.getLogger("ipo46xx.staging.journal")


def default_state_dir(target_url: str) -> pathlib.Path:
    """``$XDG_STATE_HOME/ipo46xx/<target>`` (``~/.local/state`` when unset).

    >>> default_state_dir("smb://admin@ipo/sd").name.startswith("smb_admin_ipo_sd-")
    True
    """
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", target_url).strip("_")[:60]
    tag = hashlib.sha256(target_url.encode()).hexdigest()[:8]
    return pathlib.Path(base) / "ipo46xx" / f"{slug}-{tag}"


@contextlib.contextmanager
def writing(folder: pathlib.Path) -> Iterator[None]:
    """Turn a failure to write the state folder into a :class:`JournalError`."""
    try:
        yield
    except OSError as exc:
        files = out_of_files(exc)
        if files is not None:  # no advice about disk space for that
            raise JournalError(f"cannot write the journal in {folder}: {files}") from None
        if exc.errno == errno.ENOSPC:
            reason = "no space left on its file system"
        elif exc.errno == errno.EROFS:
            reason = "its file system is read-only"
        elif isinstance(exc, PermissionError):
            reason = "permission denied"
        elif isinstance(exc, (NotADirectoryError, FileExistsError)):
            reason = "a part of its path is a file, not a folder"
        else:
            reason = exc.strerror or str(exc)
        raise JournalError(
            f"cannot write the journal in {folder}: {reason}; make room or make it writable, "
            "or choose another folder with --state-dir, then run the command again"
        ) from None


def private_folder(folder: pathlib.Path) -> None:
    """Make ``folder`` (0700): the copies in it may hold ``SET ...PASSWORD`` lines.

    A folder an older version made with the umask's mode is tightened; one that cannot be
    (another owner) is used as it is, with a warning in the log.
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if sys.platform == "win32" or folder.stat().st_mode & 0o077 == 0:
        return
    try:
        os.chmod(folder, 0o700)
    except OSError as exc:
        log.warning("cannot make %s private (%s): others may read its copies", folder, exc)


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL
_CREATE |= getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_atomically(path: pathlib.Path, data: bytes, *, sync_folder: bool = True) -> None:
    """Write ``data`` to ``path`` through a fsynced temporary; with ``sync_folder``
    false the caller fsyncs the folder (:func:`fsync_folder`) before relying on it."""
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        try:
            descriptor = os.open(temporary, _CREATE, 0o600)
        except FileExistsError:  # a leftover of a killed run: its mode may be anyone's
            os.unlink(temporary)
            descriptor = os.open(temporary, _CREATE, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # a full disk must not also keep a half journal
        raise
    if sync_folder:
        fsync_folder(path.parent)


def fsync_folder(folder: pathlib.Path) -> None:
    """Make the names last created or replaced in ``folder`` durable."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def state_lock(folder: pathlib.Path, target_url: str) -> Iterator[None]:
    """Hold the target's lock for the duration; a second holder fails at once."""
    path = folder / "lock"
    with writing(folder):
        private_folder(folder)
        handle = open(path, "a+")  # noqa: SIM115  (held for the whole block)
    try:
        if sys.platform == "win32":
            import msvcrt  # noqa: PLC0415

            try:
                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            except OSError:
                raise BlockingIOError from None
        else:
            import fcntl  # noqa: PLC0415

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise LockedError(
            f"another ipo46xx run is working on {target_url} right now (lock {path}); "
            "wait for it to finish, then run the command again"
        ) from None
    try:
        yield
    finally:
        handle.close()
