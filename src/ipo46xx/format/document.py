"""The lossless document model: a settings file as an immutable sequence of lines.

Each line keeps the exact bytes it was read with and its exact line ending until it is
edited; only an edited line is rendered again (the tomlkit/iniparse approach).  So
``parse(data).to_bytes() == data`` holds for any bytes at all, whatever their encoding.

Text is decoded for reading and editing: as UTF-8 when the whole file is valid UTF-8,
otherwise as Windows-1252 (what Notepad on a Windows PC writes), in both cases with
``surrogateescape`` so that no byte is ever lost.
"""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import BinaryIO

import attrs

from ..errors import InputError
from .grammar import parse_line
from .statements import Statement, Tag

__all__ = [
    "MAX_BYTES",
    "Change",
    "Edit",
    "Line",
    "SettingsFile",
    "load",
    "parse",
    "read_file",
    "read_limited",
    "unified_diff",
]

MAX_BYTES = 4 * 1024 * 1024
"""A larger input is not a settings file (Avaya's whole template is about 1 MB)."""

_BOM = b"\xef\xbb\xbf"
_ERRORS = "surrogateescape"


@attrs.frozen
class Line:
    """One line of a settings file: its number, text, ending and statement.

    ``statement`` is ``None`` for a comment line.  ``ending`` is ``"\\r\\n"``, ``"\\n"``,
    ``"\\r"`` or ``""`` (a last line without a newline).

    >>> parse("SET A 1\\r\\n").lines[0].ending
    '\\r\\n'
    """

    number: int
    text: str
    ending: str
    statement: Statement | None

    @property
    def is_comment(self) -> bool:
        """True when phones ignore this line."""
        return self.statement is None


@attrs.frozen
class Change:
    """One line an edit changed: its number and its text before and after (no ending).

    ``kind`` is ``"replaced"`` or ``"inserted"`` (``old`` is then ``""``).  ``line`` numbers
    the new document, which is the old one's numbering when no line was inserted.
    """

    line: int
    old: str
    new: str
    kind: str = "replaced"


