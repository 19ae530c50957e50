"""Every phone profile the evaluator knows, and one setting as each of them gets it.

Profiles that take the same path share one evaluation: a path is decided by the ``IF``
lines on it (whether each holds for the phone), the variables in its ``GET`` names and
those replaced inside its values; a profile for which all of these come out the same
walks the same lines and gets the same settings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable

from .document import SettingsFile, parse
from .evaluation import Evaluation, Loader, Phone, Setting, evaluate
from .phonemodels import MODELS
from .statements import Assignment, GetStatement, IfStatement, Statement

__all__ = ["phone_profiles", "profile_name", "setting_per_profile", "settings_per_profile"]


def phone_profiles() -> list[Phone]:
    """One phone per row of the model table (model and signalling), group 0.

    >>> [profile_name(p) for p in phone_profiles()][:2]
    ['1603 H323', '1603 SIP']
    """
    return list(_profiles())


@functools.cache
def _profiles() -> tuple[Phone, ...]:
    # Phones are frozen and the table fixed: a fleet run asks once per file of every site.
    return tuple(Phone.for_model(row) for row in MODELS)


def profile_name(phone: Phone) -> str:
    """``9611 H323``: how reports name a profile."""
    return f"{phone.model4} {phone.sig}"


def settings_per_profile(
    doc: SettingsFile, name: str, loader: Loader | None = None
) -> dict[str, Setting | None]:
    """What each profile gets for setting ``name``, with the file and line that set it.

    >>> from ipo46xx import parse
    >>> doc = parse(b"IF $SIG_IN_USE SEQ SIP GOTO S\\nSET A 1\\n# S\\n")
    >>> sorted({str(s and s.value) for s in settings_per_profile(doc, "A").values()})
    ['1', 'None']
    """
    wanted = name.upper()
    if not _mentions(doc, wanted, follows=loader is not None):
        # Nothing to walk: no line of the file (or of one it reaches) can set it.
        return {profile_name(phone): None for phone in _profiles()}
    documents: dict[str, SettingsFile | None] = {doc.name: doc}

    def remembered(file: str) -> SettingsFile | None:
        if file not in documents:
            content = loader(file) if loader is not None else None
            if isinstance(content, bytes):
                content = parse(content, name=file)
            documents[file] = content
        return documents[file]

    walked: list[tuple[list[Statement], tuple[Hashable, ...], Evaluation]] = []
    found: dict[str, Setting | None] = {}
    for phone in phone_profiles():
        for deciding, key, shared in walked:
            if _key(phone, deciding) == key:
                evaluation = shared
                break
        else:
            evaluation = evaluate(doc, phone, remembered if loader is not None else None)
            deciding = _deciding(evaluation, documents)
            walked.append((deciding, _key(phone, deciding), evaluation))
        found[profile_name(phone)] = evaluation.settings.get(wanted)
    return found


def _mentions(doc: SettingsFile, name: str, *, follows: bool) -> bool:
    """Whether a line of ``doc`` sets ``name``, or (``follows``) hands phones to a file
    that may."""
    for statement in doc.statements():
        if isinstance(statement, Assignment) and statement.name.upper() == name:
            return True
        if follows and isinstance(statement, GetStatement):
            return True
    return False


_VARIABLE = re.compile(r"\$([A-Za-z0-9_]+)")


def _deciding(evaluation: Evaluation, documents: dict[str, SettingsFile | None]) -> list[Statement]:
    """The statements on the path whose outcome depends on the phone."""
    deciding: list[Statement] = []
    for step in dict.fromkeys(evaluation.trace):
        doc = documents.get(step.file)
        statement = doc.line(step.line).statement if doc is not None else None
        if isinstance(statement, IfStatement) or (
            isinstance(statement, (GetStatement, Assignment)) and "$" in _text(statement)
        ):
            deciding.append(statement)
    return deciding


def _text(statement: Statement) -> str:
    """The text of a statement in which a phone's variables are replaced."""
    if isinstance(statement, GetStatement):
        return statement.filename
    return statement.value if isinstance(statement, Assignment) else ""


def _key(phone: Phone, deciding: list[Statement]) -> tuple[Hashable, ...]:
    """What ``phone`` makes of each statement of ``deciding``."""
    key: list[Hashable] = []
    for statement in deciding:
        if isinstance(statement, IfStatement):
            actual = phone.variable(statement.variable)
            key.append(None if actual is None else phone.matches(actual, statement.operand))
        else:
            key.extend(phone.variable(v) for v in _VARIABLE.findall(_text(statement)))
    return tuple(key)


def setting_per_profile(
    doc: SettingsFile, name: str, loader: Loader | None = None
) -> dict[str, str | None]:
    """The value of setting ``name`` for each profile (``None``: not set).

    >>> from ipo46xx import parse
    >>> setting_per_profile(parse(b"SET TLSPORT 411"), "TLSPORT")["9611 H323"]
    '411'
    """
    return {
        profile: None if setting is None else setting.value
        for profile, setting in settings_per_profile(doc, name, loader).items()
    }
