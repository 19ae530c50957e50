"""Where an edit of a setting goes, written in the file's own style.

The pieces :mod:`ipo46xx.format.edits` composes: what each profile does in the file (its
walk, read as if every ``GET`` found its file, because then the phone never comes back),
the conditions that tell the selected profiles apart from the others that pass a place,
fresh labels, and the lines of a small ``IF ... GOTO`` block in the file's keyword case.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

import attrs

from ..errors import PlacementError
from .compare import profile_label
from .document import Change, Edit, SettingsFile, parse
from .evaluation import Evaluation, Phone, evaluate
from .statements import GetStatement, GotoStatement, IfStatement, SetStatement, Tag

__all__ = ["Style", "Walks", "apply", "conditions", "handed_away", "render"]


def handed_away(name: str) -> SettingsFile:
    """A loader under which every ``GET`` succeeds with an empty file: the phone leaves."""
    return parse(b"", name=name)


@attrs.frozen
class Walks:
    """Every profile's walk through one file, read as if each ``GET`` found its file."""

    doc: SettingsFile
    results: dict[str, Evaluation]
    lines: dict[str, frozenset[int]]

    @classmethod
    def of(cls, doc: SettingsFile, profiles: Sequence[Phone]) -> Walks:
        results = {profile_label(p): evaluate(doc, p, handed_away) for p in profiles}
        lines = {
            label: frozenset(step.line for step in result.trace if step.file == doc.name)
            for label, result in results.items()
        }
        return cls(doc, results, lines)

    def executors(self, line: int) -> set[str]:
        """The profiles whose walk carries out this line."""
        return {label for label, lines in self.lines.items() if line in lines}

    def deciding(self, label: str, name: str) -> int | None:
        """The line of this file that decides ``name`` for the profile, if any."""
        setting = self.results[label].settings.get(name)
        return None if setting is None or setting.file != self.doc.name else setting.line

    def stop(self, label: str) -> int | None:
        """The line where the profile's walk leaves this file (a ``GET``, a jump to no tag,
        a loop), or None when it runs off the end."""
        result = self.results[label]
        steps = [s.line for s in result.trace if s.file == self.doc.name]
        if not steps:
            return None
        last = steps[-1]
        here = {f.code for f in result.findings if f.line == last and f.file == self.doc.name}
        if here & _STOPS:
            return last
        leaves = isinstance(self.doc.line(last).statement, GetStatement)
        return last if leaves and "get-not-found" not in here else None

    def end(self, label: str) -> tuple[int, set[str]]:
        """Where the profile's walk ends: the line after which an insertion is still read,
        and every profile that reads it."""
        stop = self.stop(label)
        if stop is not None:
            return stop - 1, self.executors(stop)
        statements = self.doc.statements()
        final = statements[-1].line if statements else len(self.doc)
        return final, {other for other in self.results if self.stop(other) is None}


_STOPS = frozenset({"undefined-tag", "goto-loop", "get-loop", "too-many-steps"})


@attrs.frozen
class Style:
    """The keyword spellings and the labels a file already uses."""

    set_: str
    add: str
    if_: str
    seq: str
    goto: str
    goto_in_if: str
    labels: frozenset[str]

    @classmethod
    def of(cls, doc: SettingsFile) -> Style:
        statements = doc.statements()
        first_set = next((s for s in statements if isinstance(s, SetStatement)), None)
        first_if = next((s for s in statements if isinstance(s, IfStatement)), None)
        first_goto = next((s for s in statements if isinstance(s, GotoStatement)), None)
        set_ = "SET" if first_set is None else first_set.keyword
        lower = set_.islower()
        if_ = first_if.keyword if first_if else ("if" if lower else "IF")
        seq = first_if.operator if first_if and first_if.operator.upper() == "SEQ" else "SEQ"
        goto_in_if = first_if.goto_keyword if first_if else None
        goto = first_goto.keyword if first_goto else goto_in_if or ("goto" if lower else "GOTO")
        labels = frozenset(s.label.casefold() for s in statements if isinstance(s, Tag))
        return cls(set_, "add" if lower else "ADD", if_, seq, goto, goto_in_if or goto, labels)

    def fresh(self, stem: str, taken: set[str]) -> str:
        """A label no line of the file (nor this edit) uses yet."""
        for n in itertools.count(1):
            label = stem if n == 1 else f"{stem}_{n}"
            if label.casefold() not in self.labels and label.casefold() not in taken:
                taken.add(label.casefold())
                return label
        raise AssertionError("unreachable")


