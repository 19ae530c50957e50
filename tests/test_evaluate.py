"""The evaluator: what each phone gets, walking the file the way a phone does."""

from __future__ import annotations

import pytest
from hypothesis import given

from ipo46xx import (
    MODEL_FAMILIES,
    MODELS,
    InputError,
    Phone,
    blank_trustcerts,
    evaluate,
    lint,
    load,
    parse,
)
from ipo46xx.format.statements import Tag

from . import strategies
from .conftest import FIXTURES

IPO = load(FIXTURES / "ipo11-auto" / "46xxsettings.txt")
ROOT_CA = "Root-CA-0214515C.pem"


@pytest.mark.parametrize(
    ("model", "sig", "expected"),
    [
        ("9611", "H323", ROOT_CA),
        ("J179", "H323", ROOT_CA),
        ("J179", "SIP", "WebRootCA.pem"),
        ("9611", "SIP", "WebRootCA.pem"),
        ("K175", "SIP", "WebRootCA.pem"),
        ("1608", "H323", None),
        ("9620", "H323", None),
    ],
)
def test_ipo_auto_generated_file(model: str, sig: str, expected: str | None) -> None:
    result = evaluate(IPO, Phone(model, sig=sig))
    assert result.get("TRUSTCERTS") == expected
    if expected is not None:
        setting = result.settings["TRUSTCERTS"]
        assert IPO.line(setting.line).statement is not None
        assert setting.file == "46xxsettings.txt"


def test_after_blanking_no_model_trusts_anything() -> None:
    blanked = blank_trustcerts(IPO).document
    values = {
        (model, sig): evaluate(blanked, Phone(model, sig=sig)).get("TRUSTCERTS")
        for _family, models, sigs in MODEL_FAMILIES
        for model in models
        for sig in sigs
    }
    assert set(values.values()) == {"", None}
    assert values["9611", "H323"] == "" and values["J179", "SIP"] == ""


def test_the_trace_follows_the_jumps() -> None:
    result = evaluate(IPO, Phone("9611", sig="H323"))
    lines = [step.line for step in result.trace]
    assert lines[:5] == [5, 6, 7, 8, 9]
    assert 35 in lines and 49 not in lines
    assert lines[-2:] == [41, 55]  # GOTO END, then (after the tag) GET 46xxspecials.txt


def test_get_continues_in_the_other_file_and_never_returns() -> None:
    main = parse("SET A main\nGET 46xxspecials.txt\nSET A after-get\n", name="46xxsettings.txt")
    specials = b"SET B special\nSET A special\n"
    result = evaluate(main, Phone("9611"), loader={"46xxspecials.txt": specials}.get)
    assert result.get("A") == "special"
    assert result.settings["A"].file == "46xxspecials.txt"
    assert [(s.file, s.line) for s in result.trace][-2:] == [
        ("46xxspecials.txt", 1),
        ("46xxspecials.txt", 2),
    ]


def test_get_of_a_missing_file_continues() -> None:
    main = parse("GET 46xxspecials.txt\nSET A 1\n")
    result = evaluate(main, Phone("9611"), loader=lambda name: None)
    assert result.get("A") == "1"
    assert [f.code for f in result.findings] == ["get-not-found"]


def test_an_undefined_tag_ends_processing() -> None:
    doc = parse("SET A 1\nGOTO NOWHERE\nSET A 2\n")
    result = evaluate(doc, Phone("9611"))
    assert result.get("A") == "1"
    assert [(f.code, f.line) for f in result.findings] == [("undefined-tag", 2)]


def test_a_goto_loop_is_reported_not_hung() -> None:
    doc = parse("# TOP\nSET A 1\nIF $GROUP SEQ 3 GOTO TOP\nSET B 2\n")
    looping = evaluate(doc, Phone("9611", group=3))
    assert [f.code for f in looping.findings] == ["goto-loop"]
    assert looping.get("B") is None
    assert evaluate(doc, Phone("9611", group=1)).get("B") == "2"


def test_unknown_variable_makes_the_line_a_no_op() -> None:
    doc = parse("IF $MACADDR SEQ 001122334455 GOTO X\nSET A 1\n# X\nSET B 2\n")
    result = evaluate(doc, Phone("9611"))
    assert result.get("A") == "1" and result.get("B") == "2"
    assert [f.code for f in result.findings] == ["unknown-variable"]
    assert evaluate(doc, Phone("9611", macaddr="001122334455")).get("A") is None


def test_seq_compares_exactly_on_96x1_j100_and_k100() -> None:
    doc = parse("IF $MODEL4 SEQ j179 goto X\nSET A no\n# X\n")
    for model4 in ("9611", "J179", "K175"):
        assert evaluate(doc, Phone(model4)).get("A") == "no", model4
    assert (
        evaluate(parse("IF $MODEL4 SEQ J179 goto X\nSET A no\n# X\n"), Phone("J179")).get("A")
        is None
    )


