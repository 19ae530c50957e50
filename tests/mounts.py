"""Small real file systems for tests: a tmpfs that fills up, or is mounted read-only.

Root can write through any permission bit, so "read-only" and "full" have to be real
file systems here, not ``chmod``.  Where mounting is not allowed, the tests skip with
the reason (in CI, where it is allowed, a skip is a failure).
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import subprocess
from collections.abc import Iterator

import pytest


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), check=False, capture_output=True, text=True)


@contextlib.contextmanager
def tmpfs(mount: pathlib.Path, size: str = "256k") -> Iterator[pathlib.Path]:
    """A tmpfs of ``size`` at ``mount`` for the duration of the block."""
    mount.mkdir(parents=True, exist_ok=True)
    result = _run("mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mount))
    if result.returncode != 0:
        reason = f"cannot mount a tmpfs here ({result.stderr.strip()}); needs root in a VM"
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and can mount, but: {reason}")
        pytest.skip(reason)
    try:
        yield mount
    finally:
        _run("umount", "-l", str(mount))


def read_only(mount: pathlib.Path) -> None:
    """Remount a tmpfs from :func:`tmpfs` read-only (EROFS even for root)."""
    result = _run("mount", "-o", "remount,ro", str(mount))
    assert result.returncode == 0, result.stderr


def fill(folder: pathlib.Path, leave: int = 0) -> None:
    """Fill the file system holding ``folder`` until at most ``leave`` bytes are free."""
    with open(folder / "filler.bin", "ab") as handle:
        while True:
            info = os.statvfs(folder)
            free = info.f_bavail * info.f_frsize
            if free <= leave:
                return
            try:
                handle.write(b"\0" * min(free - leave, 1 << 20))
                handle.flush()
            except OSError:
                return
