"""``ipo46xx emulator``: a stand-in IP Office, cards and a fleet, to try every command by hand."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from typing import TYPE_CHECKING

from .common import EXIT_INTERRUPTED, EXIT_OK, Command, UsageError, err, out

if TYPE_CHECKING:
    from ..playground import Playground

EXAMPLES: dict[str, list[str]] = {
    "emulator": [
        "ipo46xx emulator                     # then paste its export line into another shell",
        "ipo46xx emulator --dir ./playground  # keep the cards and journals afterwards",
        "ipo46xx emulator --regenerate --ipo $IPO   # step 7, from that other shell",
    ]
}

KEYS = (
    "Type r and Enter to regenerate every IP Office's certificate (step 7); "
    "q, end of input (Ctrl-D) or Ctrl-C stops."
)


def cmd_emulator(args: argparse.Namespace) -> int:
    from ..playground import regenerate_remote  # noqa: PLC0415

    if args.regenerate:
        if not args.ipo:
            raise UsageError("--regenerate needs --ipo: the emulator's address ($IPO)")
        out(f"{args.ipo}: root CA {regenerate_remote(args.ipo, args.root_ca)}")
        return EXIT_OK
    if args.root_ca or args.ipo:
        raise UsageError("--ipo and --root-ca go with --regenerate")
    return _serve(args.dir)


def _serve(folder: str | None) -> int:
    from ..playground import Playground  # noqa: PLC0415

    root = folder or tempfile.mkdtemp(prefix="ipo46xx-emulator-")
    # Ctrl-C may come at any moment, also before the keys are read: the whole life of the
    # IP Offices is inside this try, so that they always stop and the folder always goes.
    try:
        with Playground(root) as playground:
            _introduce(playground)
            _listen(playground)
        err("ipo46xx emulator: stopped")
        return EXIT_OK
    except KeyboardInterrupt:
        err("ipo46xx emulator: interrupted; stopped")
        return EXIT_INTERRUPTED
    finally:
        if folder is None:
            shutil.rmtree(root, ignore_errors=True)
        else:
            err(f"ipo46xx emulator: the cards and journals stay in {root}")


def _introduce(playground: Playground) -> None:
    from ..office.certificates import load_certificates  # noqa: PLC0415

    ipo = playground.ipo
    out("ipo46xx emulator: stand-in IP Offices on 127.0.0.1, as the advisory finds them")
    out(f"  IP Office  $IPO      {ipo.url} (HTTPS on port {ipo.tls_port}: $TLSPORT)")
    [cert] = load_certificates(ipo.certificate_pem)
    out(f"             root CA   {ipo.root_ca}, certificate valid to {cert.not_after:%Y-%m-%d}")
    out(f"  SD card    $CARD     {playground.card} (an explicit 46xxsettings.txt)")
    out(f"  journals   $STATE    {playground.state}")
    out(f"  fleet      $FLEET    {playground.fleet} (sites.toml, sites.csv; journals in state/)")
    for name, (card, site) in playground.sites.items():
        explicit = "explicit file" if (card / "46xxsettings.txt").exists() else "no file"
        out(f"    {name:<9} {site.url}  {card} ({explicit})")
    out("Paste this line into another shell; the examples in README.md and docs/ then run:")
    out(playground.exports())
    out(KEYS)
    sys.stdout.flush()


def _listen(playground: Playground) -> None:
    for line in sys.stdin:
        word = line.strip().lower()
        if word in ("q", "quit"):
            return
        if word == "r":
            for ipo in playground.offices:
                old = ipo.root_ca
                out(f"{ipo.url}: root CA {old} -> {ipo.regenerate_certificate()}")
        elif word:
            out(KEYS)
        sys.stdout.flush()


def register(command: Command) -> None:
    """Add ``emulator`` to the parser."""
    sub = command(
        "emulator",
        cmd_emulator,
        "Start stand-in IP Offices, an SD card folder and a fleet, to try every command.",
    )
    sub.add_argument(
        "--dir",
        metavar="DIR",
        help="a new or empty folder for the cards and journals, kept afterwards "
        "(default: a temporary folder, removed at the end)",
    )
    sub.add_argument(
        "--regenerate",
        action="store_true",
        help="ask the running emulator at --ipo to regenerate its certificate (step 7)",
    )
    sub.add_argument("--ipo", metavar="URL", help="with --regenerate: the emulator's $IPO")
    sub.add_argument(
        "--root-ca",
        metavar="NAME",
        help="with --regenerate: the new root CA's name, Root-CA-XXXXXXXX.pem (default: random)",
    )
