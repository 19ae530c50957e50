"""``ipo46xx set``, ``unset`` and ``diff`` as a user runs them: exit codes, JSON, files."""

from __future__ import annotations

import json
import pathlib
import shutil

from ipo46xx import Phones, compare, load, parse
from ipo46xx.format.phonemodels import MODELS

from .conftest import FIXTURES
from .test_cli import assert_clean_error, run, text

IPO11 = FIXTURES / "corpus" / "ipo11-generated" / "46xxsettings.txt"
TEMPLATE = FIXTURES / "corpus" / "avaya-template-2011"

# The 16xx rows of the model table, as compare names them.
SIXTEEN = tuple(f"{m.model4} {m.sig}" for m in MODELS if m.family == "16xx")


def test_set_prints_the_diff_then_the_effect_per_phone() -> None:
    result = run("set", str(IPO11), "TLSSRVRID", "1", "--model", "9611", "--sig", "H323", "--diff")
    assert result.returncode == 0, result.stderr
    output = text(result)
    assert output.index("+SET TLSSRVRID 1") < output.index("per phone:")
    assert '  9611 H323: TLSSRVRID "0" (46xxsettings.txt:29) -> "1" (46xxsettings.txt:33)' in output


def test_set_writes_out_and_diff_sees_exactly_the_phones_named(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "new.txt"
    result = run("set", str(IPO11), "SCREENSAVERON", "60", "--family", "16xx", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "per phone:" in result.stderr.decode()
    expected = compare(load(IPO11), load(out))
    assert [d.profiles for d in expected.differences] == [SIXTEEN]
    diff = run("diff", str(IPO11), str(out), "--json")
    assert diff.returncode == 1
    document = json.loads(text(diff))
    assert document["differs"] is True
    [difference] = document["differences"]
    assert difference["profiles"] == list(SIXTEEN)
    assert difference["changes"] == [
        {
            "setting": "SCREENSAVERON",
            "kind": "changed",
            "old": {"value": "240", "file": "46xxsettings.txt", "line": 34},
            "new": {"value": "60", "file": "new.txt", "line": 34},
        }
    ]
    assert len(document["same"]) == len(MODELS) - len(SIXTEEN)
    narrowed = run("diff", str(IPO11), str(out), "--family", "96x1")
    assert narrowed.returncode == 0
    assert "no phone gets anything different" in text(narrowed)


def test_diff_of_identical_files_exits_0_and_standard_input_works() -> None:
    result = run("diff", "-", str(IPO11), stdin=IPO11.read_bytes())
    assert result.returncode == 0
    assert f"no phone gets anything different ({len(MODELS)} profiles compared)" in text(result)


def test_diff_through_chains_reads_each_side_as_phones_do(tmp_path: pathlib.Path) -> None:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    shutil.copytree(TEMPLATE, old_dir)
    shutil.copytree(TEMPLATE, new_dir)
    specials = new_dir / "46xxspecials.txt"
    specials.write_bytes(specials.read_bytes().replace(b"192.168.42.1", b"192.168.42.2"))
    main = str(old_dir / "46xxsettings.txt")
    plain = run("diff", main, str(new_dir / "46xxsettings.txt"))
    assert plain.returncode == 0
    chained = run(
        "diff",
        main,
        str(new_dir / "46xxsettings.txt"),
        "--chain",
        str(old_dir),
        "--chain",
        str(new_dir),
        "--model",
        "9611",
    )
    assert chained.returncode == 1, chained.stderr
    assert 'SNTPSRVR "192.168.42.1" (46xxspecials.txt:3) -> "192.168.42.2"' in text(chained)


def test_check_exits_1_and_writes_nothing(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "46xxsettings.txt"
    shutil.copy(IPO11, copy)
    result = run("unset", str(copy), "TRUSTCERTS", "--sig", "SIP", "--check")
    assert result.returncode == 1
    assert copy.read_bytes() == IPO11.read_bytes()
    assert "soft clients (Avaya Workplace, Equinox) keep the value" in text(result)
    assert 'TRUSTCERTS ""' in text(result)
    same = run("set", str(copy), "TLSPORT", "411", "--model", "9611", "--sig", "H323", "--check")
    assert same.returncode == 0


def test_in_place_keeps_a_backup(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "46xxsettings.txt"
    shutil.copy(IPO11, copy)
    result = run("set", str(copy), "SNTPSRVR", "10.8.61.1", "--in-place")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "46xxsettings.txt.orig").read_bytes() == IPO11.read_bytes()
    doc = parse(copy.read_bytes())
    assert all(value == "10.8.61.1" for value in _values(doc, "SNTPSRVR"))


def _values(doc, name):  # type: ignore[no-untyped-def]
    from ipo46xx.format.profiles import setting_per_profile  # noqa: PLC0415

    return setting_per_profile(doc, name).values()


def test_mistakes_are_one_line_and_exit_2(tmp_path: pathlib.Path) -> None:
    assert_clean_error(run("set", str(IPO11), "X", '"a","b"'), 2, "quoted items")
    assert_clean_error(run("set", str(IPO11), "X", "1", "--model", "4610"), 2, "4610")
    assert_clean_error(run("diff", str(IPO11), str(tmp_path / "none.txt")), 2, "no such file")
    refused = tmp_path / "refused.txt"
    refused.write_bytes(b"GET 46xxspecials.txt\nSET SNTPSRVR 1\n")
    assert_clean_error(
        run("set", str(refused), "SNTPSRVR", "2"), 2, "line 2", "nothing was changed"
    )
    assert refused.read_bytes() == b"GET 46xxspecials.txt\nSET SNTPSRVR 1\n"
    assert Phones(family="j1x9").family == "J1x9"