def test_seq_ignores_case_on_96x0_and_16xx_as_their_guides_say() -> None:
    doc = parse("IF $MODEL SEQ 9620d01a goto X\nSET A no\n# X\n")
    assert evaluate(doc, Phone("9620", model="9620D01A")).get("A") is None
    assert (
        evaluate(parse("IF $MODEL4 SEQ 1608 GOTO X\nSET A no\n# X\n"), Phone("1608")).get("A")
        is None
    )
    assert evaluate(doc, Phone("9620", model="9620D01A", seq_ignores_case=False)).get("A") == "no"


def test_every_model_row_reports_its_own_variables() -> None:
    for row in MODELS:
        phone = Phone.for_model(row)
        reported = {v: phone.variable(v) for v in ("$MODEL4", "$MODEL", "$SIG", "$SIG_IN_USE")}
        assert reported == {
            "$MODEL4": row.model4,
            "$MODEL": row.model,
            "$SIG": row.sig_number,
            "$SIG_IN_USE": row.sig_in_use,
        }
        assert phone.ignores_case == row.seq_ignores_case


def test_the_model_table_has_96x0_on_sip_and_the_j100_and_k100_models() -> None:
    rows = {(row.model4, row.sig) for row in MODELS}
    for model4 in ("9620", "9630", "9640", "9650", "9670"):
        assert {(model4, "H323"), (model4, "SIP")} <= rows
    for model4 in ("J129", "J139", "J159", "J169", "J179", "J189", "K155", "K165", "K175"):
        assert (model4, "SIP") in rows
    assert ("J129", "H323") not in rows and ("K175", "H323") not in rows
    assert {("1603", "H323"), ("1608", "H323"), ("1616", "H323")} <= rows
    assert ("1608", "SIP") not in rows
    assert len(rows) == len(MODELS)


def test_the_model_table_has_the_rows_real_files_branch_on() -> None:
    rows = {(row.model4, row.sig): row for row in MODELS}
    for wanted in ("J159", "H323"), ("J189", "H323"), ("1603", "SIP"):
        assert wanted in rows, wanted
    for client in ("aca", "aci", "acm", "acw"):
        row = rows[(client, "SIP")]
        assert row.model is None  # what a client reports as $MODEL is not documented
    assert all(row.source for row in MODELS)


def test_sig_fills_both_signalling_variables() -> None:
    phone = Phone("9611", sig="h.323")
    assert phone.variable("$SIG") == "1"
    assert phone.variable("$SIG_IN_USE") == "H323"
    assert Phone("9611", sig="SIP").variable("$SIG") == "2"
    assert Phone("9611", variables={"$SIG": "7"}).variable("SIG") == "7"
    apart = Phone("J179", sig="H323", sig_in_use="SIP")
    assert (apart.variable("$SIG"), apart.variable("$SIG_IN_USE")) == ("1", "SIP")
    with pytest.raises(InputError, match="H323 or SIP"):
        Phone("9611", sig="ISDN")


@pytest.mark.parametrize("typed", ["C8:1F:EA:9B:65:00", "c8-1f-ea-9b-65-00", "C81FEA9B6500"])
def test_macaddr_is_compared_as_phones_write_it(typed: str) -> None:
    doc = parse("IF $MACADDR SEQ c81fea9b6500 GOTO X\nSET A no\n# X\n")
    assert evaluate(doc, Phone("J179", macaddr=typed)).get("A") is None
    assert evaluate(doc, Phone("J179", variables={"MACADDR": typed})).get("A") is None
    written = parse("IF $MACADDR SEQ C8:1F:EA:9B:65:00 GOTO X\nSET A no\n# X\n")
    assert evaluate(written, Phone("J179", macaddr=typed)).get("A") == "no"


def test_an_indented_tag_is_a_tag_as_an_indented_keyword_is_a_statement() -> None:
    doc = parse("GOTO L\nSET A 1\n  # L\nSET B 2\n")
    result = evaluate(doc, Phone("9611"))
    assert (result.get("A"), result.get("B"), result.findings) == (None, "2", [])


def test_the_variables_real_files_test_are_known_and_say_how_to_give_them() -> None:
    for name in ("PHONECC", "HWVERS", "BOOTNAME", "MODEL6", "GEN"):
        doc = parse(f"IF ${name} SEQ x GOTO X\nSET A 1\n# X\n")
        [finding] = evaluate(doc, Phone("1608")).findings
        assert f"--var {name}=" in finding.message
        assert evaluate(doc, Phone("1608", variables={name: "x"})).get("A") is None
    [unknown] = evaluate(parse("IF $NOSUCH SEQ x GOTO X\n# X\n"), Phone("1608")).findings
    assert "not a variable" in unknown.message


def test_add_appends_to_a_list() -> None:
    doc = parse("SET TRUSTCERTS a.pem\nADD TRUSTCERTS b.pem\nADD TRUSTCERTS c.pem\n")
    assert evaluate(doc, Phone("J179")).get("TRUSTCERTS") == "a.pem,b.pem,c.pem"
    assert evaluate(parse("ADD TRUSTCERTS b.pem"), Phone("J179")).get("TRUSTCERTS") == "b.pem"


