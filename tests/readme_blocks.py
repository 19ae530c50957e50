"""Run the README's examples: blocks marked ``<!-- runnable -->`` must print what they show.

A block is a ``console`` code block of ``$ command`` lines, each followed by its output
(standard output and error together).  ``<!-- runnable: site -->`` blocks run against
one IP Office emulator and SD card folder shared by the whole README, reachable as
``$IPO``, ``$CARD`` and ``$STATE``; ``regenerate=NAME`` regenerates the emulator's
certificate first.  ``<!-- runnable: fleet -->`` blocks run against two sites (``hq`` with
an explicit file, ``branch-1`` without), listed in ``$FLEET/sites.toml`` and
``$FLEET/sites.csv``, with the journals under ``$FLEET/state``.  ``<!-- runs -->`` blocks
must only succeed (their output varies).
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sysconfig
from collections.abc import Iterator

import attrs

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.storage import LocalStorage

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
_BLOCK = re.compile(r"<!-- (runnable(?::[^>]*)?|runs) -->\n```console\n(.*?)```", re.S)


@attrs.frozen
class Block:
    marker: str
    commands: list[tuple[str, str]]  # (command, expected output)
    line: int


def blocks(text: str | None = None) -> list[Block]:
    text = README.read_text() if text is None else text
    found = []
    for match in _BLOCK.finditer(text):
        commands: list[tuple[str, list[str]]] = []
        for line in match.group(2).splitlines():
            if line.startswith("$ "):
                commands.append((line[2:], []))
            elif commands:
                commands[-1][1].append(line)
        found.append(
            Block(
                match.group(1),
                [(command, "\n".join(output)) for command, output in commands],
                text[: match.start()].count("\n") + 1,
            )
        )
    return found


class Site:
    """The emulator and card folder the site blocks share."""

    def __init__(self, root: pathlib.Path, admin: bytes) -> None:
        self.card = root / "sd" / "system" / "primary"
        self.card.mkdir(parents=True)
        (self.card / "46xxsettings.txt").write_bytes(admin)
        self.state = root / "state"
        self.ipo = IpOfficeEmulator(LocalStorage(self.card)).start()

    def env(self) -> dict[str, str]:
        return {
            "IPO": self.ipo.url,
            "TLSPORT": str(self.ipo.tls_port),
            "CARD": str(self.card),
            "STATE": str(self.state),
        }

    def normalise(self, output: str) -> str:
        for value, name in (
            (str(self.card), "$CARD"),
            (self.ipo.url, "$IPO"),
            (str(self.state), "$STATE"),
        ):
            output = output.replace(value, name)
        return output


class FleetSites:
    """The two sites the fleet blocks share, and their inventories."""

    def __init__(self, root: pathlib.Path, admin: bytes) -> None:
        self.root = root
        self.ipos = []
        rows = []
        for name, explicit in (("hq", True), ("branch-1", False)):
            card = root / name / "system" / "primary"
            card.mkdir(parents=True)
            if explicit:
                (card / "46xxsettings.txt").write_bytes(admin)
            ipo = IpOfficeEmulator(LocalStorage(card)).start()
            self.ipos.append(ipo)
            rows.append((name, ipo.url, str(card)))
        (root / "sites.toml").write_text(
            "".join(f'[[site]]\nname = "{n}"\nipo = "{i}"\ntarget = "{t}"\n\n' for n, i, t in rows)
        )
        (root / "sites.csv").write_text(
            "name,ipo,target\n" + "".join(f"{n},{i},{t}\n" for n, i, t in rows)
        )

    def env(self) -> dict[str, str]:
        return {"FLEET": str(self.root), "XDG_STATE_HOME": str(self.root / "state")}

    def normalise(self, output: str) -> str:
        return output.replace(str(self.root), "$FLEET")

    def stop(self) -> None:
        for ipo in self.ipos:
            ipo.stop()


def run(block: Block, site: Site | FleetSites | None) -> Iterator[tuple[str, str, str, int]]:
    """Run each command; yield (command, expected, actual, exit status)."""
    env = dict(os.environ)
    env.pop("IPO46XX_SMB_PASSWORD", None)
    env["COLUMNS"] = "100"
    # The console script of the interpreter running the tests, whatever PATH holds.
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    if site is not None:
        env.update(site.env())
        regenerate = re.search(r"regenerate=(\S+)", block.marker)
        if regenerate and isinstance(site, Site):
            site.ipo.regenerate_certificate(regenerate.group(1))
    for command, expected in block.commands:
        result = subprocess.run(
            ["bash", "-c", "{ " + command + "\n} 2>&1"],  # errors of every part too
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        actual = result.stdout.rstrip("\n")
        if site is not None:
            actual = site.normalise(actual)
        yield command, expected.rstrip("\n"), actual, result.returncode
