"""Carry out the flow's decisions on a target: one file of the run after the other, the
journal written before and after each change, and the same decisions run dry for plans.

:mod:`ipo46xx.staging.flow` decides the next action from what the target holds; this module does
it (rename, remove, atomic write with read-back) and records it, so that a crash anywhere
leaves a journal that the next run continues from.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence

import attrs

from ..errors import JournalError, StateError, StorageError, TargetChangedError
from ..storage import Storage, is_temporary
from .flow import Action, Expect, Unit, View, reservation, situation
from .journal import Journal

__all__ = ["RESERVED", "Engine"]

log = logging.getLogger("ipo46xx.staging")

RESERVED = "that an interrupted rename of this run reserved"


class Engine:
    """The flow's hands on one target.

    ``prepare`` is called for the one action that is not a file operation: restore's
    download of the file the IP Office generates now.
    """

    def __init__(self, storage: Storage, prepare: Callable[[Journal], None]) -> None:
        self.storage = storage
        self._prepare = prepare

    def units(self, journal: Journal | None) -> list[Unit]:
        """``46xxsettings.txt`` first (restore learns the new root CA there), then every
        other file of the chain this run holds; for a change run, the files it changes."""
        if journal is not None and journal.data.get("units") is not None:
            return [Unit(name) for name in journal.data["units"]]  # a change run's files
        extras = list(journal.data.get("extras") or []) if journal is not None else []
        return [Unit()] + [Unit(name) for name in extras]

    def look(self, unit: Unit | None = None) -> View:
        return (unit or Unit()).view(self.storage.digest)

    def run(self, journal: Journal, decide: Callable[[View, Expect], Action | None]) -> list[str]:
        """Carry out ``decide`` on every unit; the caller saves the journal afterwards.

        Only the intent before each change is saved durably here (see
        :mod:`ipo46xx.staging.journal`); what is left pending is saved when an error
        stops the run, and lost only with a kill, after which the next run looks again.
        """
        done: list[str] = []
        with _flushed_on_error(journal):
            for unit in self.units(journal):
                done += self._run_unit(unit, journal, decide)
        return done

    def _run_unit(
        self, unit: Unit, journal: Journal, decide: Callable[[View, Expect], Action | None]
    ) -> list[str]:
        done: list[str] = []
        suffix = "" if unit.primary else unit.name
        for _ in range(12):  # every path converges in at most five actions
            view = self.look(unit)
            leftover = reservation(view, journal.data["steps"], suffix)
            if leftover is not None:
                name = unit.own(Action("", "remove", leftover)).name
                self.storage.remove(name)
                journal.step("clean", "done", f"removed the empty {name} {RESERVED}", save=False)
                view = self.look(unit)
            planned = decide(view, unit.expect(journal))
            if planned is None:
                return done
            if planned.op == "prepare" and not unit.primary:
                raise StateError(f"{unit.name} has no restored copy yet; this is a bug")
            action = unit.own(planned)
            description = action.describe(self.storage.url)
            log.info("%s: %s", action.step, description)
            # The intent, with the temporary name a write will use, is on disk before the
            # target changes; it also carries the previous step's "done".
            temporary = journal.temporary(action.name, save=False) if action.op == "write" else ""
            journal.step(action.step, "started", description)
            try:
                self._perform(action, journal, temporary)
            except Exception as exc:
                # A process that dies here leaves "started"; the next run looks again.
                journal.step(action.step, "failed", f"{description}: {exc}")
                log.info("%s failed: %s", action.step, exc)
                if isinstance(exc, StorageError):
                    raise self._explained(exc, journal) from exc
                raise
            journal.step(action.step, "done", description, save=False)
            done.append(description)
        raise StateError(f"the run on {self.storage.url} does not settle; this is a bug")

    def _perform(self, action: Action, journal: Journal, temporary: str) -> None:
        if action.op == "rename":
            self.storage.rename(action.name, action.target)
        elif action.op == "remove":
            self.storage.remove(action.name)
        elif action.op == "write":
            data = journal.kept(action.kind)
            self.storage.write(action.name, data, temporary=temporary)
            if self.storage.read(action.name) != data:
                raise TargetChangedError(
                    f"{action.name} on {self.storage.url} reads back different from what was "
                    "just written; check the card or share, then run the command again"
                )
        else:
            self._prepare(journal)

    def simulate(
        self,
        units: Sequence[tuple[Unit, Expect]],
        decide: Callable[[View, Expect], Action | None],
        journal: Journal | None,
    ) -> list[str]:
        """The descriptions of what ``decide`` would do to each unit, changing nothing;
        ``journal`` is the run's, if one is recorded (for its interrupted renames)."""
        steps = []
        for unit, start in units:
            view = self.look(unit)
            expect = start
            if not unit.primary and expect.restored is None:
                # Restore works out every file's new content at the primary's prepare step.
                expect = attrs.evolve(expect, restored="(to be worked out)")
            suffix = "" if unit.primary else unit.name
            leftover = reservation(view, journal.data["steps"], suffix) if journal else None
            if leftover is not None:
                name = unit.own(Action("", "remove", leftover)).name
                steps.append(f"remove the empty {name} {RESERVED}")
                view[leftover] = None
            for _ in range(12):
                planned = decide(view, expect)
                if planned is None:
                    break
                steps.append(unit.own(planned).describe(self.storage.url))
                if planned.op == "rename":
                    view[planned.target], view[planned.name] = view[planned.name], None
                elif planned.op == "remove":
                    view[planned.name] = None
                elif planned.op == "write":
                    view[planned.name] = getattr(expect, planned.kind)
                else:
                    expect = attrs.evolve(
                        expect,
                        restored=expect.restored or "(to be worked out)",
                        regenerated="(to be downloaded)",
                    )
        return steps

    def expects(self, journal: Journal) -> list[tuple[Unit, Expect]]:
        return [(unit, unit.expect(journal)) for unit in self.units(journal)]

    def sweep(self, journal: Journal) -> None:
        """Remove temporaries an interrupted atomic write of this run left behind.

        Only names the journal recorded before writing: never another tool's files.
        """
        present = set(self.storage.list())
        with _flushed_on_error(journal):
            for name in journal.temporaries():
                if name in present and is_temporary(name):
                    self.storage.remove(name)
                    journal.step("clean", "done", f"removed leftover temporary {name}", save=False)
            # Bookkeeping: a kill before the caller's save leaves names that are gone.
            journal.forget_temporaries(save=False)

    def describe_files(self, journal: Journal | None) -> dict[str, str]:
        described: dict[str, str] = {}
        for unit in self.units(journal):
            view = self.look(unit)
            suffix = "" if unit.primary else unit.name
            leftover = reservation(view, journal.data["steps"], suffix) if journal else None
            names: dict[str, str] = {}
            if journal is not None:
                for role in ("original", "staged", "restored"):
                    digest = journal.digest(unit.kind(role))
                    if digest is not None:
                        names.setdefault(digest, role)
            for key, digest in view.items():
                name = unit.own(Action("", "remove", key)).name
                described[name] = (
                    "absent"
                    if digest is None
                    else f"empty, {RESERVED}"
                    if key == leftover
                    else names.get(digest, "unknown content")
                )
        return described

    def _explained(self, exc: StorageError, journal: Journal) -> StorageError:
        """``exc`` with what the target holds now and how to put it back."""
        try:
            now = situation(self.look(), Expect.of(journal), self.storage.url)
        except StorageError:
            return exc  # the target cannot be looked at: its error says why
        return type(exc)(f"{exc}. {now} Rollback puts it back as it was before stage")


@contextlib.contextmanager
def _flushed_on_error(journal: Journal) -> Iterator[None]:
    """Save what is pending when an error (not a kill) stops the block: status then
    shows the steps that were done."""
    try:
        yield
    except Exception:
        with contextlib.suppress(JournalError):  # the error at hand says more
            journal.flush()
        raise
