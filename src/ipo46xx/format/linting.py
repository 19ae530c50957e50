"""The mistakes that break settings files, found before the phones find them.

Each :class:`~ipo46xx.format.evaluation.Finding` has a line, a severity (``error``: phones will
misread the file; ``warning``: probably not what was meant; ``info``: style) and one of
these stable codes:

=====================  ========  =========================================================
code                   severity  meaning
=====================  ========  =========================================================
undefined-tag          error     a GOTO or IF names a tag that does not exist
duplicate-tag          warning   a tag that jumps name, defined again; jumps go to the first
tag-trailing-text      info      a jump lands on a tag line with text after the name
unreachable            warning   statements no path through the file can reach
goto-loop              error     jumps that come back to where they started, for ever
value-too-long         error     a value over 255 characters
trustcerts-format      error     TRUSTCERTS entries with blanks, empty entries or quotes
typographic-quotes     error     curly quotes, which phones do not take for quotes
unbalanced-quote       error     an opening quote never closed, or a quote mid-value
quoted-list            error     ``"a","b"``: a list written as quoted items; phones read ``a``
set-equals             error     ``SET NAME=value``, which sets no parameter a phone knows
missing-set            error     a known parameter without ``SET`` (a comment to phones);
                                 a warning when the word only looks like a parameter
utf-16                 error     UTF-16 text, which phones cannot read (the only finding)
template               error     an unrendered template (the only finding, once a file)
byte-order-mark        warning   a UTF-8 byte-order mark before line 1
indented               warning   blanks before a statement, or a tag a jump lands on
never-matches          warning   an IF value no phone ipo46xx knows reports
set-variable           warning   SET of a variable a later IF tests (effect undocumented)
value-on-next-line     warning   a bare SET NAME followed by a line that looks like its value
unquoted-blank         warning   an unquoted value with blanks; phones read its first word
malformed-tag          warning   ``#TAG`` without the space, which phones read as a comment
malformed              error     a keyword line that is not a valid statement
seq-case               warning   an IF value that matches a known model only ignoring case
lowercase-keyword      info      ``set``, ``goto``, ``seq`` written in lower case
=====================  ========  =========================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .conditions import check_conditions
from .document import SettingsFile
from .evaluation import Finding
from .linecheck import check_lines, unreadable
from .statements import (
    AddStatement,
    Assignment,
    GetStatement,
    GotoStatement,
    IfStatement,
    Malformed,
    Statement,
    Tag,
)
from .trustlist import MAX_VALUE_LENGTH

__all__ = ["SEVERITIES", "lint"]

SEVERITIES = ("error", "warning", "info")
_Add = Callable[[int, str, str, str], None]
_CURLY = "\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb"
_TAG_LIKE = re.compile(r"[ \t]*#([A-Za-z0-9_][^ \t#]*)[ \t]*\Z")
_VALUE_LIKE = re.compile(r'[ \t]*"')
_EQUALS = re.compile(r"[ \t]*\S+[ \t]+([^ \t=]+)[ \t]*=[ \t]*(.*?)[ \t]*\Z")
_MORE_ITEMS = re.compile(r'(?:,"[^"]*")+[ \t]*')


def lint(doc: SettingsFile) -> list[Finding]:
    """Every problem found in ``doc``, sorted by line.

    >>> from ipo46xx import parse
    >>> [f.code for f in lint(parse("GOTO NOWHERE\\n"))]
    ['undefined-tag']
    """
    whole = unreadable(doc)
    if whole is not None:
        return [whole]
    findings: list[Finding] = []
    statements = doc.statements()

    def add(line: int, severity: str, code: str, message: str) -> None:
        findings.append(Finding(line, severity, code, message, doc.name))

    labels: dict[str, int] = {}
    jumped = {label for s in statements if (label := _target(s)) is not None}
    for statement in statements:
        if isinstance(statement, Tag):
            if statement.label not in labels:
                labels[statement.label] = statement.line
                if statement.caption and statement.label in jumped:
                    add(
                        statement.line,
                        "info",
                        "tag-trailing-text",
                        f"jumps to {statement.label} land here: phones take the line's first "
                        f"word as the tag and ignore {statement.caption!r} after it",
                    )
            # Headings such as '# Language download and selection' are tags too; a
            # second one matters only when jumps name it and it looks like a target.
            elif statement.label in jumped and not statement.caption:
                add(
                    statement.line,
                    "warning",
                    "duplicate-tag",
                    f"tag {statement.label} is already defined on line "
                    f"{labels[statement.label]}; jumps go to the first one",
                )
    _check_flow(statements, labels, add)
    for statement in statements:
        _check_statement(doc, statement, add)
    check_conditions(statements, add)
    _check_lines(doc, labels, add)
    check_lines(doc, {labels[label] for label in jumped if label in labels}, add)
    findings.sort(key=lambda f: (f.line, f.code))
    return findings


def _target(statement: Statement) -> str | None:
    if isinstance(statement, (IfStatement, GotoStatement)):
        return statement.label
    return None


def _check_flow(statements: list[Statement], labels: dict[str, int], add: _Add) -> None:
    index_of: dict[str, int] = {}
    for index, statement in enumerate(statements):
        if isinstance(statement, Tag):
            index_of.setdefault(statement.label, index)
    # Control-flow graph over statement indexes; len(statements) means "the end".
    edges: list[list[int]] = []
    for index, statement in enumerate(statements):
        label = _target(statement)
        following = [index + 1]
        if label is not None:
            if label not in labels:
                add(
                    statement.line,
                    "error",
                    "undefined-tag",
                    f"there is no tag '# {label}'; phones that jump here stop reading the file",
                )
                jump = len(statements)
            else:
                jump = index_of[label]
            following = [jump] if isinstance(statement, GotoStatement) else [index + 1, jump]
        edges.append(following)
    reachable = _reach(edges, len(statements))
    _report_unreachable(statements, reachable, add)
    _report_loops(statements, edges, reachable, add)


def _reach(edges: list[list[int]], end: int) -> set[int]:
    seen: set[int] = set()
    pending = [0] if end else []
    while pending:
        index = pending.pop()
        if index >= end or index in seen:
            continue
        seen.add(index)
        pending.extend(edges[index])
    return seen


def _report_unreachable(statements: list[Statement], reachable: set[int], add: _Add) -> None:
    start: int | None = None
    for index in range(len(statements) + 1):
        dead = index < len(statements) and index not in reachable
        if dead and start is None:
            start = index
        elif not dead and start is not None:
            # Tags do nothing by themselves: a run of headings nobody reads loses nothing.
            acting = [s for s in statements[start:index] if not isinstance(s, Tag)]
            start = None
            if not acting:
                continue
            first, last = acting[0].line, acting[-1].line
            where = f"line {first}" if first == last else f"lines {first}-{last}"
            add(
                first,
                "warning",
                "unreachable",
                f"no path through the file reaches {where}; phones never read it",
            )


def _report_loops(
    statements: list[Statement], edges: list[list[int]], reachable: set[int], add: _Add
) -> None:
    # Variables never change during a walk, so every cycle a phone enters is endless.
    # Tarjan's algorithm, iteratively: each strongly connected component with a cycle.
    counter = 0
    number: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    end = len(statements)
    for root in sorted(reachable):
        if root in number:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                number[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = [s for s in edges[node] if s < end]
            if child < len(successors):
                work.append((node, child + 1))
                successor = successors[child]
                if successor not in number:
                    work.append((successor, 0))
                elif successor in on_stack:
                    low[node] = min(low[node], number[successor])
                continue
            if low[node] == number[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    lines = sorted(statements[i].line for i in component)
                    jumps = [statements[i] for i in sorted(component) if _target(statements[i])]
                    line = jumps[-1].line if jumps else lines[0]
                    add(
                        line,
                        "error",
                        "goto-loop",
                        f"lines {lines[0]}-{lines[-1]} loop for ever for phones that get here",
                    )
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])


def _check_statement(doc: SettingsFile, statement: Statement, add: _Add) -> None:
    line = statement.line
    if isinstance(statement, Malformed):
        add(line, "error", "malformed", f"phones cannot carry this out: {statement.reason}")
        return
    keyword = statement.keyword
    if keyword != "#" and keyword != keyword.upper():
        add(line, "info", "lowercase-keyword", f"'{keyword}' is written in lower case")
    if isinstance(statement, IfStatement):
        for word in (statement.operator, statement.goto_keyword):
            if word != word.upper():
                add(line, "info", "lowercase-keyword", f"'{word}' is written in lower case")
        if any(c in _CURLY for c in statement.operand):
            add(
                line,
                "error",
                "typographic-quotes",
                "curly quotes in the compared value; phones compare them literally",
            )
    if isinstance(statement, Assignment):
        _check_value(doc, statement, add)
    if isinstance(statement, GetStatement) and any(c in _CURLY for c in statement.filename):
        add(line, "error", "typographic-quotes", "curly quotes in the file name")


def _set_equals(doc: SettingsFile, statement: Assignment, add: _Add) -> bool:
    # 'SET TFTP_SERVER=10.2.248.2' names a parameter 'TFTP_SERVER=10.2.248.2': none.
    if "=" not in statement.name and (statement.quoted or statement.value[:1] != "="):
        return False
    parts = _EQUALS.match(doc.line(statement.line).text)
    fix = ""
    if parts is not None:
        fix = f": write {statement.keyword.upper()} " + " ".join(p for p in parts.groups() if p)
    add(
        statement.line,
        "error",
        "set-equals",
        "phones set no parameter from this line: a blank, not '=', goes between the name "
        f"and the value{fix}",
    )
    return True


def _check_value(doc: SettingsFile, statement: Assignment, add: _Add) -> None:
    line, value, name = statement.line, statement.value, statement.name.upper()
    if _set_equals(doc, statement, add):
        return
    if len(value) > MAX_VALUE_LENGTH:
        add(
            line,
            "error",
            "value-too-long",
            f"{name} is {len(value)} characters long; most phones take at most {MAX_VALUE_LENGTH}",
        )
    text = doc.line(line).text
    start, end = statement.value_span
    written = text[start:end] + statement.trailing
    if any(c in _CURLY for c in written):
        add(
            line,
            "error",
            "typographic-quotes",
            f'curly quotes in the value of {name}; phones only take straight quotes (")',
        )
    if (
        statement.has_value
        and not statement.quoted
        and statement.trailing.strip(" \t")
        and not statement.trailing.lstrip(" \t").startswith("#")
        and not any(c in _CURLY for c in written)
    ):
        meant = (value + statement.trailing).rstrip(" \t")
        add(
            line,
            "warning",
            "unquoted-blank",
            f"phones read {name} as {value!r} and ignore the rest of the line; a value "
            f'with blanks must be quoted: {statement.keyword.upper()} {statement.name} "{meant}"',
        )
    if statement.unterminated:
        add(
            line,
            "error",
            "unbalanced-quote",
            f"the value of {name} opens a quote that is never closed",
        )
    elif not statement.quoted and '"' in value:
        add(line, "error", "unbalanced-quote", f"a quote in the middle of the value of {name}")
    elif statement.quoted and _MORE_ITEMS.fullmatch(statement.trailing):
        items = [value, *re.findall(r'"([^"]*)"', statement.trailing)]
        add(
            line,
            "error",
            "quoted-list",
            f"{name} is written as quoted items; the guides quote a value whole, so phones "
            f"read only {value!r}: "
            f'write {statement.keyword.upper()} {statement.name} "{",".join(items)}"',
        )
    elif statement.quoted and '"' in statement.trailing:
        add(line, "error", "unbalanced-quote", f"a stray quote after the value of {name}")
    if name == "TRUSTCERTS" and value:
        entries = value.split(",")
        problems = []
        if any(not e for e in entries):
            problems.append("an empty entry (two commas, or a comma at an end)")
        if any(c in " \t" for c in value):
            problems.append("blanks (entries are separated by commas only)")
        if '"' in value or "'" in value:
            problems.append("quotes inside the list")
        if problems:
            add(line, "error", "trustcerts-format", "TRUSTCERTS has " + "; ".join(problems))
    if isinstance(statement, AddStatement) and not statement.has_value:
        add(line, "warning", "value-on-next-line", f"ADD {name} has no value")


def _check_lines(doc: SettingsFile, labels: dict[str, int], add: _Add) -> None:
    lines = doc.lines
    for position, line in enumerate(lines):
        statement = line.statement
        if (
            isinstance(statement, Assignment)
            and not statement.has_value
            and position + 1 < len(lines)
            and lines[position + 1].statement is None
            and _VALUE_LIKE.match(lines[position + 1].text)
        ):
            add(
                line.number,
                "warning",
                "value-on-next-line",
                f"{statement.name} has no value, and line {line.number + 1} looks like its "
                "value; phones read that line as a comment, so the setting is empty",
            )
        if statement is None:
            match = _TAG_LIKE.match(line.text)
            if match and match.group(1).upper() not in ("SET", "IF", "GOTO", "GET", "ADD"):
                referenced = " (and a jump names it)" if match.group(1) in _jumped(doc) else ""
                add(
                    line.number,
                    "warning",
                    "malformed-tag",
                    f"'#{match.group(1)}' is a comment to phones{referenced}; a tag needs "
                    f"'# {match.group(1)}' with one space",
                )


def _jumped(doc: SettingsFile) -> set[str]:
    return {label for s in doc.statements() if (label := _target(s)) is not None}