def render(value: str, quoted: bool = False) -> str:
    """A value as written after the name: quoted when empty, with blanks, or asked to."""
    if quoted or not value or any(c in " \t" for c in value):
        return f'"{value}"'
    return value


_VARIABLES: tuple[tuple[str, Callable[[Phone], str]], ...] = (
    ("$SIG_IN_USE", lambda p: str(p.variable("SIG_IN_USE"))),
    ("$MODEL4", lambda p: p.model4),
    ("$GROUP", lambda p: str(p.group)),
)

Levels = list[tuple[str, list[str]]]


def conditions(
    phones: dict[str, Phone], passing: set[str], targets: set[str], allowed: set[str]
) -> Levels:
    """The fewest ``IF`` levels (each: a variable and the values that go on) that let every
    target through and nobody outside ``allowed``, among the profiles ``passing`` a place.

    Raises :class:`PlacementError` when the variables cannot tell them apart.
    """
    best: Levels | None = None
    best_size = (1 << 30, 1 << 30)
    for count in (1, 2, 3):
        for chosen in itertools.combinations(_VARIABLES, count):
            values = [sorted({get(phones[t]) for t in targets}, key=_order) for _n, get in chosen]
            through = {
                p
                for p in passing
                if all(
                    get(phones[p]) in vals for (_n, get), vals in zip(chosen, values, strict=True)
                )
            }
            if through <= allowed:
                size = (count, sum(len(v) for v in values))
                if size < best_size:
                    best, best_size = (
                        [(n, v) for (n, _g), v in zip(chosen, values, strict=True)],
                        size,
                    )
        if best is not None:
            return best
    raise PlacementError("the variables phones report cannot tell these phones apart")


def _order(value: str) -> tuple[int, str]:
    return (0, value.zfill(8)) if value.isdigit() else (1, value)


def run_block(style: Style, levels: Levels, line: str, stem: str, taken: set[str]) -> list[str]:
    """Lines that carry out ``line`` only for the phones the levels let through."""
    end = style.fresh(f"{stem}_END", taken)
    block: list[str] = []
    for variable, values in levels:
        target = style.fresh(stem, taken)
        block += [
            f"{style.if_} {variable} {style.seq} {v} {style.goto_in_if} {target}" for v in values
        ]
        block += [f"{style.goto} {end}", f"# {target}"]
    return [*block, line, f"# {end}"]


def skip_block(style: Style, levels: Levels, stem: str, taken: set[str]) -> tuple[list[str], str]:
    """Lines to put before a line so that the phones the levels let through jump over it,
    and the tag to put after it."""
    skip = style.fresh(stem, taken)
    block: list[str] = []
    keep = style.fresh(f"{stem}_KEEP", taken) if len(levels) > 1 else None
    for index, (variable, values) in enumerate(levels):
        last = index == len(levels) - 1
        target = skip if last else style.fresh(f"{stem}_CHECK", taken)
        block += [
            f"{style.if_} {variable} {style.seq} {v} {style.goto_in_if} {target}" for v in values
        ]
        if not last:
            block += [f"{style.goto} {keep}", f"# {target}"]
    if keep is not None:
        block.append(f"# {keep}")
    return block, f"# {skip}"


def apply(doc: SettingsFile, replace: dict[int, str], inserts: dict[int, list[str]]) -> Edit:
    """The edit that replaces and inserts these lines (numbers of ``doc``), with its changes
    numbered in the new document."""
    new = doc.replace_lines(replace) if replace else doc
    if inserts:
        new = new.insert_lines(inserts)
    changes: list[Change] = []
    shift = len(inserts.get(0, ()))
    changes += [Change(n + 1, "", text, "inserted") for n, text in enumerate(inserts.get(0, ()))]
    for number in range(1, len(doc) + 1):
        if number in replace and replace[number] != doc.line(number).text:
            changes.append(Change(number + shift, doc.line(number).text, replace[number]))
        for text in inserts.get(number, ()):
            shift += 1
            changes.append(Change(number + shift, "", text, "inserted"))
    return Edit(document=new, changes=tuple(changes))


def old_line(edit: Edit, new_number: int) -> int | None:
    """The number a line of the edited document had before, or None for an inserted one."""
    inserted = sorted(c.line for c in edit.changes if c.kind == "inserted")
    if new_number in inserted:
        return None
    return new_number - sum(1 for n in inserted if n < new_number)


def names(labels: Iterable[str], limit: int = 6) -> str:
    """Profile names for a message, the first few and a count of the rest."""
    shown = sorted(labels)
    more = len(shown) - limit
    return ", ".join(shown[:limit]) + (f" and {more} more" if more > 0 else "")
