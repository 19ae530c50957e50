"""TRUSTCERTS semantics: find, blank and rewrite the list of trusted certificates.

``TRUSTCERTS`` is a comma-separated list (no blanks) of certificate file names or URLs,
at most 255 characters on most phones.  IP Office files hold several active
``SET TRUSTCERTS`` lines in different sections, quoted and unquoted.  ``ADD
TRUSTCERTS`` (newer J100 firmware) appends to the list, so it is treated alike: a phone
that must forget the old root CA must not be handed it by an ``ADD`` either.

Edits replace only the value as written (quotes included) and keep everything else on
the line, and every other line, byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import attrs

from ..errors import InputError, MappingError, TrustcertsError
from .document import Change, Edit, SettingsFile
from .statements import Assignment

__all__ = [
    "MAX_VALUE_LENGTH",
    "ROOT_CA_PATTERN",
    "TrustcertsLine",
    "blank_trustcerts",
    "replace_trustcerts",
    "trustcerts",
    "trustcerts_mapping",
    "validate_name",
]

MAX_VALUE_LENGTH = 255
"""The longest TRUSTCERTS value most phones accept."""

ROOT_CA_PATTERN = re.compile(r"Root-CA-[0-9A-Fa-f]{8}\.pem\Z")
"""File name of an IP Office self-signed root CA, e.g. ``Root-CA-0214515C.pem``."""

_NAME = "TRUSTCERTS"
_OLD_EXAMPLE = "Root-CA-0214515C.pem"
_FORBIDDEN = frozenset(' \t,"\u201c\u201d\u2018\u2019')


@attrs.frozen
class TrustcertsLine:
    """One active TRUSTCERTS line: number, text (no ending), names, quoting, keyword.

    >>> from ipo46xx import parse
    >>> trustcerts(parse('SET TRUSTCERTS "a.pem,b.pem"'))[0].names
    ['a.pem', 'b.pem']
    """

    line: int
    text: str
    names: list[str]
    quoted: bool
    keyword: str


def _active(doc: SettingsFile) -> list[Assignment]:
    return [s for s in doc.statements() if isinstance(s, Assignment) and s.name.upper() == _NAME]


def names_of(value: str) -> list[str]:
    """The entries of a TRUSTCERTS value.

    >>> names_of("a.pem,b.pem")
    ['a.pem', 'b.pem']
    """
    return value.split(",") if value else []


def trustcerts(doc: SettingsFile) -> list[TrustcertsLine]:
    """Every active ``SET``/``ADD TRUSTCERTS`` line; commented-out ones are not active.

    >>> from ipo46xx import parse
    >>> doc = parse("## SET TRUSTCERTS old.pem\\nSET TRUSTCERTS WebRootCA.pem\\n")
    >>> [(t.line, t.names) for t in trustcerts(doc)]
    [(2, ['WebRootCA.pem'])]
    """
    return [
        TrustcertsLine(
            line=s.line,
            text=doc.line(s.line).text,
            names=names_of(s.value),
            quoted=s.quoted,
            keyword=s.keyword.upper(),
        )
        for s in _active(doc)
    ]


def validate_name(name: str) -> str:
    """Return ``name`` if a phone accepts it as one TRUSTCERTS entry, else raise.

    >>> validate_name("Root-CA-1A2B3C4D.pem")
    'Root-CA-1A2B3C4D.pem'
    """
    bad = sorted({c for c in name if c in _FORBIDDEN or not c.isprintable()})
    if not name:
        raise TrustcertsError("a certificate name cannot be empty")
    if bad or not name.isascii():
        shown = ", ".join(repr(c) for c in bad) or "non-ASCII characters"
        raise TrustcertsError(
            f"certificate name {name!r} contains {shown}; TRUSTCERTS entries are "
            "comma-separated file names or URLs without blanks or quotes"
        )
    return name


def _rewrite(doc: SettingsFile, new_values: Mapping[int, str]) -> Edit:
    """Put each new value (unquoted) in place of the old one on its line."""
    changes: list[Change] = []
    texts: dict[int, str] = {}
    for statement in _active(doc):
        if statement.line not in new_values:
            continue
        value = new_values[statement.line]
        where = f"{doc.name} line {statement.line}"
        if len(value) > MAX_VALUE_LENGTH:
            raise TrustcertsError(
                f"{where}: the new TRUSTCERTS value is {len(value)} characters long; phones "
                f"accept at most {MAX_VALUE_LENGTH}. Shorten the names or trust fewer "
                "certificates"
            )
        old = doc.line(statement.line).text
        start, end = statement.value_span
        if not value:
            rendered = '""'
        elif statement.unterminated:
            rendered = f'"{value}'  # keep the line's own (broken) quoting; lint reports it
        else:
            rendered = f'"{value}"' if statement.quoted else value
        if statement.has_value:
            new = old[:start] + rendered + old[end:]
        else:
            new = old[:start] + " " + rendered + old[start:]
        if new != old:
            texts[statement.line] = new
            changes.append(Change(statement.line, old, new))
    # One copy for all the lines: a copy per line made big edits quadratic.
    return Edit(document=doc.replace_lines(texts) if texts else doc, changes=tuple(changes))


def blank_trustcerts(doc: SettingsFile) -> Edit:
    """Set every active TRUSTCERTS to ``""``, as the advisory PSN005042u step 2 does.

    A line that is already ``""`` is left alone, so blanking twice changes nothing.

    >>> from ipo46xx import parse
    >>> blank_trustcerts(parse(b"SET TRUSTCERTS WebRootCA.pem\\r\\n")).document.to_bytes()
    b'SET TRUSTCERTS ""\\r\\n'
    """
    return _rewrite(
        doc,
        {
            s.line: ""
            for s in _active(doc)
            if not (s.quoted and s.value == "" and not s.unterminated and s.has_value)
        },
    )


def replace_trustcerts(doc: SettingsFile, mapping: Mapping[str, str]) -> Edit:
    """Rename entries of every active TRUSTCERTS list; other entries and order stay.

    Every old name in ``mapping`` must appear in at least one active list, so that a
    typing mistake is an error rather than an edit that silently does nothing.

    >>> from ipo46xx import parse
    >>> doc = parse('SET TRUSTCERTS "MyCA.pem,Root-CA-0214515C.pem"')
    >>> edit = replace_trustcerts(doc, {"Root-CA-0214515C.pem": "Root-CA-1A2B3C4D.pem"})
    >>> edit.changes[0].new
    'SET TRUSTCERTS "MyCA.pem,Root-CA-1A2B3C4D.pem"'
    """
    if not isinstance(mapping, Mapping):
        raise MappingError(
            f"expected a mapping of old to new names (a dict such as {{{_OLD_EXAMPLE!r}: ...}}), "
            f"not {type(mapping).__name__}"
        )
    for old, new in mapping.items():
        validate_name(old)
        validate_name(new)
    active = _active(doc)
    present = {name for s in active for name in names_of(s.value)}
    missing = sorted(set(mapping) - present)
    if missing:
        trusted = ", ".join(sorted(present)) or "nothing"
        raise MappingError(
            f"{doc.name}: {', '.join(missing)} is not in any active TRUSTCERTS line "
            f"(the file trusts: {trusted}); check the old name"
        )
    new_values = {}
    for s in active:
        names = names_of(s.value)
        renamed = [mapping.get(name, name) for name in names]
        if renamed != names:
            new_values[s.line] = ",".join(renamed)
    return _rewrite(doc, new_values)


def trustcerts_mapping(old_names: Iterable[str], new_doc: SettingsFile) -> dict[str, str]:
    """Work out ``{old: new}`` for the IP Office root CA after it was regenerated.

    ``old_names`` are the names a file trusts (an administrator's file); ``new_doc`` is
    what the IP Office auto-generates now.  Only ``Root-CA-<8 hex>.pem`` names take
    part; names the new file still has stay as they are.  Several candidates on either
    side is ambiguous and raises :class:`MappingError`.

    >>> from ipo46xx import parse
    >>> new = parse('SET TRUSTCERTS "Root-CA-1A2B3C4D.pem"')
    >>> trustcerts_mapping(["MyCA.pem", "Root-CA-0214515C.pem"], new)
    {'Root-CA-0214515C.pem': 'Root-CA-1A2B3C4D.pem'}
    """
    if isinstance(old_names, (str, bytes)):
        raise InputError(
            f"expected a list of names, not the string {old_names!r}; write [{old_names!r}]"
        )
    old = list(dict.fromkeys(old_names))
    new = list(dict.fromkeys(name for t in trustcerts(new_doc) for name in t.names))
    removed = [n for n in old if ROOT_CA_PATTERN.match(n) and n not in new]
    added = [n for n in new if ROOT_CA_PATTERN.match(n) and n not in old]
    if not removed:
        return {}
    if len(removed) == 1 and len(added) == 1:
        return {removed[0]: added[0]}
    example = f"--replace {removed[0]}=Root-CA-XXXXXXXX.pem"
    if not added:
        raise MappingError(
            f"{new_doc.name} trusts no new IP Office root CA in place of "
            f"{', '.join(removed)}; check that the certificate was regenerated and that "
            f"the IP Office serves its auto-generated file, or give the mapping "
            f"explicitly ({example})"
        )
    raise MappingError(
        f"cannot tell which new root CA replaces which: old {', '.join(removed)}; "
        f"new {', '.join(added)}; give the mapping explicitly ({example})"
    )
