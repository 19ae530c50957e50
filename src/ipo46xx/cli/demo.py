"""``ipo46xx demo``: the whole advisory against a stand-in IP Office, here."""

from __future__ import annotations

import argparse

from .common import Command, out

EXAMPLES: dict[str, list[str]] = {"demo": ["ipo46xx demo"]}


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import run_demo  # noqa: PLC0415

    return run_demo(out)


def register(command: Command) -> None:
    """Add ``demo`` to the parser."""
    command("demo", cmd_demo, "Run the whole advisory against a stand-in IP Office, here.")