@attrs.frozen(repr=False)
class SettingsFile:
    """A parsed settings file.  Immutable: edits return a new ``SettingsFile``.

    >>> doc = parse(b"SET A 1\\n## comment\\n")
    >>> [s.name for s in doc.statements()]
    ['A']
    >>> doc.to_bytes()
    b'SET A 1\\n## comment\\n'
    """

    _raw: tuple[bytes, ...] = attrs.field(repr=False)
    _endings: tuple[bytes, ...] = attrs.field(repr=False)
    _statements: tuple[Statement | None, ...] = attrs.field(repr=False)
    encoding: str = "utf-8"
    bom: bool = False
    name: str = "<input>"

    def __len__(self) -> int:
        return len(self._raw)

    def __repr__(self) -> str:
        statements = sum(s is not None for s in self._statements)
        return f"<SettingsFile {self.name}: {len(self._raw)} lines, {statements} statements>"

    @functools.cached_property
    def lines(self) -> tuple[Line, ...]:
        """Every line in order, comments included."""
        return tuple(
            Line(i + 1, raw.decode(self.encoding, _ERRORS), ending.decode("ascii"), statement)
            for i, (raw, ending, statement) in enumerate(
                zip(self._raw, self._endings, self._statements, strict=True)
            )
        )

    def line(self, number: int) -> Line:
        """The line with this 1-based number.

        >>> parse("A\\nB").line(2).text
        'B'
        """
        if not 1 <= number <= len(self._raw):
            raise InputError(f"{self.name} has {len(self._raw)} lines; there is no line {number}")
        index = number - 1
        return Line(
            number,
            self._raw[index].decode(self.encoding, _ERRORS),
            self._endings[index].decode("ascii"),
            self._statements[index],
        )

    def statements(self) -> list[Statement]:
        """The statements in file order; comment lines have none.

        >>> [type(s).__name__ for s in parse("# TOP\\nGOTO TOP\\n## c").statements()]
        ['Tag', 'GotoStatement']
        """
        return [s for s in self._statements if s is not None]

    @functools.cached_property
    def program(self) -> tuple[tuple[Statement, ...], Mapping[str, int]]:
        """The statements, and the index among them of each tag's first line: what a walk
        through the file needs, worked out once per document.

        >>> parse("# A\nGOTO A\n# A\n").program[1]
        {'A': 0}
        """
        statements = tuple(s for s in self._statements if s is not None)
        labels: dict[str, int] = {}
        for index, statement in enumerate(statements):
            if isinstance(statement, Tag):
                labels.setdefault(statement.label, index)
        return statements, labels

    def __iter__(self) -> Iterator[Line]:
        return iter(self.lines)

    def to_bytes(self) -> bytes:
        """The file as bytes: identical to the input for every line not edited.

        >>> parse(b"\\xef\\xbb\\xbfSET A 1\\r\\n## \\x92\\n").to_bytes()
        b'\\xef\\xbb\\xbfSET A 1\\r\\n## \\x92\\n'
        """
        parts: list[bytes] = [b""] * (2 * len(self._raw))
        parts[0::2] = self._raw
        parts[1::2] = self._endings
        return (_BOM if self.bom else b"") + b"".join(parts)

    def to_text(self) -> str:
        """The file as text (undecodable bytes appear as lone surrogates).

        >>> parse("SET A 1\\n").to_text()
        'SET A 1\\n'
        """
        body = self.to_bytes()[len(_BOM) if self.bom else 0 :]
        return ("\ufeff" if self.bom else "") + body.decode(self.encoding, _ERRORS)

    def replace_line(self, number: int, text: str) -> SettingsFile:
        """A new document with line ``number`` set to ``text``; its ending is kept.

        >>> parse("SET A 1\\r\\nSET B 2\\r\\n").replace_line(1, "SET A 3").to_bytes()
        b'SET A 3\\r\\nSET B 2\\r\\n'
        """
        return self.replace_lines({number: text})

    def replace_lines(self, texts: Mapping[int, str]) -> SettingsFile:
        """A new document with each line number in ``texts`` set to its text; endings kept.

        One copy of the document however many lines change, so that an edit of every
        line costs about one parse, not one copy per line.

        >>> doc = parse("SET A 1\\nSET B 2\\nSET C 3\\n")
        >>> doc.replace_lines({1: "SET A 9", 3: "## C"}).to_bytes()
        b'SET A 9\\nSET B 2\\n## C\\n'
        """
        raw = list(self._raw)
        statements = list(self._statements)
        for number, text in texts.items():
            if not (isinstance(number, int) and 1 <= number <= len(raw)):
                self.line(number)  # raises with a clear message
            if "\r" in text or "\n" in text:
                raise InputError(
                    f"{self.name} line {number}: a replacement line cannot contain a line break"
                )
            raw[number - 1] = _encode(text, self.encoding, f"{self.name} line {number}")
            statements[number - 1] = parse_line(text, number)
        return attrs.evolve(self, raw=tuple(raw), statements=tuple(statements))

    def insert_lines(self, inserts: Mapping[int, Sequence[str]]) -> SettingsFile:
        """A new document with each list of texts inserted after line number ``n`` (0: at
        the top).  Every other line keeps its bytes; statements below are renumbered.

        An inserted line takes the ending of the line it follows, or the file's most common
        one; a file whose last line had no newline still ends without one.

        >>> parse("SET A 1\\r\\nGET x.txt").insert_lines({1: ["SET B 2"]}).to_bytes()
        b'SET A 1\\r\\nSET B 2\\r\\nGET x.txt'
        """
        for number in inserts:
            if not (isinstance(number, int) and 0 <= number <= len(self._raw)):
                raise InputError(
                    f"{self.name} has {len(self._raw)} lines; cannot insert after {number}"
                )
        common = self.common_ending()
        raw: list[bytes] = []
        endings: list[bytes] = []
        statements: list[Statement | None] = []

        def add(texts: Sequence[str], ending: bytes) -> None:
            for text in texts:
                if "\r" in text or "\n" in text:
                    raise InputError(f"{self.name}: an inserted line cannot contain a line break")
                raw.append(_encode(text, self.encoding, f"{self.name} inserted line"))
                endings.append(ending)
                statements.append(parse_line(text, len(raw)))

        add(inserts.get(0, ()), self._endings[0] if self._endings and self._endings[0] else common)
        for index, (line, ending, statement) in enumerate(
            zip(self._raw, self._endings, self._statements, strict=True)
        ):
            after = inserts.get(index + 1, ())
            raw.append(line)
            endings.append(ending if ending or not after else common)
            moved = statement
            if moved is not None and moved.line != len(raw):
                moved = attrs.evolve(moved, line=len(raw))
            statements.append(moved)
            add(after, ending or common)
        if raw and self._endings and not self._endings[-1]:
            endings[-1] = b""  # the file ended without a newline; so does the new one
        return attrs.evolve(
            self, raw=tuple(raw), endings=tuple(endings), statements=tuple(statements)
        )

    def common_ending(self) -> bytes:
        """The most common line ending of the file (LF for a file that has none).

        >>> parse("A\\r\\nB\\r\\nC\\n").common_ending()
        b'\\r\\n'
        """
        counts: dict[bytes, int] = {}
        for ending in self._endings:
            if ending:
                counts[ending] = counts.get(ending, 0) + 1
        return max(counts, key=counts.__getitem__) if counts else b"\n"


@attrs.frozen
class Edit:
    """The result of a transform: the new document and what changed, line by line.

    >>> from ipo46xx import blank_trustcerts
    >>> edit = blank_trustcerts(parse('SET TRUSTCERTS "Root-CA-0214515C.pem"'))
    >>> edit.changes[0].new
    'SET TRUSTCERTS ""'
    """

    document: SettingsFile
    changes: tuple[Change, ...]

    @property
    def changed(self) -> bool:
        """True when the edit changed at least one line."""
        return bool(self.changes)


