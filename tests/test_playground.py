"""What ``ipo46xx emulator`` sets up (:class:`ipo46xx.playground.Playground`) works for every
command as a newcomer tries it, including those the pages show no example of."""

from __future__ import annotations

import argparse
import pathlib

import pytest

from ipo46xx import Stager, open_storage
from ipo46xx.cli.app import build_parser
from ipo46xx.errors import StateError
from ipo46xx.fleet.inventory import load_inventory
from ipo46xx.fleet.runner import CHANGING_ACTIONS, run_fleet
from ipo46xx.playground import Playground


@pytest.mark.parametrize("form", ["toml", "csv"])
def test_fleet_cert_reads_every_sites_certificate(tmp_path: pathlib.Path, form: str) -> None:
    # hq's explicit file names no TLSPORT, so without tls_port in the inventory its phones'
    # default ports (443, 411) are tried, where no stand-in answers.
    with Playground(tmp_path / "play") as playground:
        inventory = load_inventory(playground.fleet / f"sites.{form}")
        result = run_fleet(inventory, "cert", state_dir=playground.fleet / "state")
        for site in result.results:
            endpoints = site.value.endpoints if site.value is not None else []
            assert [e.error for e in endpoints if e.error is None] == [None], site
            assert site.exit == 1 and "expired" in site.message, site


def test_fleet_help_names_every_action_with_a_dry_run() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    [dry_run] = [a for a in commands.choices["fleet"]._actions if "--dry-run" in a.option_strings]
    named = str(dry_run.help).split(":")[0].split(", ")  # "stage, ...: show ..."
    assert sorted(named) == sorted(CHANGING_ACTIONS), dry_run.help


def test_verify_without_a_journal_names_both_runs_and_state_dir(tmp_path: pathlib.Path) -> None:
    with Playground(tmp_path / "play") as playground:
        stager = Stager(playground.ipo.url, open_storage(str(playground.card)), tmp_path / "x")
        with pytest.raises(StateError) as verify:
            stager.verify()
        with pytest.raises(StateError) as restore:
            stager.restore()
    assert "started with stage or change" in str(verify.value)
    assert "started with stage;" in str(restore.value)
    for error in (verify.value, restore.value):
        assert "--state-dir" in str(error), error
