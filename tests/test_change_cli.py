"""``ipo46xx change`` and ``ipo46xx fleet change`` as an operator runs them."""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.storage import LocalStorage

from .fleet_sites import Fleet, states
from .samba import Samba
from .staging_site import ADMIN
from .test_cli import assert_clean_error, run, text


@pytest.fixture
def site(tmp_path: pathlib.Path) -> Iterator[tuple[pathlib.Path, IpOfficeEmulator, list[str]]]:
    folder = tmp_path / "sd" / "system" / "primary"
    folder.mkdir(parents=True)
    with IpOfficeEmulator(LocalStorage(folder)) as ipo:
        yield folder, ipo, ["--target", str(folder), "--state-dir", str(tmp_path / "state")]


def test_change_end_to_end_on_a_generated_file(
    site: tuple[pathlib.Path, IpOfficeEmulator, list[str]],
) -> None:
    folder, ipo, common = site
    ask = ["change", "--ipo", ipo.url, *common, "--set", "SNTPSRVR=10.9.9.9", "--model", "9611"]
    dry = run(*ask, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    out = text(dry)
    assert "+SET SNTPSRVR 10.9.9.9" in out
    assert '9611 H323, 9611 SIP: SNTPSRVR (not set) -> "10.9.9.9" (46xxspecials.txt:' in out
    assert "dry run: nothing was changed" in out
    assert list(folder.iterdir()) == []

    assert_clean_error(run(*ask), 2, "--yes")  # no terminal: a change needs --yes
    done = run(*ask, "--yes")
    assert done.returncode == 0, done.stderr
    assert "state: changed" in text(done) and "rollback" in text(done)
    assert sorted(p.name for p in folder.iterdir()) == ["46xxspecials.txt"]

    verified = json.loads(run("verify", *common, "--json").stdout)
    assert verified["ok"] is True and verified["state"] == "changed"
    status = json.loads(run("status", *common, "--json").stdout)
    assert status["state"] == "changed"
    assert status["files"]["46xxspecials.txt"] == "staged"

    assert run("rollback", *common, "--yes").returncode == 0
    assert list(folder.iterdir()) == []


def test_change_refuses_bad_requests_with_one_line(
    site: tuple[pathlib.Path, IpOfficeEmulator, list[str]],
) -> None:
    folder, ipo, common = site
    base = ["change", "--ipo", ipo.url, *common, "--yes"]
    assert_clean_error(run(*base, "--set", "SNTPSRVR"), 2, "NAME=VALUE")
    assert_clean_error(run(*base, "--set", 'PHNDPLENGTH="10","7"'), 2, "quoted items")
    assert_clean_error(run(*base, "--set", "X=1", "--model", "9999"), 2, "model 9999")
    assert_clean_error(run(*base), 2, "nothing to change")
    assert list(folder.iterdir()) == []


def test_unset_for_clients_says_they_keep_the_last_value(
    site: tuple[pathlib.Path, IpOfficeEmulator, list[str]],
) -> None:
    folder, ipo, common = site
    (folder / "46xxsettings.txt").write_bytes(ADMIN)
    result = run("change", "--ipo", ipo.url, *common, "--unset", "DSCPAUD", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "-SET DSCPAUD 46" in text(result) or "+## SET DSCPAUD 46" in text(result)
    assert "soft clients" in text(result) and '--set NAME=""' in text(result)


@pytest.mark.smb
def test_fleet_change_on_local_and_smb_sites_then_rollback(
    samba: Samba, tmp_path: pathlib.Path
) -> None:
    fleet = Fleet(tmp_path, 4, samba=samba)
    try:
        before = {s.name: s.contents() for s in fleet.sites}
        inventory = fleet.write_toml()
        journals = tmp_path / "journals"
        common = ["--inventory", str(inventory), "--state-dir", str(journals)]
        env = fleet.environ()
        ask = ["fleet", "change", *common, "--set", "SNTPSRVR=10.9.9.9", "--json"]
        result = run(*ask, "--yes", env=env)
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert [s["ok"] for s in report["sites"]] == [True] * 4
        assert set(states(journals, [s.name for s in fleet.sites]).values()) == {"changed"}
        verified = run("fleet", "verify", *common, "--json", env=env)
        assert verified.returncode == 0, verified.stdout
        assert samba.password not in result.stdout.decode() + result.stderr.decode()

        misuse = run("fleet", "status", *common, "--set", "X=1", env=env)
        assert_clean_error(misuse, 2, "fleet change only")

        rolled = run("fleet", "rollback", *common, "--yes", env=env)
        assert rolled.returncode == 0, rolled.stderr
        assert {s.name: s.contents() for s in fleet.sites} == before
    finally:
        fleet.close()
