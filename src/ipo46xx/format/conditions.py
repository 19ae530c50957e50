"""Lint checks of ``IF`` lines: values that match only ignoring case, values no phone
reports, and ``SET`` lines that name a variable a later ``IF`` tests.

What each variable can hold comes from the model table
(:mod:`~ipo46xx.format.phonemodels`) and :mod:`~ipo46xx.format.variables`; docs/format.md
gives the sources.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .phonemodels import MODELS, OTHER_MODEL4
from .statements import IfStatement, SetStatement, Statement
from .variables import VARIABLES, phone_macaddr

__all__ = ["check_conditions"]

_Add = Callable[[int, str, str, str], None]
# What known phones report, per variable, keyed by the case-folded value.
_KNOWN: dict[str, dict[str, str]] = {
    variable: {
        value.casefold(): value for row in MODELS if (value := getattr(row, field)) is not None
    }
    for variable, field in (
        ("$MODEL4", "model4"),
        ("$MODEL", "model"),
        ("$SIG_IN_USE", "sig_in_use"),
    )
}
_IGNORING = sorted({row.family for row in MODELS if row.seq_ignores_case})
_EXACT = sorted({row.family for row in MODELS if not row.seq_ignores_case})
_SIG_VALUES = ("0", "1", "2")  # not set, H.323, SIP
_MAC = re.compile(r"[0-9a-f]{12}\Z")
_OTHER_MODEL4 = re.compile(
    "|".join([*(re.escape(m) for m in OTHER_MODEL4), r"46\d\d"]), re.IGNORECASE
)


def check_conditions(statements: Sequence[Statement], add: _Add) -> None:
    """Report ``seq-case``, ``never-matches`` and ``set-variable`` findings.

    >>> from ipo46xx import parse
    >>> found = []
    >>> check_conditions(parse("IF $SIG SEQ SIP GOTO S").statements(),
    ...                  lambda *finding: found.append(finding[2]))
    >>> found
    ['never-matches']
    """
    tested: dict[str, list[int]] = {}
    for statement in statements:
        if isinstance(statement, IfStatement):
            tested.setdefault(statement.variable.lstrip("$").upper(), []).append(statement.line)
            if statement.operator.upper() == "SEQ":
                _check_seq(statement, add)
    for statement in statements:
        name = statement.name.upper() if isinstance(statement, SetStatement) else ""
        lines = tested.get(name, []) if name in VARIABLES else []
        later = next((line for line in lines if line > statement.line), None)
        if later is not None:
            add(
                statement.line,
                "warning",
                "set-variable",
                f"whether SET {name} changes what IF ${name} on line {later} tests is not "
                f"documented; ipo46xx evaluates that IF with the phone's own ${name}",
            )


def _check_seq(statement: IfStatement, add: _Add) -> None:
    variable, operand, line = statement.variable.upper(), statement.operand, statement.line
    never: str | None = None
    if variable == "$SIG" and operand not in _SIG_VALUES:
        never = (
            "$SIG is a number: 0 (not set), 1 (H.323) or 2 (SIP); to test the protocol by "
            "name use $SIG_IN_USE (H323 or SIP)"
        )
    elif variable == "$MACADDR":
        written = phone_macaddr(operand)
        if not _MAC.match(written):
            never = "phones write $MACADDR as 12 hex digits"
        elif written != operand.lower():
            never = f"phones write $MACADDR in lower case without separators: write {written}"
        elif written != operand:
            _seq_case(statement, written, add)
    elif variable in _KNOWN:
        match = _KNOWN[variable].get(operand.casefold())
        if match is not None and match != operand:
            _seq_case(statement, match, add)
        elif match is None and variable == "$SIG_IN_USE":
            never = "$SIG_IN_USE is H323 or SIP"
        elif match is None and variable == "$MODEL4" and not _OTHER_MODEL4.fullmatch(operand):
            known = ", ".join(sorted(_KNOWN["$MODEL4"].values()))
            never = f"no model ipo46xx knows reports it as $MODEL4 (they report {known})"
    if never is not None:
        add(
            line,
            "warning",
            "never-matches",
            f"{statement.variable} is never {operand!r} for the phones ipo46xx knows: {never}",
        )


def _seq_case(statement: IfStatement, match: str, add: _Add) -> None:
    # The guides disagree on case: the outcome differs per family only for an operand
    # that equals a known value when case is ignored, and not otherwise.
    add(
        statement.line,
        "warning",
        "seq-case",
        f"{statement.operand!r} matches {match} only where SEQ ignores case: "
        f"{', '.join(_IGNORING)} phones take this jump, {', '.join(_EXACT)} phones never do; "
        f"write {match}",
    )
