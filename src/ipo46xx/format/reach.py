"""Every path any phone could take through the files of one file server, walked once.

:func:`ipo46xx.evaluate` walks one phone whose every variable is known.  To know which
files *some* phone reads, that is not enough: a phone's ``$GROUP``, ``$MACADDR`` or
``$HWVERS`` are not known here, and a model missing from the model table (a 9601) takes
branches no profile of the table takes.  :func:`walk_paths` walks all the kinds of phones
at once, as sets of :class:`Walker`:

* an ``IF`` on a variable a walker fixes (``$MODEL4`` of a 9611) splits the set;
* an ``IF`` on a variable it does not fix (``$GROUP``, ``$HWVERS``, any variable at all:
  a phone may have it or not) may hold and may not: the path forks, and each side
  remembers what it assumed (``$GROUP`` is 1; ``$GROUP`` is not 1), so that a later
  ``IF $GROUP SEQ 2`` on the first side cannot hold;
* a ``GET $MACADDR.txt`` reaches each file on the server named like a device (when the
  files can be listed), or none.

Walkers with identical behaviour travel together, so each statement of a path is carried
out once for all of them: the cost follows the number of different paths, not the
number of profiles.  The result over-approximates what phones do (a condition this
module cannot decide is taken both ways), never under-approximates it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from ..errors import InputError
from .document import SettingsFile
from .statements import (
    AddStatement,
    Assignment,
    GetStatement,
    GotoStatement,
    IfStatement,
    SetStatement,
    Statement,
    Tag,
)

__all__ = ["MAX_STEPS", "End", "Paths", "Walker", "walk_paths"]

MAX_STEPS = 200_000
"""Statements carried out over all paths before the walk gives up (cannot tell)."""

DocLoader = Callable[[str], "SettingsFile | None"]
Lister = Callable[[], Iterable[str]]
Known = dict[str, "str | frozenset[str]"]  # a variable is X, or is none of these

_VARIABLE = re.compile(r"\$([A-Za-z0-9_]+)")
# What a variable stands for in a per-device file name: a MAC address is 12 hex digits.
_SHAPES = {"MACADDR": "[0-9A-Fa-f]{12}", "GROUP": "[0-9]{1,4}"}
_ANY = r"[^/\\]+"


@attrs.frozen
class Walker:
    """A kind of phone: the variables it fixes, whether its ``SEQ`` ignores case
    (``None``: not known, either), and where it may start reading."""

    name: str
    fixed: Mapping[str, str]
    ignores_case: bool | None
    starts: tuple[str, ...]


@attrs.frozen
class End:
    """Where one path ends: who took it, what it assumed, where it started, and the
    ``(file, line)`` of the lines that make up the tracked setting, in order."""

    who: frozenset[int]
    known: Mapping[str, str | frozenset[str]]
    start: str
    contributions: tuple[tuple[str, int], ...]


@attrs.frozen
class Paths:
    """The ends of every path, the files read, GETs to elsewhere, loops."""

    walkers: tuple[Walker, ...]
    ends: list[End]
    documents: dict[str, SettingsFile]
    elsewhere: dict[tuple[str, int, str], frozenset[int]]
    loops: list[str]


class _Path:
    __slots__ = ("contributions", "doc", "index", "jumped", "known", "loaded", "start", "who")

    def __init__(self, who: frozenset[int], known: Known, start: str, doc: SettingsFile) -> None:
        self.who = who
        self.known = known
        self.start = start
        self.doc = doc
        self.index = 0
        self.jumped: frozenset[tuple[str, str]] = frozenset()
        self.loaded = frozenset({doc.name})
        self.contributions: tuple[tuple[str, int], ...] = ()

    def fork(self, who: frozenset[int], known: Known) -> _Path:
        other = _Path.__new__(_Path)
        for slot in _Path.__slots__:
            setattr(other, slot, getattr(self, slot))
        other.who, other.known = who, known
        return other

    def enter(self, doc: SettingsFile) -> None:
        self.doc, self.index = doc, 0
        self.loaded = self.loaded | {doc.name}


def walk_paths(
    walkers: Sequence[Walker],
    loader: DocLoader,
    *,
    setting: str = "TRUSTCERTS",
    known: Known | None = None,
    lister: Lister | None = None,
    exclude: Iterable[str] = (),
    foreign: Callable[[str], bool] = lambda name: False,
) -> Paths:
    """Walk every walker from each file it may start at; track ``setting``.

    ``known`` holds what every path assumes from the start (for walkers that do not fix
    a variable); ``lister`` lists the server's files, for ``GET`` names that hold a
    variable; ``exclude`` are names no such ``GET`` reaches; ``foreign`` tells names the
    server cannot give.

    >>> from ipo46xx import parse
    >>> doc = parse("IF $GROUP SEQ 1 GOTO A\\nGOTO E\\n# A\\nSET X 1\\n# E\\n", name="f")
    >>> paths = walk_paths([Walker("p", {}, False, ("f",))], {"f": doc}.get, setting="X")
    >>> [(e.known["GROUP"], e.contributions) for e in paths.ends]
    [(frozenset({'1'}), ()), ('1', (('f', 4),))]
    """
    return _Walk(walkers, loader, setting.upper(), lister, set(exclude), foreign).run(
        dict(known or {})
    )


class _Walk:
    def __init__(
        self,
        walkers: Sequence[Walker],
        loader: DocLoader,
        setting: str,
        lister: Lister | None,
        exclude: set[str],
        foreign: Callable[[str], bool],
    ) -> None:
        self.walkers = tuple(walkers)
        self.loader = loader
        self.setting = setting
        self.lister = lister
        self.listed: list[str] | None = None
        self.exclude = {name.lower() for name in exclude}
        self.foreign = foreign
        self.documents: dict[str, SettingsFile] = {}
        self.labels: dict[str, dict[str, int]] = {}
        self.ends: list[End] = []
        self.elsewhere: dict[tuple[str, int, str], frozenset[int]] = {}
        self.loops: set[str] = set()
        self.named: set[str] = set()  # files reached by their name: no device's
        self.steps = 0

    def load(self, name: str) -> SettingsFile | None:
        doc = self.loader(name)
        if doc is not None and name not in self.documents:
            self.documents[name] = doc
            labels: dict[str, int] = {}
            for index, statement in enumerate(doc.statements()):
                if isinstance(statement, Tag):
                    labels.setdefault(statement.label, index)
            self.labels[name] = labels
        return doc

    def run(self, known: Known) -> Paths:
        stack: list[_Path] = []
        starts: dict[str, set[int]] = {}
        for number, walker in enumerate(self.walkers):
            for start in walker.starts:
                starts.setdefault(start, set()).add(number)
        for start, who in starts.items():
            self.named.add(start.lower())
            doc = self.load(start)
            if doc is not None:
                stack.append(_Path(frozenset(who), dict(known), start, doc))
        while stack:
            self.follow(stack.pop(), stack)
        return Paths(self.walkers, self.ends, self.documents, self.elsewhere, sorted(self.loops))

    def follow(self, path: _Path, stack: list[_Path]) -> None:
        """Carry out ``path`` until it ends or forks (the forks go on ``stack``)."""
        while True:
            statements = path.doc.statements()
            if path.index >= len(statements):
                break
            statement = statements[path.index]
            self.steps += 1
            if self.steps > MAX_STEPS:
                raise InputError(
                    f"the files phones read branch too much to follow (more than {MAX_STEPS} "
                    f"steps over all paths, the last at {path.doc.name} line {statement.line}): "
                    "which phones reach which line cannot be told, so nothing was changed. "
                    "Conditions on many different variables one after the other multiply the "
                    "paths; simplify them, or follow the advisory by hand"
                )
            path.index += 1
            if isinstance(statement, Assignment):
                if statement.name.upper() == self.setting:
                    here = ((path.doc.name, statement.line),)
                    if isinstance(statement, SetStatement):
                        path.contributions = here
                    elif isinstance(statement, AddStatement):
                        path.contributions = path.contributions + here
            elif isinstance(statement, IfStatement):
                sides = self.branch(path, statement)
                if len(sides) != 1 or sides[0][0] is not path:
                    for side, jumps in sides:
                        if jumps and not self.jump(side, statement, statement.label):
                            self.finish(side)
                        else:
                            stack.append(side)
                    return
                if sides[0][1] and not self.jump(path, statement, statement.label):
                    break
            elif isinstance(statement, GotoStatement):
                if not self.jump(path, statement, statement.label):
                    break
            elif isinstance(statement, GetStatement) and not self.get(path, statement, stack):
                return  # ended, or forked onto the stack
        self.finish(path)

    def jump(self, path: _Path, statement: Statement, label: str) -> bool:
        """Jump to ``label``; False when processing ends there (no such tag, or a loop)."""
        labels = self.labels[path.doc.name]
        if label not in labels:
            return False
        key = (path.doc.name, label)
        if key in path.jumped:  # the same variables jump the same way: a loop for ever
            self.loops.add(f"{path.doc.name}:{statement.line}")
            return False
        path.jumped = path.jumped | {key}
        path.index = labels[label] + 1
        return True

    def finish(self, path: _Path) -> None:
        self.ends.append(End(path.who, path.known, path.start, path.contributions))

    def branch(self, path: _Path, statement: IfStatement) -> list[tuple[_Path, bool]]:
        """The sides of an ``IF``: (path, whether it jumps)."""
        if statement.operator.upper() != "SEQ":
            return [(path, False)]
        name = statement.variable.lstrip("$").upper()
        operand = statement.operand
        assumed = path.known.get(name)
        yes: set[int] = set()
        no: set[int] = set()
        for number in path.who:
            walker = self.walkers[number]
            value = walker.fixed.get(name)
            if value is not None:
                (yes if _same(value, operand, walker.ignores_case is True) else no).add(number)
                continue
            can, cannot = _possible(assumed, operand, walker.ignores_case)
            if can:
                yes.add(number)
            if cannot:
                no.add(number)
        sides: list[tuple[_Path, bool]] = []
        if yes:
            known = path.known if isinstance(assumed, str) else {**path.known, name: operand}
            sides.append((path if not no else path.fork(frozenset(yes), known), True))
            if not no:
                path.who, path.known = frozenset(yes), known
        if no:
            if isinstance(assumed, str):
                known = path.known
            else:
                known = {**path.known, name: (assumed or frozenset()) | {operand}}
            if yes:
                sides.append((path.fork(frozenset(no), known), False))
            else:
                path.who, path.known = frozenset(no), known
                sides.append((path, False))
        return sides

    def get(self, path: _Path, statement: GetStatement, stack: list[_Path]) -> bool:
        """Carry out a ``GET``; False when ``path`` does not go on (it ended or forked)."""
        targets: dict[str, set[int]] = {}
        for number in path.who:
            name = _substitute(statement.filename, self.walkers[number], path.known)
            targets.setdefault(name, set()).add(number)
        sides: list[tuple[frozenset[int], Known, str | None]] = []
        if "$" not in statement.filename:
            self.named.add(statement.filename.lower())
        for name, who in targets.items():
            if self.foreign(name) or (_VARIABLE.search(name) and self.lister is None):
                key = (path.doc.name, statement.line, name)
                self.elsewhere[key] = self.elsewhere.get(key, frozenset()) | who
                sides.append((frozenset(who), path.known, None))
            elif _VARIABLE.search(name):
                sides += self.devices(path, frozenset(who), name)
            else:
                sides.append((frozenset(who), path.known, name))
        if len(sides) == 1:
            path.who, path.known = sides[0][0], sides[0][1]
            return self.enter(path, statement, sides[0][2])
        for takers, assumed, target in sides:
            side = path.fork(takers, assumed)
            if self.enter(side, statement, target):
                stack.append(side)
        return False

    def enter(self, path: _Path, statement: GetStatement, name: str | None) -> bool:
        """Go on in file ``name`` (``None``, or one not served: after the ``GET``); False
        when the path ends (a file already read: phones stop)."""
        doc = None if name is None else self.load(name)
        if doc is None:
            return True
        if doc.name in path.loaded:
            self.loops.add(f"{path.doc.name}:{statement.line}")
            self.finish(path)
            return False
        path.enter(doc)
        return True

    def devices(
        self, path: _Path, who: frozenset[int], target: str
    ) -> list[tuple[frozenset[int], Known, str | None]]:
        """The files a ``GET`` whose name holds a variable may reach, and none of them."""
        if self.listed is None:
            assert self.lister is not None
            self.listed = sorted(self.lister())
        parts = re.split(r"(\$[A-Za-z0-9_]+)", target)
        names = [part[1:].upper() for part in parts if _VARIABLE.fullmatch(part)]
        if len(set(names)) != len(names):
            return [(who, path.known, None)]  # the same variable twice: no naming we know
        pattern = re.compile(
            "".join(
                f"(?P<{part[1:].upper()}>{_SHAPES.get(part[1:].upper(), _ANY)})"
                if _VARIABLE.fullmatch(part)
                else re.escape(part)
                for part in parts
            ),
            re.IGNORECASE,
        )
        skip = self.exclude | self.named
        sides: list[tuple[frozenset[int], Known, str | None]] = []
        found: set[str] = set()
        for name in self.listed:
            match = pattern.fullmatch(name)
            if not match or name.lower() in skip or self.load(name) is None:
                continue
            values = match.groupdict()
            takers = frozenset(
                number
                for number in who
                if all(
                    _possible(path.known.get(v), value, self.walkers[number].ignores_case)[0]
                    for v, value in values.items()
                )
            )
            if takers:
                sides.append((takers, {**path.known, **values}, name))
                found.update(values.values())
        known = path.known
        if len(names) == 1 and found:  # a phone whose file is served reads it
            before = known.get(names[0])
            excluded = before if isinstance(before, frozenset) else frozenset()
            known = {**known, names[0]: excluded | found}
        sides.append((who, known, None))
        return sides


def _same(actual: str, operand: str, ignores_case: bool) -> bool:
    return actual == operand or (ignores_case and actual.casefold() == operand.casefold())


def _possible(
    assumed: str | frozenset[str] | None, operand: str, ignores_case: bool | None
) -> tuple[bool, bool]:
    """Whether ``IF $V SEQ operand`` can hold, and can fail, for a value not fixed but
    assumed (equal to a string, or none of a set).  ``ignores_case`` ``None`` is either."""
    if assumed is None:
        return True, True
    if isinstance(assumed, str):
        return (
            _same(assumed, operand, ignores_case is not False),
            not _same(assumed, operand, ignores_case is True),
        )
    return not any(_same(v, operand, ignores_case is True) for v in assumed), True


def _substitute(text: str, walker: Walker, known: Mapping[str, str | frozenset[str]]) -> str:
    if "$" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).upper()
        value = walker.fixed.get(name)
        if value is None:
            assumed = known.get(name)
            value = assumed if isinstance(assumed, str) else None
        return match.group(0) if value is None else value

    return _VARIABLE.sub(replace, text)
