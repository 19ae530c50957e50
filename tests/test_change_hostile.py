"""Hostile tests of the change features: odd files, odd values and odd runs that once
gave a wrong result (each test names the finding it pins)."""

from __future__ import annotations

import pathlib

import pytest

import ipo46xx
from ipo46xx import Phones, parse
from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.errors import Ipo46xxError, PlacementError
from ipo46xx.format.evaluation import Phone, evaluate
from ipo46xx.staging.changing import SettingEdit
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import LocalStorage

_MAC = "001122334455"


def _gets(text: str, phone: Phone, name: str) -> str | None:
    return evaluate(parse(text), phone).get(name)


def test_a_phone_whose_mac_jumps_elsewhere_is_not_forgotten() -> None:
    """Finding 1: an IF on $MACADDR (a variable no profile carries) sends one desk to
    another SET; 'set for every phone' changed only the line the profiles read and
    returned, so that desk kept the old value."""
    text = (
        f"IF $MACADDR SEQ {_MAC} GOTO SPECIAL\nSET SNTPSRVR 10.0.0.1\nGOTO END\n"
        "# SPECIAL\nSET SNTPSRVR 10.9.9.9\n# END\n"
    )
    try:
        edit = ipo46xx.set_setting(parse(text), "SNTPSRVR", "10.0.0.2")
    except PlacementError as error:
        assert "MACADDR" in str(error)
        return
    desk = Phone("9611", sig="H323", macaddr=_MAC)
    assert _gets(edit.document.to_text(), desk, "SNTPSRVR") == "10.0.0.2"


def test_an_unset_does_not_touch_a_line_only_one_desk_reads() -> None:
    """Finding 1, the other way: a line only the desk with that MAC reads decides the
    setting for it; nothing may change for that desk when other phones are named."""
    text = f"IF $MACADDR SEQ {_MAC} GOTO SPECIAL\nGOTO END\n# SPECIAL\nSET VLANTEST 5\n# END\n"
    try:
        edit = ipo46xx.set_setting(parse(text), "VLANTEST", "7", Phones(model="9608"))
    except PlacementError:
        return
    desk = Phone("9611", sig="H323", macaddr=_MAC)
    assert _gets(edit.document.to_text(), desk, "VLANTEST") == "5"


def test_a_get_of_the_mac_file_hands_the_phones_away() -> None:
    """Finding 2: 'GET $MACADDR.txt' was read as a GET that never finds its file (the
    profiles have no MAC), so a SET after it was said to reach the phones named; phones
    whose own file exists never come back to it."""
    text = "GET $MACADDR.txt\nSET SNTPSRVR 10.0.0.1\n"
    with pytest.raises(PlacementError, match="GET"):
        ipo46xx.set_setting(parse(text), "SNTPSRVR", "10.0.0.2", Phones(model="9611"))


def test_a_value_naming_the_mac_is_still_proved() -> None:
    """The proof with a MAC address must compare the value as written, not as a desk
    with that MAC reads it."""
    text = "GET $MACADDR.txt\n"
    with pytest.raises(Ipo46xxError):
        ipo46xx.set_setting(parse(text), "CONFIG_FILE", "$MACADDR.cfg")
    edit = ipo46xx.set_setting(parse("SET X 1\n"), "CONFIG_FILE", "cfg/$MACADDR.cfg")
    assert edit.document.to_text() == "SET X 1\nSET CONFIG_FILE cfg/$MACADDR.cfg\n"


# --- staged on the card -------------------------------------------------------------

SPECIALS = "46xxspecials.txt"


@pytest.fixture
def card(tmp_path: pathlib.Path) -> LocalStorage:
    folder = tmp_path / "card"
    folder.mkdir()
    return LocalStorage(folder)


def _served(ipo: IpOfficeEmulator, phone: Phone, name: str) -> str | None:
    served = ipo.answer("/46xxsettings.txt")
    assert served is not None
    doc = parse(served, name="46xxsettings.txt")
    setting = evaluate(doc, phone, lambda f: ipo.answer(f"/{f}")).settings.get(name)
    return None if setting is None else setting.value


