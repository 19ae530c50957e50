"""``ipo46xx trustcerts FILE`` imports only what reading and editing a file needs: it
starts often (scripts, editors), so no TLS, HTTP, SMB, certificate, TOML or JSON code is
loaded for it.  Speed itself is measured in benchmarks/bench_startup.py."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

from .conftest import FIXTURES
from .fleet_sites import closed_port

# Runs the command in a fresh interpreter; prints its exit status and what it imported.
CHILD = """
import sys
from ipo46xx.cli import main
status = main(sys.argv[1:])
loaded = sorted(sys.modules)
import json
print(json.dumps({"status": status, "modules": loaded}))
"""

# Not listed: difflib and signal, which pyparsing loads anyway (through unittest).
HEAVY = (
    "ssl",
    "http.client",
    "urllib.request",
    "socket",
    "cryptography",
    "smbclient",
    "smbprotocol",
    "tomllib",
    "tomli",
    "json",
    "logging",
    "ipo46xx.office.download",
    "ipo46xx.office.certificates",
    "ipo46xx.staging",
    "ipo46xx.storage",
    "ipo46xx.fleet.inventory",
    "ipo46xx.fleet.runner",
)


def test_trustcerts_imports_nothing_it_does_not_need() -> None:
    args = ["trustcerts", str(FIXTURES / "admin-explicit" / "46xxsettings.txt")]
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["status"] == 0
    loaded = set(report["modules"])
    assert "ipo46xx.format.trustlist" in loaded  # it did the work
    heavy = {name for name in loaded if name.partition(".")[0] in HEAVY or name in HEAVY}
    heavy |= {name for name in loaded for prefix in HEAVY if name.startswith(prefix + ".")}
    assert not heavy, sorted(heavy)


def test_fleet_cert_loads_neither_the_parser_nor_the_downloader(tmp_path: pathlib.Path) -> None:
    """``fleet cert`` of a thousand sites reads certificates only: the settings-file parser
    (pyparsing), the HTTP downloader and the change options' modules are not its to load."""
    inventory = tmp_path / "sites.toml"
    inventory.write_text(
        f'[[site]]\nname = "gone"\nipo = "127.0.0.1"\ntarget = "/nowhere"\n'
        f"tls_port = {closed_port()}\n"
    )
    args = ["fleet", "cert", "--inventory", str(inventory), "--state-dir", str(tmp_path)]
    result = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["status"] == 1  # nothing answered: a failed site
    loaded = set(report["modules"])
    assert "ipo46xx.office.certificates" in loaded  # it did the work
    unneeded = ("pyparsing", "http.client", "ipo46xx.format", "ipo46xx.office.download")
    assert not {m for m in loaded for n in unneeded if m == n or m.startswith(n + ".")}
