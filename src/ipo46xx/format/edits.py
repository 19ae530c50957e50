"""Edits of any setting for exactly the phones named, proved with :func:`compare`.

``set_setting``, ``unset_setting`` and ``add_setting`` place their lines the way a careful
administrator would: the value changed in place when the line that decides it serves
exactly the phones named; otherwise a ``SET`` (or ``ADD``) right after the line that
decides it today, or before the ``GET`` or end where those phones leave the file; and
where other phones pass that place too, a small labelled ``IF ... GOTO`` block in the
file's own keyword case and line endings.  ``unset`` comments a line out (``## SET ...``)
when only the phones named read it, and otherwise lets them jump over it.

Before an edit returns it compares the new file with the old one, profile by profile,
twice: once as if every ``GET`` found its file (the phone leaves there), once as if none
did (the phone reads on).  Each selected profile must get the value asked for (for
``unset``: no value from this file) and nothing else that differs; every other profile
must get exactly what it got before.  Otherwise :class:`~ipo46xx.errors.PlacementError`
names the line and the profiles in the way, and nothing is changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..errors import InputError, PlacementError
from .compare import Phones, diff_settings, evaluate_both, profile_label, profiles_for
from .document import Edit, SettingsFile
from .evaluation import Loader, Phone, Setting
from .placement import (
    Style,
    Walks,
    apply,
    conditions,
    handed_away,
    names,
    old_line,
    render,
    run_block,
    skip_block,
)
from .statements import Assignment, GetStatement, SetStatement
from .trustlist import MAX_VALUE_LENGTH, validate_name

__all__ = [
    "ADD_SETTINGS",
    "MAX_NAME_LENGTH",
    "add_setting",
    "check_value",
    "set_setting",
    "unset_setting",
]

MAX_NAME_LENGTH = 30
"""The longest parameter name (Avaya administration guides)."""

ADD_SETTINGS = frozenset({"TRUSTCERTS"})
"""The settings ``ADD`` is known to append to (J100 guide; see docs/format.md)."""

_NAME = re.compile(r"[A-Za-z0-9_]+\Z")
_CURLY = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
Expect = Callable[["Setting | None"], "str | None"]


def check_value(name: str, value: str) -> tuple[str, str]:
    """``(NAME, value)`` when phones take them as written, else an :class:`InputError` that
    says why, as the linter would.

    >>> check_value("sntpsrvr", "10.0.0.1")
    ('SNTPSRVR', '10.0.0.1')
    """
    upper = check_name(name)
    if not isinstance(value, str):
        raise InputError(f"the value of {upper} must be text, not {type(value).__name__}")
    if "\r" in value or "\n" in value:
        raise InputError(f"the value of {upper} cannot contain a line break")
    if re.fullmatch(r'"[^"]*"(?:,"[^"]*")+', value):
        items = ",".join(re.findall(r'"([^"]*)"', value))
        raise InputError(
            f"{upper} is written as quoted items; a phone that follows the guides reads only "
            f'the first: give the list as one value, "{items}"'
        )
    if '"' in value:
        raise InputError(
            f"the value of {upper} contains a double quote, which phones take as the end of "
            "the value; give the value without quotes (ipo46xx adds them when needed)"
        )
    if any(c in _CURLY for c in value):
        raise InputError(
            f"the value of {upper} contains typographic quotes, which phones take literally"
        )
    if not value.isprintable() and any(c not in "\t" for c in value if not c.isprintable()):
        raise InputError(f"the value of {upper} contains control characters")
    if len(value) > MAX_VALUE_LENGTH:
        raise InputError(
            f"the value of {upper} is {len(value)} characters long; most phones take at most "
            f"{MAX_VALUE_LENGTH}"
        )
    if upper == "TRUSTCERTS" and value:
        for entry in value.split(","):
            validate_name(entry)
    return upper, value


def check_name(name: str) -> str:
    """``name`` in upper case when it can be a parameter name, else an :class:`InputError`."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            f"{name!r} is not a setting name; names are letters, digits and _, e.g. SNTPSRVR"
        )
    if len(name) > MAX_NAME_LENGTH:
        raise InputError(
            f"{name} is {len(name)} characters long; names are at most {MAX_NAME_LENGTH}"
        )
    return name.upper()


