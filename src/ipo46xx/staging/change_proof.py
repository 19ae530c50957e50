"""The proof of a change through the phones' whole chain: what every phone gets before and
after, and why that is not exactly the change asked for (a phone named that misses it, or
any other phone that gets something different).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from ..format.compare import (
    Comparison,
    Phones,
    SettingChange,
    compare,
    diff_settings,
    profile_label,
    profiles_for,
)
from ..format.document import SettingsFile
from ..format.edits import desks_of
from ..format.evaluation import Phone, Setting, evaluate
from .change_request import SettingEdit

__all__ = [
    "Reader",
    "already_given",
    "effect_problems",
    "profiles_of",
    "prove_change",
    "settings_through",
]

Reader = Callable[[Phone], Mapping[str, Setting]]


def profiles_of(root: SettingsFile, new_root: SettingsFile) -> dict[str, Phone]:
    return {profile_label(p): p for p in profiles_for([root, new_root])}


def effect_problems(
    effect: Comparison,
    profiles: Mapping[str, Phone],
    edits: Sequence[SettingEdit],
    phones: Phones | None,
    changed: Sequence[str],
    sides: tuple[Reader, Reader],
    docs: Iterable[SettingsFile] = (),
) -> list[str]:
    """Why ``effect`` is not exactly the change asked for: a phone named that does not get
    it, or any phone that gets something else.  ``sides`` give what a phone gets before
    and after, through the chain; ``docs`` are the files read, whose ``IF`` lines on
    variables no profile carries ($MACADDR...) stand for desks checked too.  Empty when it
    is exactly that."""
    problems: list[str] = []
    for label, changes in effect.by_profile.items():
        phone = profiles.get(label)
        if phone is not None:
            problems += _phone_problems(label, phone, changes, edits, phones, changed, sides[1])
    for desk, note in desks_of(docs, profiles.values()):
        changes = diff_settings(sides[0](desk), sides[1](desk))
        label = profile_label(desk) + note
        problems += _phone_problems(label, desk, changes, edits, phones, changed, sides[1])
    return problems


def _phone_problems(
    label: str,
    phone: Phone,
    changes: Sequence[SettingChange],
    edits: Sequence[SettingEdit],
    phones: Phones | None,
    changed: Sequence[str],
    after: Reader,
) -> list[str]:
    wanted = {e.name for e in edits}
    if phones is not None and not phones.matches(phone):
        return [f"{label} would get {c.name} changed too" for c in changes]
    problems = [f"{label} would get {c.name} changed too" for c in changes if c.name not in wanted]
    settings = after(phone)
    for edit in edits:
        problem = _misses(edit, settings.get(edit.name), changed)
        if problem:
            problems.append(f"{label} {problem}")
    return problems


def _misses(edit: SettingEdit, now: Setting | None, changed: Sequence[str]) -> str | None:
    """Why a phone that gets ``now`` does not get what ``edit`` asks, or None."""
    if edit.op == "unset":
        return (
            None
            if now is None or now.file not in changed
            else (f"would still get {edit.name} from {now.file}")
        )
    if edit.op == "set" and (now is None or now.value != edit.value):
        return f"would get {edit.name} {now.value if now else '(none)'}"
    if edit.op == "add" and (now is None or edit.value not in now.value.split(",")):
        return f"would not get {edit.value} in {edit.name}"
    return None


def prove_change(
    old: tuple[SettingsFile, Callable[[str], bytes | None]],
    new: tuple[SettingsFile, Callable[[str], bytes | None]],
    edits: Sequence[SettingEdit],
    phones: Phones | None,
    changed: Sequence[str],
    docs: Iterable[SettingsFile],
) -> tuple[Comparison, list[str]]:
    """What every phone gets differently from ``old`` to ``new`` (each a root file and the
    loader of its chain), and why that is not exactly the change asked for (empty: it is).
    """
    (old_root, old_loader), (new_root, new_loader) = old, new
    effect = compare(old_root, new_root, None, (old_loader, new_loader))
    sides = (settings_through(old_root, old_loader), settings_through(new_root, new_loader))
    problems = effect_problems(
        effect, profiles_of(old_root, new_root), edits, phones, changed, sides, docs
    )
    return effect, problems


def settings_through(root: SettingsFile, loader: Callable[[str], bytes | None]) -> Reader:
    """What each phone gets from ``root`` read through its chain."""
    return lambda phone: evaluate(root, phone, loader).settings


def already_given(
    root: SettingsFile,
    loader: Callable[[str], bytes | None],
    profiles: Mapping[str, Phone],
    edits: Sequence[SettingEdit],
    phones: Phones | None,
) -> bool:
    """Whether every phone named already gets what was asked (through the chain).

    >>> from ipo46xx.format.document import parse
    >>> root = parse(b"SET SNTPSRVR 10.0.0.1\\n")
    >>> edit = SettingEdit("set", "SNTPSRVR", "10.0.0.1")
    >>> already_given(root, lambda name: None, profiles_of(root, root), [edit], None)
    True
    """
    for phone in profiles.values():
        if phones is not None and not phones.matches(phone):
            continue
        settings = evaluate(root, phone, loader).settings
        if any(_misses(edit, settings.get(edit.name), ()) for edit in edits):
            return False
        if any(e.op == "unset" and e.name in settings for e in edits):
            return False
    return True
