"""The local record of a staging run: a JSON journal, exact file copies, and a lock.

The journal lives in a state folder of its own per target.  It is written atomically
(temporary file, fsync, replace), and it keeps byte-exact copies of every file the run
read or wrote, each checked against its SHA-256 when read back.  It never holds a
password: targets are recorded by their password-free URL.

What must reach the disk, and when: a save is durable before every change to the target
(the step ``started``, with the temporary name a write will use) and at the end of each
operation.  Everything else is bookkeeping a kill could only lose together with work the
next run redoes by looking at the target (a step ``done``, a swept temporary, the copies
and steps of a stage that has not touched the target yet); callers pass ``save=False``
for it and the next durable save carries it.  Kept copies are fsynced one by one and
their folder once, before the journal that refers to them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import pathlib
import re
from typing import Any

from ..errors import JournalError, out_of_files
from ..storage.base import temporary_name
from ..storage.rawfile import read_file
from .state_folder import (
    default_state_dir,
    fsync_folder,
    private_folder,
    state_lock,
    write_atomically,
    writing,
)

__all__ = ["Journal", "default_state_dir", "state_lock"]

log = logging.getLogger(__name__)

JOURNAL = "journal.json"
FORMAT = 1
STATES = (
    "new",
    "staging",
    "staged",
    "restoring",
    "restored",
    "changing",
    "changed",
    "rolling-back",
    "rolled-back",
)
KINDS = ("served", "original", "staged", "restored", "regenerated")
_PER_FILE = ("original", "staged", "restored")  # kinds kept for each other file of a run
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")
_RECOVER = (
    "move the folder aside to start over, after making sure the target holds the "
    "administrator's file (the journal keeps a copy of it as original.txt)"
)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class Journal:
    """The journal of one run on one target.  Not thread-safe; hold the lock."""

    def __init__(self, folder: pathlib.Path, data: dict[str, Any]) -> None:
        self.folder = folder
        self.data = data
        self.pending = False  # changes made with save=False, not on disk yet
        self._unsynced = False  # kept copies written whose folder entry is not durable

    @classmethod
    def create(cls, folder: pathlib.Path, target: str, ipo: str, *, save: bool = True) -> Journal:
        """A fresh journal; a previous run's files move to ``runs/<time>/``.

        With ``save=False`` nothing is written until the first save: a run that stops
        before it is leaves no journal, which is the truth about a target it never touched.
        """
        with writing(folder):
            private_folder(folder)
            if (folder / JOURNAL).exists():
                archive = _new_archive(folder / "runs")
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
        journal._saved(save)
        return journal

    @classmethod
    def load(cls, folder: pathlib.Path, target: str | None = None) -> Journal | None:
        """The journal in ``folder``, or ``None`` when there is none.

        With ``target``, a journal that records another target is refused: one folder,
        one card.
        """
        path = folder / JOURNAL
        try:
            data = json.loads(read_file(path).decode("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            files = out_of_files(exc)
            if files is not None:  # the journal is fine: do not move it aside
                raise JournalError(f"the journal {path} cannot be read: {files}") from None
            raise JournalError(f"the journal {path} cannot be read ({exc}); {_RECOVER}") from None
        problem = _problem(data)
        if problem is not None:
            raise JournalError(
                f"{path} is not a usable ipo46xx journal of format {FORMAT}: {problem} "
                f"(damaged, or edited by hand?); {_RECOVER}"
            )
        if target is not None and data["target"] != target:
            raise JournalError(
                f"the journal in {folder} records the target {data['target']}, not {target}; "
                f"give --target {data['target']}, or another --state-dir for {target}"
            )
        return cls(folder, data)

    @property
    def state(self) -> str:
        return str(self.data["state"])

    @state.setter
    def state(self, value: str) -> None:
        self.data["state"] = value

    def save(self) -> None:
        """Write the journal durably, with every change made with ``save=False``."""
        self.data["updated"] = _now()
        text = json.dumps(self.data, indent=2, sort_keys=True) + "\n"
        with writing(self.folder):
            if self._unsynced:  # the copies the journal names must exist after a crash
                fsync_folder(self.folder)
                self._unsynced = False
            write_atomically(self.folder / JOURNAL, text.encode("utf-8"))
        self.pending = False

    def flush(self) -> None:
        """Save if changes made with ``save=False`` are not on disk yet."""
        if self.pending:
            self.save()

    def _saved(self, save: bool) -> None:
        if save:
            self.save()
        else:
            self.pending = True

    def keep(self, kind: str, data: bytes, *, save: bool = True) -> str:
        """Store an exact copy of a file under ``kind``; return its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        name = f"{kind}.txt"
        with writing(self.folder):
            write_atomically(self.folder / name, data, sync_folder=False)
        self._unsynced = True
        self.data["files"][kind] = {"sha256": digest, "file": name, "size": len(data)}
        self._saved(save)
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
            data = read_file(path)
        except OSError as exc:
            reason = out_of_files(exc) or exc.strerror or str(exc)
            raise JournalError(f"{path} cannot be read ({reason})") from None
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise JournalError(
                f"{path} no longer matches the journal's checksum; it was changed outside "
                "ipo46xx. Do not use it; check the target by hand"
            )
        return data

    def temporary(self, name: str, *, save: bool = True) -> str:
        """A fresh temporary name for writing ``name`` on the target, recorded first.

        The clean-up after a crash removes only names recorded here, never another
        tool's files that happen to look alike.  With ``save=False`` the caller saves
        before the write (with the step's ``started``).
        """
        temporary = temporary_name(name)
        self.data.setdefault("temporaries", []).append(temporary)
        self._saved(save)
        return temporary

    def temporaries(self) -> list[str]:
        """The temporary names this run recorded (see :meth:`temporary`)."""
        return list(self.data.get("temporaries", []))

    def forget_temporaries(self, *, save: bool = True) -> None:
        """Drop the record of temporaries once none of them is left on the target."""
        if self.data.pop("temporaries", None):
            self._saved(save)

    def step(self, name: str, status: str, detail: str = "", *, save: bool = True) -> None:
        """Record a step's status (``started``, ``done``, ``failed``) and save (or, with
        ``save=False``, leave it to the next save)."""
        steps: list[dict[str, str]] = self.data["steps"]
        entry = {"step": name, "status": status, "detail": detail, "at": _now()}
        if steps and steps[-1]["step"] == name and steps[-1]["status"] == "started":
            steps[-1] = entry | {"detail": detail or steps[-1]["detail"]}
        else:
            steps.append(entry)
        self._saved(save)


