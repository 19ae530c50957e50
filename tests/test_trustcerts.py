"""TRUSTCERTS: finding, blanking, renaming and mapping, on fixtures and generated files."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ipo46xx import (
    InputError,
    MappingError,
    TrustcertsError,
    blank_trustcerts,
    load,
    parse,
    replace_trustcerts,
    trustcerts,
    trustcerts_mapping,
)

from . import strategies
from .conftest import CASES, FIXTURES, Case

OLD, NEW = "Root-CA-0214515C.pem", "Root-CA-1A2B3C4D.pem"


def test_trustcerts_matches_the_fixture_expectations(case: Case) -> None:
    doc = parse(case.data)
    found = [{"line": t.line, "names": t.names, "quoted": t.quoted} for t in trustcerts(doc)]
    assert found == case.meta["trustcerts"]
    for record in trustcerts(doc):
        assert record.text == doc.line(record.line).text
        assert "TRUSTCERTS" in record.text.upper()


def test_blank_matches_the_golden_file(case: Case) -> None:
    doc = parse(case.data)
    edit = blank_trustcerts(doc)
    assert edit.document.to_bytes() == case.blank
    assert [c.line for c in edit.changes] == [t["line"] for t in case.meta["trustcerts"]]
    for change in edit.changes:
        assert change.old == doc.line(change.line).text
        assert change.new == edit.document.line(change.line).text


@pytest.mark.parametrize("name", [n for n in CASES if Case(n).mapping is not None])
def test_replace_matches_the_golden_file(name: str) -> None:
    case = Case(name)
    assert case.mapping is not None
    edit = replace_trustcerts(parse(case.data), case.mapping)
    assert edit.document.to_bytes() == case.replace


def test_blank_is_idempotent(case: Case) -> None:
    once = blank_trustcerts(parse(case.data)).document
    again = blank_trustcerts(once)
    assert again.changes == ()
    assert again.document.to_bytes() == once.to_bytes()
    assert all(t.names == [] for t in trustcerts(again.document))


def test_blank_writes_exactly_what_the_advisory_writes() -> None:
    data = 'SET TRUSTCERTS "Root-CA-0214515C.pem"\r\nSET TRUSTCERTS WebRootCA.pem\n'
    edit = blank_trustcerts(parse(data))
    assert [(c.old, c.new) for c in edit.changes] == [
        ('SET TRUSTCERTS "Root-CA-0214515C.pem"', 'SET TRUSTCERTS ""'),
        ("SET TRUSTCERTS WebRootCA.pem", 'SET TRUSTCERTS ""'),
    ]
    assert edit.document.to_bytes() == b'SET TRUSTCERTS ""\r\nSET TRUSTCERTS ""\n'


def test_blank_handles_bare_unterminated_and_add_forms() -> None:
    doc = parse('SET TRUSTCERTS\nSET TRUSTCERTS "a.pem\nADD TRUSTCERTS b.pem\nSET TRUSTCERTS ""\n')
    edit = blank_trustcerts(doc)
    assert edit.document.to_bytes() == (
        b'SET TRUSTCERTS ""\nSET TRUSTCERTS ""\nADD TRUSTCERTS ""\nSET TRUSTCERTS ""\n'
    )
    assert [c.line for c in edit.changes] == [1, 2, 3]


def test_replace_keeps_other_entries_order_and_quoting() -> None:
    doc = parse(f'SET TRUSTCERTS "A.pem,{OLD},B.pem"\r\nSET TRUSTCERTS {OLD},C.pem\r\n')
    edit = replace_trustcerts(doc, {OLD: NEW})
    assert edit.document.to_bytes() == (
        f'SET TRUSTCERTS "A.pem,{NEW},B.pem"\r\nSET TRUSTCERTS {NEW},C.pem\r\n'.encode()
    )


def test_replace_refuses_an_old_name_that_is_not_trusted() -> None:
    doc = parse("SET TRUSTCERTS WebRootCA.pem\n## SET TRUSTCERTS Root-CA-0214515C.pem\n")
    with pytest.raises(MappingError, match=r"Root-CA-0214515C\.pem is not in any active"):
        replace_trustcerts(doc, {OLD: NEW})


@pytest.mark.parametrize(
    "bad", ["two words.pem", "a,b.pem", 'q"uote.pem', "", "\u201cq\u201d.pem", "caf\u00e9.pem"]
)
def test_replace_refuses_names_phones_reject(bad: str) -> None:
    doc = parse(f"SET TRUSTCERTS {OLD}\n")
    with pytest.raises(TrustcertsError):
        replace_trustcerts(doc, {OLD: bad})


def test_replace_refuses_a_list_over_255_characters() -> None:
    doc = parse(f'SET TRUSTCERTS "{OLD}"\n')
    long_name = "x" * 252 + ".pem"
    with pytest.raises(TrustcertsError, match=r"line 1.*256 characters.*at most 255"):
        replace_trustcerts(doc, {OLD: long_name})
    ok = replace_trustcerts(doc, {OLD: "x" * 251 + ".pem"})
    assert len(ok.document.to_bytes()) == len('SET TRUSTCERTS ""\n') + 255


def test_mapping_from_the_fixture_admin_file_and_regenerated_ipo_file() -> None:
    admin = load(FIXTURES / "admin-explicit" / "46xxsettings.txt")
    regenerated = load(FIXTURES / "ipo11-auto" / "regenerated.txt")
    names = [n for t in trustcerts(admin) for n in t.names]
    assert trustcerts_mapping(names, regenerated) == {OLD: NEW}


def test_mapping_keeps_names_the_new_file_still_has() -> None:
    new = parse(f"SET TRUSTCERTS {OLD}\n")
    assert trustcerts_mapping([OLD, "WebRootCA.pem"], new) == {}


def test_mapping_ambiguity_lists_candidates_and_the_way_out() -> None:
    new = parse('SET TRUSTCERTS "Root-CA-AAAAAAAA.pem,Root-CA-BBBBBBBB.pem"\n')
    with pytest.raises(MappingError) as info:
        trustcerts_mapping([OLD, "Root-CA-CCCCCCCC.pem"], new)
    message = str(info.value)
    for name in (OLD, "Root-CA-CCCCCCCC.pem", "Root-CA-AAAAAAAA.pem", "Root-CA-BBBBBBBB.pem"):
        assert name in message
    assert "--replace" in message


def test_mapping_without_a_new_root_ca_says_what_to_check() -> None:
    with pytest.raises(MappingError, match="regenerated"):
        trustcerts_mapping([OLD], parse("SET TRUSTCERTS WebRootCA.pem\n"))


@given(strategies.settings_text())
def test_blank_touches_only_active_trustcerts_lines(text: str) -> None:
    doc = parse(text.encode())
    edit = blank_trustcerts(doc)
    active = {t.line for t in trustcerts(doc)}
    assert {c.line for c in edit.changes} <= active
    new = edit.document
    assert len(new) == len(doc)
    for before, after in zip(doc.lines, new.lines, strict=True):
        assert before.ending == after.ending
        if before.number not in active:
            assert before.text == after.text
    assert all(t.names == [] for t in trustcerts(new))
    assert blank_trustcerts(new).changes == ()


@given(strategies.with_trustcerts(), strategies.cert)
def test_replace_there_and_back_restores_the_bytes(
    generated: tuple[str, str], new_name: str
) -> None:
    text, old_name = generated
    doc = parse(text.encode())
    assume(new_name not in {n for t in trustcerts(doc) for n in t.names})
    there = replace_trustcerts(doc, {old_name: new_name})
    assert old_name not in {n for t in trustcerts(there.document) for n in t.names}
    back = replace_trustcerts(there.document, {new_name: old_name})
    assert back.document.to_bytes() == doc.to_bytes()


@given(st.lists(strategies.cert, min_size=1, max_size=5, unique=True), st.booleans())
def test_replace_renames_exactly_one_entry(names: list[str], quoted: bool) -> None:
    value = ",".join(names)
    doc = parse(f"SET TRUSTCERTS {value if not quoted else chr(34) + value + chr(34)}\n")
    target = names[-1]
    assume("Renamed.pem" not in names)
    edit = replace_trustcerts(doc, {target: "Renamed.pem"})
    [record] = trustcerts(edit.document)
    assert record.names == [*names[:-1], "Renamed.pem"]
    assert record.quoted == quoted


def test_a_string_where_names_are_expected_is_an_input_error() -> None:
    new = parse('SET TRUSTCERTS "Root-CA-1A2B3C4D.pem"')
    with pytest.raises(InputError, match="list of names"):
        trustcerts_mapping("Root-CA-0214515C.pem", new)


@pytest.mark.parametrize("mapping", ["a=b", [("a", "b")]])
def test_a_mapping_that_is_not_a_mapping_is_an_input_error(mapping: object) -> None:
    with pytest.raises(InputError, match="mapping of old to new names"):
        replace_trustcerts(parse("SET TRUSTCERTS a"), mapping)  # type: ignore[arg-type]
