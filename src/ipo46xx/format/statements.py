"""The statements a phone interprets, one class per kind of line.

Statements are immutable values.  A comment line has no statement at all: phones skip
it, and so does everything in ipo46xx that interprets a file.  Each statement knows
its 1-based line number; the line's text and ending live on the document's
:class:`~ipo46xx.format.document.Line`.
"""

from __future__ import annotations

import attrs

# Statements are built by the thousand while parsing; attrs builds frozen instances
# without __slots__ about a third faster, so these classes keep a __dict__.


@attrs.frozen(slots=False)
class Statement:
    """Base of every statement: where it is and the keyword as it was written."""

    line: int
    keyword: str


@attrs.frozen(slots=False)
class Assignment(Statement):
    """``SET NAME value`` or ``ADD NAME value``.

    ``value`` is the value without its quotes.  ``has_value`` is false for a bare
    ``SET NAME`` (phones then see an empty value).  ``value_span`` is the
    ``(start, end)`` of the value as written, quotes included, in the line's text; for a
    bare ``SET NAME`` both ends sit right after the name.  ``unterminated`` marks an
    opening quote that is never closed; the value then runs to the end of the line.
    ``trailing`` is whatever follows the value on the line.

    >>> from ipo46xx import parse
    >>> parse('SET TRUSTCERTS "Root-CA-0214515C.pem"').statements()[0].value
    'Root-CA-0214515C.pem'
    """

    name: str
    value: str
    quoted: bool
    has_value: bool
    unterminated: bool
    value_span: tuple[int, int]
    trailing: str


@attrs.frozen(slots=False)
class SetStatement(Assignment):
    """``SET NAME value``: the setting takes this value.

    >>> from ipo46xx import parse
    >>> parse("SET SIG 1").statements()[0].name
    'SIG'
    """


@attrs.frozen(slots=False)
class AddStatement(Assignment):
    """``ADD NAME value`` (newer J100 firmware): append to a list-valued setting.

    >>> from ipo46xx import parse
    >>> parse("ADD TRUSTCERTS MyCA.pem").statements()[0].value
    'MyCA.pem'
    """


@attrs.frozen(slots=False)
class IfStatement(Statement):
    """``IF $VAR SEQ operand GOTO TAG``.

    ``variable`` keeps its ``$``; ``operator`` and ``goto_keyword`` keep the case they
    were written in (real files write ``goto``); ``operand`` is unquoted.

    >>> from ipo46xx import parse
    >>> s = parse("IF $MODEL  SEQ 9620D01A  goto SHA1BACKUPAPP96XX").statements()[0]
    >>> (s.variable, s.operand, s.label)
    ('$MODEL', '9620D01A', 'SHA1BACKUPAPP96XX')
    """

    variable: str
    operator: str
    operand: str
    operand_quoted: bool
    goto_keyword: str
    label: str
    trailing: str


@attrs.frozen(slots=False)
class GotoStatement(Statement):
    """``GOTO TAG``: continue after the line ``# TAG``.

    >>> from ipo46xx import parse
    >>> parse("GOTO END").statements()[0].label
    'END'
    """

    label: str
    trailing: str


@attrs.frozen(slots=False)
class GetStatement(Statement):
    """``GET filename``: interpret that file instead of the rest of this one.

    >>> from ipo46xx import parse
    >>> parse("GET 46xxspecials.txt").statements()[0].filename
    '46xxspecials.txt'
    """

    filename: str
    trailing: str


@attrs.frozen(slots=False)
class Tag(Statement):
    """``# TAG``: a label that ``GOTO`` jumps to.

    The tag is the first word after ``# ``; phones jump to a line that *begins* with
    ``# TAG``, so ``# Language download and selection`` is the tag ``Language``.
    ``trailing`` is everything after the name as written (blanks and text) and
    ``caption`` that text without the surrounding blanks (``""`` for most tags).

    >>> from ipo46xx import parse
    >>> tag = parse("# SETTINGS3631     ##").statements()[0]
    >>> (tag.label, tag.caption)
    ('SETTINGS3631', '##')
    """

    label: str
    trailing: str
    caption: str = ""


@attrs.frozen(slots=False)
class Malformed(Statement):
    """A line that starts with a keyword phones act on but is not a valid statement.

    Phones cannot carry it out; ``reason`` says what the statement should look like.

    >>> from ipo46xx import parse
    >>> parse("GOTO").statements()[0].reason
    'GOTO needs a tag: GOTO TAG'
    """

    reason: str
