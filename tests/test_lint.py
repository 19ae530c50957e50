"""The linter: each code on a file that has exactly that mistake, and none on clean files."""

from __future__ import annotations

import pytest

from ipo46xx import lint, load, parse

from .conftest import FIXTURES


def _codes(text: str) -> list[tuple[int, str, str]]:
    return [(f.line, f.severity, f.code) for f in lint(parse(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GOTO NOWHERE\n", [(1, "error", "undefined-tag")]),
        ("IF $MODEL4 SEQ 9611 GOTO GONE\n## # GONE\n", [(1, "error", "undefined-tag")]),
        ("GOTO T\n# T\n# T\n", [(3, "warning", "duplicate-tag")]),
        ("GOTO E\nSET A 1\nSET B 2\n# E\n", [(2, "warning", "unreachable")]),
        ("# TOP\nSET A 1\nGOTO TOP\n", [(3, "error", "goto-loop")]),
        ("IF $GROUP SEQ 1 GOTO A\n# A\nIF $GROUP SEQ 2 GOTO A\n", [(3, "error", "goto-loop")]),
        ("SET X " + "v" * 256 + "\n", [(1, "error", "value-too-long")]),
        ('SET TRUSTCERTS "a.pem, b.pem"\n', [(1, "error", "trustcerts-format")]),
        ("SET TRUSTCERTS a.pem,,b.pem\n", [(1, "error", "trustcerts-format")]),
        ("SET SIPDOMAIN \u201cexample.com\u201d\n", [(1, "error", "typographic-quotes")]),
        ('SET SIPDOMAIN "example.com\n', [(1, "error", "unbalanced-quote")]),
        ('SET SIPDOMAIN exa"mple\n', [(1, "error", "unbalanced-quote")]),
        ('SET OBSCURE_PREFERENCES\n"1,2,3"\n', [(1, "warning", "value-on-next-line")]),
        ("#END\nGOTO END\n# END\n", [(1, "warning", "malformed-tag")]),
        ("GOTO\n", [(1, "error", "malformed")]),
        ("set A 1\n", [(1, "info", "lowercase-keyword")]),
        ("IF $GROUP seq 1 goto G\n# G\n", [(1, "info", "lowercase-keyword")] * 2),
        (
            "IF $MODEL4 SEQ 3631 GOTO SETTINGS3631\nGOTO END\n# SETTINGS3631     ##\n"
            "SET A 1\n# END\n",
            [(3, "info", "tag-trailing-text")],
        ),
        ("SET LANGUAGE_IN_USE Brazilian Portuguese\n", [(1, "warning", "unquoted-blank")]),
        ("IF $MODEL4 SEQ j179 GOTO J\n# J\n", [(1, "warning", "seq-case")]),
        # IP Office writes some lists as quoted items.
        ('SET LANGUAGES "a.xml","b.xml"\n', [(1, "warning", "quoted-list")]),
        ('SET LANGUAGES "a.xml" "b.xml"\n', [(1, "error", "unbalanced-quote")]),
        ("IF $SIG_IN_USE SEQ sip GOTO S\n# S\n", [(1, "warning", "seq-case")]),
    ],
)
def test_each_code(text: str, expected: list[tuple[int, str, str]]) -> None:
    assert _codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "## just comments\n#\n",
        '# A\nIF $SIG_IN_USE SEQ SIP GOTO B\nSET TRUSTCERTS "x.pem,y.pem"\nGOTO E\n# B\n# E\n',
        "#SET TRUSTCERTS commented.pem\n## SET X 1\n",
        "IF $GROUP SEQ 1 GOTO A\n# A\nIF $GROUP SEQ 2 GOTO B\n# B\n",
        'SET TRUSTCERTS ""\nSET FONTFILE ""\n',
        # Headings in Avaya's template: tags nobody jumps to, twice, after a GOTO.
        "GOTO END\n# Language download and selection\n# END\nSET A 1\n"
        "# Language download and selection\n# END of the file\n",
        "# T\n# T\n",
        "IF $MODEL SEQ 9620D01A GOTO A\nIF $MODEL4 SEQ J179 GOTO A\n"
        "IF $GROUP SEQ abc GOTO A\n# A\n",
        'SET LANGUAGE_IN_USE "Brazilian Portuguese"\nSET A 1  ## note\n',
    ],
)
def test_clean_files_have_no_findings(text: str) -> None:
    assert lint(parse(text)) == []


def test_fixture_findings() -> None:
    ipo = lint(load(FIXTURES / "ipo11-auto" / "46xxsettings.txt"))
    assert [(f.line, f.code) for f in ipo] == [(38, "value-on-next-line")]
    assert lint(load(FIXTURES / "admin-explicit" / "46xxsettings.txt")) == []
    upgrade = lint(load(FIXTURES / "upgrade-script" / "96xxupgrade.txt"))
    assert {f.code for f in upgrade} == {"lowercase-keyword"}


def test_findings_name_the_file_and_say_what_to_do() -> None:
    [finding] = lint(parse("#END\n# X\n", name="46xxsettings.txt"))
    assert finding.file == "46xxsettings.txt"
    assert "'# END' with one space" in finding.message


def test_unquoted_blank_says_what_phones_read_and_how_to_quote() -> None:
    [finding] = lint(parse("SET LANGUAGE_IN_USE Brazilian Portuguese\n"))
    assert "Brazilian" in finding.message
    assert 'SET LANGUAGE_IN_USE "Brazilian Portuguese"' in finding.message


def test_a_jump_to_a_tag_with_text_says_where_it_lands() -> None:
    [finding] = lint(parse("GOTO S3631\n# S3631  ##\n"))
    assert "S3631" in finding.message and "'##'" in finding.message


def test_seq_case_names_who_takes_the_jump_and_the_spelling() -> None:
    [finding] = lint(parse("IF $MODEL SEQ 9620d01a GOTO X\n# X\n"))
    assert finding.code == "seq-case"
    assert "9620D01A" in finding.message and "96x0" in finding.message
