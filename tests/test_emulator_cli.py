"""``ipo46xx emulator``: what it sets up, its regenerate triggers, and how it stops."""

from __future__ import annotations

import os
import pathlib
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ipo46xx.fleet.inventory import load_inventory
from ipo46xx.office.download import fetch

from .readme_blocks import blocks
from .test_cli import SCRIPT, run
from .test_readme import PAGES, check


class Emulator:
    """``ipo46xx emulator`` running in its own process, fed through a pipe."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [SCRIPT, "emulator", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.intro: list[str] = []
        for line in self.process.stdout:
            self.intro.append(line)
            if line.startswith("export "):
                break
        assert self.intro and self.intro[-1].startswith("export "), self.finish()
        words = shlex.split(self.intro[-1])[1:]
        self.intro.append(self.process.stdout.readline())  # the keys it reads
        self.env = dict(word.split("=", 1) for word in words)

    def send(self, text: str) -> str:
        """Write ``text`` to its input; return its next line of output."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(text)
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def finish(self, *, interrupt: bool = False) -> tuple[int, str, str]:
        if interrupt:
            self.process.send_signal(signal.SIGINT)
        stdout, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stdout, stderr


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    running = Emulator()
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_it_prints_the_shell_line_the_examples_need(emulator: Emulator) -> None:
    env = emulator.env
    assert sorted(env) == ["CARD", "FLEET", "IPO", "STATE", "TLSPORT"]
    card = pathlib.Path(env["CARD"])
    assert (card / "46xxsettings.txt").read_bytes() == fetch(env["IPO"] + "/46xxsettings.txt")
    result = run("cert", "--ipo", env["IPO"], "--port", env["TLSPORT"])
    assert result.returncode == 1 and b"expired" in result.stdout, result.stdout
    sites = load_inventory(pathlib.Path(env["FLEET"]) / "sites.toml").sites
    assert [s.name for s in sites] == ["hq", "branch-1"]
    csv = load_inventory(pathlib.Path(env["FLEET"]) / "sites.csv").sites
    assert [(s.ipo, s.target) for s in csv] == [(s.ipo, s.target) for s in sites]
    for site in sites:
        assert b"SET TRUSTCERTS" in fetch(site.ipo + "/46xxsettings.txt")


def test_ctrl_c_stops_it_with_130_and_removes_its_folder(emulator: Emulator) -> None:
    root = pathlib.Path(emulator.env["CARD"]).parents[2]
    assert root.is_dir()
    status, _, stderr = emulator.finish(interrupt=True)
    assert status == 130, stderr
    assert stderr.strip() == "ipo46xx emulator: interrupted; stopped"
    assert not root.exists()
    result = run("cert", "--ipo", emulator.env["IPO"], "--port", emulator.env["TLSPORT"])
    assert result.returncode == 2, "the IP Office still answers"


def test_end_of_input_stops_it_with_0_and_keeps_dir(tmp_path: pathlib.Path) -> None:
    emulator = Emulator("--dir", str(tmp_path / "play"))
    assert emulator.env["STATE"] == str(tmp_path / "play" / "state")
    status, _, stderr = emulator.finish()  # closes its input
    assert status == 0, stderr
    assert "stopped" in stderr and str(tmp_path / "play") in stderr
    assert (tmp_path / "play" / "fleet" / "sites.toml").is_file()


def test_r_regenerates_every_ip_office_and_q_stops(emulator: Emulator) -> None:
    ipo = emulator.env["IPO"]
    line = emulator.send("r\n")
    assert line.startswith(f"{ipo}: root CA Root-CA-0214515C.pem -> Root-CA-"), line
    new = line.split()[-1]
    assert fetch(f"{ipo}/{new}").startswith(b"-----BEGIN CERTIFICATE-----")
    others = [emulator.process.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
    assert all("Root-CA-0214515C.pem -> Root-CA-" in o for o in others), others
    assert "Type r" in emulator.send("what\n")
    emulator.process.stdin.write("q\n")  # type: ignore[union-attr]
    status, _, stderr = emulator.finish()
    assert status == 0, stderr


def test_regenerate_from_another_shell(emulator: Emulator) -> None:
    ipo = emulator.env["IPO"]
    result = run("emulator", "--regenerate", "--ipo", ipo, "--root-ca", "Root-CA-1A2B3C4D.pem")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.decode() == f"{ipo}: root CA Root-CA-0214515C.pem -> Root-CA-1A2B3C4D.pem\n"
    )
    assert fetch(f"{ipo}/Root-CA-1A2B3C4D.pem").startswith(b"-----BEGIN CERTIFICATE-----")
    again = run("emulator", "--regenerate", "--ipo", ipo, "--root-ca", "Root-CA-1A2B3C4D.pem")
    assert again.returncode == 2 and b"not a new Root-CA" in again.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--regenerate"], "--regenerate needs --ipo"),
        (["--ipo", "http://127.0.0.1:9"], "go with --regenerate"),
        (["--regenerate", "--ipo", "http://127.0.0.1:9"], "is `ipo46xx emulator` running"),
        (["--regenerate", "--ipo", "https://127.0.0.1:9"], "http:// address"),
    ],
)
def test_mistakes_are_one_line(args: list[str], says: str) -> None:
    result = run("emulator", *args)
    error = result.stderr.decode()
    assert result.returncode == 2, error
    assert says in error and error.count("\n") == 1, error


def test_a_folder_in_use_is_refused(tmp_path: pathlib.Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = run("emulator", "--dir", str(tmp_path), stdin=b"")
    assert result.returncode == 2, result.stderr
    assert b"not an empty folder" in result.stderr
    assert os.listdir(tmp_path) == ["notes.txt"]


def test_a_real_ip_office_refuses_a_regenerate_request() -> None:
    from ipo46xx.emulator import IpOfficeEmulator  # noqa: PLC0415
    from ipo46xx.errors import FetchError  # noqa: PLC0415
    from ipo46xx.playground import regenerate_remote  # noqa: PLC0415
    from ipo46xx.storage import MemoryStorage  # noqa: PLC0415

    with IpOfficeEmulator(MemoryStorage()) as ipo, pytest.raises(FetchError, match="HTTP 501"):
        regenerate_remote(ipo.url)
    assert sys.modules["ipo46xx.playground"] is not None


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_example_runs_as_written_against_it(page: str, emulator: Emulator) -> None:
    for block in blocks(PAGES[page].read_text()):
        if block.runs:
            check(page, block, emulator.env)
