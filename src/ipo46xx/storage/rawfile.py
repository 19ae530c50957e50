"""Whole-file reads in four system calls.

``open(path, "rb").read()`` makes eight (two ``fstat``, an ``isatty`` probe, an
``lseek``, a read to the end and one past it).  Each call lets another thread take the
interpreter lock, and a fleet run at ``--jobs 64`` pays for each hand-over in the kernel:
the calls, not the bytes, were a third of a stage's CPU there.
"""

from __future__ import annotations

import errno
import os
import stat

__all__ = ["NotAFileError", "read_file"]

# O_NONBLOCK: opening a FIFO waits for a writer without it (a file's reads ignore it).
_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_FLAGS |= getattr(os, "O_NONBLOCK", 0)
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""Refuse a symbolic link as the last part of the path (0 where the system has none)."""


class NotAFileError(OSError):
    """The path names neither a file nor a folder; ``strerror`` says what it is."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def read_file(path: str | os.PathLike[str], *, follow_links: bool = True) -> bytes:
    """The bytes of the file at ``path``; ``OSError`` as ``open`` raises it (a folder:
    ``IsADirectoryError``; a link with ``follow_links`` false: ``errno.ELOOP``), or
    :class:`NotAFileError` for a named pipe, a socket or a device, read from never.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = path.write_bytes(b"SET A 1")
    >>> read_file(path)
    b'SET A 1'
    """
    fd = os.open(path, _FLAGS | (0 if follow_links else NOFOLLOW))
    try:
        status = os.fstat(fd)
        if stat.S_ISDIR(status.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(status.st_mode):
            kind = f"{_kind(status.st_mode)}, not a file"
            raise NotAFileError(errno.EINVAL, kind, os.fspath(path))
        size = status.st_size
        data = os.read(fd, size + 1)  # one past: a file that grew meanwhile shows it
        if len(data) == size:  # all fstat promised, and nothing after it
            return data
        # Grown meanwhile, or a short read (past 2 GiB, some network file systems).
        parts = [data]
        while chunk := os.read(fd, 1 << 16):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)
