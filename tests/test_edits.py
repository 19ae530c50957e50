"""set_setting, unset_setting, add_setting: each placement, each refusal, on small files
and on the real-shaped fixtures; and random edits that either raise or keep the contract."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ipo46xx import (
    MODELS,
    InputError,
    Ipo46xxError,
    Phones,
    PlacementError,
    SettingsFile,
    add_setting,
    compare,
    load,
    parse,
    set_setting,
    unset_setting,
)

from .conftest import FIXTURES
from .edit_oracle import lossless, violations

IPO11 = FIXTURES / "corpus" / "ipo11-generated" / "46xxsettings.txt"
TEMPLATE = FIXTURES / "corpus" / "avaya-template-2011" / "46xxsettings.txt"
MIXED = FIXTURES / "corpus" / "96x1-mixed" / "46xxsettings.txt"
CORPUS_FILES = sorted(p for p in FIXTURES.rglob("*.txt") if p.stat().st_size)

# The 16xx rows of the model table, as compare names them.
SIXTEEN = tuple(f"{m.model4} {m.sig}" for m in MODELS if m.family == "16xx")


def _wanted(doc: SettingsFile, phones: Phones | None, value: str | None) -> dict:
    """The selected (model4, sig, group) keys the oracle walks, each with its value."""
    from .edit_oracle import profiles  # noqa: PLC0415

    group = None if phones is None else phones.group
    return {
        (p.model4, str(p.sig), str(p.group)): value
        for p in profiles(doc, group)
        if phones is None or phones.matches(p)
    }


def _proved(doc: SettingsFile, edit, name: str, phones: Phones | None, value: str | None):  # type: ignore[no-untyped-def]
    group = None if phones is None else phones.group
    assert violations(doc, edit, name, _wanted(doc, phones, value), group) == []
    assert lossless(doc, edit)
    return edit


# --- placement cases ---------------------------------------------------------------


def test_in_place_when_the_deciding_line_serves_exactly_the_phones_named() -> None:
    doc = load(IPO11)
    edit = _proved(
        doc,
        set_setting(doc, "screensaveron", "60", Phones(family="16xx")),
        "SCREENSAVERON",
        Phones(family="16xx"),
        "60",
    )
    assert [(c.line, c.old, c.new, c.kind) for c in edit.changes] == [
        (34, "SET SCREENSAVERON 240", "SET SCREENSAVERON 60", "replaced")
    ]
    assert edit.document.to_bytes().count(b"\r\n") == doc.to_bytes().count(b"\r\n")


def test_in_place_keeps_quoting_spacing_and_ending() -> None:
    doc = parse(b'## c\r\nset  LANGUAGE_IN_USE\t"Francais"  # note\r\nGET x.txt')
    edit = _proved(
        doc, set_setting(doc, "LANGUAGE_IN_USE", "Deutsch"), "LANGUAGE_IN_USE", None, "Deutsch"
    )
    assert (
        edit.document.to_bytes() == b'## c\r\nset  LANGUAGE_IN_USE\t"Deutsch"  # note\r\nGET x.txt'
    )


def test_a_value_with_blanks_is_quoted_in_place() -> None:
    doc = parse("SET LANGUAGE_IN_USE Francais\n")
    edit = _proved(
        doc,
        set_setting(doc, "LANGUAGE_IN_USE", "Brazilian Portuguese"),
        "LANGUAGE_IN_USE",
        None,
        "Brazilian Portuguese",
    )
    assert edit.document.to_text() == 'SET LANGUAGE_IN_USE "Brazilian Portuguese"\n'


def test_a_new_setting_for_every_phone_goes_before_the_final_get() -> None:
    doc = load(IPO11)
    edit = _proved(doc, set_setting(doc, "SNTPSRVR", "10.8.61.1"), "SNTPSRVR", None, "10.8.61.1")
    lines = edit.document.to_text().splitlines()
    assert lines[-3:] == ["# END ", "SET SNTPSRVR 10.8.61.1", "GET 46xxspecials.txt"]
    assert edit.document.to_bytes().endswith(b"SET SNTPSRVR 10.8.61.1\r\nGET 46xxspecials.txt\r\n")


def test_a_set_next_to_the_deciding_add() -> None:
    doc = parse("SET TRUSTCERTS a.pem\nADD TRUSTCERTS b.pem\n")
    edit = _proved(doc, set_setting(doc, "TRUSTCERTS", "c.pem"), "TRUSTCERTS", None, "c.pem")
    assert (
        edit.document.to_text()
        == "SET TRUSTCERTS a.pem\nADD TRUSTCERTS b.pem\nSET TRUSTCERTS c.pem\n"
    )


def test_a_labelled_block_after_a_line_other_phones_read_in_the_files_style() -> None:
    doc = parse(b"if $MODEL4 SEQ 1608 goto A\r\nset TLSSRVRID 0\r\n# A\r\n")
    phones = Phones(model="9611", sig="H323")
    edit = _proved(doc, set_setting(doc, "TLSSRVRID", "1", phones), "TLSSRVRID", phones, "1")
    assert edit.document.to_bytes() == (
        b"if $MODEL4 SEQ 1608 goto A\r\nset TLSSRVRID 0\r\n"
        b"if $SIG_IN_USE SEQ H323 goto SET_TLSSRVRID\r\ngoto SET_TLSSRVRID_END\r\n"
        b"# SET_TLSSRVRID\r\nif $MODEL4 SEQ 9611 goto SET_TLSSRVRID_2\r\n"
        b"goto SET_TLSSRVRID_END\r\n# SET_TLSSRVRID_2\r\nset TLSSRVRID 1\r\n"
        b"# SET_TLSSRVRID_END\r\n"
        b"# A\r\n"
    )


def test_a_block_never_reuses_a_label() -> None:
    doc = parse("# SET_TLSSRVRID\n# set_tlssrvrid_2 heading\nSET TLSSRVRID 0\n")
    edit = set_setting(doc, "TLSSRVRID", "1", Phones(model="J179"))
    tags = [c.new for c in edit.changes if c.new.startswith("# ")]
    assert tags == ["# SET_TLSSRVRID_END", "# SET_TLSSRVRID_3"] or all(
        t.split()[1].casefold() not in ("set_tlssrvrid", "set_tlssrvrid_2") for t in tags
    )
    _proved(doc, edit, "TLSSRVRID", Phones(model="J179"), "1")


def test_a_group_selection_splits_on_group() -> None:
    doc = load(MIXED)
    phones = Phones(model="9611", sig="H323", group=5)
    edit = _proved(
        doc, set_setting(doc, "SCREENSAVERON", "30", phones), "SCREENSAVERON", phones, "30"
    )
    assert any("$GROUP SEQ 5" in c.new for c in edit.changes)


def test_a_group_the_file_sends_elsewhere_is_edited_in_its_section() -> None:
    doc = load(MIXED)
    phones = Phones(group=3)
    edit = _proved(
        doc, set_setting(doc, "SCREENSAVERON", "5", phones), "SCREENSAVERON", phones, "5"
    )
    assert [(c.old, c.new) for c in edit.changes] == [
        ("SET SCREENSAVERON 0", "SET SCREENSAVERON 5")
    ]


def test_nothing_changes_when_the_phones_already_have_the_value() -> None:
    doc = load(IPO11)
    assert not set_setting(doc, "TLSPORT", "411", Phones(model="9611", sig="H323")).changed


def test_set_on_the_template_for_one_model() -> None:
    doc = load(TEMPLATE)
    phones = Phones(model="9641")
    edit = _proved(
        doc, set_setting(doc, "SCREENSAVERON", "120", phones), "SCREENSAVERON", phones, "120"
    )
    assert edit.document.to_bytes().count(b"\n") == edit.document.to_bytes().count(b"\r\n")


def test_add_appends_for_the_phones_named() -> None:
    doc = load(IPO11)
    phones = Phones(model="J179", sig="SIP")
    edit = add_setting(doc, "TRUSTCERTS", "Mine.pem", phones)
    assert violations(doc, edit, "TRUSTCERTS", _wanted(doc, phones, "WebRootCA.pem,Mine.pem")) == []
    assert any(c.new == "ADD TRUSTCERTS Mine.pem" for c in edit.changes)


def test_add_is_refused_for_settings_not_known_to_take_it() -> None:
    with pytest.raises(InputError, match="ADD is documented only for TRUSTCERTS"):
        add_setting(parse("SET SNTPSRVR a\n"), "SNTPSRVR", "b")


# --- unset ---------------------------------------------------------------------------


def test_unset_comments_out_a_line_only_the_phones_named_read() -> None:
    doc = load(IPO11)
    edit = _proved(
        doc,
        unset_setting(doc, "TRUSTCERTS", Phones(sig="SIP")),
        "TRUSTCERTS",
        Phones(sig="SIP"),
        None,
    )
    assert [(c.old, c.new) for c in edit.changes] == [
        ("SET TRUSTCERTS WebRootCA.pem", "## SET TRUSTCERTS WebRootCA.pem")
    ]


def test_unset_lets_the_phones_named_jump_over_a_shared_line() -> None:
    doc = load(IPO11)
    phones = Phones(model="9611")
    edit = _proved(doc, unset_setting(doc, "TLSSRVRID", phones), "TLSSRVRID", phones, None)
    assert [c.new for c in edit.changes] == [
        "IF $MODEL4 SEQ 9611 GOTO SKIP_TLSSRVRID",
        "# SKIP_TLSSRVRID",
    ]


def test_unset_of_a_setting_nobody_gets_changes_nothing() -> None:
    doc = load(IPO11)
    assert not unset_setting(doc, "NOSUCHSETTING").changed


# --- refusals ------------------------------------------------------------------------


def test_a_get_that_hands_the_phones_away_before_the_deciding_line_is_refused() -> None:
    doc = parse("GET 46xxspecials.txt\nSET SNTPSRVR 10.0.0.1\n")
    with pytest.raises(
        PlacementError, match=r"line 2: SET SNTPSRVR 10.0.0.1\).*GET \(line 1\) hands the phones"
    ):
        set_setting(doc, "SNTPSRVR", "10.0.0.2")
    with pytest.raises(PlacementError, match="no GET finds its file"):
        unset_setting(doc, "SNTPSRVR")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SNTPSRVR", '"a","b"', "quoted items"),
        ("SNTPSRVR", 'a"b', "double quote"),
        ("SNTPSRVR", "\u201ca\u201d", "typographic"),
        ("SNTPSRVR", "x" * 256, "at most 255"),
        ("SNTPSRVR", "a\nb", "line break"),
        ("A" * 31, "1", "at most 30"),
        ("SET X", "1", "not a setting name"),
        ("TRUSTCERTS", "a.pem, b.pem", "TRUSTCERTS entries"),
    ],
)
def test_values_are_checked_as_the_linter_checks_them(name: str, value: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        set_setting(parse("SET SNTPSRVR a\n"), name, value)


def test_a_selection_that_matches_nothing_is_refused() -> None:
    with pytest.raises(InputError, match="no phone profile matches"):
        set_setting(parse(""), "A", "1", Phones(model="1608", sig="SIP"))


def test_unknown_selections_are_refused() -> None:
    with pytest.raises(InputError, match="model 4610 is not known"):
        Phones(model="4610")
    with pytest.raises(InputError, match="family 97xx is not known"):
        Phones(family="97xx")
    with pytest.raises(InputError, match="signalling"):
        Phones(sig="MGCP")


# --- compare -------------------------------------------------------------------------


def test_compare_groups_profiles_and_names_lines() -> None:
    old = load(IPO11)
    new = set_setting(old, "SCREENSAVERON", "60", Phones(family="16xx")).document
    result = compare(old, new)
    assert result.differs
    [difference] = result.differences
    assert difference.profiles == SIXTEEN
    [change] = difference.changes
    assert (change.kind, change.old.value, change.new.value, change.old.line) == (
        "changed",
        "240",
        "60",
        34,
    )
    assert not compare(old, old).differs
    assert not compare(old, new, Phones(family="96x1")).differs


def test_compare_through_loaders_reads_each_side_as_phones_do() -> None:
    main = parse("SET A 1\nGET 46xxspecials.txt\n", name="46xxsettings.txt")
    before = {"46xxspecials.txt": b"SET A 2\n"}
    after = {"46xxspecials.txt": b"SET A 3\n"}
    result = compare(main, main, Phones(model="9611", sig="H323"), (before.get, after.get))
    [change] = result.changes("9611 H323")
    assert (change.old.value, change.new.value, change.new.file) == ("2", "3", "46xxspecials.txt")
    assert not compare(main, main, loader=before.get).differs


# --- random real-shaped edits ----------------------------------------------------------

_FAMILIES = sorted({row.family for row in MODELS})
_MODELS = sorted({row.model4 for row in MODELS})


def _shaped(rng: random.Random) -> SettingsFile:
    """A corpus file with a few of its lines dropped, repeated or taken from another."""
    lines = rng.choice(CORPUS_FILES).read_bytes().splitlines(keepends=True)
    donor = rng.choice(CORPUS_FILES).read_bytes().splitlines(keepends=True)
    for _ in range(rng.randint(0, 4)):
        action = rng.randrange(3)
        if action == 0 and lines:
            del lines[rng.randrange(len(lines))]
        elif action == 1 and donor:
            lines.insert(rng.randint(0, len(lines)), rng.choice(donor))
        elif lines:
            lines.insert(rng.randint(0, len(lines)), rng.choice(lines))
    return parse(b"".join(lines), name="46xxsettings.txt")


selections = st.builds(
    Phones,
    model=st.none() | st.sampled_from(_MODELS),
    family=st.none() | st.sampled_from(_FAMILIES),
    sig=st.none() | st.sampled_from(["H323", "SIP"]),
    group=st.none() | st.sampled_from(["0", "1", "3", "7"]),
)
setting_names = st.sampled_from(
    [
        "TRUSTCERTS",
        "SCREENSAVERON",
        "TLSSRVRID",
        "SNTPSRVR",
        "SIPDOMAIN",
        "OBSCURE_PREFERENCES",
        "LANGUAGES",
        "DIALPLAN",
        "NEWSETTING",
    ]
)
values = st.sampled_from(["", "1", "240", "10.0.0.1", "Mine.pem", "a b c", "Root-CA-1A2B3C4D.pem"])


@given(seed=st.integers(0, 2**32), name=setting_names, value=values, data=st.data())
def test_every_set_either_raises_or_keeps_the_contract(
    seed: int, name: str, value: str, data: st.DataObject
) -> None:
    doc = _shaped(random.Random(seed))
    phones = data.draw(st.none() | selections)
    try:
        edit = set_setting(doc, name, value, phones)
    except Ipo46xxError:
        return
    _proved(doc, edit, name, phones, value)


@given(seed=st.integers(0, 2**32), name=setting_names, data=st.data())
def test_every_unset_either_raises_or_keeps_the_contract(
    seed: int, name: str, data: st.DataObject
) -> None:
    doc = _shaped(random.Random(seed))
    phones = data.draw(st.none() | selections)
    try:
        edit = unset_setting(doc, name, phones)
    except Ipo46xxError:
        return
    _proved(doc, edit, name, phones, None)


def test_the_oracle_catches_a_wrong_edit() -> None:
    # The independent check must fail on an edit that reaches a phone not named.
    doc = load(IPO11)
    everyone = set_setting(doc, "SNTPSRVR", "1.2.3.4")
    phones = Phones(model="9611")
    assert violations(doc, everyone, "SNTPSRVR", _wanted(doc, phones, "1.2.3.4")) != []
