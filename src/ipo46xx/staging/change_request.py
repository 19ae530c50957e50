"""What a change run is asked: the settings to change (:class:`SettingEdit`), and the record
of that request in the journal, so that a run is recognised when run again and ``verify``
checks the same request on what the IP Office serves.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from ..errors import InputError, StateError
from ..format.compare import Phones
from ..format.document import SettingsFile
from ..format.edits import add_setting, check_name, check_value, set_setting, unset_setting
from .journal import Journal

__all__ = ["SettingEdit", "recorded_request", "request_of"]

_OPS = ("set", "add", "unset")


@attrs.frozen
class SettingEdit:
    """One setting to change: ``set`` it to ``value``, ``add`` ``value`` to its list, or
    ``unset`` it.

    >>> SettingEdit.parse("sntpsrvr=10.0.0.1").describe()
    'SET SNTPSRVR 10.0.0.1'
    """

    op: str = attrs.field(validator=attrs.validators.in_(_OPS))
    name: str
    value: str = ""

    @classmethod
    def parse(cls, text: str, op: str = "set") -> SettingEdit:
        """``NAME=VALUE`` (for ``set`` and ``add``) or ``NAME`` (for ``unset``), checked as the
        linter checks a line, so that a bad value is refused before anything is fetched."""
        if op == "unset":
            return cls(op, check_name(text.strip()))
        name, sep, value = text.partition("=")
        if not sep:
            raise InputError(f"--{op} {text!r}: give NAME=VALUE, e.g. --{op} SNTPSRVR=10.0.0.1")
        upper, value = check_value(name.strip(), value)
        return cls(op, upper, value)

    def apply(self, doc: SettingsFile, phones: Phones | None) -> SettingsFile:
        """``doc`` with this edit for the phones named; raises when no placement can."""
        if self.op == "set":
            return set_setting(doc, self.name, self.value, phones).document
        if self.op == "add":
            return add_setting(doc, self.name, self.value, phones).document
        return unset_setting(doc, self.name, phones).document

    def describe(self) -> str:
        """The edit as a file would say it."""
        if self.op == "unset":
            return f"unset {self.name}"
        return f"{self.op.upper()} {self.name} {self.value}".rstrip()


def request_of(edits: Sequence[SettingEdit], phones: Phones | None) -> dict[str, object]:
    """What a change run records of its request: to recognise it when run again, and for
    ``verify`` to check it on what the IP Office serves."""
    return {
        "edits": [[e.op, e.name, e.value] for e in edits],
        "phones": None if phones is None else attrs.asdict(phones),
    }


def recorded_request(journal: Journal) -> tuple[list[SettingEdit], Phones | None]:
    """The edits and the phones a change run recorded."""
    request = journal.data.get("request") or {}
    try:
        edits = [
            SettingEdit(str(op), str(name), str(value)) for op, name, value in request["edits"]
        ]
        phones = request.get("phones")
        return edits, None if phones is None else Phones(**phones)
    except (KeyError, TypeError, ValueError, InputError) as exc:
        raise StateError(
            f"the journal in {journal.folder} does not record which change was asked ({exc}); "
            "run rollback, then change again"
        ) from None
