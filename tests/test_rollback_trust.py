"""Rollback after a finished restore brings back the administrator's file as it was
before stage, with the root CA name of before: when the IP Office's certificate was
regenerated meanwhile, the phones told to trust only that name will not trust it.
Rollback still puts every byte back, and says so; it no longer says the phones are fine.
Real HTTP and TLS servers on 127.0.0.1 (the emulator)."""

from __future__ import annotations

import json
import pathlib
import socket

import pytest

from ipo46xx.cli import main
from ipo46xx.emulator import INITIAL_ROOT_CA, IpOfficeEmulator
from ipo46xx.storage import LocalStorage

from .staging_site import restore_after_regenerating, sd_card, trust_line

ADMIN = f'SET TRUSTCERTS "{INITIAL_ROOT_CA}"\r\nSET SIPDOMAIN example.com\r\n'.encode()


def test_rollback_after_restore_says_the_phones_will_not_trust(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card, where = sd_card(tmp_path, {"46xxsettings.txt": ADMIN})
    with IpOfficeEmulator(card) as emulator:
        assert restore_after_regenerating(emulator, where, capsys)[0] == 0
        code = main(["rollback", *where, "--yes"])
        out = capsys.readouterr().out
        assert card.read("46xxsettings.txt") == ADMIN  # every byte back, as asked
        assert code == 1, out
        assert "will not" in trust_line(out), out
        assert "Do not restart the phones" in out and "Restart the phones if" not in out
        assert "ipo46xx stage" in out  # the way out: the advisory again

        assert main(["status", *where, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["state"] == "rolled-back"
        main(["status", *where])  # later, status gives the same advice
        status = capsys.readouterr().out
        assert "Do not restart the phones" in status and "Restart the phones if" not in status


def test_rollback_after_restore_cannot_tell_when_the_ip_office_is_gone(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    card, where = sd_card(tmp_path, {"46xxsettings.txt": ADMIN})
    with IpOfficeEmulator(card) as emulator:
        assert restore_after_regenerating(emulator, where, capsys)[0] == 0
    code = main(["rollback", *where, "--yes"])  # the IP Office no longer answers
    captured = capsys.readouterr()
    assert card.read("46xxsettings.txt") == ADMIN
    assert code == 0, captured.out + captured.err  # the rollback itself is done
    assert "cannot tell" in captured.out + captured.err


def test_a_fleet_reports_restore_and_rollback_that_cannot_tell(tmp_path: pathlib.Path) -> None:
    # As `ipo46xx restore` and `rollback` exit 1 when trust cannot be told, so does the site.
    from ipo46xx.fleet.inventory import Inventory, Site  # noqa: PLC0415
    from ipo46xx.fleet.runner import run_fleet  # noqa: PLC0415

    with socket.socket() as probe:  # a port nothing listens on: no certificate to judge
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    card, _options = sd_card(tmp_path, {"46xxsettings.txt": ADMIN})
    folder = card.folder
    with IpOfficeEmulator(card) as emulator:
        site = Site("hq", emulator.url, str(folder), tls_ports=(closed,))
        inventory = Inventory(None, (site,))
        state = tmp_path / "state"
        assert run_fleet(inventory, "stage", state_dir=state).results[0].ok
        emulator.regenerate_certificate()
        [restored] = run_fleet(inventory, "restore", state_dir=state).results
        assert restored.state == "restored"
        assert not restored.ok and restored.exit == 1, restored.message
        assert "cannot tell" in restored.message
        [rolled] = run_fleet(inventory, "rollback", state_dir=state).results
        assert card.read("46xxsettings.txt") == ADMIN
        assert rolled.state == "rolled-back"
        assert rolled.ok, rolled.message  # the bytes are back; that trust is unknown is said
        assert any(w.startswith("cannot tell") for w in rolled.value.warnings)


def test_a_fleet_stage_whose_ip_office_serves_another_file_is_not_ok(
    tmp_path: pathlib.Path,
) -> None:
    # The card staged is not the one this IP Office reads: as `ipo46xx stage`, exit 1.
    from ipo46xx.fleet.inventory import Inventory, Site  # noqa: PLC0415
    from ipo46xx.fleet.runner import run_fleet  # noqa: PLC0415

    served, other = tmp_path / "served", tmp_path / "other"
    for folder in (served, other):
        folder.mkdir()
        LocalStorage(folder).write("46xxsettings.txt", ADMIN)
    with IpOfficeEmulator(LocalStorage(served)) as emulator:
        inventory = Inventory(None, (Site("hq", emulator.url, str(other)),))
        [staged] = run_fleet(inventory, "stage", state_dir=tmp_path / "state").results
    assert staged.state == "staged"
    assert not staged.ok and staged.exit == 1, staged.message
    assert "does not serve the staged file" in staged.message
