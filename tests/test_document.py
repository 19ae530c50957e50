"""The lossless document model: byte-exact round trips and line-level edits."""

from __future__ import annotations

import pathlib

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ipo46xx
from ipo46xx import InputError, Ipo46xxError, SetStatement, Tag, load, parse
from ipo46xx.format.document import read_file, read_limited
from ipo46xx.office.sniff import MAX_BYTES

from . import strategies
from .conftest import Case, all_files


@pytest.mark.parametrize("path", all_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_round_trips_byte_for_byte(path: pathlib.Path) -> None:
    data = path.read_bytes()
    assert parse(data).to_bytes() == data
    assert load(path).to_bytes() == data


@given(st.binary(max_size=2000))
def test_any_bytes_round_trip(data: bytes) -> None:
    assert parse(data).to_bytes() == data


@given(
    st.lists(
        st.sampled_from(
            [
                b"\r\n",
                b"\n",
                b"\r",
                b"SET A 1",
                b"\xef\xbb\xbf",
                b"\x92",
                b"\x00",
                b" \t",
                b"# T",
                b'"',
            ]
        ),
        max_size=40,
    )
)
def test_byte_soup_of_awkward_pieces_round_trips(pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    assert parse(data).to_bytes() == data


@given(strategies.settings_text())
def test_mixed_statement_lines_round_trip(text: str) -> None:
    data = text.encode("utf-8")
    doc = parse(data)
    assert doc.to_bytes() == data
    assert parse(text).to_text() == text
    assert "".join(line.text + line.ending for line in doc.lines) == text


@given(strategies.settings_text(), st.sampled_from(["utf-8", "cp1252"]))
def test_lines_and_statements_agree(text: str, encoding: str) -> None:
    doc = parse(text.encode(encoding, "replace"))
    numbers = [line.number for line in doc.lines]
    assert numbers == list(range(1, len(doc) + 1))
    assert [s.line for s in doc.statements()] == [
        line.number for line in doc.lines if line.statement is not None
    ]


@pytest.mark.parametrize(
    ("data", "texts", "endings"),
    [
        (b"", [], []),
        (b"\n", [""], ["\n"]),
        (b"A", ["A"], [""]),
        (b"A\r\nB\nC\rD", ["A", "B", "C", "D"], ["\r\n", "\n", "\r", ""]),
        (b"A\n\rB", ["A", "", "B"], ["\n", "\r", ""]),
        (b"A\r\r\n", ["A", ""], ["\r", "\r\n"]),
        (b"\r\n\r\n", ["", ""], ["\r\n", "\r\n"]),
        (b"A\x0bB\x0cC\x1cD\n", ["A\x0bB\x0cC\x1cD"], ["\n"]),
    ],
)
def test_lines_split_only_on_cr_lf_crlf(data: bytes, texts: list[str], endings: list[str]) -> None:
    doc = parse(data)
    assert [line.text for line in doc.lines] == texts
    assert [line.ending for line in doc.lines] == endings
    assert doc.to_bytes() == data


def test_bom_is_kept_and_does_not_hide_the_first_statement() -> None:
    data = b"\xef\xbb\xbfSET TRUSTCERTS x.pem\r\n"
    doc = parse(data)
    assert doc.bom
    assert isinstance(doc.statements()[0], SetStatement)
    assert doc.to_bytes() == data


def test_windows_1252_comments_decode_as_windows_1252() -> None:
    doc = parse(b"## the template\x92s \x96 dash\r\nSET A 1\r\n")
    assert doc.encoding == "cp1252"
    assert doc.lines[0].text == "## the template\u2019s \u2013 dash"


def test_valid_utf8_decodes_as_utf8() -> None:
    doc = parse("## caf\u00e9\nSET A 1\n".encode())
    assert doc.encoding == "utf-8"
    assert doc.lines[0].text == "## caf\u00e9"


def test_very_long_line_round_trips() -> None:
    data = b"SET X " + b"v" * 1_000_000 + b"\r\n## end"
    doc = parse(data)
    assert doc.to_bytes() == data
    assert len(doc.statements()[0].value) == 1_000_000  # type: ignore[attr-defined]


def test_documents_are_immutable() -> None:
    doc = parse("SET A 1\n")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        doc.encoding = "ascii"  # type: ignore[misc]


def test_replace_line_changes_one_line_and_keeps_its_ending() -> None:
    data = b"## c\x92\r\nSET A 1\nGOTO X\r"
    doc = parse(data)
    new = doc.replace_line(2, "# X")
    assert new.to_bytes() == b"## c\x92\r\n# X\nGOTO X\r"
    assert isinstance(new.statements()[0], Tag)
    assert doc.to_bytes() == data  # the original is untouched


def test_replace_line_refuses_line_breaks_and_bad_numbers() -> None:
    doc = parse("SET A 1\n")
    with pytest.raises(InputError, match="line break"):
        doc.replace_line(1, "SET A 1\nSET B 2")
    with pytest.raises(InputError, match="there is no line 2"):
        doc.replace_line(2, "x")


@given(
    st.lists(st.sampled_from(["SET A 1", "## c", "# T", "GOTO T", 'SET TRUSTCERTS ""']), min_size=1)
)
def test_replace_lines_is_replace_line_for_each(texts: list[str]) -> None:
    doc = parse(b"SET A 0\r\n" * len(texts) + b"GET x.txt")
    one_by_one = doc
    for number, text in enumerate(texts, 1):
        one_by_one = one_by_one.replace_line(number, text)
    at_once = doc.replace_lines(dict(enumerate(texts, 1)))
    assert at_once.to_bytes() == one_by_one.to_bytes()
    assert at_once.statements() == one_by_one.statements()


def test_replace_lines_refuses_bad_numbers_and_line_breaks() -> None:
    doc = parse("SET A 1\n")
    with pytest.raises(InputError, match="there is no line 0"):
        doc.replace_lines({0: "x"})
    with pytest.raises(InputError, match="line break"):
        doc.replace_lines({1: "a\rb"})


def test_local_files_get_the_same_size_limit_as_downloads(tmp_path: pathlib.Path) -> None:
    with pytest.raises(InputError, match="larger than 4 MiB"):
        load("/dev/zero")  # never ends: must stop at the limit, not eat the memory
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(5 << 30)  # sparse: 5 GiB that take no disk
    with pytest.raises(InputError, match="larger than 4 MiB"):
        read_file(big)
    with big.open("rb") as handle, pytest.raises(InputError, match="standard input"):
        read_limited(handle, "standard input")
    exact = tmp_path / "exact.txt"
    exact.write_bytes(b"#" * MAX_BYTES)
    assert len(read_file(exact)) == MAX_BYTES


def test_str_that_cannot_be_written_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="cannot be written"):
        parse("SET A \ud800")


def test_load_reports_missing_files_and_folders(tmp_path: pathlib.Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="is a folder"):
        load(tmp_path)


def test_load_names_the_document(case: Case) -> None:
    assert load(case.input_path).name == case.input_path.name


def test_errors_share_one_root() -> None:
    for name in ("InputError", "TrustcertsError", "MappingError"):
        assert issubclass(getattr(ipo46xx, name), Ipo46xxError)


def test_unified_diff_shows_the_edited_line_only() -> None:
    old = parse("## a\nSET TRUSTCERTS x.pem\n## b\n")
    new = ipo46xx.blank_trustcerts(old).document
    diff = ipo46xx.unified_diff(old, new, "old", "new")
    assert '-SET TRUSTCERTS x.pem\n+SET TRUSTCERTS ""\n' in diff
    assert [line for line in diff.splitlines() if line[:1] in "+-"] == [
        "--- old",
        "+++ new",
        "-SET TRUSTCERTS x.pem",
        '+SET TRUSTCERTS ""',
    ]
