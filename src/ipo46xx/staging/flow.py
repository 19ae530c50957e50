"""The decisions of the staging flow, kept apart from any I/O.

Given what the target holds now (the content hash of ``46xxsettings.txt`` and of
``46xxsettings.bak``, or ``None`` when absent) and what the journal expects, each
``decide_*`` function returns the one next :class:`Action`, ``None`` when the operation
is complete, or raises :class:`~ipo46xx.errors.TargetChangedError` for a target in a
shape the run did not produce.  The same functions drive the real run and the dry run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence

import attrs

from ..errors import TargetChangedError
from .journal import Journal

__all__ = [
    "BACKUP",
    "SETTINGS",
    "Action",
    "Expect",
    "Unit",
    "View",
    "changed",
    "decide_change",
    "decide_restore",
    "decide_rollback",
    "decide_stage",
    "reservation",
    "situation",
]

SETTINGS = "46xxsettings.txt"
BACKUP = "46xxsettings.bak"

View = dict[str, "str | None"]

EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
"""SHA-256 of no bytes: what a name reserved by an exclusive create holds."""

# The renames of the flow, by step name: (source, target).
RENAMES = {"park": (SETTINGS, BACKUP), "unpark": (BACKUP, SETTINGS)}


@attrs.frozen
class Action:
    """One change to the target: what, on which file, and for the journal."""

    step: str
    op: str  # "rename" | "write" | "remove" | "prepare"
    name: str = ""
    target: str = ""
    kind: str = ""  # journal copy to write
    label: str = ""  # what the written copy is, where "kind" alone would mislead

    def describe(self, where: str) -> str:
        """The action in words, for plans, journals and people.

        >>> Action("park", "rename", SETTINGS, BACKUP).describe("memory://")
        'rename 46xxsettings.txt to 46xxsettings.bak on memory:// (never over an existing file)'
        """
        if self.op == "rename":
            return f"rename {self.name} to {self.target} on {where} (never over an existing file)"
        if self.op == "write":
            what = (
                self.label
                or {
                    "staged": "the edited file (TRUSTCERTS blanked)",
                    "restored": "the administrator's file with the new root CA name",
                    "original": "the administrator's original file from the journal",
                }[self.kind.partition("@")[0]]
            )
            return f"write {what} as {self.name} on {where} (atomic), then read it back"
        if self.op == "remove":
            return f"remove {self.name} from {where}"
        return "download the file the IP Office now generates and work out the new root CA"


@attrs.frozen
class Expect:
    """The content hashes the journal expects, by role."""

    original: str | None = None
    staged: str | None = None
    restored: str | None = None
    regenerated: str | None = None

    @classmethod
    def of(cls, journal: Journal) -> Expect:
        """The hashes recorded in ``journal``."""
        return cls(*(journal.digest(k) for k in ("original", "staged", "restored", "regenerated")))


@attrs.frozen
class Unit:
    """One file of a run and its parked copy, and how the journal names their copies.

    The decisions are written for ``46xxsettings.txt`` and ``46xxsettings.bak``; a unit
    applies them to another file of the chain (``46xxspecials.txt`` and
    ``46xxspecials.bak``), whose journal copies are ``original@46xxspecials.txt`` and so on.

    >>> Unit("46xxspecials.txt").backup
    '46xxspecials.bak'
    >>> Unit("46xxspecials.txt").own(Action("park", "rename", SETTINGS, BACKUP)).target
    '46xxspecials.bak'
    """

    name: str = SETTINGS

    @property
    def primary(self) -> bool:
        return self.name == SETTINGS

    @property
    def backup(self) -> str:
        stem = self.name[:-4] if self.name.lower().endswith(".txt") else self.name
        return stem + ".bak"

    def kind(self, role: str) -> str:
        """The journal's name for this unit's copy in ``role`` (original, staged, ...)."""
        return role if self.primary else f"{role}@{self.name}"

    def step(self, step: str) -> str:
        return step if self.primary else f"{step}@{self.name}"

    def view(self, digest: Callable[[str], str | None]) -> View:
        """The unit's two files, by the names the decisions use (errors use its own).

        >>> view = Unit("46xxspecials.txt").view({}.get)
        >>> "46xxspecials.bak is absent" in str(changed(view, Expect(), "stage"))
        True
        """
        return _UnitView(
            {SETTINGS: digest(self.name), BACKUP: digest(self.backup)},
            {SETTINGS: self.name, BACKUP: self.backup},
        )

    def expect(self, journal: Journal) -> Expect:
        if self.primary:
            return Expect.of(journal)
        return Expect(*(journal.digest(self.kind(k)) for k in ("original", "staged", "restored")))

    def own(self, action: Action) -> Action:
        """``action`` on this unit's files."""
        if self.primary:
            return action
        names = {SETTINGS: self.name, BACKUP: self.backup}
        return attrs.evolve(
            action,
            step=self.step(action.step),
            name=names.get(action.name, action.name),
            target=names.get(action.target, action.target),
            kind=self.kind(action.kind) if action.kind else "",
        )


