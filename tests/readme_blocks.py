"""Run the examples of README.md and docs/*.md: blocks marked ``<!-- runnable -->`` must
print what they show.

A block is a ``console`` code block of ``$ command`` lines, each followed by its output
(standard output and error together); a line ``...`` in the output stands for any number
of lines.  Every page's blocks run in order, against one fresh
:class:`ipo46xx.playground.Playground`, exactly what ``ipo46xx emulator`` sets up, with
the variables it prints (``$IPO``, ``$CARD``, ``$TLSPORT``, ``$STATE``, ``$FLEET``).
``<!-- runnable: ... status=N -->`` expects each command to exit N.
``<!-- runs -->`` blocks must only succeed (their output varies).  Every ``console``
block carries one of those markers or ``<!-- not run: reason -->``.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sysconfig
from collections.abc import Iterator

import attrs

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCUMENTS = [README, *sorted((ROOT / "docs").glob("*.md"))]
"""Every page whose examples the tests run."""

_MARKER = r"<!-- (runnable(?::[^>]*)?|runs|not run: [^>]*\S) -->"
_BLOCK = re.compile(_MARKER + r"\n```console\n(.*?)```", re.S)
_CONSOLE = re.compile(r"^```console$", re.M)


@attrs.frozen
class Block:
    marker: str
    commands: list[tuple[str, str]]  # (command, expected output)
    line: int

    @property
    def runs(self) -> bool:
        """Whether the tests run it (not a ``not run: reason`` block)."""
        return not self.marker.startswith("not run")

    @property
    def status(self) -> int:
        """The exit status each command must end with (``status=N``; default 0)."""
        found = re.search(r"\bstatus=(\d+)", self.marker)
        return int(found.group(1)) if found else 0


def blocks(text: str | None = None) -> list[Block]:
    """The marked ``console`` blocks of ``text`` (default: README.md), in order."""
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


def unmarked(text: str) -> list[int]:
    """Line numbers of ``console`` blocks with no marker: examples nothing would run."""
    marked = {text[: m.start(2)].count("\n") for m in _BLOCK.finditer(text)}
    return [
        line
        for line in (text[: m.start()].count("\n") + 1 for m in _CONSOLE.finditer(text))
        if line not in marked
    ]


def matches(expected: str, actual: str) -> bool:
    """Whether ``actual`` is ``expected``, a line ``...`` standing for any lines.

    >>> matches("a\\n...\\nd", "a\\nb\\nc\\nd"), matches("a\\n...", "b")
    (True, False)
    """
    lines = expected.split("\n")
    pattern = "".join("(?:.*\n)*?" if line == "..." else re.escape(line) + "\n" for line in lines)
    return re.fullmatch(pattern, actual + "\n") is not None


def normalise(env: dict[str, str], output: str) -> str:
    """``output`` with the playground's folders and address written as its variables."""
    for name, value in env.items():
        if name != "TLSPORT":
            output = re.sub(re.escape(value) + r"(?!\d)", "$" + name, output)
    return output


def run(block: Block, playground: dict[str, str] | None) -> Iterator[tuple[str, str, str, int]]:
    """Run each command with the variables of a playground (:meth:`Playground.env`, or
    those ``ipo46xx emulator`` printed); yield (command, expected, actual, exit status)."""
    env = dict(os.environ)
    env.pop("IPO46XX_SMB_PASSWORD", None)
    env["COLUMNS"] = "100"
    # The console script of the interpreter running the tests, whatever PATH holds.
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    env.update(playground or {})
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
        if playground is not None:
            actual = normalise(playground, actual)
        yield command, expected.rstrip("\n"), actual, result.returncode
