"""What every command shares: output, exit statuses, reading a file or URL, options.

Library modules are imported inside the functions, so that ``--help`` starts fast and
local work never loads the SMB stack.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from ..format.document import SettingsFile

EXIT_OK, EXIT_FOUND, EXIT_INPUT, EXIT_STATE, EXIT_BUG = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130

Handler = Callable[[argparse.Namespace], int]
Command = Callable[[str, Handler, str], argparse.ArgumentParser]
"""Registers one command: ``command(name, handler, summary)`` returns its parser."""


class UsageError(Exception):
    """A mistake in the command line itself."""


class Parser(argparse.ArgumentParser):
    """argparse with one clear line (exit 2) instead of its usage dump.

    An unknown option names itself, rather than the argument it pushed out of place
    ("COMMAND required").
    """

    _argv: list[str] | None = None

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        unknown = self._unknown_option(message)
        if unknown is not None:
            message = f"unknown option {unknown}"
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _unknown_option(self, message: str) -> str | None:
        if message.startswith("unrecognized arguments: "):
            words = message.split(": ", 1)[1].split()
            return next((w for w in words if w.startswith("-") and w != "-"), None)
        if not message.startswith("the following arguments are required"):
            return None
        known = list(self._option_string_actions)
        for word in self._argv or []:
            if word == "--":
                break
            if not word.startswith("-") or word == "-" or word[1:2].isdigit():
                if self._subparsers is not None:
                    break  # the command: its options are its own parser's to judge
                continue
            name = word.split("=", 1)[0]
            if not any(option.startswith(name) for option in known):
                return name
        return None


def out(text: str = "") -> None:
    print(text)


def err(text: str) -> None:
    print(text, file=sys.stderr)


def print_json(value: object) -> None:
    import json  # noqa: PLC0415  (most commands print no JSON: start faster)

    print(json.dumps(value, indent=2, ensure_ascii=False))


# -- options ---------------------------------------------------------------------------


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def add_tls(parser: argparse.ArgumentParser) -> None:
    """How to check an IP Office's HTTPS certificate, and how long a download may take."""
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument(
        "--insecure",
        action="store_true",
        help="do not check the IP Office's HTTPS certificate (it may have expired)",
    )
    tls.add_argument("--ca-file", metavar="PEM", help="check HTTPS against this saved root CA")
    tls.add_argument(
        "--pin",
        metavar="SHA256",
        help="accept HTTPS only from the certificate with this fingerprint (`ipo46xx cert`)",
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=seconds,
        default=15.0,
        help="the most one download may take, in all (default 15, at most 3600)",
    )


def seconds(text: str) -> float:
    """``--timeout``'s value: a number of seconds above 0, at most an hour."""
    from ..office.download import check_timeout  # noqa: PLC0415

    try:
        return check_timeout(float(text))
    except ValueError:  # InputError is one too
        # argparse names the option and exits 2 on this error
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds above 0 and at most 3600"
        ) from None


def tls_options(args: argparse.Namespace) -> dict[str, Any]:
    """The download keywords (``verify``, ``cafile``, ``pin``, ``timeout``) of the options."""
    return {
        "verify": not getattr(args, "insecure", False),
        "cafile": getattr(args, "ca_file", None),
        "pin": getattr(args, "pin", None),
        "timeout": getattr(args, "timeout", 15.0),
    }


def tls_flags(args: argparse.Namespace) -> str:
    """The TLS options as they were given, for commands printed to be copied."""
    flags = ""
    if getattr(args, "insecure", False):
        flags += " --insecure"
    if getattr(args, "ca_file", None):
        import shlex  # noqa: PLC0415

        flags += f" --ca-file {shlex.quote(args.ca_file)}"
    if getattr(args, "pin", None):
        flags += f" --pin {args.pin}"
    if getattr(args, "timeout", 15.0) != 15.0:
        flags += f" --timeout {args.timeout:g}"
    if getattr(args, "deadline", None) is not None:
        flags += f" --deadline {args.deadline:g}"
    return flags


def add_file_argument(parser: argparse.ArgumentParser) -> None:
    """FILE (a path, - or a URL) and the HTTPS options that go with URLs."""
    parser.add_argument(
        "file",
        metavar="FILE",
        help="a settings file, - for standard input, or an http(s):// URL",
    )
    add_tls(parser)


def warn_insecure(args: argparse.Namespace) -> None:
    if getattr(args, "insecure", False):
        err("ipo46xx: warning: --insecure: the IP Office certificate is not checked")


def parse_pairs(
    pairs: Sequence[str] | None, option: str, example: str, *, strict: bool = False
) -> list[tuple[str, str]]:
    """``NAME=VALUE`` arguments as pairs; ``strict``: the value must be there, without ``=``."""
    from ..errors import InputError  # noqa: PLC0415

    parsed = []
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name or (strict and (not value or "=" in value)):
            raise InputError(f"bad {option} {pair!r}: write {example}")
        parsed.append((name, value))
    return parsed


def parse_mapping(pairs: Sequence[str] | None) -> dict[str, str]:
    """``--replace OLD=NEW`` arguments as a mapping; one old name, one new name."""
    from ..errors import InputError  # noqa: PLC0415

    example = "OLD=NEW, e.g. --replace Root-CA-0214515C.pem=Root-CA-1A2B3C4D.pem"
    mapping: dict[str, str] = {}
    for given_old, given_new in parse_pairs(pairs, "--replace", example, strict=True):
        old, new = given_old.strip(), given_new.strip()
        if mapping.get(old, new) != new:
            raise InputError(
                f"--replace gives two new names for {old}: {mapping[old]} and {new}; keep one"
            )
        mapping[old] = new
    return mapping


# -- reading inputs --------------------------------------------------------------------


def read_input(source: str, args: argparse.Namespace) -> tuple[bytes, str]:
    """The bytes of FILE, '-' or URL, and a name for messages."""
    from ..errors import InputError  # noqa: PLC0415
    from ..format.document import read_file, read_limited  # noqa: PLC0415
    from ..office.sniff import not_settings_reason  # noqa: PLC0415

    if source == "-":
        data, name = read_limited(sys.stdin.buffer, "standard input"), "<stdin>"
    elif is_url(source):
        from ..office.download import fetch  # noqa: PLC0415

        warn_insecure(args)
        data = fetch(source, **tls_options(args))
        return data, source.rsplit("/", 1)[-1] or source
    else:
        data, name = read_file(source), pathlib.Path(source).name
    reason = not_settings_reason(data)
    if reason is not None:
        where = "standard input" if source == "-" else source
        raise InputError(f"{where} is {reason}, not a settings file; check what you gave")
    return data, name


def load_input(source: str, args: argparse.Namespace) -> SettingsFile:
    """FILE, '-' or URL, parsed."""
    from ..format.document import parse  # noqa: PLC0415

    data, name = read_input(source, args)
    return parse(data, name=name)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


# -- questions -------------------------------------------------------------------------


def confirm(args: argparse.Namespace, action: str) -> None:
    """Ask before changing a target; ``--yes`` answers for scripts."""
    from ..errors import InputError  # noqa: PLC0415

    if args.yes:
        return
    if not sys.stdin.isatty():
        raise InputError(
            f"{action} changes the target: confirm with --yes when not run from a terminal"
        )
    try:
        answer = input(f"Go ahead and {action}? [y/N] ").strip().lower()
    except EOFError:  # Ctrl-D: no answer is no
        err("")
        answer = ""
    if answer not in ("y", "yes"):
        raise InputError(f"{action} cancelled; nothing was changed")
