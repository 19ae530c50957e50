"""The local record of a staging run: a JSON journal, exact file copies, and a lock.

The journal lives in a state folder of its own per target.  It is written atomically
(temporary file, fsync, replace) before and after every step that changes the target,
and it keeps byte-exact copies of every file the run read or wrote, each checked
against its SHA-256 when read back.  It never holds a password: targets are recorded
by their password-free URL.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import pathlib
import re
import sys
from collections.abc import Iterator
from typing import Any

from .errors import JournalError, LockedError

__all__ = ["Journal", "default_state_dir", "state_lock"]

JOURNAL = "journal.json"
FORMAT = 1


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


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _write_atomically(path: pathlib.Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    with contextlib.suppress(OSError):
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def state_lock(folder: pathlib.Path, target_url: str) -> Iterator[None]:
    """Hold the target's lock for the duration; a second holder fails at once."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "lock"
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


class Journal:
    """The journal of one run on one target.  Not thread-safe; hold the lock."""

    def __init__(self, folder: pathlib.Path, data: dict[str, Any]) -> None:
        self.folder = folder
        self.data = data

    @classmethod
    def create(cls, folder: pathlib.Path, target: str, ipo: str) -> Journal:
        """A fresh journal; a previous run's files move to ``runs/<time>/``."""
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / JOURNAL).exists():
            archive = folder / "runs" / _now().replace(":", "")
            archive.mkdir(parents=True, exist_ok=True)
            for path in folder.iterdir():
                if path.is_file() and path.name != "lock":
                    path.rename(archive / path.name)
        journal = cls(
            folder,
            {
                "format": FORMAT,
                "target": target,
                "ipo": ipo,
                "state": "new",
                "created": _now(),
                "updated": _now(),
                "files": {},
                "steps": [],
            },
        )
        journal.save()
        return journal

    @classmethod
    def load(cls, folder: pathlib.Path) -> Journal | None:
        """The journal in ``folder``, or ``None`` when there is none."""
        path = folder / JOURNAL
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise JournalError(
                f"the journal {path} cannot be read ({exc}); move the folder aside to start "
                "over, after making sure the target holds the administrator's file"
            ) from None
        required = {"state": str, "target": str, "files": dict, "steps": list}
        if (
            not isinstance(data, dict)
            or data.get("format") != FORMAT
            or any(not isinstance(data.get(key), kind) for key, kind in required.items())
        ):
            raise JournalError(
                f"{path} is not an ipo46xx journal of format {FORMAT} (damaged?); move the "
                "folder aside to start over, after making sure the target holds the "
                "administrator's file"
            )
        return cls(folder, data)

    @property
    def state(self) -> str:
        return str(self.data["state"])

    @state.setter
    def state(self, value: str) -> None:
        self.data["state"] = value

    def save(self) -> None:
        self.data["updated"] = _now()
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        _write_atomically(self.folder / JOURNAL, text.encode("utf-8"))

    def keep(self, kind: str, data: bytes) -> str:
        """Store an exact copy of a file under ``kind``; return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        name = f"{kind}.txt"
        _write_atomically(self.folder / name, data)
        self.data["files"][kind] = {"sha256": digest, "file": name, "size": len(data)}
        self.save()
        return digest

    def forget(self, kind: str) -> None:
        """Drop a kept copy from the record (its file stays until the next run)."""
        if self.data["files"].pop(kind, None) is not None:
            self.save()

    def digest(self, kind: str) -> str | None:
        entry = self.data["files"].get(kind)
        return None if entry is None else str(entry["sha256"])

    def kept(self, kind: str) -> bytes:
        """The exact bytes kept under ``kind``, checked against their SHA-256."""
        entry = self.data["files"].get(kind)
        if entry is None:
            raise JournalError(f"the journal in {self.folder} has no {kind} file")
        path = self.folder / str(entry["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise JournalError(f"{path} cannot be read ({exc.strerror or exc})") from None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise JournalError(
                f"{path} no longer matches the journal's checksum; it was changed outside "
                "ipo46xx. Do not use it; check the target by hand"
            )
        return data

    def step(self, name: str, status: str, detail: str = "") -> None:
        """Record a step's status (``started``, ``done``, ``failed``) and save."""
        steps: list[dict[str, str]] = self.data["steps"]
        entry = {"step": name, "status": status, "detail": detail, "at": _now()}
        if steps and steps[-1]["step"] == name and steps[-1]["status"] == "started":
            steps[-1] = entry | {"detail": detail or steps[-1]["detail"]}
        else:
            steps.append(entry)
        self.save()
