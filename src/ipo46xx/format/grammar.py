"""The syntax of one line of a settings file: the single source of truth.

Phones act on lines that begin with ``SET``, ``ADD``, ``IF``, ``GOTO``, ``GET`` or
``# `` (a tag: its first word is the name, whatever follows is text for people); every
other line is a comment (Avaya's administration guides).  The
grammar is a pyparsing :data:`LINE`, a ``MatchFirst`` of one ``Regex`` element per
statement, each built from the named token patterns below.

Decisions that go beyond the guides, each on the side of safety:

* Keywords match in any case (``set``, ``goto``).  A phone that honours a lower-case
  ``set trustcerts`` must see it blanked too; the linter flags the spelling.
* Blanks (spaces or tabs) may stand before the keyword or the ``#`` of a tag, for the
  same reason: the guides say a statement *begins* the line and do not say whether
  phones skip blanks first (unknown); the linter flags the indentation (``indented``).
* A line that starts with a keyword but does not fit the statement becomes
  :class:`~ipo46xx.format.statements.Malformed`, never a comment: phones try to act on it.

Speed: pyparsing's ``parse_string`` costs several microseconds a line, mostly in
building ``ParseResults``.  :func:`parse_line` therefore applies the very same
compiled patterns that the ``Regex`` elements hold (``element.re``) and feeds the same
builder functions the parse actions use.  The tests check that :func:`parse_line` and
``LINE.parse_string`` agree on every fixture line and on generated lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pyparsing as pp

from .statements import (
    AddStatement,
    Assignment,
    GetStatement,
    GotoStatement,
    IfStatement,
    Malformed,
    SetStatement,
    Statement,
    Tag,
)

__all__ = [
    "KEYWORDS",
    "LINE",
    "STATEMENT_ELEMENTS",
    "parse_line",
]

# Token patterns.  Blanks are spaces and tabs; nothing in a line is ever \r or \n.
_BLANKS = r"[ \t]+"
_INDENT = r"[ \t]*"
_WORD = r"[^ \t]+"
_VALUE = r'"[^"]*"?|[^ \t]+'  # quoted (maybe never closed), or one blank-free word
_OPERAND = r'"[^"]*"|[^ \t]+'
_TRAILING = r"(?P<trailing>.*)\Z"

KEYWORDS = ("SET", "ADD", "IF", "GOTO", "GET")
"""The words that make a line a statement when they begin it (in any case)."""


def _keyword(word: str, group: str = "keyword") -> str:
    return rf"(?P<{group}>(?i:{word}))(?=[ \t]|\Z)"


_ASSIGNMENT = rf"{_BLANKS}(?P<name>{_WORD})(?:{_BLANKS}(?P<value>{_VALUE}))?{_TRAILING}"
_PATTERNS: dict[str, str] = {
    "SET": _INDENT + _keyword("SET") + _ASSIGNMENT,
    "ADD": _INDENT + _keyword("ADD") + _ASSIGNMENT,
    "IF": (
        _INDENT
        + _keyword("IF")
        + rf"{_BLANKS}(?P<variable>\$[^ \t]+){_BLANKS}(?P<operator>{_WORD})"
        + rf"{_BLANKS}(?P<operand>{_OPERAND}){_BLANKS}"
        + _keyword("GOTO", "goto")
        + rf"{_BLANKS}(?P<label>{_WORD}){_TRAILING}"
    ),
    "GOTO": _INDENT + _keyword("GOTO") + rf"{_BLANKS}(?P<label>{_WORD}){_TRAILING}",
    "GET": _INDENT + _keyword("GET") + rf"{_BLANKS}(?P<filename>{_WORD}){_TRAILING}",
    # Exactly '#', one space, a name without blanks; whatever follows is not part of
    # the name (Avaya's template writes '# SETTINGS3631   ##' as a jump target).
    "TAG": _INDENT + r"(?P<keyword>#) (?P<label>[^ \t]+)" + _TRAILING,
}

_REASONS = {
    "SET": "SET needs a name: SET NAME value",
    "ADD": "ADD needs a name: ADD NAME value",
    "IF": "IF needs the form: IF $VARIABLE SEQ value GOTO TAG",
    "GOTO": "GOTO needs a tag: GOTO TAG",
    "GET": "GET needs a file name: GET filename",
}

Groups = Mapping[str, "str | None"]


def _assignment(cls: type[Assignment], groups: Groups, text: str, line: int) -> Assignment:
    # Hot path: plain indexing and positional arguments, no helper calls.  The value runs
    # up to the trailing text, and the trailing text to the end of the line.
    raw = groups["value"]
    start = len(text) - len(groups["trailing"] or "") - len(raw or "")
    if raw is None:
        return cls(
            line,
            groups["keyword"] or "",
            groups["name"] or "",
            "",
            False,
            False,
            False,
            (start, start),
            groups["trailing"] or "",
        )
    if raw[:1] == '"':
        unterminated = len(raw) == 1 or raw[-1] != '"'
        value = raw[1:] if unterminated else raw[1:-1]
        quoted = True
    else:
        value, quoted, unterminated = raw, False, False
    return cls(
        line,
        groups["keyword"] or "",
        groups["name"] or "",
        value,
        quoted,
        True,
        unterminated,
        (start, start + len(raw)),
        groups["trailing"] or "",
    )


def _build_set(groups: Groups, text: str, line: int) -> Statement:
    return _assignment(SetStatement, groups, text, line)


def _build_add(groups: Groups, text: str, line: int) -> Statement:
    return _assignment(AddStatement, groups, text, line)


def _build_if(groups: Groups, text: str, line: int) -> Statement:
    operand = groups["operand"] or ""
    quoted = len(operand) >= 2 and operand[0] == '"' and operand[-1] == '"'
    return IfStatement(
        line,
        groups["keyword"] or "",
        groups["variable"] or "",
        groups["operator"] or "",
        operand[1:-1] if quoted else operand,
        quoted,
        groups["goto"] or "",
        groups["label"] or "",
        groups["trailing"] or "",
    )


def _build_goto(groups: Groups, text: str, line: int) -> Statement:
    return GotoStatement(
        line, groups["keyword"] or "", groups["label"] or "", groups["trailing"] or ""
    )


def _build_get(groups: Groups, text: str, line: int) -> Statement:
    return GetStatement(
        line, groups["keyword"] or "", groups["filename"] or "", groups["trailing"] or ""
    )


def _build_tag(groups: Groups, text: str, line: int) -> Statement:
    trailing = groups["trailing"] or ""
    return Tag(line, "#", groups["label"] or "", trailing, trailing.strip(" \t"))


_BUILDERS: dict[str, Callable[[Groups, str, int], Statement]] = {
    "SET": _build_set,
    "ADD": _build_add,
    "IF": _build_if,
    "GOTO": _build_goto,
    "GET": _build_get,
    "TAG": _build_tag,
}


def _element(kind: str) -> pp.Regex:
    build = _BUILDERS[kind]
    element = pp.Regex(_PATTERNS[kind], flags=re.DOTALL)
    element.leave_whitespace()
    element.set_name(f"{kind} statement" if kind != "TAG" else "tag")
    element.set_parse_action(lambda tokens: build(tokens.as_dict(), tokens[0], 1))
    return element


STATEMENT_ELEMENTS: dict[str, pp.Regex] = {kind: _element(kind) for kind in _PATTERNS}
"""One pyparsing element per statement kind, keyed ``SET``, ``ADD``, ``IF``, ``GOTO``,
``GET`` and ``TAG``; each parse action yields the statement (numbered line 1)."""

# Blanks may stand before a tag as before a keyword (the same decision, same reason).
_STARTS = pp.Regex(
    _INDENT
    + "(?:(?:"
    + "|".join(rf"(?P<{k}>(?i:{k}))" for k in KEYWORDS)
    + r")(?=[ \t]|\Z)|(?P<TAG>#) )",
    flags=re.DOTALL,
)
_STARTS.leave_whitespace()


def _malformed_action(tokens: pp.ParseResults) -> Statement:
    keyword = str(tokens["keyword"])
    return Malformed(line=1, keyword=keyword, reason=_REASONS[keyword.upper()])


_MALFORMED = (
    pp.Regex(_INDENT + r"(?P<keyword>(?i:SET|ADD|IF|GOTO|GET))(?=[ \t]|\Z).*", flags=re.DOTALL)
    .leave_whitespace()
    .set_name("malformed statement")
    .set_parse_action(_malformed_action)
)
_COMMENT = (
    pp.Regex(r".*", flags=re.DOTALL)
    .leave_whitespace()
    .set_name("comment")
    .set_parse_action(lambda: [])
)

LINE: pp.ParserElement = pp.MatchFirst(
    [*STATEMENT_ELEMENTS.values(), _MALFORMED, _COMMENT]
).leave_whitespace()
"""The grammar of one line (without its ending).  ``LINE.parse_string(text,
parse_all=True)`` yields ``[statement]``, or ``[]`` for a comment."""
LINE.parse_with_tabs()

_match_start = _STARTS.re.match
_matchers = {kind: element.re.match for kind, element in STATEMENT_ELEMENTS.items()}
# First characters a statement line can start with; anything else is a comment.
_FIRST_CHARS = frozenset(" \t#" + "".join(k[0] + k[0].lower() for k in KEYWORDS))
# For lines without indentation, the statement a line can only be, by its first two
# characters; the statement's own pattern then checks the whole keyword.
_LIKELY: dict[str, str] = {"#": "TAG"} | {
    first + second: kind
    for kind in KEYWORDS
    for first in (kind[0], kind[0].lower())
    for second in (kind[1], kind[1].lower())
}


def parse_line(text: str, line: int = 1) -> Statement | None:
    """Parse one line (without its ending); ``None`` means the line is a comment.

    >>> parse_line("GOTO END", line=7)
    GotoStatement(line=7, keyword='GOTO', label='END', trailing='')
    """
    if text[:1] not in _FIRST_CHARS:
        return None
    # Fast path: one regex for the statement the line most likely is.
    likely = _LIKELY.get(text[:1]) or _LIKELY.get(text[:2])
    if likely is not None:
        match = _matchers[likely](text)
        if match is not None:
            return _BUILDERS[likely](match.groupdict(), text, line)
    start = _match_start(text)
    if start is None:
        return None
    kind = start.lastgroup or ""
    match = _matchers[kind](text)
    if match is None:
        if kind == "TAG":
            return None  # '# ' then a blank, or nothing: an ordinary comment
        keyword = start.group(kind)
        return Malformed(line=line, keyword=keyword, reason=_REASONS[kind])
    return _BUILDERS[kind](match.groupdict(), text, line)
