"""Per-phone differences between two settings files: what each phone profile gets
differently, and the file and line that decide each value on either side.

A profile is one row of the model table (model and signalling) in one ``$GROUP``.  The
groups compared are ``0`` and every group an ``IF $GROUP SEQ n`` line of either file
names (plus one group no line names, when one of them is ``0``), so that a file that
branches on groups is compared for each branch.  Two profiles whose differences are
identical are reported together.  Only values count: a setting that moved to another
line but kept its value is not a difference.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs

from ..errors import InputError
from .document import SettingsFile
from .evaluation import MODEL_FAMILIES, Loader, Phone, Setting, evaluate
from .phonemodels import MODELS, find_model
from .statements import GetStatement, IfStatement

_VARIABLE = re.compile(r"\$([A-Za-z0-9_]+)")

__all__ = [
    "Comparison",
    "Difference",
    "Phones",
    "SettingChange",
    "compare",
    "profiles_for",
]


def _upper(value: str | None) -> str | None:
    return None if value is None else str(value).strip().upper()


def _family(value: str | None) -> str | None:
    if value is None:
        return None
    for family, _models, _sigs in MODEL_FAMILIES:
        if family.casefold() == value.strip().casefold():
            return family
    known = ", ".join(family for family, _models, _sigs in MODEL_FAMILIES)
    raise InputError(f"family {value} is not known; use one of {known}")


def _group(value: int | str | None) -> str | None:
    return None if value is None else str(value).strip()


@attrs.frozen
class Phones:
    """A selection of phone profiles, with the options of ``ipo46xx eval``: model
    (``$MODEL4``), family (``96x1``, ``J1x9``...), signalling and group.  An option left
    ``None`` selects every value; ``Phones()`` selects every profile.

    >>> Phones(model="9611", sig="H323").matches(Phone("9611", sig="H323"))
    True
    >>> Phones(family="J1x9").describe()
    'family J1x9'
    """

    model: str | None = attrs.field(default=None, converter=_upper)
    family: str | None = attrs.field(default=None, converter=_family)
    sig: str | None = attrs.field(default=None, converter=_upper)
    group: str | None = attrs.field(default=None, converter=_group)

    def __attrs_post_init__(self) -> None:
        if self.model is not None and find_model(self.model) is None:
            known = ", ".join(dict.fromkeys(row.model4 for row in MODELS))
            raise InputError(f"model {self.model} is not known; use one of {known}")
        if self.sig is not None and self.sig.replace(".", "").replace("-", "") not in (
            "H323",
            "SIP",
        ):
            raise InputError(f"signalling {self.sig!r} is not known; use H323 or SIP")
        if self.group is not None and not self.group:
            raise InputError("a group cannot be empty; give its number, e.g. 3")

    def matches(self, phone: Phone) -> bool:
        """Whether ``phone`` is one of the selected profiles."""
        row = find_model(phone.model4, phone.sig)
        sig = None if self.sig is None else self.sig.replace(".", "").replace("-", "")
        return (
            (self.model is None or phone.model4.upper() == self.model)
            and (self.family is None or (row is not None and row.family == self.family))
            and (sig is None or phone.sig == sig)
            and (self.group is None or str(phone.group) == self.group)
        )

    def describe(self) -> str:
        """The selection in words: ``model 9611, H323, group 3`` or ``every phone``."""
        parts = [
            f"model {self.model}" if self.model else "",
            f"family {self.family}" if self.family else "",
            self.sig or "",
            f"group {self.group}" if self.group is not None else "",
        ]
        return ", ".join(p for p in parts if p) or "every phone"


def profile_label(phone: Phone) -> str:
    """``9611 H323``, or ``9611 H323 group 3`` outside group 0."""
    group = str(phone.group)
    return f"{phone.model4} {phone.sig}" + ("" if group == "0" else f" group {group}")


def _named_groups(docs: Iterable[SettingsFile]) -> list[str]:
    named: dict[str, None] = {}
    for doc in docs:
        for statement in doc.statements():
            if isinstance(statement, IfStatement) and statement.variable.upper() == "$GROUP":
                named[statement.operand] = None
    return list(named)


def profiles_for(docs: Iterable[SettingsFile], phones: Phones | None = None) -> list[Phone]:
    """Every profile worth comparing for these files: each model row in group ``0``, in
    each group the files branch on, and in the selection's own group.

    >>> labels = [profile_label(p) for p in profiles_for([], Phones(model="9611", group=3))]
    >>> [label for label in labels if label.startswith("9611")]
    ['9611 H323', '9611 SIP', '9611 H323 group 3', '9611 SIP group 3']
    """
    named = _named_groups(docs)
    if phones is not None and phones.group is not None:
        named.append(phones.group)
    groups = ["0", *sorted(dict.fromkeys(g for g in named if g != "0"), key=_numeric)]
    if "0" in named:
        # Group 0 is itself named: add one group no line names, for "every other group".
        used = set(named)
        groups.append(next(str(n) for n in range(1, len(used) + 2) if str(n) not in used))
    return [Phone.for_model(row, group=group) for group in groups for row in MODELS]


def _numeric(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 30, text)


@attrs.frozen
class SettingChange:
    """One setting that differs for a profile: before and after (``None``: not set), each
    with the file and line that decide it."""

    name: str
    old: Setting | None
    new: Setting | None

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        if self.old is None:
            return "added"
        return "removed" if self.new is None else "changed"


@attrs.frozen
class Difference:
    """The profiles that get exactly the same differences, and those differences."""

    profiles: tuple[str, ...]
    changes: tuple[SettingChange, ...]


@attrs.frozen
class Comparison:
    """The per-phone differences between two files.

    ``by_profile`` maps every profile compared to its changes (empty: nothing differs);
    ``differences`` groups the profiles with identical changes; ``same`` lists the
    profiles that get exactly what they got before.
    """

    by_profile: Mapping[str, tuple[SettingChange, ...]]
    differences: tuple[Difference, ...]
    same: tuple[str, ...]

    @property
    def differs(self) -> bool:
        """True when some phone gets something different."""
        return bool(self.differences)

    def changes(self, profile: str) -> tuple[SettingChange, ...]:
        """What changes for one profile (``9611 H323``)."""
        try:
            return self.by_profile[profile]
        except KeyError:
            raise InputError(f"profile {profile!r} was not compared") from None


def _loaders(loader: object) -> tuple[Loader | None, Loader | None]:
    if isinstance(loader, tuple):
        if len(loader) != 2:
            raise InputError("give one loader, or a pair (old_loader, new_loader)")
        return loader[0], loader[1]
    return loader, loader  # type: ignore[return-value]


def diff_settings(
    old: Mapping[str, Setting], new: Mapping[str, Setting]
) -> tuple[SettingChange, ...]:
    """The settings whose values differ between two evaluations, by name."""
    changes = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if (before is None) != (after is None) or (
            before is not None and after is not None and before.value != after.value
        ):
            changes.append(SettingChange(name, before, after))
    return tuple(changes)


def evaluate_both(
    old: SettingsFile,
    new: SettingsFile,
    profiles: Sequence[Phone],
    loader: Loader | tuple[Loader | None, Loader | None] | None = None,
) -> Iterator[tuple[Phone, dict[str, Setting], dict[str, Setting]]]:
    """Each profile with what it gets from ``old`` and from ``new``."""
    old_loader, new_loader = _loaders(loader)
    old_walk, new_walk = _Memo(old, old_loader), _Memo(new, new_loader)
    for phone in profiles:
        yield phone, old_walk.settings(phone), new_walk.settings(phone)


class _Memo:
    """Walks of one file, shared by profiles that the file cannot tell apart: those that
    report, for every variable an ``IF`` tests, either the same value or no value any of
    its ``IF`` lines names (a 9611 and a 9621 where only ``IF $MODEL4 SEQ 9608`` tests the
    model), and the same value for every variable a ``GET`` name or a value may hold.  Only
    without a loader: a file a GET brings in may read other variables."""

    def __init__(self, doc: SettingsFile, loader: Loader | None) -> None:
        self.doc, self.loader = doc, loader
        self.done: dict[tuple[object, ...], dict[str, Setting]] = {}
        whole = {"MACADDR", "SERIALNO"}  # what values and file names may hold
        self.operands: dict[str, set[str]] = {}
        for statement in doc.program[0]:
            if isinstance(statement, IfStatement):
                name = statement.variable.lstrip("$").upper()
                self.operands.setdefault(name, set()).add(statement.operand)
            elif isinstance(statement, GetStatement):
                whole.update(v.upper() for v in _VARIABLE.findall(statement.filename))
        self.whole = sorted(whole)

    def _seen(self, phone: Phone, name: str) -> object:
        """What the file's ``IF`` lines can make of the phone's ``$name``."""
        value = phone.variable(name)
        if value is None:
            return None
        if any(phone.matches(value, operand) for operand in self.operands[name]):
            return value
        return _NO_MATCH

    def settings(self, phone: Phone) -> dict[str, Setting]:
        if self.loader is not None:
            return evaluate(self.doc, phone, self.loader).settings
        key = (
            phone.ignores_case,
            *(self._seen(phone, name) for name in sorted(self.operands)),
            *(phone.variable(name) for name in self.whole),
        )
        if key not in self.done:
            self.done[key] = evaluate(self.doc, phone).settings
        return self.done[key]


_NO_MATCH = object()  # a value that no IF line of the file names


def compare_profiles(
    old: SettingsFile,
    new: SettingsFile,
    profiles: Sequence[Phone],
    loader: Loader | tuple[Loader | None, Loader | None] | None = None,
) -> Comparison:
    """:func:`compare` for exactly these profiles."""
    by_profile: dict[str, tuple[SettingChange, ...]] = {}
    for phone, before, after in evaluate_both(old, new, profiles, loader):
        by_profile[profile_label(phone)] = diff_settings(before, after)
    grouped: dict[tuple[SettingChange, ...], list[str]] = {}
    for profile, changes in by_profile.items():
        if changes:
            grouped.setdefault(changes, []).append(profile)
    return Comparison(
        by_profile,
        tuple(Difference(tuple(names), changes) for changes, names in grouped.items()),
        tuple(p for p, changes in by_profile.items() if not changes),
    )


def compare(
    old: SettingsFile,
    new: SettingsFile,
    phones: Phones | None = None,
    loader: Loader | tuple[Loader | None, Loader | None] | None = None,
) -> Comparison:
    """What changes, phone profile by phone profile, from ``old`` to ``new``.

    ``phones`` narrows the profiles (``None``: every one).  ``loader`` fetches the files a
    ``GET`` names, so that each side is read through its chain as phones read it: one
    loader serves both sides; a pair ``(old_loader, new_loader)`` gives each side its own
    (a card before and after a change).  Without one, a ``GET`` finds nothing.

    >>> from ipo46xx import parse
    >>> old = parse("IF $MODEL4 SEQ 9611 GOTO A\\nSET X 1\\n# A\\n")
    >>> new = parse("IF $MODEL4 SEQ 9611 GOTO A\\nSET X 2\\n# A\\n")
    >>> result = compare(old, new, Phones(family="96x1"))
    >>> [(d.profiles, d.changes[0].new.value) for d in result.differences]
    [(('9608 H323', '9608 SIP', '9621 H323', '9621 SIP', '9641 H323', '9641 SIP'), '2')]
    """
    chosen = [
        phone
        for phone in profiles_for((old, new), phones)
        if phones is None or phones.matches(phone)
    ]
    if not chosen:
        raise InputError(f"no phone profile matches {phones.describe() if phones else ''}")
    return compare_profiles(old, new, chosen, loader)