class _UnitView(dict[str, "str | None"]):
    """A :data:`View` that knows the real names of its unit's files, for messages."""

    def __init__(self, digests: Mapping[str, str | None], names: Mapping[str, str]) -> None:
        super().__init__(digests)
        self.names = dict(names)


def _names(view: View) -> tuple[str, str]:
    names = view.names if isinstance(view, _UnitView) else {}
    return names.get(SETTINGS, SETTINGS), names.get(BACKUP, BACKUP)


def _role(digest: str | None, expect: Expect) -> str:
    if digest is None:
        return "absent"
    for role in ("original", "staged", "restored"):
        if digest == getattr(expect, role):
            return f"the {role} file"
    return _FOREIGN


_FOREIGN = "a file this run did not write"


def changed(view: View, expect: Expect, doing: str) -> TargetChangedError:
    """The error for a target in a shape ``doing`` did not leave it in."""
    name = functools.partial(_role, expect=expect)
    txt, bak = _names(view)
    pairs = ((txt, SETTINGS), (bak, BACKUP))
    foreign = [shown for shown, key in pairs if name(view[key]) == _FOREIGN]
    advice = "find out who edited the card"
    if foreign:  # only a person can say whether the edit matters: keep it, out of the way
        advice += (
            f"; to go on, move {' and '.join(foreign)} aside on the card (rename it, e.g. to "
            f"{foreign[0]}.edited) and run {doing} again"
        )
    else:
        advice += f", then run {doing} again"
    return TargetChangedError(
        f"the target changed under us: {txt} is {name(view[SETTINGS])} and {bak} is "
        f"{name(view[BACKUP])}, which {doing} does not expect. Nothing more was changed; "
        + advice
        + ("" if doing == "rollback" else ", or rollback")
    )


def decide_stage(view: View, expect: Expect) -> Action | None:
    """Stage: park the original as ``.bak`` (if any), then write the staged file.

    >>> decide_stage({SETTINGS: None, BACKUP: None}, Expect(staged="s")).op
    'write'
    """
    txt, bak = view[SETTINGS], view[BACKUP]
    if expect.original:
        if bak not in (None, expect.original):
            raise changed(view, expect, "stage")
        if txt == expect.original and bak is None:
            return Action("park", "rename", SETTINGS, BACKUP)
        if txt is None and bak == expect.original:
            return Action("write", "write", SETTINGS, kind="staged")
        if txt == expect.staged and bak == expect.original:
            return None
    elif bak is None:
        if txt is None:
            return Action("write", "write", SETTINGS, kind="staged")
        if txt == expect.staged:
            return None
    raise changed(view, expect, "stage")


def decide_change(view: View, expect: Expect) -> Action | None:
    """Change a setting: park the file as ``.bak`` (if there was one), write the changed
    file, then drop the ``.bak`` (the journal keeps the original for rollback).

    A file the change creates (``46xxspecials.txt`` where there was none) is just written.

    >>> decide_change({SETTINGS: "o", BACKUP: None}, Expect(original="o", staged="c")).step
    'park'
    >>> decide_change({SETTINGS: "c", BACKUP: "o"}, Expect(original="o", staged="c")).step
    'remove-backup'
    """
    txt, bak = view[SETTINGS], view[BACKUP]
    if expect.original:
        if bak == expect.original:
            if txt is None:
                return Action("write", "write", SETTINGS, kind="staged", label=_CHANGED)
            if txt == expect.staged:
                return Action("remove-backup", "remove", BACKUP)
        elif bak is None:
            if txt == expect.original:
                return Action("park", "rename", SETTINGS, BACKUP)
            if txt == expect.staged:
                return None
    elif bak is None:
        if txt is None:
            return Action("write", "write", SETTINGS, kind="staged", label=_CHANGED)
        if txt == expect.staged:
            return None
    raise changed(view, expect, "change")


