"""Hostile tests of the change features: odd files, odd values and odd runs that once
gave a wrong result (each test names the finding it pins)."""

from __future__ import annotations

import pytest

import ipo46xx
from ipo46xx import Phones, parse
from ipo46xx.errors import Ipo46xxError, PlacementError
from ipo46xx.format.evaluation import Phone, evaluate

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