def test_duplicate_tags_jump_to_the_first() -> None:
    doc = parse("GOTO T\n# T\nSET A first\nGOTO E\n# T\nSET A second\n# E\n")
    assert evaluate(doc, Phone("9611")).get("A") == "first"


def test_malformed_lines_are_skipped_with_a_finding() -> None:
    result = evaluate(parse("GOTO\nSET A 1\n"), Phone("9611"))
    assert result.get("A") == "1"
    assert [f.code for f in result.findings] == ["malformed"]


ALL_PHONES = [
    Phone(model, sig=sig, group=group)
    for _family, models, sigs in MODEL_FAMILIES
    for model in models[:1]
    for sig in sigs
    for group in (0, 1)
]


@given(strategies.settings_text())
def test_any_file_evaluates_and_lints_without_hanging(text: str) -> None:
    doc = parse(text)
    statements = doc.statements()
    tags = sum(isinstance(s, Tag) for s in statements)
    for phone in ALL_PHONES[:4]:
        result = evaluate(doc, phone)
        # Each tag is jumped to at most once, so each statement runs at most tags+1 times.
        assert len(result.trace) <= len(statements) * (tags + 1)
    findings = lint(doc)
    assert all(f.severity in ("error", "warning", "info") for f in findings)
    assert [f.line for f in findings] == sorted(f.line for f in findings)


@given(strategies.with_trustcerts())
def test_after_blanking_every_phone_gets_an_empty_trustcerts(generated: tuple[str, str]) -> None:
    blanked = blank_trustcerts(parse(generated[0])).document
    for phone in ALL_PHONES:
        assert evaluate(blanked, phone).get("TRUSTCERTS") in ("", None)


def test_a_jump_lands_on_a_tag_with_text_after_its_name() -> None:
    # Avaya's 2011 template: the jump target is followed by blanks and '##'.
    doc = parse(
        "IF $MODEL4 SEQ 3631 GOTO SETTINGS3631\nGOTO END\n"
        "# SETTINGS3631          ##\nSET WMLHOME http://example/3631.wml\n# END\n"
    )
    result = evaluate(doc, Phone("3631"))
    assert result.get("WMLHOME") == "http://example/3631.wml"
    assert result.findings == []


J100_UPGRADE = parse(
    "IF $MODEL4 SEQ J179 goto J179\nGOTO GETSET\n# J179\nSET APPNAME FW_S_J179_R4_1.bin\n"
    "# GETSET\nGET $MACADDR.txt\nSET FALLBACK yes\n",
    name="J100Supgrade.txt",
)


@pytest.mark.parametrize(
    "phone",
    [Phone("J179", macaddr="d47856b7122c"), Phone("J179", variables={"MACADDR": "d47856b7122c"})],
)
def test_get_substitutes_the_phones_variables_in_the_file_name(phone: Phone) -> None:
    files = {"d47856b7122c.txt": b"SET SIPUSERNAME 2001\n"}
    result = evaluate(J100_UPGRADE, phone, loader=files.get)
    assert result.get("SIPUSERNAME") == "2001"
    assert result.settings["SIPUSERNAME"].file == "d47856b7122c.txt"
    assert result.get("FALLBACK") is None  # nothing after a successful GET is read
    assert result.findings == []


def test_get_substitutes_model4_too() -> None:
    doc = parse("GET $MODEL4.txt\n")
    result = evaluate(doc, Phone("J179"), loader={"J179.txt": b"SET A j179\n"}.get)
    assert result.get("A") == "j179"


def test_get_with_an_unset_variable_cannot_be_had_and_names_it() -> None:
    result = evaluate(J100_UPGRADE, Phone("J179"), loader={"d47856b7122c.txt": b"SET A 1"}.get)
    assert result.get("FALLBACK") == "yes"
    [finding] = result.findings
    assert (finding.code, finding.severity, finding.line) == ("get-not-found", "info", 6)
    assert "$MACADDR" in finding.message and "cannot be had here" in finding.message


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        (Phone("J179", macaddr="d47856b7122c"), "Avaya telephone with MAC address d47856b7122c"),
        (Phone("J179"), "Avaya telephone with MAC address $MACADDR"),
    ],
)
def test_macaddr_in_a_value_is_shown_substituted(phone: Phone, expected: str) -> None:
    # The J100 guide's own example of a value with blanks.
    doc = parse('SET MYCERTCN "Avaya telephone with MAC address $MACADDR"\n')
    setting = evaluate(doc, phone).settings["MYCERTCN"]
    assert setting.value == expected
    # The value as written is kept beside it, when it differs.
    written = "Avaya telephone with MAC address $MACADDR"
    assert setting.written == (None if expected == written else written)


def test_serialno_in_a_value_is_shown_substituted() -> None:
    doc = parse("SET BRURI http://192.168.42.1/backup/$SERIALNO\n")
    phone = Phone("9611", serialno="13WZ51002345")
    assert evaluate(doc, phone).get("BRURI") == "http://192.168.42.1/backup/13WZ51002345"
    assert Phone("9611", variables={"SERIALNO": "X1"}).variable("$SERIALNO") == "X1"
