"""The one-line grammar: every statement form, comments, and the fast path's fidelity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ipo46xx
from ipo46xx.format.grammar import LINE, parse_line
from ipo46xx.format.statements import (
    AddStatement,
    GetStatement,
    GotoStatement,
    IfStatement,
    Malformed,
    SetStatement,
    Tag,
)

from . import strategies
from .conftest import all_files

SET_CASES: list[tuple[str, dict[str, Any]]] = [
    (
        'SET TRUSTCERTS "Root-CA-0214515C.pem"',
        dict(name="TRUSTCERTS", value="Root-CA-0214515C.pem", quoted=True, has_value=True),
    ),
    (
        "SET TRUSTCERTS WebRootCA.pem",
        dict(name="TRUSTCERTS", value="WebRootCA.pem", quoted=False, has_value=True),
    ),
    ('SET TRUSTCERTS ""', dict(value="", quoted=True, has_value=True, unterminated=False)),
    (
        "SET OBSCURE_PREFERENCES",
        dict(name="OBSCURE_PREFERENCES", value="", quoted=False, has_value=False),
    ),
    ("SET OBSCURE_PREFERENCES  ", dict(value="", has_value=False, trailing="  ")),
    ('SET SIPDOMAIN "a b c"  # why', dict(value="a b c", quoted=True, trailing="  # why")),
    ("SET X a b", dict(value="a", quoted=False, trailing=" b")),
    ('SET X "never closed', dict(value="never closed", quoted=True, unterminated=True)),
    ('SET X "', dict(value="", quoted=True, unterminated=True)),
    ("set\tlogs\t1\t", dict(keyword="set", name="logs", value="1", trailing="\t")),
    ("  SET X 1", dict(name="X", value="1")),
    ("SET X \u201ca b\u201d", dict(value="\u201ca", quoted=False, trailing=" b\u201d")),
]


@pytest.mark.parametrize(("text", "fields"), SET_CASES)
def test_set_statement_fields(text: str, fields: dict[str, Any]) -> None:
    statement = parse_line(text, line=4)
    assert isinstance(statement, SetStatement)
    assert statement.line == 4
    for key, expected in fields.items():
        assert getattr(statement, key) == expected, key


@pytest.mark.parametrize(("text", "_fields"), SET_CASES)
def test_value_span_points_at_the_value_as_written(text: str, _fields: object) -> None:
    statement = parse_line(text)
    assert isinstance(statement, SetStatement)
    start, end = statement.value_span
    written = text[start:end]
    if statement.quoted:
        assert written.startswith('"')
        assert written[1:].removesuffix('"') == statement.value
    else:
        assert written == statement.value
    assert text[end:] == statement.trailing


def test_add_statement() -> None:
    statement = parse_line("ADD TRUSTCERTS MyCA.pem")
    assert isinstance(statement, AddStatement)
    assert (statement.name, statement.value) == ("TRUSTCERTS", "MyCA.pem")


@pytest.mark.parametrize(
    ("text", "variable", "operator", "operand", "quoted", "goto", "label"),
    [
        ("IF $MODEL4 SEQ 9611 GOTO 96X1", "$MODEL4", "SEQ", "9611", False, "GOTO", "96X1"),
        (
            "IF $MODEL  SEQ 9620D01A  goto SHA1BACKUPAPP96XX",
            "$MODEL",
            "SEQ",
            "9620D01A",
            False,
            "goto",
            "SHA1BACKUPAPP96XX",
        ),
        ('IF $SIG_IN_USE seq "H323" Goto H', "$SIG_IN_USE", "seq", "H323", True, "Goto", "H"),
        ("if\t$GROUP\tSEQ\t2\tgoto\tG2  ", "$GROUP", "SEQ", "2", False, "goto", "G2"),
    ],
)
def test_if_statement(
    text: str, variable: str, operator: str, operand: str, quoted: bool, goto: str, label: str
) -> None:
    statement = parse_line(text)
    assert isinstance(statement, IfStatement)
    assert (
        statement.variable,
        statement.operator,
        statement.operand,
        statement.operand_quoted,
        statement.goto_keyword,
        statement.label,
    ) == (variable, operator, operand, quoted, goto, label)


def test_goto_get_and_tag() -> None:
    goto = parse_line("goto   GETSET")
    assert isinstance(goto, GotoStatement)
    assert goto.label == "GETSET"
    assert goto.keyword == "goto"
    get = parse_line("GET 46xxspecials.txt")
    assert isinstance(get, GetStatement)
    assert get.filename == "46xxspecials.txt"
    tag = parse_line("# 96X1SETTINGS  ")
    assert isinstance(tag, Tag)
    assert (tag.label, tag.trailing, tag.caption) == ("96X1SETTINGS", "  ", "")


@pytest.mark.parametrize(
    ("text", "label", "caption"),
    [
        # Avaya's 2011 template: the jump target, then blanks and '##'.
        ("# SETTINGS3631          ##", "SETTINGS3631", "##"),
        # Section headings in the template are tags nobody jumps to.
        ("# Language download and selection", "Language", "download and selection"),
        ("# SET TRUSTCERTS x.pem", "SET", "TRUSTCERTS x.pem"),
        ("# END\tend of file  ", "END", "end of file"),
    ],
)
def test_a_tag_is_its_first_word_whatever_follows(text: str, label: str, caption: str) -> None:
    # The guides: the jump target is "a line that begins with # tag".
    tag = parse_line(text)
    assert isinstance(tag, Tag)
    assert (tag.label, tag.caption) == (label, caption)
    assert text.endswith(tag.trailing) and tag.trailing.strip(" \t") == caption


@pytest.mark.parametrize(
    "text",
    [
        "",
        "#",
        "##",
        "## SET TRUSTCERTS x",
        "#SET TRUSTCERTS x",
        "# ",
        "#  TAG",
        "#\tTAG",
        "#TAG",
        "SETTING 1",
        "GOTOEND",
        '"3,4,5"',
        "free text",
        "\tfree",
        "IFFY",
        "GETTER x",
    ],
)
def test_comments_have_no_statement(text: str) -> None:
    assert parse_line(text) is None


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("SET", "SET"),
        ("set ", "set"),
        ("GOTO", "GOTO"),
        ("GET  ", "GET"),
        ("IF $MODEL4 SEQ 9611", "IF"),
        ("IF MODEL4 SEQ 9611 GOTO X", "IF"),
        ("ADD", "ADD"),
    ],
)
def test_keyword_lines_that_do_not_fit_are_malformed(text: str, keyword: str) -> None:
    statement = parse_line(text, line=9)
    assert isinstance(statement, Malformed)
    assert statement.keyword == keyword
    assert statement.line == 9
    assert keyword.upper() in statement.reason


def _via_pyparsing(text: str) -> object:
    result = LINE.parse_string(text, parse_all=True)
    return result[0] if len(result) else None


def test_fast_path_agrees_with_pyparsing_on_every_fixture_line() -> None:
    count = 0
    for path in all_files():
        for line in ipo46xx.load(path).lines:
            assert parse_line(line.text) == _via_pyparsing(line.text), (path, line)
            count += 1
    assert count > 150


@pytest.mark.parametrize("text", ["  # LABEL", "\t# LABEL  ##", " #  two blanks", "  #NOSPACE"])
def test_fast_path_agrees_with_pyparsing_on_indented_tags(text: str) -> None:
    assert parse_line(text) == _via_pyparsing(text)


@given(strategies.line)
def test_fast_path_agrees_with_pyparsing_on_generated_lines(text: str) -> None:
    assert parse_line(text) == _via_pyparsing(text)


@given(st.text(alphabet=st.characters(blacklist_characters="\r\n"), max_size=60))
def test_fast_path_agrees_with_pyparsing_on_any_text(text: str) -> None:
    assert parse_line(text) == _via_pyparsing(text)


@given(st.text(alphabet='SsEeTtGgOoIiFfAaDd# \t"$x', max_size=14))
def test_fast_path_agrees_with_pyparsing_on_keyword_soup(text: str) -> None:
    # Lines made of keyword letters probe the dispatch on the first two characters.
    assert parse_line(text) == _via_pyparsing(text)


@given(strategies.assignment("SET"))
def test_generated_set_lines_parse_as_set(text: str) -> None:
    assert isinstance(parse_line(text), SetStatement)


@given(strategies.if_line())
def test_generated_if_lines_parse_as_if(text: str) -> None:
    assert isinstance(parse_line(text), IfStatement)
