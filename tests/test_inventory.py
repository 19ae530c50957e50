"""The fleet inventory: TOML and CSV read alike; every mistake is one line naming file,
line and site; secrets are refused and never echoed."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

from ipo46xx.fleet.inventory import (
    Inventory,
    InventoryError,
    Site,
    default_fleet_state_dir,
    load_inventory,
    parse_inventory,
)

TOML = """\
[defaults]
smb_user = "admin"
password_env = "ACME_SMB_PASSWORD"
insecure = true

[[site]]
name = "hq"
ipo = "192.168.42.1"
target = "smb://fileserver/ipo-hq/system/primary"

[[site]]
name = "branch-1"
ipo = "https://10.1.0.1:411"
target = "/media/sd-branch-1/system/primary"
insecure = false
ca_file = "roots/branch-1.pem"
tls_port = [411, 443]
timeout = 5
"""

CSV = """\
name,ipo,target,smb_user,password_env,insecure,ca_file,tls_port,timeout
hq,192.168.42.1,smb://fileserver/ipo-hq/system/primary,admin,ACME_SMB_PASSWORD,yes,,,
branch-1,https://10.1.0.1:411,/media/sd-branch-1/system/primary,,,no,roots/branch-1.pem,411;443,5
"""


def _write(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_toml_and_csv_give_the_same_sites(tmp_path: pathlib.Path) -> None:
    from_toml = load_inventory(_write(tmp_path, "sites.toml", TOML))
    csv_text = CSV.replace(",,,no,", ",admin,ACME_SMB_PASSWORD,no,")  # CSV has no defaults
    from_csv = load_inventory(_write(tmp_path, "sites.csv", csv_text))
    assert from_toml.sites == from_csv.sites
    hq, branch = from_toml.sites
    assert (hq.smb_user, hq.password_env, hq.insecure, hq.is_smb) == (
        "admin",
        "ACME_SMB_PASSWORD",
        True,
        True,
    )
    assert branch.insecure is False and branch.tls_ports == (411, 443) and branch.timeout == 5.0
    assert branch.ca_file == str(tmp_path / "roots" / "branch-1.pem")  # beside the inventory
    assert (hq.line, branch.line) == (6, 11)
    assert not branch.is_smb


def test_a_utf8_bom_and_blank_rows_from_a_spreadsheet_are_fine(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_bytes(b"\xef\xbb\xbfname,ipo,target\r\nhq,10.0.0.1,/sd\r\n,,\r\n")
    assert [s.name for s in load_inventory(path).sites] == ["hq"]


def test_select_keeps_inventory_order_and_refuses_unknown_names() -> None:
    inventory = Inventory(None, (Site("a", "1", "/a"), Site("b", "2", "/b"), Site("c", "3", "/c")))
    assert [s.name for s in inventory.select(["c", "A"])] == ["a", "c"]
    assert inventory.select(None) == inventory.sites
    with pytest.raises(InventoryError, match="no site named 'x'"):
        inventory.select(["x"])


SITE = '[[site]]\nname = "hq"\nipo = "10.0.0.1"\ntarget = "/sd"\n'

BAD = [
    # (file name, text, words the one-line message must hold)
    ("s.toml", SITE + 'password = "hunter2"\n', ["s.toml line 5", "'hq'", "password_env"]),
    ("s.toml", '[defaults]\nsmb_password = "hunter2"\n' + SITE, ["line 2", "password_env"]),
    ("s.csv", "name,ipo,target,Password\nhq,1,/sd,hunter2\n", ["s.csv line 1", "password_env"]),
    ("s.toml", SITE + 'password_env = "hunter2 x"\n', ["line 5", "'hq'", "not the password"]),
    ("s.toml", SITE.replace("/sd", "smb://u:hunter2@h/s"), ["line 4", "'hq'", "holds a password"]),
    # A password put where the variable's name belongs looks like a name, but not upper case.
    ("s.toml", SITE + 'password_env = "hunter2"\n', ["line 5", "'hq'", "not the password"]),
    ("s.toml", SITE.replace("10.0.0.1", "http://admin:hunter2@10.0.0.1"), ["line 3", "password"]),
    ("s.toml", SITE + 'colour = "red"\n', ["s.toml line 5", "'hq'", "unknown field 'colour'"]),
    ("s.csv", "name,ipo,target,colour\n", ["s.csv line 1", "unknown field 'colour'"]),
    ("s.toml", SITE + SITE.replace("/sd", "/sd2"), ["s.toml line 5", "'hq'", "duplicate name"]),
    ("s.csv", "name,ipo,target\nhq,1,/a\nHQ,2,/b\n", ["s.csv line 3", "'HQ'", "duplicate"]),
    ("s.toml", SITE + SITE.replace("hq", "br"), ["line 5", "'br'", "same target as site 'hq'"]),
    ("s.toml", '[[site]]\nname = "hq"\ntarget = "/sd"\n', ["s.toml line 1", "'hq'", "no ipo"]),
    ("s.csv", "name,ipo,target\nhq,1,\n", ["s.csv line 2", "'hq'", "no target"]),
    ("s.csv", "name,ipo,target\n,1,/sd\n", ["s.csv line 2", "no name"]),
    ("s.toml", SITE.replace('"hq"', '"../hq"'), ["line 2", "only letters"]),
    ("s.toml", SITE + "[[site\n", ["s.toml line 5", "not valid TOML"]),
    ("s.csv", 'name,ipo,target\nhq,"1,/sd\n', ["s.csv line", "not valid CSV"]),
    ("s.csv", "name,ipo,target\nhq,1\n", ["s.csv line 2", "'hq'", "2 cells"]),
    ("s.toml", SITE + "tls_port = 0\n", ["line 5", "'hq'", "tls_port"]),
    ("s.toml", SITE + "timeout = -1\n", ["line 5", "'hq'", "timeout"]),
    ("s.toml", SITE + 'encrypt = "maybe"\n', ["line 5", "'hq'", "true or false"]),
    ("s.toml", SITE + 'pin = "abc"\n', ["line 5", "'hq'", "64 hex"]),
    ("s.toml", SITE + 'insecure = true\nca_file = "x.pem"\n', ["line 5", "cannot be combined"]),
    ("s.toml", 'title = "x"\n' + SITE, ["s.toml", "unknown table or key 'title'"]),
    ("s.toml", "", ["s.toml", "no sites"]),
    ("s.yaml", SITE, ["s.yaml", ".toml or .csv"]),
]


@pytest.mark.parametrize(("name", "text", "words"), BAD, ids=[f"{i}" for i in range(len(BAD))])
def test_a_bad_inventory_is_one_line_naming_file_line_and_site(
    tmp_path: pathlib.Path, name: str, text: str, words: list[str]
) -> None:
    with pytest.raises(InventoryError) as info:
        load_inventory(_write(tmp_path, name, text))
    message = str(info.value)
    assert "\n" not in message
    assert "hunter2" not in message  # a secret is never echoed
    for word in words:
        assert word in message, (word, message)


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "s.csv"
    path.write_bytes(b"name,ipo,target\nh\xe9,1,/sd\n")
    with pytest.raises(InventoryError, match=r"s\.csv line 2: not UTF-8"):
        load_inventory(path)


def test_the_default_state_folder_is_one_per_inventory_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    one = default_fleet_state_dir(tmp_path / "a" / "sites.toml")
    two = default_fleet_state_dir(tmp_path / "b" / "sites.toml")
    assert one != two and one.parent == tmp_path / "xdg" / "ipo46xx" / "fleet"
    assert default_fleet_state_dir(tmp_path / "a" / ".." / "a" / "sites.toml") == one


def test_parse_inventory_reads_text() -> None:
    inventory = parse_inventory(SITE, "here.toml")
    assert inventory.path == pathlib.Path("here.toml") and inventory.sites[0].target == "/sd"


def test_reading_a_csv_inventory_loads_no_toml_reader(tmp_path: pathlib.Path) -> None:
    path = _write(tmp_path, "s.csv", "name,ipo,target\nhq,1,/sd\n")
    code = (
        "import sys\nfrom ipo46xx.fleet.inventory import load_inventory\n"
        f"load_inventory({str(path)!r})\n"
        "print(sorted(m for m in ('tomllib', 'tomli', 'smbclient') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
