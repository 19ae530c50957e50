"""The parser of every command, and ``main()``: exit statuses and the one-line error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from . import cert, demo, edits, emulator, files, fleet, staging
from .common import (
    EXIT_BUG,
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_STATE,
    Handler,
    Parser,
    UsageError,
    err,
)

FAMILIES: tuple[ModuleType, ...] = (files, edits, staging, cert, fleet, demo, emulator)
"""One module per command family, in --help order; each has ``EXAMPLES`` and ``register``."""

EXAMPLES: dict[str, list[str]] = {
    name: lines for family in FAMILIES for name, lines in family.EXAMPLES.items()
}

COMMANDS = tuple(EXAMPLES)
"""Every command of ``ipo46xx``."""

EPILOG = """\
exit status: 0 done; 1 a check, lint or verify found a problem; 2 bad input or usage;
3 the target changed, or the step cannot run from the current state; 4 internal error;
130 interrupted (Ctrl-C). -v goes before or after the command.
The SMB password comes from IPO46XX_SMB_PASSWORD, or a prompt; never from the command line.
"""


VERBOSE = "log what happens; show tracebacks of internal errors"


def build_parser() -> argparse.ArgumentParser:
    """The ``ipo46xx`` parser with every command of every family."""
    parser = Parser(
        prog="ipo46xx",
        description="Rewrite and stage Avaya 46xxsettings.txt files (advisory PSN005042u).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help=VERBOSE,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    def command(name: str, handler: Handler, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog="examples:\n"
            + "".join(f"  {line}\n" for line in EXAMPLES[name])
            + "\n"
            + EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        # SUPPRESS: an absent -v here keeps the one given before the command.
        sub.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE
        )
        return sub

    for family in FAMILIES:
        family.register(command)
    return parser


def _version() -> str:
    from .. import __version__  # noqa: PLC0415

    return __version__


def _log_verbosely() -> None:
    """ipo46xx's records in full on standard error; other libraries' at INFO at most, and
    never a record that carries an authentication token (NTLM messages can be cracked)."""
    import logging  # noqa: PLC0415  (only -v needs it: start faster)

    from ..logfilter import SecretFilter  # noqa: PLC0415

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)


def _exit_status(exc: BaseException) -> int:
    from ..errors import JournalError, StateError  # noqa: PLC0415

    return EXIT_STATE if isinstance(exc, (StateError, JournalError)) else EXIT_INPUT


def _where_it_stopped(args: argparse.Namespace) -> str:
    """Where to look after Ctrl-C: only a command that changes a target has a journal."""
    if args.command in staging.CHANGING:
        return "; `ipo46xx status` tells where it stopped"
    if args.command == "fleet" and args.action in fleet.CHANGING:
        return "; `ipo46xx fleet status` tells where each site stopped"
    return ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        _log_verbosely()
    from ..errors import Ipo46xxError  # noqa: PLC0415

    try:
        return int(args.handler(args))
    except UsageError as exc:
        err(f"ipo46xx {args.command}: error: {exc}")
        return EXIT_INPUT
    except Ipo46xxError as exc:
        err(f"ipo46xx {args.command}: error: {exc}")
        return _exit_status(exc)
    except KeyboardInterrupt:
        err(f"ipo46xx {args.command}: interrupted{_where_it_stopped(args)}")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK  # the reader (head, less) went away
    except Exception as exc:
        if args.verbose:
            raise
        err(
            f"ipo46xx {args.command}: internal error: {type(exc).__name__}: {exc}. "
            "Run again with -v for the traceback, and please report it"
        )
        return EXIT_BUG