def _new_archive(runs: pathlib.Path) -> pathlib.Path:
    """A folder under ``runs`` no earlier run used: runs can end within one second."""
    stamp = _now().replace(":", "")
    private_folder(runs)
    for number in range(1, 10_000):
        archive = runs / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            archive.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return archive
    raise JournalError(f"{runs} holds too many runs archived at {stamp}; move some away")


def _problem(data: object) -> str | None:
    """What makes ``data`` not a journal this version can trust, or ``None``."""
    if not isinstance(data, dict):
        return "it is not a JSON object"
    if data.get("format") != FORMAT:
        return f"format is {data.get('format')!r}"
    if data.get("state") not in STATES:
        return f"state is {data.get('state')!r}, not one of {', '.join(STATES)}"
    if not isinstance(data.get("target"), str):
        return "target is not a string"
    if not isinstance(data.get("ipo"), (str, type(None))):
        return "ipo is not a string"
    mapping = data.get("mapping")
    if mapping is not None and not (
        isinstance(mapping, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
    ):
        return "mapping is not an object of names to names"
    if data.get("run", "advisory") not in ("advisory", "change"):
        return f"run is {data.get('run')!r}, not advisory or change"
    request = data.get("request")
    if request is not None and not (
        isinstance(request, dict)
        and isinstance(request.get("edits"), list)
        and all(
            isinstance(e, list) and len(e) == 3 and all(isinstance(x, str) for x in e)
            for e in request["edits"]
        )
        and isinstance(request.get("phones"), (dict, type(None)))
    ):
        return "request is not an object of settings and phones"
    for key, kind, what in (
        ("extras", str, "file names"),
        ("units", str, "file names"),
        ("tls_ports", int, "port numbers"),
        ("warnings", str, "sentences"),
        ("had_root_ca", str, "phone profiles"),
        ("chain", str, "sentences"),
        ("identities", str, "fingerprints"),
        ("own_root_ca", str, "file names"),
    ):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(
            isinstance(v, kind) and not isinstance(v, bool) for v in value
        ):
            return f"{key} is not a list of {what}"
    if data.get("trusted") not in (True, False, None):
        return "trusted is not true, false or null"
    extras = [*data.get("extras", []), *data.get("units", [])]
    if any(not _PLAIN.match(name) for name in extras):
        return "extras or units holds a name that is not a plain file name"
    files = data.get("files")
    if not isinstance(files, dict):
        return "files is not an object"
    for kind, entry in files.items():
        role, _, name = kind.partition("@")
        if role not in KINDS or (name and (name not in extras or role not in _PER_FILE)):
            return f"files.{kind} is not a kind of file a run keeps"
        if not isinstance(entry, dict):
            return f"files.{kind} is not an object"
        if entry.get("file") != f"{kind}.txt":
            return f"files.{kind}.file is {entry.get('file')!r}, not {kind}.txt"
        if not isinstance(entry.get("sha256"), str) or not _SHA256.match(entry["sha256"]):
            return f"files.{kind}.sha256 is not a SHA-256 in hex"
        if not isinstance(entry.get("size"), int):
            return f"files.{kind}.size is not a number"
    temporaries = data.get("temporaries", [])
    if not isinstance(temporaries, list) or not all(isinstance(t, str) for t in temporaries):
        return "temporaries is not a list of file names"
    steps = data.get("steps")
    if not isinstance(steps, list):
        return "steps is not a list"
    for number, step in enumerate(steps, 1):
        if not isinstance(step, dict) or not all(
            isinstance(step.get(key), str) for key in ("step", "status", "detail")
        ):
            return f"steps entry {number} is not a step (step, status, detail)"
    return None