_CHANGED = "the file with the change"


def decide_restore(view: View, expect: Expect) -> Action | None:
    """Restore: remove the staged file, learn the new root CA, write the administrator's
    file with it, remove the ``.bak``.

    >>> decide_restore({SETTINGS: "s", BACKUP: "o"}, Expect(original="o", staged="s")).step
    'remove-staged'
    """
    txt, bak = view[SETTINGS], view[BACKUP]
    if expect.original:
        if bak == expect.original:
            if txt == expect.staged:
                return Action("remove-staged", "remove", SETTINGS)
            if txt is None:
                if expect.restored is None:
                    return Action("fetch-regenerated", "prepare")
                return Action("write-restored", "write", SETTINGS, kind="restored")
            if txt == expect.restored:
                return Action("remove-backup", "remove", BACKUP)
        elif bak is None and txt is not None and txt == expect.restored:
            return None
    elif bak is None:
        if txt == expect.staged:
            return Action("remove-staged", "remove", SETTINGS)
        if txt is None:
            return Action("fetch-regenerated", "prepare") if expect.regenerated is None else None
    raise changed(view, expect, "restore")


def decide_rollback(view: View, expect: Expect) -> Action | None:
    """Rollback: whatever the state, the original as ``.txt`` (or no file) and no ``.bak``.

    >>> decide_rollback({SETTINGS: None, BACKUP: "o"}, Expect(original="o", staged="s")).op
    'rename'
    """
    txt, bak = view[SETTINGS], view[BACKUP]
    ours = {d for d in (expect.staged, expect.restored) if d is not None} - {expect.original}
    if expect.original:
        if bak not in (None, expect.original):
            raise changed(view, expect, "rollback")
        if txt == expect.original:
            return None if bak is None else Action("remove-backup", "remove", BACKUP)
        if txt in ours:
            # Replace in one atomic step, so that the card never lacks the file.
            return Action("write-original", "write", SETTINGS, kind="original")
        if txt is None:
            if bak == expect.original:
                return Action("unpark", "rename", BACKUP, SETTINGS)
            return Action("write-original", "write", SETTINGS, kind="original")
    elif bak is None:
        if txt in ours:
            return Action("remove-ours", "remove", SETTINGS)
        if txt is None:
            return None
    raise changed(view, expect, "rollback")


def reservation(view: View, steps: Sequence[Mapping[str, str]], suffix: str = "") -> str | None:
    """The empty file an interrupted rename of this run reserved, if one is there.

    Renaming without overwrite may first reserve the new name with an empty exclusive
    create, then replace it (no ``renameat2``: FUSE, macOS).  A crash between the two
    leaves the source intact plus an empty target; the journal shows the rename as
    started, and the target was absent when it started (else it would not have run).
    ``suffix`` names the unit the view is of (empty for ``46xxsettings.txt``); the result
    is in the view's names.

    >>> view = {SETTINGS: "o", BACKUP: EMPTY}
    >>> reservation(view, [{"step": "park", "status": "started"}])
    '46xxsettings.bak'
    >>> reservation(view, [{"step": "park", "status": "done"}]) is None
    True
    """
    if not steps or steps[-1].get("status") != "started":
        return None
    step, _, unit = steps[-1].get("step", "").partition("@")
    if unit != suffix:
        return None
    source, target = RENAMES.get(step, ("", ""))
    if source and view[target] == EMPTY and view[source] is not None:
        return target
    return None


def situation(view: View, expect: Expect, where: str) -> str:
    """What the target holds now and what the IP Office serves meanwhile, in words.

    >>> text = situation({SETTINGS: None, BACKUP: "o"}, Expect(original="o"), "memory://")
    >>> text[text.index("serves") :]
    'serves its auto-generated file meanwhile.'
    """
    txt = view[SETTINGS]
    if txt is None:
        serves = "its auto-generated file"
    elif txt == expect.staged:
        serves = "the staged file (TRUSTCERTS blanked)"
    elif txt == expect.original:
        serves = "the administrator's file, as before"
    elif txt == expect.restored:
        serves = "the administrator's file with the new root CA"
    else:
        serves = f"that {SETTINGS}"
    return (
        f"Now on {where}: {SETTINGS} is {_role(txt, expect)} and {BACKUP} is "
        f"{_role(view[BACKUP], expect)}, so the IP Office serves {serves} meanwhile."
    )