def test_a_change_in_a_file_some_phones_named_never_read_is_refused(
    card: LocalStorage, tmp_path: pathlib.Path
) -> None:
    """Finding 3: the change went into 46xxspecials.txt, which 9611s never read (the
    explicit file sends them past its GET); the 9611s' value did not change, so it was no
    'difference' and change (and verify) said ok: a wrong ok."""
    card.write("46xxsettings.txt", b"IF $MODEL4 SEQ 9611 GOTO END\nGET 46xxspecials.txt\n# END\n")
    card.write(SPECIALS, b"SET SNTPSRVR 10.0.0.1\n")
    with IpOfficeEmulator(card) as ipo:
        stager = Stager(ipo.url, card, tmp_path / "state")
        try:
            outcome = stager.change([SettingEdit.parse("SNTPSRVR=10.9.9.9")])
        except PlacementError:
            return
        assert outcome.ok
        for model in ("9611", "9621", "J179"):
            assert _served(ipo, Phone(model, sig="SIP"), "SNTPSRVR") == "10.9.9.9", model
        assert stager.verify().ok


def test_verify_after_rollback_reads_the_files_as_they_were(
    card: LocalStorage, tmp_path: pathlib.Path
) -> None:
    """Finding 4: verify after a rollback compared what is served now with what was
    served before through today's files on both sides, so a 46xxspecials.txt that is
    not what it was before the change went unseen: a wrong ok."""
    card.write(SPECIALS, b"SET SNTPSRVR 10.0.0.1\n")
    with IpOfficeEmulator(card) as ipo:
        stager = Stager(ipo.url, card, tmp_path / "state")
        assert stager.change([SettingEdit.parse("SNTPSRVR=10.9.9.9")]).ok
        stager.rollback()
        assert stager.verify().ok
        card.write(SPECIALS, b"SET SNTPSRVR 10.6.6.6\n")  # a hand edit after the rollback
        verification = stager.verify()
        assert not verification.ok
        assert "SNTPSRVR" in verification.message


def test_a_new_label_is_not_one_a_goto_already_names() -> None:
    """Finding 5: a GOTO to a tag that does not exist (phones stop there) named the label
    an edit wanted; the new tag would have caught that jump, so the edit was refused
    instead of taking another label."""
    text = "IF $MODEL4 SEQ 9608 GOTO SET_SNTPSRVR\nSET A 1\ngoto set_sntpsrvr_end\n"
    edit = ipo46xx.set_setting(parse(text), "SNTPSRVR", "1", Phones(model="9611"))
    new = edit.document.to_text()
    assert "# SET_SNTPSRVR_2\n" in new and "# SET_SNTPSRVR_END_2\n" in new
    assert _gets(new, Phone("9608", sig="H323"), "A") is None
    assert _gets(new, Phone("9611", sig="H323"), "SNTPSRVR") == "1"


def test_a_desk_the_chain_sends_past_the_changed_file_is_not_forgotten(
    card: LocalStorage, tmp_path: pathlib.Path
) -> None:
    """Finding 1 through the chain: the explicit file sends the desk with one MAC past
    its GET, so that desk never reads 46xxspecials.txt; the change went there and change
    and verify said every phone gets it."""
    card.write(
        "46xxsettings.txt",
        f"IF $MACADDR SEQ {_MAC} GOTO END\nGET 46xxspecials.txt\n# END\n".encode(),
    )
    card.write(SPECIALS, b"SET SNTPSRVR 10.0.0.1\n")
    with IpOfficeEmulator(card) as ipo:
        stager = Stager(ipo.url, card, tmp_path / "state")
        try:
            outcome = stager.change([SettingEdit.parse("SNTPSRVR=10.9.9.9")])
        except PlacementError as error:
            assert "MACADDR" in str(error)
            return
        desk = Phone("9611", sig="SIP", macaddr=_MAC)
        assert not outcome.ok or _served(ipo, desk, "SNTPSRVR") == "10.9.9.9"
