"""The linter: each code on a file that has exactly that mistake, and none on clean files."""

from __future__ import annotations

import pytest

from ipo46xx import lint, load, parse
from ipo46xx.office.sniff import not_settings_reason

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
        # Phones that follow the quoting rule read only "a.xml": a real break.
        ('SET LANGUAGES "a.xml","b.xml"\n', [(1, "error", "quoted-list")]),
        ('SET PHNDPLENGTH "10","7","3"\n', [(1, "error", "quoted-list")]),
        ("SET TFTP_SERVER=10.2.248.2\n", [(1, "error", "set-equals")]),
        ("SET SIPMODE = 0\n", [(1, "error", "set-equals")]),
        ("EXTENSION_ON_TOP_LINE 0\n", [(1, "error", "missing-set")]),
        ("SNTPSRVR 10.0.0.1\n", [(1, "error", "missing-set")]),
        ("SET_TIME_ZONE Europe/Berlin\n", [(1, "warning", "missing-set")]),
        ("SOME_NEW_PARAM 1\n", [(1, "warning", "missing-set")]),
        ("GOTO L\nSET A 1\n  # L\n", [(2, "warning", "unreachable"), (3, "warning", "indented")]),
        ("  SET A 1\n", [(1, "warning", "indented")]),
        ("IF $SIG SEQ SIP GOTO S\n# S\n", [(1, "warning", "never-matches")]),
        ("IF $SIG_IN_USE SEQ H.323 GOTO S\n# S\n", [(1, "warning", "never-matches")]),
        ("IF $MODEL4 SEQ 9611G GOTO S\n# S\n", [(1, "warning", "never-matches")]),
        ("IF $MACADDR SEQ c8:1f:ea:9b:65:00 GOTO S\n# S\n", [(1, "warning", "never-matches")]),
        ("SET GROUP 5\nIF $GROUP SEQ 5 GOTO S\n# S\n", [(1, "warning", "set-variable")]),
        ("SET SIPDOMAIN {{ domain }}\nSET SIPPORT {{ port }}\n", [(1, "error", "template")]),
        ("## Template\n{if $model == 'J179'}\nSET A 1\n{/if}\n", [(2, "error", "template")]),
        ("SET SIPDOMAIN <SIP_DOMAIN>\n", [(1, "error", "template")]),
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
        # Prose, headings and settings dumps that are comments on purpose.
        "NOTE: SET NAME value sets a parameter\nThis file is for site 2\nABC 1\n",
        "TRUSTCERTS must list the root CA files\nGROUP 5 is the reception\n",
        "  # an indented comment that no jump names\n",
        "IF $SIG SEQ 2 GOTO S\nIF $SIG_IN_USE SEQ H323 GOTO S\nIF $MODEL4 SEQ 4610 GOTO S\n# S\n",
        "IF $MODEL4 SEQ acw GOTO S\nIF $MACADDR SEQ c81fea9b6500 GOTO S\n# S\n",
        'SET DIALPLAN "[2-4]xx|9xxxxxxxx"\nSET SIP_CONTROLLER_LIST "a:5061;transport=tls"\n',
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


def test_set_equals_says_how_to_write_it() -> None:
    [finding] = lint(parse("SET TFTP_SERVER=10.2.248.2\n"))
    assert "SET TFTP_SERVER 10.2.248.2" in finding.message


def test_a_line_without_set_is_a_comment_to_phones() -> None:
    [finding] = lint(parse("EXTENSION_ON_TOP_LINE 0\n"))
    assert "comment" in finding.message and "SET EXTENSION_ON_TOP_LINE 0" in finding.message


def test_a_condition_that_never_holds_names_the_values_that_can() -> None:
    [sig] = lint(parse("IF $SIG SEQ SIP GOTO S\n# S\n"))
    assert "1" in sig.message and "2" in sig.message and "$SIG_IN_USE" in sig.message
    [mac] = lint(parse("IF $MACADDR SEQ C8-1F-EA-9B-65-00 GOTO S\n# S\n"))
    assert "c81fea9b6500" in mac.message


def test_a_template_is_one_finding_however_many_lines_hold_placeholders() -> None:
    text = "".join(f"SET P{i} {{{{ value_{i} }}}}\n" for i in range(20))
    [finding] = lint(parse(text))
    assert "template" in finding.message and finding.line == 1


def test_a_byte_order_mark_is_kept_and_reported() -> None:
    data = b"\xef\xbb\xbfSET SIPDOMAIN example.com\r\n"
    doc = parse(data)
    assert doc.to_bytes() == data
    [finding] = lint(doc)
    assert (finding.line, finding.severity, finding.code) == (1, "warning", "byte-order-mark")


def test_utf16_is_named_with_the_fix() -> None:
    doc = parse("SET SIPDOMAIN example.com\r\n".encode("utf-16"))
    [finding] = lint(doc)
    assert (finding.severity, finding.code) == ("error", "utf-16")
    assert "UTF-16" in finding.message and "UTF-8" in finding.message


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


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_refused_by_name_not_as_binary_data(codec: str) -> None:
    reason = not_settings_reason("SET SIPDOMAIN example.com\r\n".encode(codec))
    assert reason is not None and "UTF-16" in reason and "UTF-8" in reason
    assert "binary" not in reason