def set_setting(doc: SettingsFile, name: str, value: str, phones: Phones | None = None) -> Edit:
    """The selected phones get ``SET NAME value`` from this file; no other phone's settings
    change.  ``phones=None`` means every profile.

    >>> from ipo46xx import parse
    >>> doc = parse("IF $MODEL4 SEQ 9611 GOTO S\\nGOTO E\\n# S\\nSET TLSSRVRID 0\\n# E\\n")
    >>> set_setting(doc, "TLSSRVRID", "1", Phones(model="9611")).changes[0].new
    'SET TLSSRVRID 1'
    """
    upper, value = check_value(name, value)
    return _place(doc, upper, value, phones, "SET", lambda _before: value)


def add_setting(doc: SettingsFile, name: str, value: str, phones: Phones | None = None) -> Edit:
    """The selected phones get ``value`` appended to their list (``ADD NAME value``, newer
    J100 firmware); only for the settings in :data:`ADD_SETTINGS`.

    >>> from ipo46xx import parse
    >>> edit = add_setting(parse("SET TRUSTCERTS a.pem\\n"), "TRUSTCERTS", "b.pem")
    >>> edit.document.to_text()
    'SET TRUSTCERTS a.pem\\nADD TRUSTCERTS b.pem\\n'
    """
    upper, value = check_value(name, value)
    if upper not in ADD_SETTINGS:
        raise InputError(
            f"ADD is documented only for {', '.join(sorted(ADD_SETTINGS))}; use set for {upper}"
        )
    if not value:
        raise InputError(f"ADD {upper} needs a value to append")

    def appended(before: Setting | None) -> str:
        return f"{before.value},{value}" if before is not None and before.value else value

    return _place(doc, upper, value, phones, "ADD", appended)


def unset_setting(doc: SettingsFile, name: str, phones: Phones | None = None) -> Edit:
    """The selected phones get no value for ``name`` from this file (they fall back to the
    default, or to what another file gives); no other phone's settings change.

    >>> from ipo46xx import parse
    >>> unset_setting(parse("SET SNTPSRVR 10.0.0.1\\n"), "SNTPSRVR").document.to_text()
    '## SET SNTPSRVR 10.0.0.1\\n'
    """
    upper = check_name(name)
    profiles, selected = _profiles(doc, phones)
    walks = Walks.of(doc, profiles)
    style = Style.of(doc)
    by_label = {profile_label(p): p for p in profiles}
    lines = sorted(
        {
            s.line
            for s in doc.statements()
            if isinstance(s, Assignment)
            and s.name.upper() == upper
            and walks.executors(s.line) & selected
        }
    )
    replace: dict[int, str] = {}
    inserts: dict[int, list[str]] = {}
    taken: set[str] = set()
    for line in lines:
        executors = walks.executors(line)
        if executors <= selected:
            replace[line] = "## " + doc.line(line).text
            continue
        levels = _levels(doc, line, by_label, executors, executors & selected, selected, upper)
        before, tag = skip_block(style, levels, f"SKIP_{upper}", taken)
        inserts.setdefault(line - 1, []).extend(before)
        inserts.setdefault(line, []).append(tag)
    edit = apply(doc, replace, inserts)
    _prove(doc, edit, upper, profiles, selected, lambda _before: None, "unset", phones)
    return edit


def _profiles(doc: SettingsFile, phones: Phones | None) -> tuple[list[Phone], set[str]]:
    if phones is not None and not isinstance(phones, Phones):
        raise InputError(
            f"phones must be a Phones selection, e.g. Phones(model='9611'), not "
            f"{type(phones).__name__}"
        )
    profiles = profiles_for([doc], phones)
    selected = {profile_label(p) for p in profiles if phones is None or phones.matches(p)}
    if not selected:
        raise InputError(f"no phone profile matches {phones.describe() if phones else ''}")
    return profiles, selected


def _levels(
    doc: SettingsFile,
    line: int,
    by_label: dict[str, Phone],
    passing: set[str],
    targets: set[str],
    allowed: set[str],
    name: str,
) -> list[tuple[str, list[str]]]:
    try:
        return conditions(by_label, passing, targets, allowed)
    except PlacementError:
        raise PlacementError(
            f"{doc.name} line {line}: {name} is read there by {names(targets)} and by "
            f"{names(passing - allowed)}, which no IF can tell apart; nothing was changed"
        ) from None


