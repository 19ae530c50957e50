"""What one phone actually gets from a settings file: walk it the way a phone does.

Semantics (Avaya administration guides, "Contents of the settings file"):

* ``SET NAME value`` sets a value (a bare ``SET NAME`` sets it empty); ``ADD NAME value``
  appends to a comma-separated list.
* ``IF $VAR SEQ value GOTO TAG`` jumps when the phone's variable equals ``value``:
  exactly on 96x1 (R6 and later), J100 and K100 phones, ignoring case on 96x0 and 16xx
  phones, as each family's guide says.  A variable the phone does not have makes the
  line a no-op.
* ``GOTO TAG`` continues after the line ``# TAG`` (the first one, if there are
  several); a tag that does not exist ends processing.
* ``GET file`` continues in that file and never comes back; when the file cannot be
  had, processing continues after the ``GET``.  The phone's variables in the file name
  are replaced first (``GET $MACADDR.txt``); a variable the profile lacks makes the file
  one that cannot be had here.
* ``$MACADDR`` and ``$SERIALNO`` inside values are shown replaced by the phone's own
  values (Avaya's template), with the value as written kept beside it.

Variables are fixed for the whole walk, so a jump taken twice is a loop that never
ends; it is reported instead of hanging.  The profile's ``sig`` fills both ``$SIG``
(``1`` for H.323, ``2`` for SIP, as the phones' SIG parameter) and ``$SIG_IN_USE``
(``H323`` or ``SIP``; ``sig_in_use`` sets it apart, for a phone running another
protocol than configured); any variable can be given or overridden by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from ..errors import InputError
from .document import SettingsFile, parse
from .phonemodels import MODEL_FAMILIES, Model, find_model
from .statements import (
    AddStatement,
    GetStatement,
    GotoStatement,
    IfStatement,
    Malformed,
    SetStatement,
    Statement,
)
from .variables import VARIABLES, phone_macaddr

__all__ = [
    "MODEL_FAMILIES",
    "Evaluation",
    "Finding",
    "Loader",
    "Phone",
    "Setting",
    "evaluate",
    "substitute",
]

Loader = Callable[[str], "bytes | SettingsFile | None"]
"""Given a file name from a ``GET``, its content, or ``None`` when it cannot be had."""

_SIG_NUMBER = {"H323": "1", "SIP": "2"}


def _sig(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.upper().replace(".", "").replace("-", "")
    if text not in _SIG_NUMBER:
        raise InputError(f"signalling {value!r} is not known; use H323 or SIP")
    return text


def _macaddr(value: str | None) -> str | None:
    return None if value is None else phone_macaddr(value)


@attrs.frozen
class Phone:
    """One phone profile: the values its ``$VARIABLES`` have.

    >>> Phone("9611", sig="H323").variable("$SIG_IN_USE")
    'H323'
    """

    model4: str
    model: str | None = None
    group: int | str = 0
    sig: str | None = attrs.field(default=None, converter=_sig)
    macaddr: str | None = attrs.field(default=None, converter=_macaddr)
    sig_in_use: str | None = attrs.field(default=None, converter=_sig)
    variables: Mapping[str, str] = attrs.field(factory=dict)
    serialno: str | None = None
    seq_ignores_case: bool | None = None

    @classmethod
    def for_model(cls, row: Model, **given: Any) -> Phone:
        """The phone of one row of the model table, reporting what that phone reports.

        >>> from ipo46xx.format.phonemodels import find_model
        >>> Phone.for_model(find_model("9620", "H323")).variable("$MODEL")
        '9620D01A'
        """
        fields: dict[str, Any] = {"model": row.model, "sig": row.sig}
        fields.update((k, v) for k, v in given.items() if v is not None)
        return cls(row.model4, seq_ignores_case=row.seq_ignores_case, **fields)

    @property
    def ignores_case(self) -> bool:
        """Whether this phone's ``SEQ`` ignores case: as given, else as its family's guide."""
        if self.seq_ignores_case is not None:
            return self.seq_ignores_case
        row = find_model(self.model4)
        return row is not None and row.seq_ignores_case

    def matches(self, actual: str, operand: str) -> bool:
        """Whether ``IF ... SEQ operand`` holds for a variable whose value is ``actual``."""
        if actual == operand:
            return True
        return self.ignores_case and actual.casefold() == operand.casefold()

    def variable(self, name: str) -> str | None:
        """The value of ``$NAME`` for this phone, or ``None`` when it has none."""
        key = name.lstrip("$").upper()
        for given, value in self.variables.items():
            if given.lstrip("$").upper() == key:
                # Phones write their MAC address one way, whatever the operator typed.
                return phone_macaddr(value) if key == "MACADDR" else value
        # An if-chain, not a dict: walks ask this on every IF line, for every profile.
        if key == "MODEL4":
            return self.model4
        if key == "SIG_IN_USE":
            return self.sig_in_use or self.sig
        if key == "MODEL":
            return self.model
        if key == "GROUP":
            return str(self.group)
        if key == "SIG":
            return _SIG_NUMBER.get(self.sig or "")
        if key == "MACADDR":
            return self.macaddr
        return self.serialno if key == "SERIALNO" else None

    def describe(self) -> dict[str, str]:
        """The profile as plain strings, for reports."""
        shown = {"model4": self.model4, "group": str(self.group)}
        for key in ("model", "sig", "sig_in_use", "macaddr", "serialno"):
            value = getattr(self, key)
            if value is not None:
                shown[key] = value
        shown.update({k.lstrip("$").upper(): v for k, v in self.variables.items()})
        return shown


@attrs.frozen
class Setting:
    """An effective value and the file and line that set it last.

    ``value`` is what the phone uses: ``$MACADDR`` and ``$SERIALNO`` in it replaced by the
    phone's own values when the profile has them.  ``written`` is the value as the file
    wrote it, which differs only when something was replaced.
    """

    value: str
    file: str
    line: int
    written: str | None = None


@attrs.frozen
class Finding:
    """A problem, on a line of a file, with a stable code and a severity."""

    line: int
    severity: str  # "error", "warning" or "info"
    code: str
    message: str
    file: str = ""


@attrs.frozen
class Step:
    """One statement the phone carried out."""

    file: str
    line: int


@attrs.frozen
class Evaluation:
    """Effective settings, the path taken, and what went wrong on the way."""

    phone: Phone
    settings: dict[str, Setting]
    trace: list[Step]
    findings: list[Finding]

    def get(self, name: str) -> str | None:
        """The effective value of ``name``, or ``None`` when nothing set it.

        >>> evaluate(parse("SET A 1"), Phone("9611")).get("A")
        '1'
        """
        setting = self.settings.get(name.upper())
        return None if setting is None else setting.value


_VARIABLE = re.compile(r"\$([A-Za-z0-9_]+)")
# The variables Avaya's template documents as replaced inside values (MYCERTCN, BRURI...).
_IN_VALUES = ("MACADDR", "SERIALNO")


def substitute(
    text: str, phone: Phone, names: Iterable[str] | None = None
) -> tuple[str, list[str]]:
    """``text`` with the phone's ``$VARIABLES`` replaced, and the names it has no value for.

    ``names`` limits the replacement to those variables (all of them when ``None``).

    >>> substitute("$MACADDR.txt", Phone("J179", macaddr="d47856b7122c"))
    ('d47856b7122c.txt', [])
    >>> substitute("$MACADDR.txt", Phone("J179"))
    ('$MACADDR.txt', ['MACADDR'])
    """
    missing: list[str] = []
    wanted = None if names is None else {n.upper() for n in names}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1).upper()
        if wanted is not None and name not in wanted:
            return match.group(0)
        value = phone.variable(name)
        if value is None:
            missing.append(name)
            return match.group(0)
        return value

    return _VARIABLE.sub(replace, text), missing


def evaluate(
    doc: SettingsFile, phone: Phone, loader: Loader | None = None, *, max_steps: int = 1_000_000
) -> Evaluation:
    """Walk ``doc`` as ``phone`` would and return what it ends up with.

    >>> doc = parse("IF $SIG_IN_USE SEQ SIP GOTO S\\nSET TRUSTCERTS a.pem\\nGOTO E\\n"
    ...             "# S\\nSET TRUSTCERTS b.pem\\n# E")
    >>> evaluate(doc, Phone("J179", sig="SIP")).get("TRUSTCERTS")
    'b.pem'
    """
    walk = _Walk(phone, loader)
    walk.run(doc, max_steps)
    return Evaluation(phone, walk.settings, walk.trace, walk.findings)


class _Walk:
    """The state of one phone's walk through one or more files."""

    def __init__(self, phone: Phone, loader: Loader | None) -> None:
        self.phone = phone
        self.loader = loader
        self.settings: dict[str, Setting] = {}
        self.trace: list[Step] = []
        self.findings: list[Finding] = []
        self.name = ""
        self.statements: tuple[Statement, ...] = ()
        self.labels: Mapping[str, int] = {}
        self.index = 0
        self.jumped: set[tuple[str, str]] = set()
        self.loaded: set[str] = set()

    def enter(self, doc: SettingsFile, name: str) -> None:
        statements, self.labels = doc.program
        self.name, self.statements, self.index = name, statements, 0
        self.loaded.add(name)

    def note(self, statement: Statement, severity: str, code: str, message: str) -> None:
        self.findings.append(Finding(statement.line, severity, code, message, self.name))

    def run(self, doc: SettingsFile, max_steps: int) -> None:
        self.enter(doc, doc.name)
        while self.index < len(self.statements):
            statement = self.statements[self.index]
            if len(self.trace) >= max_steps:
                self.note(statement, "error", "too-many-steps", f"stopped after {max_steps} steps")
                return
            self.index += 1
            self.trace.append(Step(self.name, statement.line))
            if not self.carry_out(statement):
                return

    def carry_out(self, statement: Statement) -> bool:
        """Carry out one statement; False when processing ends."""
        if isinstance(statement, SetStatement):
            self.settings[statement.name.upper()] = self.setting(statement.value, statement.line)
        elif isinstance(statement, AddStatement):
            self.add(statement)
        elif isinstance(statement, IfStatement):
            label = self.condition(statement)
            return label is None or self.jump(statement, label)
        elif isinstance(statement, GotoStatement):
            return self.jump(statement, statement.label)
        elif isinstance(statement, GetStatement):
            return self.get(statement)
        elif isinstance(statement, Malformed):
            self.note(
                statement, "error", "malformed", f"phones cannot carry this out: {statement.reason}"
            )
        return True

    def setting(self, written: str, line: int) -> Setting:
        if "$" not in written:
            return Setting(written, self.name, line)
        value, _missing = substitute(written, self.phone, _IN_VALUES)
        return Setting(value, self.name, line, None if value == written else written)

    def add(self, statement: AddStatement) -> None:
        before = self.settings.get(statement.name.upper())
        added = self.setting(statement.value, statement.line)
        value, written = added.value, added.written or added.value
        if before is not None and before.value:
            value = f"{before.value},{value}" if value else before.value
            before_written = before.written or before.value
            written = f"{before_written},{written}" if written else before_written
        self.settings[statement.name.upper()] = Setting(
            value, self.name, statement.line, None if written == value else written
        )

    def condition(self, statement: IfStatement) -> str | None:
        """The label to jump to, or None to go on with the next line."""
        actual = self.phone.variable(statement.variable)
        if statement.operator.upper() != "SEQ":
            self.note(
                statement,
                "warning",
                "unknown-operator",
                f"operator {statement.operator!r} is not SEQ; phones skip this line",
            )
        elif actual is None:
            name = statement.variable.lstrip("$").upper()
            why = (
                f"give it (--var {name}=VALUE) to follow the jump"
                if name in VARIABLES
                else "it is not a variable ipo46xx knows, and phones that lack it skip the line"
            )
            self.note(
                statement,
                "info",
                "unknown-variable",
                f"{statement.variable} has no value for this phone; the line does nothing "
                f"here: {why}",
            )
        elif self.phone.matches(actual, statement.operand):
            return statement.label
        return None

    def jump(self, statement: Statement, label: str) -> bool:
        if label not in self.labels:
            self.note(
                statement,
                "error",
                "undefined-tag",
                f"there is no tag '# {label}'; phones stop reading the file here",
            )
            return False
        if (self.name, label) in self.jumped:
            self.note(
                statement,
                "error",
                "goto-loop",
                f"jumping to {label} again would loop for ever; phones never get past here",
            )
            return False
        self.jumped.add((self.name, label))
        self.index = self.labels[label] + 1
        return True

    def get(self, statement: GetStatement) -> bool:
        # Phones replace variables before they fetch: 'GET $MACADDR.txt' per device.
        filename, missing = substitute(statement.filename, self.phone)
        if missing:
            unset = ", ".join(f"${name}" for name in missing)
            self.note(
                statement,
                "info",
                "get-not-found",
                f"{statement.filename} cannot be had here: {unset} has no value for this "
                "phone (give the phone one to follow it); processing continues",
            )
            return True
        content = self.loader(filename) if self.loader is not None else None
        if content is None:
            self.note(
                statement,
                "info",
                "get-not-found",
                f"{filename} cannot be had here; processing continues",
            )
            return True
        if filename in self.loaded:
            self.note(
                statement,
                "error",
                "get-loop",
                f"GET {filename} loads a file already read; processing ends",
            )
            return False
        if not isinstance(content, SettingsFile):
            content = parse(content, name=filename)
        self.enter(content, filename)
        return True