def _encode(text: str, encoding: str, where: str) -> bytes:
    try:
        return text.encode(encoding, _ERRORS)
    except UnicodeEncodeError as exc:
        raise InputError(
            f"{where}: character {text[exc.start]!r} at position {exc.start + 1} cannot be "
            f"written as {encoding}; use plain ASCII in settings files"
        ) from None


def _split(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """Split into line contents and endings (LF, CRLF or lone CR; the last may be b'')."""
    if not data:
        return [], []
    crlf, cr, lf = data.count(b"\r\n"), data.count(b"\r"), data.count(b"\n")
    if crlf == cr == lf or cr == 0 or lf == 0:
        # One kind of ending throughout: split in C, no per-line work.
        separator = b"\r\n" if crlf else b"\n" if lf else b"\r"
        raw = data.split(separator)
        endings = [separator] * (len(raw) - 1)
        if raw[-1]:
            endings.append(b"")
        else:
            raw.pop()
        return raw, endings
    raw, endings = [], []
    for chunk in data.splitlines(keepends=True):
        if chunk.endswith(b"\r\n"):
            raw.append(chunk[:-2])
            endings.append(b"\r\n")
        elif chunk.endswith((b"\n", b"\r")):
            raw.append(chunk[:-1])
            endings.append(chunk[-1:])
        else:
            raw.append(chunk)
            endings.append(b"")
    return raw, endings


# A statement line can only begin with these bytes; see grammar._FIRST_CHARS.
_FIRST_BYTES = frozenset(b" \t#SsAaIiGg")


def parse(data: bytes | str, *, name: str = "<input>") -> SettingsFile:
    """Parse a settings file without losing a byte.  Never fails on bytes.

    ``str`` input is stored as UTF-8.  ``name`` is used in error messages.

    >>> doc = parse(b"IF $SIG SEQ SIP goto SIP\\r\\n# SIP\\r\\nSET TRUSTCERTS WebRootCA.pem")
    >>> [line.number for line in doc.lines if line.statement]
    [1, 2, 3]
    """
    if isinstance(data, str):
        data = _encode(data, "utf-8", name)
    bom = data.startswith(_BOM)
    if bom:
        data = data[len(_BOM) :]
    try:
        data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        encoding = "cp1252"
    raw, endings = _split(data)
    statements: list[Statement | None] = [None] * len(raw)
    for index, line in enumerate(raw):
        # Most lines of a real file are comments; skip them without decoding.
        if line and line[0] in _FIRST_BYTES and (line[0] != 0x23 or line[1:2] == b" "):
            statements[index] = parse_line(line.decode(encoding, _ERRORS), index + 1)
    return SettingsFile(
        raw=tuple(raw),
        endings=tuple(endings),
        statements=tuple(statements),
        encoding=encoding,
        bom=bom,
        name=name,
    )


def load(path: str | os.PathLike[str]) -> SettingsFile:
    """Read and parse a local settings file.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "46xxsettings.txt"
    >>> _ = p.write_bytes(b"GET 46xxspecials.txt\\n")
    >>> load(p).statements()[0].filename
    '46xxspecials.txt'
    """
    where = os.fspath(path)
    data = read_file(where)
    return parse(data, name=os.path.basename(where) or where)


def read_file(path: str | os.PathLike[str]) -> bytes:
    """A local file's bytes; an :class:`InputError` that says what to check otherwise.

    >>> read_file("/no/such/46xxsettings.txt")
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: /no/such/46xxsettings.txt: no such file; check the path
    """
    where = os.fspath(path)
    try:
        with open(where, "rb") as handle:
            return read_limited(handle, where)
    except FileNotFoundError:
        raise InputError(f"{where}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{where} is a folder; give the path of the settings file") from None
    except PermissionError:
        raise InputError(f"{where}: permission denied; check the file's permissions") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read it ({exc.strerror or exc})") from None


def read_limited(stream: BinaryIO, where: str) -> bytes:
    """All of ``stream``, refusing more than :data:`MAX_BYTES` at once.

    ``/dev/zero``, a disk image or an endless pipe given by mistake stops at the limit
    instead of filling the memory.

    >>> import io
    >>> read_limited(io.BytesIO(b"SET A 1"), "standard input")
    b'SET A 1'
    """
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{where} is larger than {MAX_BYTES // (1024 * 1024)} MiB, which no settings file "
            "is; check what you gave"
        )
    return data


def unified_diff(
    old: SettingsFile, new: SettingsFile, fromfile: str = "a", tofile: str = "b"
) -> str:
    """A unified diff of two documents' text, for people to read.

    >>> print(unified_diff(parse("SET A 1\\n"), parse("SET A 2\\n")), end="")
    --- a
    +++ b
    @@ -1 +1 @@
    -SET A 1
    +SET A 2
    """
    lines = difflib.unified_diff(
        _display_lines(old), _display_lines(new), fromfile, tofile, lineterm=""
    )
    return "".join(line + "\n" for line in lines)


def _display_lines(doc: SettingsFile) -> Sequence[str]:
    return [line.text for line in doc.lines]