def _place(
    doc: SettingsFile,
    name: str,
    value: str,
    phones: Phones | None,
    verb: str,
    expect: Expect,
) -> Edit:
    profiles, selected = _profiles(doc, phones)
    walks = Walks.of(doc, profiles)
    style = Style.of(doc)
    by_label = {profile_label(p): p for p in profiles}
    todo = {
        label
        for label in selected
        if verb == "ADD" or _value(walks.results[label].settings.get(name)) != expect(None)
    }
    replace: dict[int, str] = {}
    inserts: dict[int, list[str]] = {}
    taken: set[str] = set()
    points: dict[int, tuple[set[str], set[str]]] = {}  # after line: (passing, targets)
    for label in sorted(todo):
        line = walks.deciding(label, name)
        statement = None if line is None else doc.line(line).statement
        if (
            verb == "SET"
            and line is not None
            and isinstance(statement, SetStatement)
            and {lb for lb in by_label if walks.deciding(lb, name) == line} <= selected
        ):
            replace[line] = _in_place(doc, statement, value)
            continue
        if line is not None and not isinstance(statement, GetStatement):
            after, passing = line, walks.executors(line)
        else:
            after, passing = walks.end(label)
        points.setdefault(after, (passing, set()))[1].add(label)
    keyword = style.set_ if verb == "SET" else style.add
    written = f"{keyword} {name} {render(value)}"
    for after, (passing, targets) in sorted(points.items()):
        if passing <= selected:
            inserts.setdefault(after, []).append(written)
            continue
        levels = _levels(doc, after + 1, by_label, passing, targets, selected, name)
        inserts.setdefault(after, []).extend(
            run_block(style, levels, written, f"{verb}_{name}", taken)
        )
    edit = apply(doc, replace, inserts)
    _prove(doc, edit, name, profiles, selected, expect, verb.lower(), phones)
    return edit


def _value(setting: Setting | None) -> str | None:
    return None if setting is None else setting.value


def _in_place(doc: SettingsFile, statement: SetStatement, value: str) -> str:
    """The line with its value replaced; its keyword, name, spacing, quoting and any text
    after the value kept."""
    text = doc.line(statement.line).text
    start, end = statement.value_span
    rendered = render(value, quoted=statement.quoted)
    if not statement.has_value:
        return text[:start] + " " + rendered + text[start:]
    return text[:start] + rendered + text[end:]


def _prove(
    old: SettingsFile,
    edit: Edit,
    name: str,
    profiles: list[Phone],
    selected: set[str],
    expect: Expect,
    verb: str,
    phones: Phones | None,
) -> None:
    """Raise :class:`PlacementError` unless the edit does exactly what was asked."""
    new = edit.document
    views: tuple[tuple[str, Loader | None], ...] = (
        ("every GET finds its file", handed_away),
        ("no GET finds its file", None),
    )
    for view, loader in views:
        wrong: dict[str, list[str]] = {}
        for phone, before, after in evaluate_both(old, new, profiles, loader):
            label = profile_label(phone)
            changes = diff_settings(before, after)
            if label in selected:
                bad = [c for c in changes if c.name != name]
                got, wanted = _value(after.get(name)), expect(before.get(name))
                if got != wanted:
                    setting = after.get(name)
                    where = _where(old, edit, setting)
                    wrong.setdefault(f"would get {name} {_shown(got)}{where}", []).append(label)
            else:
                bad = list(changes)
            for change in bad:
                where = _where(old, edit, change.new or change.old)
                what = f"would get {change.name} {_shown(_value(change.new))}{where}"
                wrong.setdefault(what, []).append(label)
        if wrong:
            detail = "; ".join(f"{names(labels)} {what}" for what, labels in wrong.items())
            gets = [f"line {s.line}" for s in old.statements() if isinstance(s, GetStatement)]
            if loader is None and gets:
                detail += (
                    f"; a GET ({', '.join(gets)}) hands the phones to another file before that "
                    "when its file is there, so no line of this file can serve both cases: "
                    "move the line above the GET"
                )
            asked = phones.describe() if phones else "every phone"
            raise PlacementError(
                f"{old.name}: no placement can {verb} {name} for {asked} and leave every other "
                f"phone as it was (read as if {view}): {detail}; nothing was changed"
            )


def _shown(value: str | None) -> str:
    return "no value" if value is None else f'"{value}"'


def _where(old: SettingsFile, edit: Edit, setting: Setting | None) -> str:
    if setting is None or setting.file != edit.document.name:
        return ""
    number = old_line(edit, setting.line)
    if number is None:
        return " (from the lines this edit adds)"
    return f" (line {number}: {old.line(number).text.strip()})"
